import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { endConnections, listConnections } from "../src/collector/connections_admin.ts";
import { HttpError } from "../src/errors/http_error.ts";

import { installClock, open, withSim } from "./helpers/simulator_harness.ts";

const STREAM = "https://api.x.com/2/tweets/sample/stream?tweet.fields=created_at";
const AUTH = { bearer: "test-token" } as const;

describe("connections admin against the simulator", () => {
  it("listConnections shows two open connections; endConnections ends one and the simulator closes it", async () => {
    await withSim({ maxConnections: 2, clientIp: "203.0.113.7" }, async (sim) => {
      const first = await open(sim, "/2/tweets/sample/stream");
      const second = await open(sim, "/2/tweets/sample/stream");
      const sent: Request[] = [];
      const fetch = (request: Request) => {
        sent.push(request.clone());
        return sim.fetch(request);
      };
      const listed = await listConnections({ url: STREAM, auth: AUTH, fetch });
      assert.equal(listed.length, 2);
      for (const c of listed) {
        assert.equal(c.endpointName, "sample_stream");
        assert.equal(c.clientIp, "203.0.113.7");
        assert.match(c.connectedAt ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
        assert.equal(c.disconnectedAt, undefined);
      }
      assert.notEqual(listed[0].id, listed[1].id);
      assert.equal(sent[0].method, "GET");
      assert.equal(sent[0].url, "https://api.x.com/2/connections?status=active");
      assert.equal(sent[0].headers.get("authorization"), "Bearer test-token");
      assert.match(sent[0].headers.get("user-agent") ?? "", /^holdfast\//);

      const result = await endConnections({
        url: new URL(STREAM),
        auth: AUTH,
        fetch,
        ids: [listed[0].id, "no-such-id"],
        userAgent: "my-app/2.0",
      });
      assert.deepEqual(result, {
        ended: [listed[0].id],
        failed: [{ id: "no-such-id", error: "Connection not found" }],
      });
      assert.equal(sent[1].method, "DELETE");
      assert.equal(sent[1].url, "https://api.x.com/2/connections");
      assert.equal(sent[1].headers.get("user-agent"), "my-app/2.0");
      assert.deepEqual(await sent[1].json(), { uuids: [listed[0].id, "no-such-id"] });

      await Promise.race([first.done, second.done]);
      const ended = [first, second].filter((r) => r.state === "eof");
      assert.equal(ended.length, 1, "exactly one connection was closed");
      const last = ended[0].messages().at(-1) as { errors: { disconnect_type: string }[] };
      assert.equal(last.errors[0].disconnect_type, "ForceDisconnect");

      const still = await listConnections({ url: STREAM, auth: AUTH, fetch: sim.fetch });
      assert.deepEqual(still.map((c) => c.id), [listed[1].id]);
      const gone = await listConnections({
        url: STREAM,
        auth: AUTH,
        fetch: sim.fetch,
        status: "inactive",
      });
      assert.deepEqual(gone.map((c) => [c.id, c.disconnectReason]), [
        [listed[0].id, "operator_disconnect"],
      ]);
      assert.match(gone[0].disconnectedAt ?? "", /Z$/);
      await (ended[0] === first ? second : first).cancel();
    });
  });

  it("listConnections returns an empty list when nothing is open", async () => {
    await withSim({}, async (sim) => {
      assert.deepEqual(await listConnections({ url: STREAM, auth: AUTH, fetch: sim.fetch }), []);
      assert.deepEqual(
        await endConnections({ url: STREAM, auth: AUTH, fetch: sim.fetch, ids: [] }),
        { ended: [], failed: [] },
      );
    });
  });

  it("listConnections and endConnections throw HttpError on a non-2xx answer", async () => {
    await withSim({ bearerTokens: "good-token" }, async (sim) => {
      const auth = { bearer: "wrong-token" };
      const error = await listConnections({ url: STREAM, auth, fetch: sim.fetch }).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof HttpError);
      assert.equal(error.status, 401);
      assert.ok(!String(error.message).includes("wrong-token"));
      await assert.rejects(
        endConnections({ url: STREAM, auth, fetch: sim.fetch, ids: ["x"] }),
        (e: unknown) => e instanceof HttpError && e.status === 401,
      );
    });
  });
});

describe("connections admin without a server", () => {
  it("endConnections sends at most 100 ids per request", async () => {
    const batches: string[][] = [];
    const fetch = async (request: Request) => {
      const { uuids } = await request.json() as { uuids: string[] };
      batches.push(uuids);
      return Response.json({
        data: { results: uuids.map((uuid) => ({ uuid, success: true, error_message: "" })) },
      });
    };
    const ids = Array.from({ length: 250 }, (_, i) => `c${i}`);
    const result = await endConnections({ url: STREAM, auth: AUTH, fetch, ids });
    assert.deepEqual(batches.map((b) => b.length), [100, 100, 50]);
    assert.equal(result.ended.length, 250);
  });

  it("connections requests give up after timeoutMs and follow the caller's signal", async () => {
    const clock = installClock();
    try {
      const hanging = () => new Promise<Response>(() => {});
      const late = listConnections({ url: STREAM, auth: AUTH, fetch: hanging, timeoutMs: 5_000 });
      const checked = assert.rejects(late, {
        name: "TimeoutError",
        message: "X gave no answer to GET /2/connections within 5000 ms",
      });
      await clock.tickAsync(5_000);
      await checked;
      const controller = new AbortController();
      const aborted = endConnections({
        url: STREAM,
        auth: AUTH,
        fetch: hanging,
        ids: ["a"],
        signal: controller.signal,
      });
      controller.abort(new Error("shutting down"));
      await assert.rejects(aborted, { message: "shutting down" });
      assert.equal(clock.countTimers(), 0);
    } finally {
      clock.uninstall();
    }
  });

  it("listConnections refuses an answer that is not X's JSON", async () => {
    const fetch = () => Promise.resolve(new Response("<html>", { status: 200 }));
    await assert.rejects(listConnections({ url: STREAM, auth: AUTH, fetch }), {
      name: "TypeError",
      message: "X's answer to GET /2/connections is not what X documents: the body is not JSON",
    });
  });

  it("connections requests refuse invalid options, naming the option and never a secret", async () => {
    const fetch = () => Promise.resolve(Response.json({}));
    await assert.rejects(
      listConnections({ url: "//ann:hunter2@api.x.com/2", auth: AUTH, fetch }),
      {
        name: "TypeError",
        message:
          `Cannot list connections as 'url' must be an absolute URL: current value is "//***@api.x.com/2"`,
      },
    );
    await assert.rejects(
      listConnections({ url: "mailto:ann@x.com", auth: AUTH, fetch }),
      {
        name: "TypeError",
        message:
          `Cannot list connections as 'url' must be an http(s) URL: current value is "mailto:"`,
      },
    );
    await assert.rejects(
      listConnections({ url: "https://ann:hunter2@api.x.com/2/x", auth: { bearer: "" }, fetch }),
      (e: unknown) =>
        e instanceof TypeError &&
        e.message.startsWith("Cannot list connections as 'auth.bearer' must be a non-empty string"),
    );
    await assert.rejects(
      endConnections({
        url: STREAM,
        auth: AUTH,
        fetch,
        ids: "c1" as unknown as string[],
      }),
      {
        name: "TypeError",
        message: `Cannot end connections as 'ids' must be an array of ids: current value is "c1"`,
      },
    );
    await assert.rejects(
      listConnections({ url: STREAM, auth: AUTH, fetch, status: "open" as "active" }),
      {
        name: "RangeError",
        message:
          `Cannot list connections as 'status' must be active, inactive or all: current value is "open"`,
      },
    );
  });
});
