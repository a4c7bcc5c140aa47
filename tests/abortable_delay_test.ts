import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { delay } from "../src/abortable_delay.ts";

describe("delay", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock();
  });
  afterEach(() => clock.uninstall());

  it("resolves after the given time, not before", async () => {
    let done = false;
    const wait = delay(1_000).then(() => (done = true));
    await clock.tickAsync(999);
    assert.equal(done, false);
    await clock.tickAsync(1);
    await wait;
    assert.equal(done, true);
    assert.equal(clock.countTimers(), 0);
  });

  it("rejects with the signal's reason as soon as it aborts, and clears its timer", async () => {
    const controller = new AbortController();
    const wait = delay(60_000, controller.signal);
    const rejected = assert.rejects(wait, { message: "closed" });
    assert.equal(clock.countTimers(), 1);
    controller.abort(new Error("closed"));
    await rejected;
    assert.equal(clock.countTimers(), 0);
  });

  it("rejects at once for an already aborted signal, without a timer", async () => {
    const rejected = assert.rejects(delay(10, AbortSignal.abort(new Error("early"))), {
      message: "early",
    });
    assert.equal(clock.countTimers(), 0);
    await rejected;
  });

  it("removes its abort listener once it resolves", async () => {
    const controller = new AbortController();
    const wait = delay(5, controller.signal);
    await clock.tickAsync(5);
    await wait;
    controller.abort(); // must not reject anything or throw
    assert.equal(clock.countTimers(), 0);
  });

  it("resolves a zero delay on the next timer turn", async () => {
    let done = false;
    const wait = delay(0).then(() => (done = true));
    assert.equal(done, false);
    await clock.tickAsync(0);
    await wait;
    assert.equal(done, true);
  });

  it("refuses a negative or non-finite time", async () => {
    await assert.rejects(delay(-1), {
      name: "RangeError",
      message: "Cannot delay as 'ms' must be a finite non-negative number: current value is -1",
    });
    await assert.rejects(delay(Number.NaN), RangeError);
    await assert.rejects(delay(Infinity), RangeError);
  });
});
