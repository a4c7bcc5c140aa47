import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { isTooManyConnections } from "../src/collector/too_many_connections.ts";
import type { DisconnectCause } from "../src/disconnect_cause.ts";
import type { ClientEvent } from "../src/client_events.ts";

const V2_BODY = JSON.stringify({
  title: "ConnectionException",
  detail: "This stream is currently at the maximum allowed connection limit.",
  connection_issue: "TooManyConnections",
  type: "https://api.twitter.com/2/problems/streaming-connection",
});
const PT_LINE = JSON.stringify({
  error: {
    message: "Forced Disconnect: Too many connections. (Allowed Connections = 2)",
    sent: "2025-01-01T00:00:00+00:00",
  },
});

function http(body: string | undefined, connectionIssue?: string): DisconnectCause {
  return { kind: "http", status: 429, headers: new Headers(), body, connectionIssue };
}

describe("isTooManyConnections", () => {
  it("isTooManyConnections recognises a 429 body, a stream problem and a PowerTrack message", () => {
    assert.equal(isTooManyConnections(V2_BODY), true);
    assert.equal(isTooManyConnections(JSON.stringify({ errors: [JSON.parse(V2_BODY)] })), true);
    assert.equal(isTooManyConnections(`${PT_LINE}\r\n`), true);
    assert.equal(
      isTooManyConnections(
        '{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}',
      ),
      false,
      "a plain rate limit is not TooManyConnections",
    );
    assert.equal(isTooManyConnections("not json"), false);
  });

  it("isTooManyConnections reads each disconnect cause that can carry it", () => {
    assert.equal(isTooManyConnections(http(V2_BODY, "TooManyConnections")), true);
    assert.equal(isTooManyConnections(http(V2_BODY)), true, "read from the body when not parsed");
    assert.equal(isTooManyConnections(http("{}")), false);
    assert.equal(isTooManyConnections(http(undefined)), false);
    assert.equal(
      isTooManyConnections({ kind: "disconnect-message", disconnectType: "TooManyConnections" }),
      true,
    );
    assert.equal(
      isTooManyConnections({ kind: "disconnect-message", disconnectType: "SlowReader" }),
      false,
    );
    assert.equal(
      isTooManyConnections({
        kind: "system-message",
        systemKind: "too-many-connections",
        message: "Forced Disconnect: Too many connections. (Allowed Connections = 1)",
      }),
      true,
    );
    assert.equal(isTooManyConnections({ kind: "stall", silentMs: 30_000 }), false);
  });

  it("isTooManyConnections reads disconnected, alert and system events", () => {
    const base = { atMs: 0, connectionId: 0 };
    const events: [ClientEvent, boolean][] = [
      [{
        ...base,
        type: "disconnected",
        cause: http(V2_BODY, "TooManyConnections"),
        established: false,
      }, true],
      [{ ...base, type: "disconnected", cause: { kind: "eof" }, established: true }, false],
      [{ ...base, type: "alert", alert: "too-many-connections", message: "too many" }, true],
      [{ ...base, type: "alert", alert: "backoff-ceiling", message: "320 s" }, false],
      [{ ...base, type: "heartbeat" }, false],
    ];
    for (const [event, expected] of events) {
      assert.equal(isTooManyConnections(event), expected, JSON.stringify(event));
    }
  });
});
