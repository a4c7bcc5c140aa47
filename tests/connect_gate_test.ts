import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { BackoffPolicy } from "../src/backoff_policy.ts";
import type { ClientEvent } from "../src/client_events.ts";
import type { BackoffClass } from "../src/disconnect_cause.ts";
import { ConnectGate } from "../src/collector/connect_gate.ts";
import { installClock, type TestClock } from "./helpers/simulator_harness.ts";

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

function retry(connectionId: number, backoffClass: BackoffClass, delayMs: number) {
  const atMs = Date.now();
  return {
    type: "retry-scheduled",
    atMs,
    connectionId,
    delayMs,
    backoffClass,
    attempt: 1,
    retryAtMs: atMs + delayMs,
  } as const;
}

/** Connection `connectionId`'s attempt failed, now, before it was established. */
function failed(connectionId: number, cause: Record<string, unknown>): ClientEvent {
  return {
    type: "disconnected",
    atMs: Date.now(),
    connectionId,
    cause,
    established: false,
  } as never;
}

describe("ConnectGate", () => {
  it("holds every connection's next request until the latest backoff wait has ended", async () => {
    const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now });
    const signal = new AbortController().signal;
    // Connection 0's request failed with a 503: it waits 5 s on the HTTP curve.
    await gate.enter(0, signal);
    gate.observe(0, failed(0, { kind: "http", status: 503, headers: {}, body: "" }));
    gate.observe(0, retry(0, "http", 5_000));
    // Connection 1 dropped after being established: it would reconnect at once, but X's wait
    // applies to the client's next request, whichever connection sends it.
    let entered = false;
    const entering = gate.enter(1, signal).then(() => void (entered = true));
    await clock.tickAsync(4_999);
    assert.equal(entered, false, "not before the 503's 5 s wait ended");
    await clock.tickAsync(1);
    await entering;
    assert.equal(entered, true);
    gate.leave(1);
  });

  it("does not hold requests for an immediate reconnect", async () => {
    const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now });
    const signal = new AbortController().signal;
    gate.observe(0, retry(0, "immediate", 0));
    let entered = false;
    const entering = gate.enter(1, signal).then(() => void (entered = true));
    await clock.tickAsync(0);
    await entering;
    assert.equal(entered, true);
    gate.leave(1);
  });
});

describe("ConnectGate: an answered request is not yet an established one", () => {
  it("holds the next request until a heartbeat, not until the HTTP answer", async () => {
    const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now });
    const signal = new AbortController().signal;
    await gate.enter(0, signal);
    gate.observe(0, { type: "connected", atMs: Date.now(), connectionId: 0 } as never);
    let entered = false;
    const entering = gate.enter(1, signal).then(() => void (entered = true));
    await clock.tickAsync(1_000);
    assert.equal(entered, false, "a 200 may still fail before its first byte");
    gate.observe(0, { type: "heartbeat", atMs: Date.now(), connectionId: 0 });
    await clock.tickAsync(0);
    await entering;
    assert.equal(entered, true);
    gate.leave(1);
  });

  it("after a 200 that fails before its first byte, the next request waits the network backoff", async () => {
    const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now });
    const signal = new AbortController().signal;
    await gate.enter(0, signal);
    gate.observe(0, { type: "connected", atMs: Date.now(), connectionId: 0 } as never);
    let enteredAtMs: number | undefined;
    const entering = gate.enter(1, signal).then(() => void (enteredAtMs = Date.now()));
    await clock.tickAsync(500);
    const failedAtMs = Date.now();
    gate.observe(0, failed(0, { kind: "network", error: new TypeError("reset") }));
    gate.observe(0, retry(0, "network", 250));
    await clock.tickAsync(250);
    await entering;
    assert.equal(enteredAtMs, failedAtMs + 250);
    gate.leave(1);
  });

  it("an attempt that never settles releases the gate after the hold cap", async () => {
    const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now, holdMs: 10_000 });
    const signal = new AbortController().signal;
    await gate.enter(0, signal);
    let entered = false;
    const entering = gate.enter(1, signal).then(() => void (entered = true));
    await clock.tickAsync(9_999);
    assert.equal(entered, false);
    await clock.tickAsync(1);
    await entering;
    assert.equal(entered, true);
    gate.leave(1);
  });
});
