import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { type Alert, AlertLimiter } from "../src/alerts/alert_limiter.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");

describe("AlertLimiter", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(T0);
  });
  afterEach(() => clock.uninstall());

  it("AlertLimiter sends the first alert of a storm at once and one summary when the window ends", () => {
    const sent: Alert[] = [];
    const limiter = new AlertLimiter({ send: (a) => void sent.push(a) });
    limiter.raise({ kind: "backoff-ceiling", message: "wait reached 320 s", details: { n: 1 } });
    assert.deepEqual(sent, [{
      kind: "backoff-ceiling",
      message: "wait reached 320 s",
      details: { n: 1 },
      atMs: T0,
    }]);
    clock.tick(1000);
    limiter.raise({ kind: "backoff-ceiling", message: "again" });
    clock.tick(1000);
    limiter.raise({ kind: "backoff-ceiling", message: "and again", details: { n: 3 } });
    assert.equal(sent.length, 1);
    clock.tick(298_000); // the 5-minute window ends
    assert.equal(sent.length, 2);
    assert.deepEqual(sent[1], {
      kind: "backoff-ceiling",
      message: "2 more backoff-ceiling alerts in the last 5 min (latest: and again)",
      details: { suppressed: 2, windowMs: 300_000, latest: { n: 3 } },
      atMs: T0 + 300_000,
      suppressed: 2,
    });
    limiter.close();
  });

  it("AlertLimiter limits each kind separately", () => {
    const sent: Alert[] = [];
    const limiter = new AlertLimiter({ windowMs: 60_000, send: (a) => void sent.push(a) });
    limiter.raise({ kind: "lag", message: "late" });
    limiter.raise({ kind: "volume-drop", message: "quiet" });
    limiter.raise({ kind: "lag", message: "late again" });
    assert.deepEqual(sent.map((a) => a.kind), ["lag", "volume-drop"]);
    clock.tick(60_000);
    assert.deepEqual(sent.map((a) => a.message), [
      "late",
      "quiet",
      "1 more lag alert in the last 1 min (latest: late again)",
    ]);
    limiter.close();
  });

  it("AlertLimiter sends no summary for a window without further alerts, then sends the next at once", () => {
    const sent: Alert[] = [];
    const limiter = new AlertLimiter({ windowMs: 60_000, send: (a) => void sent.push(a) });
    limiter.raise({ kind: "lag", message: "one" });
    clock.tick(60_000);
    assert.equal(sent.length, 1);
    assert.equal(clock.countTimers(), 0);
    limiter.raise({ kind: "lag", message: "two" });
    assert.equal(sent.length, 2);
    limiter.close();
  });

  it("AlertLimiter sends one summary per window while a storm lasts", () => {
    const sent: Alert[] = [];
    const limiter = new AlertLimiter({ windowMs: 10_000, send: (a) => void sent.push(a) });
    for (let t = 0; t < 35_000; t += 500) {
      limiter.raise({ kind: "reconnect-storm", message: `at ${t}` });
      clock.tick(500);
    }
    // Sent at 0 s; summaries at 10, 20, 30 s; the rest is pending.
    assert.deepEqual(sent.map((a) => a.suppressed ?? 0), [0, 19, 20, 20]);
    limiter.close();
    assert.deepEqual(sent.map((a) => a.suppressed ?? 0), [0, 19, 20, 20, 10]);
    assert.equal(clock.countTimers(), 0);
  });

  it("AlertLimiter close flushes pending summaries, clears its timers, and sends later alerts at once", () => {
    const sent: Alert[] = [];
    const limiter = new AlertLimiter({ send: (a) => void sent.push(a) });
    limiter.raise({ kind: "auth-failure", message: "401" });
    limiter.raise({ kind: "auth-failure", message: "401" });
    limiter.raise({ kind: "lag", message: "late" });
    assert.equal(clock.countTimers(), 2);
    limiter.close();
    assert.equal(clock.countTimers(), 0);
    assert.equal(sent.length, 3);
    assert.equal(sent[2].message, "1 more auth-failure alert in the last 5 min (latest: 401)");
    limiter.raise({ kind: "auth-failure", message: "after close" });
    assert.equal(sent.length, 4);
    assert.equal(clock.countTimers(), 0);
  });

  it("AlertLimiter reports a throwing or rejecting send to onError and keeps going", async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const limiter = new AlertLimiter({
      send: (a) => {
        calls++;
        if (a.kind === "lag") throw new Error("sync failure");
        return Promise.reject(new Error("async failure"));
      },
      onError: (e) => errors.push(e),
    });
    limiter.raise({ kind: "lag", message: "x" });
    limiter.raise({ kind: "volume-drop", message: "y" });
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(calls, 2);
    assert.deepEqual(errors.map((e) => (e as Error).message), ["sync failure", "async failure"]);
    limiter.close();
  });

  it("AlertLimiter refuses invalid options with the std message grammar", () => {
    assert.throws(() => new AlertLimiter({ windowMs: -1, send: () => {} }), {
      name: "RangeError",
      message:
        "Cannot construct AlertLimiter as 'windowMs' must be a positive integer: current value is -1",
    });
    assert.throws(
      () => new AlertLimiter({ send: "https://example" as unknown as () => void }),
      {
        name: "TypeError",
        message:
          `Cannot construct AlertLimiter as 'send' must be a function: current value is "https://example"`,
      },
    );
  });
});
