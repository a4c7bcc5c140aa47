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

/** Runs a Recovery whose attempts answer the bodies in `bodies`, in turn (the last repeats). */
async function recoverWith(bodies: string[]) {
  const policy = new BackoffPolicy();
  let calls = 0;
  const delivered: string[] = [];
  const running = runRecovery(
    { id: 1, window: { kind: "recovery", startMs: 0, endMs: 60_000 }, partition: undefined },
    {
      connect: {
        url: "https://api.x.com/2/tweets/search/stream",
        fetch: () => {
          const body = bodies[Math.min(calls++, bodies.length - 1)];
          return Promise.resolve(new Response(body));
        },
      },
      paramsFor: () => ({ start_time: "2025-01-01T00:00:00Z", end_time: "2025-01-01T00:01:00Z" }),
      connectionId: 1,
      policy,
      gate: new ConnectGate({ policy, now: Date.now }),
      signal: new AbortController().signal,
      now: Date.now,
      emit: () => {},
      deliver: (post) => void delivered.push(post.id ?? ""),
    },
  );
  await clock.tickAsync(60_000);
  return { outcome: await running, calls, delivered };
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

  it("ends at once when an established stream closes", async () => {
    const { outcome, calls } = await recoverWith(["\r\n"]); // a heartbeat, then the end
    assert.equal(calls, 1);
    assert.deepEqual(outcome, { ok: true, posts: 0, reason: "eof" });
  });
});
