import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { classifyLine } from "../src/classify_line.ts";
import type { StreamMessage } from "../src/messages.ts";

const HOSTS = ["https://api.x.com", "https://api.twitter.com"];

function expectType<K extends StreamMessage["type"]>(
  message: StreamMessage,
  type: K,
): Extract<StreamMessage, { type: K }> {
  assert.equal(message.type, type, JSON.stringify(message));
  return message as Extract<StreamMessage, { type: K }>;
}

describe("classifyLine", () => {
  it("classifyLine calls an empty or whitespace-only line a heartbeat", () => {
    for (const line of ["", " ", "\t", " \r "]) {
      assert.deepEqual(classifyLine(line), { type: "heartbeat" });
    }
  });

  it("classifyLine reads a v2 post: id, created_at, rule tags, exact line", () => {
    const line = '{"data":{"id":"1712","text":"東京 🙂","created_at":"2026-01-02T03:04:05.000Z"},' +
      '"includes":{},"matching_rules":[{"id":"9","tag":"cats"},{"id":"10"},{"id":"11","tag":"dogs"}]}';
    const post = expectType(classifyLine(line), "post");
    assert.equal(post.line, line);
    assert.equal(post.id, "1712");
    assert.equal(post.createdAt, "2026-01-02T03:04:05.000Z");
    assert.deepEqual(post.ruleTags, ["cats", "dogs"]);
    assert.deepEqual(post.json, JSON.parse(line));
  });

  it("classifyLine keeps a v2 post with partial errors a post", () => {
    const line = '{"data":{"id":"5","text":"hi"},"errors":[{"title":"Not Found Error",' +
      '"type":"https://api.twitter.com/2/problems/resource-not-found","detail":"deleted"}]}';
    const post = expectType(classifyLine(line), "post");
    assert.equal(post.id, "5");
    assert.deepEqual(post.ruleTags, []);
  });

  it("classifyLine reads operational-disconnect on both hosts, with any detail", () => {
    for (const host of HOSTS) {
      for (const detail of ["This stream has been disconnected upstream.", "whatever", undefined]) {
        const problem = {
          title: "operational-disconnect",
          disconnect_type: "UpstreamOperationalDisconnect",
          ...(detail === undefined ? {} : { detail }),
          type: `${host}/2/problems/operational-disconnect`,
        };
        const m = expectType(classifyLine(JSON.stringify({ errors: [problem] })), "disconnect");
        assert.equal(m.disconnect_type, "UpstreamOperationalDisconnect");
        assert.equal(m.title, "operational-disconnect");
        assert.equal(m.detail, detail);
        assert.deepEqual(m.problem, problem);
      }
    }
  });

  it("classifyLine recognises each documented disconnect_type by type path or by title", () => {
    for (const kind of ["ForceDisconnect", "SlowReader", "InvalidRules", "SomethingNew"]) {
      const byType = {
        disconnect_type: kind,
        type: "https://api.x.com/2/problems/operational-disconnect",
      };
      const byTitle = { title: "operational-disconnect", disconnect_type: kind };
      for (const problem of [byType, byTitle]) {
        const m = expectType(classifyLine(JSON.stringify({ errors: [problem] })), "disconnect");
        assert.equal(m.disconnect_type, kind);
      }
    }
  });

  it("classifyLine reads streaming-connection problems, wrapped or bare (X's docs show both)", () => {
    for (const host of HOSTS) {
      const problem = {
        title: "ConnectionException",
        detail: "This stream is currently at the maximum allowed connection limit.",
        connection_issue: "TooManyConnections",
        type: `${host}/2/problems/streaming-connection`,
      };
      for (const line of [JSON.stringify({ errors: [problem] }), JSON.stringify(problem)]) {
        const m = expectType(classifyLine(line), "connection-error");
        assert.equal(m.connection_issue, "TooManyConnections");
        assert.equal(m.title, "ConnectionException");
        assert.equal(m.detail, problem.detail);
      }
    }
    const bareByTitle =
      '{"title":"ConnectionException","connection_issue":"RuleConfigurationIssue"}';
    assert.equal(
      expectType(classifyLine(bareByTitle), "connection-error").connection_issue,
      "RuleConfigurationIssue",
    );
  });

  it("classifyLine reads usage-capped with period and scope", () => {
    for (const host of HOSTS) {
      const line = JSON.stringify({
        errors: [{
          title: "UsageCapExceeded",
          detail: "Usage cap exceeded: Monthly product cap",
          type: `${host}/2/problems/usage-capped`,
          period: "Monthly",
          scope: "Product",
        }],
      });
      const m = expectType(classifyLine(line), "usage-capped");
      assert.equal(m.period, "Monthly");
      assert.equal(m.scope, "Product");
    }
  });

  it("classifyLine never matches on detail wording", () => {
    const line = JSON.stringify({
      errors: [{
        title: "Something",
        detail: "operational-disconnect TooManyConnections usage-capped",
      }],
    });
    const m = expectType(classifyLine(line), "problem");
    assert.equal(m.title, "Something");
    assert.equal(m.problemType, undefined);
  });

  it("classifyLine looks past the first problem for a known one", () => {
    const line = JSON.stringify({
      errors: [
        { title: "Other", type: "https://api.x.com/2/problems/resource-not-found" },
        {
          disconnect_type: "SlowReader",
          type: "https://api.x.com/2/problems/operational-disconnect/",
        },
      ],
    });
    assert.equal(expectType(classifyLine(line), "disconnect").disconnect_type, "SlowReader");
  });

  it("classifyLine reports any other problem as a problem, wrapped or bare", () => {
    const problem = {
      title: "Invalid Request",
      detail: "One or more parameters to your request was invalid.",
      type: "https://api.twitter.com/2/problems/invalid-request",
    };
    for (const line of [JSON.stringify({ errors: [problem] }), JSON.stringify(problem)]) {
      const m = expectType(classifyLine(line), "problem");
      assert.equal(m.problemType, problem.type);
      assert.equal(m.title, problem.title);
      assert.equal(m.detail, problem.detail);
      assert.deepEqual(m.problem, problem);
    }
    expectType(classifyLine('{"errors":[]}'), "problem");
    expectType(classifyLine('{"errors":[{"code":88,"message":"Rate limit exceeded"}]}'), "problem");
    // A path that only resembles a problem URL is not one.
    const lookalike = '{"errors":[{"type":"https://api.x.com/2/problems-operational-disconnect"}]}';
    expectType(classifyLine(lookalike), "problem");
  });

  it("classifyLine reads PowerTrack system messages of every known kind", () => {
    const sent = "2026-01-02T03:04:05+00:00";
    const cases: [string, string, string, number | undefined][] = [
      ["info", "Gnip is closing for operational reasons", "maintenance", undefined],
      ["info", "Twitter is closing for operational reasons.", "maintenance", undefined],
      ["warn", "X IS CLOSING FOR OPERATIONAL REASONS", "maintenance", undefined],
      [
        "error",
        "Forced Disconnect: Too many connections. (Allowed Connections = 2)",
        "too-many-connections",
        2,
      ],
      [
        "error",
        "Force closing connection to 10.0.0.1:443 because it reached the maximum allowed backup (buffer size is 10000)",
        "full-buffer",
        undefined,
      ],
      ["info", "Replay Request Completed", "other", undefined],
    ];
    for (const [level, message, kind, allowed] of cases) {
      const m = expectType(classifyLine(JSON.stringify({ [level]: { message, sent } })), "system");
      assert.equal(m.level, level);
      assert.equal(m.kind, kind, message);
      assert.equal(m.message, message);
      assert.equal(m.sent, sent);
      assert.equal(m.allowedConnections, allowed);
    }
    const noSent = expectType(classifyLine('{"warn":{"message":"hello"}}'), "system");
    assert.equal(noSent.sent, undefined);
  });

  it("classifyLine reads PowerTrack activities (native and Activity Streams) as posts", () => {
    const native = '{"created_at":"Mon Jan 02 03:04:05 +0000 2026","id":1712000000000000000,' +
      '"id_str":"1712000000000000001","text":"hi","matching_rules":[{"tag":"cats","id":1},{"tag":null}]}';
    const p1 = expectType(classifyLine(native), "post");
    assert.equal(p1.id, "1712000000000000001");
    assert.equal(p1.createdAt, "Mon Jan 02 03:04:05 +0000 2026");
    assert.deepEqual(p1.ruleTags, ["cats"]);
    assert.equal(p1.line, native);

    const activity =
      '{"id":"tag:search.twitter.com,2005:42","verb":"post","postedTime":"2026-01-02T03:04:05.000Z",' +
      '"gnip":{"matching_rules":[{"tag":"dogs","value":"dog"}]}}';
    const p2 = expectType(classifyLine(activity), "post");
    assert.equal(p2.id, "tag:search.twitter.com,2005:42");
    assert.equal(p2.createdAt, "2026-01-02T03:04:05.000Z");
    assert.deepEqual(p2.ruleTags, ["dogs"]);

    const numericId = expectType(classifyLine('{"id":42,"text":"x"}'), "post");
    assert.equal(numericId.id, "42");
    const bare = expectType(classifyLine("{}"), "post");
    assert.equal(bare.id, undefined);
    // An object with `info` plus other keys is an activity, not a system message.
    expectType(classifyLine('{"info":{"message":"x"},"id_str":"1"}'), "post");
  });

  it("classifyLine reports malformed input with a reason, never throwing", () => {
    for (
      const line of [
        "not json",
        "[1,2]",
        "42",
        "null",
        '"text"',
        "true",
        '{"data":{"id":"1"',
        "}{",
        "\uFEFF{}",
      ]
    ) {
      const m = expectType(classifyLine(line), "malformed");
      assert.equal(m.line, line);
      assert.ok(m.reason.length > 0);
    }
    assert.match(expectType(classifyLine("[1]"), "malformed").reason, /array/);
    assert.match(expectType(classifyLine("null"), "malformed").reason, /null/);
    assert.match(expectType(classifyLine("42"), "malformed").reason, /number/);
    assert.match(expectType(classifyLine("{oops"), "malformed").reason, /not JSON/);
  });

  it("classifyLine survives odd field types without throwing", () => {
    const odd = [
      '{"data":{"id":5,"created_at":7},"matching_rules":"x"}',
      '{"errors":[null,1,"x"]}',
      '{"errors":[{"type":"::not a url::"}]}',
      '{"errors":[{"type":42,"title":["operational-disconnect"]}]}',
      '{"data":null,"errors":"x"}',
      '{"error":"string"}',
      '{"__proto__":{"data":{}},"gnip":null}',
    ];
    for (const line of odd) assert.doesNotThrow(() => classifyLine(line), line);
    assert.equal(expectType(classifyLine(odd[0]), "post").id, "5");
    assert.equal(expectType(classifyLine(odd[0]), "post").createdAt, undefined);
  });
});
