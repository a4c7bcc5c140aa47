import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BackoffPolicy } from "../src/backoff_policy.ts";
import { ConnectGate } from "../src/collector/connect_gate.ts";
import { EMPTY_RECOVERY_RETRIES, runRecovery } from "../src/collector/recovery_runner.ts";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

const isoSeconds = (ms: number): string => new Date(ms).toISOString().slice(0, 19) + "Z";

/** Runs a Recovery of the minute from now whose attempts answer the bodies in `bodies`, in turn
 * (the last repeats). `delivered`: the ids, with " again" for those an earlier attempt read. */
async function recoverWith(bodies: string[], unitMs?: number) {
  const policy = new BackoffPolicy();
  const urls: string[] = [];
  const delivered: string[] = [];
  const startMs = Date.now(); // 2025-01-01T00:00:00Z
  const running = runRecovery(
    { id: 1, window: { kind: "recovery", startMs, endMs: startMs + 60_000 }, partition: undefined },
    {
      connect: {
        url: "https://api.x.com/2/tweets/search/stream",
        fetch: (request) => {
          const body = bodies[Math.min(urls.length, bodies.length - 1)];
          urls.push(request.url);
          return Promise.resolve(new Response(body));
        },
      },
      paramsFor: (job) => ({
        start_time: isoSeconds(job.window.startMs),
        end_time: isoSeconds(job.window.endMs),
      }),
      connectionId: 1,
      policy,
      gate: new ConnectGate({ policy, now: Date.now }),
      signal: new AbortController().signal,
      now: Date.now,
      emit: () => {},
      deliver: (post, replayed) => void delivered.push(`${post.id}${replayed ? " again" : ""}`),
      unitMs,
    },
  );
  await clock.tickAsync(80_000); // asked for 10 s after the window's end
  return { outcome: await running, calls: urls.length, urls, delivered };
}

describe("runRecovery", () => {
  it("asks again when the stream ends before its first byte, instead of losing the window", async () => {
    const { outcome, calls, delivered } = await recoverWith([
      "", // accepted, then closed before any post or heartbeat: a drop, or an empty window?
      '{"data":{"id":"1"}}\r\n{"data":{"id":"2"}}\r\n',
    ]);
    assert.deepEqual(delivered, ["1", "2"]);
    assert.equal(calls, 2);
    assert.deepEqual(outcome, { ok: true, posts: 2, reason: "eof" });
  });

  it("takes a window as empty after the retries, and ends", async () => {
    const { outcome, calls } = await recoverWith([""]);
    assert.equal(calls, 1 + EMPTY_RECOVERY_RETRIES);
    assert.deepEqual(outcome, { ok: true, posts: 0, reason: "eof" });
  });

  it("resumes a stream that dropped part-way a unit before its newest post, not from the start", async () => {
    const post = (id: string, second: number, tenths = 0) =>
      JSON.stringify({
        data: {
          id,
          created_at: `2025-01-01T00:00:${String(second).padStart(2, "0")}.${tenths}00Z`,
        },
      }) + "\r\n";
    const dropped = JSON.stringify({
      errors: [{
        title: "operational-disconnect",
        disconnect_type: "OperationalDisconnect",
        type: "https://api.x.com/2/problems/operational-disconnect",
      }],
    }) + "\r\n";
    const { outcome, urls, delivered } = await recoverWith([
      post("1", 10) + post("2", 20, 5) + post("3", 21, 2) + dropped,
      post("2", 20, 5) + post("3", 21, 2) + post("4", 30),
    ], 1_000);
    assert.equal(urls.length, 2);
    assert.match(urls[0], /start_time=2025-01-01T00%3A00%3A00Z/);
    // The newest post read was created at 00:00:21.2: resume a second before its second.
    assert.match(urls[1], /start_time=2025-01-01T00%3A00%3A20Z/);
    assert.match(urls[1], /end_time=2025-01-01T00%3A01%3A00Z/);
    assert.deepEqual(delivered, ["1", "2", "3", "2 again", "3 again", "4"]);
    assert.deepEqual(outcome, { ok: true, posts: 6, reason: "eof" });
  });

  it("ends at once when an established stream closes", async () => {
    const { outcome, calls } = await recoverWith(["\r\n"]); // a heartbeat, then the end
    assert.equal(calls, 1);
    assert.deepEqual(outcome, { ok: true, posts: 0, reason: "eof" });
  });
});
