import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import {
  HeartbeatTimer,
  HeartbeatWatchdog,
  resolveHeartbeatWatchdogOptions,
  stallTimeoutFor,
} from "../src/heartbeat_watchdog.ts";
import { StallError } from "../src/errors/stall_error.ts";
import { pipeChunks } from "./helpers/every_split.ts";

const TIMEOUT_MS = stallTimeoutFor("v2");
const HEARTBEAT = new Uint8Array([0x0d, 0x0a]);

describe("HeartbeatWatchdog", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock();
  });
  afterEach(() => clock.uninstall());

  /** A watchdog with a writer on one side and a reader on the other. */
  function open(timeoutMs = TIMEOUT_MS) {
    const watchdog = new HeartbeatWatchdog<Uint8Array>({ timeoutMs });
    return { writer: watchdog.writable.getWriter(), reader: watchdog.readable.getReader() };
  }

  it("stallTimeoutFor is the heartbeat interval plus the margin", () => {
    assert.equal(stallTimeoutFor("v2"), 30_000);
    assert.equal(stallTimeoutFor("powertrack"), 20_000);
    assert.equal(resolveHeartbeatWatchdogOptions().timeoutMs, stallTimeoutFor("v2"));
  });

  it("HeartbeatWatchdog passes chunks through unchanged", async () => {
    const chunks = [new Uint8Array([1, 2]), HEARTBEAT, new Uint8Array([3])];
    assert.deepEqual(await pipeChunks(chunks, new HeartbeatWatchdog<Uint8Array>()), chunks);
    assert.equal(clock.countTimers(), 0);
  });

  it("HeartbeatWatchdog does not stall while chunks keep arriving within the timeout", async () => {
    const { writer, reader } = open();
    for (let i = 0; i < 10; i++) {
      await clock.tickAsync(TIMEOUT_MS - 1);
      void writer.write(HEARTBEAT);
      assert.deepEqual(await reader.read(), { done: false, value: HEARTBEAT });
    }
    // Ten periods in, a single timer is pending (it re-arms itself, never piles up).
    assert.equal(clock.countTimers(), 1);
    await writer.close();
    assert.equal((await reader.read()).done, true);
  });

  it("HeartbeatWatchdog errors with StallError after timeoutMs of silence", async () => {
    const { writer, reader } = open();
    await clock.tickAsync(5_000);
    void writer.write(HEARTBEAT);
    await reader.read();
    const stalled = assert.rejects(reader.read(), (error: unknown) => {
      assert.ok(error instanceof StallError);
      assert.equal(error.timeoutMs, TIMEOUT_MS);
      assert.ok(error.silentMs >= TIMEOUT_MS, `silentMs ${error.silentMs}`);
      return true;
    });
    await clock.tickAsync(TIMEOUT_MS);
    await stalled;
    assert.equal(clock.countTimers(), 0, "no timer left once it has fired");
  });

  it("HeartbeatWatchdog stalls on a body that never sends a byte", async () => {
    const { reader } = open(20_000);
    const stalled = assert.rejects(reader.read(), StallError);
    await clock.tickAsync(19_999);
    assert.equal(clock.countTimers(), 1);
    await clock.tickAsync(1);
    await stalled;
  });

  it("HeartbeatWatchdog tolerates heartbeats that arrive late within the margin", async () => {
    // v2 promises a heartbeat every 20 s; they often come late. 29 s apart is still alive.
    const { writer, reader } = open();
    for (const gap of [20_000, 25_000, 29_000, 29_999, 21_000]) {
      await clock.tickAsync(gap);
      void writer.write(HEARTBEAT);
      assert.deepEqual(await reader.read(), { done: false, value: HEARTBEAT });
    }
    await writer.close();
    assert.equal((await reader.read()).done, true);
  });

  it("HeartbeatWatchdog clears its timer on close: no StallError afterwards", async () => {
    const { writer, reader } = open();
    void writer.write(HEARTBEAT);
    await reader.read();
    await writer.close();
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(TIMEOUT_MS * 3);
    assert.deepEqual(await reader.read(), { done: true, value: undefined });
  });

  it("HeartbeatWatchdog clears its timer when the reader cancels", async () => {
    const { writer, reader } = open();
    await reader.cancel("consumer went away");
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(TIMEOUT_MS * 3);
    assert.equal(clock.countTimers(), 0);
    // The writable side reports the cancel reason, not a StallError.
    await assert.rejects(
      writer.write(HEARTBEAT),
      (error: unknown) => !(error instanceof StallError),
    );
  });

  it("HeartbeatWatchdog clears its timer when the writer aborts", async () => {
    const { writer } = open();
    await writer.abort(new Error("body failed"));
    assert.equal(clock.countTimers(), 0);
  });

  it("HeartbeatWatchdog validates timeoutMs with RangeError or TypeError", () => {
    const message = (v: string) =>
      `Cannot construct HeartbeatWatchdog as 'timeoutMs' must be a positive integer: current value is ${v}`;
    for (const [value, shown] of [[-1, "-1"], [0, "0"], [2.5, "2.5"], [NaN, "NaN"]] as const) {
      assert.throws(
        () => new HeartbeatWatchdog({ timeoutMs: value }),
        new RangeError(message(shown)),
      );
    }
    assert.throws(
      () => new HeartbeatWatchdog({ timeoutMs: "30" as unknown as number }),
      new TypeError(message('"30"')),
    );
    assert.equal(clock.countTimers(), 0, "a refused watchdog starts no timer");
  });

  it("HeartbeatWatchdog reads time from the injected clock", async () => {
    let nowMs = 0;
    const watchdog = new HeartbeatWatchdog<string>({ timeoutMs: 1_000, now: () => nowMs });
    const writer = watchdog.writable.getWriter();
    const reader = watchdog.readable.getReader();
    // The injected clock says a chunk came at 900 ms: when the timer fires at 1 s, it re-arms.
    nowMs = 900;
    void writer.write("x");
    await reader.read();
    nowMs = 1_000;
    await clock.tickAsync(1_000);
    assert.equal(clock.countTimers(), 1);
    const stalled = assert.rejects(
      reader.read(),
      (e: unknown) => e instanceof StallError && e.silentMs === 1_000,
    );
    nowMs = 1_900;
    await clock.tickAsync(900);
    await stalled;
  });
});

