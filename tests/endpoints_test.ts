import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { endpointFromUrl, powertrackStream, v2Stream } from "../src/endpoints.ts";

describe("v2Stream", () => {
  it("builds each v2 stream URL on api.x.com with v2 parameter names", () => {
    assert.deepEqual(v2Stream("filtered"), {
      url: "https://api.x.com/2/tweets/search/stream",
      product: "v2",
      backfillParam: "backfill_minutes",
      recoveryParams: { start: "start_time", end: "end_time" },
    });
    assert.equal(v2Stream("sample").url, "https://api.x.com/2/tweets/sample/stream");
    assert.equal(
      v2Stream("sample10", { partition: 2 }).url,
      "https://api.x.com/2/tweets/sample10/stream?partition=2",
    );
    assert.equal(
      v2Stream("firehose", { partition: 20 }).url,
      "https://api.x.com/2/tweets/firehose/stream?partition=20",
    );
    assert.equal(
      v2Stream("tweets-compliance", { partition: 1 }).url,
      "https://api.x.com/2/tweets/compliance/stream?partition=1",
    );
    assert.equal(
      v2Stream("users-compliance", { partition: 4 }).url,
      "https://api.x.com/2/users/compliance/stream?partition=4",
    );
  });

  it("adds extra params and honours a base URL with a path prefix", () => {
    const e = v2Stream("filtered", {
      baseUrl: "http://127.0.0.1:8080/sim/",
      params: { "tweet.fields": "created_at,lang", expansions: "author_id" },
    });
    const url = new URL(e.url);
    assert.equal(url.origin + url.pathname, "http://127.0.0.1:8080/sim/2/tweets/search/stream");
    assert.equal(url.searchParams.get("tweet.fields"), "created_at,lang");
    assert.equal(url.searchParams.get("expansions"), "author_id");
  });

  it("requires a partition where X does, with a clear error", () => {
    for (const kind of ["sample10", "firehose", "tweets-compliance", "users-compliance"] as const) {
      assert.throws(() => v2Stream(kind), {
        name: "TypeError",
        message:
          `Cannot create v2Stream as 'partition' is required by the '${kind}' stream: current value is undefined`,
      });
    }
    assert.throws(() => v2Stream("firehose", { partition: 21 }), {
      name: "RangeError",
      message:
        "Cannot create v2Stream as 'partition' must be an integer from 1 to 20 for the 'firehose' stream: current value is 21",
    });
    assert.throws(() => v2Stream("sample10", { partition: 0 }), RangeError);
    assert.throws(() => v2Stream("tweets-compliance", { partition: 1.5 }), RangeError);
  });

  it("refuses a partition on streams that take none, an unknown kind, and a bad base URL", () => {
    assert.throws(() => v2Stream("filtered", { partition: 1 }), /'partition' is not accepted/);
    assert.throws(
      () => v2Stream("search" as never),
      /Cannot create v2Stream as 'kind' must be one of filtered, sample, .*: current value is "search"/,
    );
    assert.throws(() => v2Stream("sample", { baseUrl: "api.x.com" }), {
      name: "TypeError",
      message:
        `Cannot create v2Stream as 'baseUrl' must be an absolute URL: current value is "api.x.com"`,
    });
  });
});

describe("powertrackStream", () => {
  it("builds the PowerTrack URL with PowerTrack parameter names", () => {
    assert.deepEqual(powertrackStream({ account: "acme", label: "prod" }), {
      url: "https://gnip-stream.x.com/stream/powertrack/accounts/acme/publishers/twitter/prod.json",
      product: "powertrack",
      backfillParam: "backfillMinutes",
      recoveryParams: { start: "startTime", end: "endTime" },
    });
  });

  it("encodes account and label, and takes a base URL", () => {
    const e = powertrackStream({ account: "a b", label: "x/y", baseUrl: "http://localhost:9000" });
    assert.equal(
      e.url,
      "http://localhost:9000/stream/powertrack/accounts/a%20b/publishers/twitter/x%2Fy.json",
    );
  });

  it("requires account and label", () => {
    assert.throws(() => powertrackStream({ account: "", label: "prod" }), {
      name: "TypeError",
      message:
        `Cannot create powertrackStream as 'account' must be a non-empty string: current value is ""`,
    });
    assert.throws(
      () => powertrackStream({ account: "acme" } as never),
      /'label' must be a non-empty string: current value is undefined/,
    );
  });
});

describe("endpointFromUrl", () => {
  it("detects PowerTrack by its /stream/powertrack/ path", () => {
    const e = endpointFromUrl(
      "https://gnip-stream.x.com/stream/powertrack/accounts/acme/publishers/twitter/prod.json",
    );
    assert.equal(e.product, "powertrack");
    assert.equal(e.backfillParam, "backfillMinutes");
    assert.deepEqual(e.recoveryParams, { start: "startTime", end: "endTime" });
  });

  it("treats every other URL as v2 and keeps its query", () => {
    const e = endpointFromUrl(
      new URL("http://127.0.0.1:1234/2/tweets/search/stream?tweet.fields=id"),
    );
    assert.equal(e.product, "v2");
    assert.equal(e.url, "http://127.0.0.1:1234/2/tweets/search/stream?tweet.fields=id");
    assert.equal(e.backfillParam, "backfill_minutes");
  });

  it("names a value that is not a URL", () => {
    assert.throws(() => endpointFromUrl("not a url"), {
      name: "TypeError",
      message:
        `Cannot create endpointFromUrl as 'url' must be an absolute URL: current value is "not a url"`,
    });
  });
});