describe("HeartbeatTimer", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock();
  });
  afterEach(() => clock.uninstall());

  it("HeartbeatTimer calls onStall once after timeoutMs of silence, then holds no timer", async () => {
    const stalls: StallError[] = [];
    new HeartbeatTimer((e) => stalls.push(e), { timeoutMs: 1_000 });
    await clock.tickAsync(999);
    assert.equal(stalls.length, 0);
    await clock.tickAsync(1);
    assert.equal(stalls.length, 1);
    assert.ok(stalls[0] instanceof StallError);
    assert.equal(stalls[0].silentMs, 1_000);
    assert.equal(stalls[0].timeoutMs, 1_000);
    await clock.tickAsync(10_000);
    assert.equal(stalls.length, 1);
    assert.equal(clock.countTimers(), 0);
  });

  it("HeartbeatTimer touch() restarts the silence count without a timer per touch", async () => {
    const stalls: StallError[] = [];
    const timer = new HeartbeatTimer((e) => stalls.push(e), { timeoutMs: 1_000 });
    for (let i = 0; i < 5; i++) {
      await clock.tickAsync(900);
      timer.touch();
      assert.equal(clock.countTimers(), 1);
    }
    assert.equal(stalls.length, 0);
    await clock.tickAsync(1_000);
    assert.equal(stalls.length, 1);
  });

  it("HeartbeatTimer touch(atMs) records the given time of the injected clock", async () => {
    let nowMs = 0;
    const stalls: StallError[] = [];
    const timer = new HeartbeatTimer((e) => stalls.push(e), { timeoutMs: 1_000, now: () => nowMs });
    timer.touch(600);
    nowMs = 1_000;
    await clock.tickAsync(1_000);
    assert.equal(stalls.length, 0, "re-armed for the 600 ms left");
    nowMs = 1_600;
    await clock.tickAsync(600);
    assert.equal(stalls[0]?.silentMs, 1_000);
  });

  it("HeartbeatTimer stop() clears the timer for good", async () => {
    const stalls: StallError[] = [];
    const timer = new HeartbeatTimer((e) => stalls.push(e), { timeoutMs: 1_000 });
    timer.stop();
    timer.stop();
    assert.equal(clock.countTimers(), 0);
    await clock.tickAsync(5_000);
    assert.equal(stalls.length, 0);
  });

  it("HeartbeatTimer validates onStall and its options, naming the class", () => {
    assert.throws(
      () => new HeartbeatTimer(undefined as unknown as () => void),
      {
        name: "TypeError",
        message: "Cannot construct HeartbeatTimer as 'onStall' must be a function: current " +
          "value is undefined",
      },
    );
    assert.throws(() => new HeartbeatTimer(() => {}, { timeoutMs: 0 }), {
      name: "RangeError",
      message: "Cannot construct HeartbeatTimer as 'timeoutMs' must be a positive integer: " +
        "current value is 0",
    });
    assert.equal(clock.countTimers(), 0);
  });
});
