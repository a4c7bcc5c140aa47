import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { AlertCenter, type AlertCenterOptions } from "../src/collector/alert_center.ts";
import type { CollectorEvent } from "../src/collector/collector_types.ts";
import type { ClientEvent } from "../src/client_events.ts";
import { HttpError } from "../src/errors/http_error.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");
const HOOK = "https://hooks.example/holdfast";

interface Body {
  source: string;
  kind: string;
  message: string;
  details: Record<string, unknown>;
  atMs: number;
}

/** A center whose webhook bodies and events are captured. */
function harness(options: Partial<AlertCenterOptions> = {}) {
  const bodies: Body[] = [];
  const requests: Request[] = [];
  const events: CollectorEvent[] = [];
  const errors: unknown[] = [];
  const center = new AlertCenter({
    webhookUrl: HOOK,
    fetch: async (request) => {
      requests.push(request);
      bodies.push(await request.json());
      return new Response(null, { status: 204 });
    },
    emit: (event) => void events.push(event),
    onError: (error) => void errors.push(error),
    ...options,
  });
  const alerts = () =>
    events.filter((e): e is Extract<CollectorEvent, { type: "collector-alert" }> =>
      e.type === "collector-alert"
    );
  return { center, bodies, requests, events, errors, alerts };
}

function connecting(attempt: number, connectionId = 0): ClientEvent {
  return { type: "connecting", atMs: Date.now(), connectionId, attempt, url: "https://x/s" };
}

/** Lets pending promise callbacks (the webhook's body reads) run. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}

describe("AlertCenter", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(T0);
  });
  afterEach(() => clock.uninstall());

  it("AlertCenter sends one alert for a reconnect storm, then one summary when the window ends", async () => {
    const { center, bodies, requests, alerts } = harness({
      windowMs: 60_000,
      reconnectStorm: { count: 3, windowMs: 60_000 },
      webhookHeaders: { "x-relay-token": "relay" },
    });
    center.observe(connecting(1)); // a first attempt is not a reconnect
    center.observe(connecting(1, 1));
    for (let attempt = 2; attempt <= 10; attempt++) {
      center.observe(connecting(attempt));
      await clock.tickAsync(1000);
    }
    // 9 reconnects in 9 s: three storms; the first is sent, the other two held back.
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0].source, "holdfast");
    assert.equal(bodies[0].kind, "reconnect-storm");
    assert.equal(bodies[0].message, "3 reconnects in 0 min (alert at 3 within 1 min)");
    assert.equal(requests[0].method, "POST");
    assert.equal(requests[0].url, HOOK);
    assert.equal(requests[0].headers.get("x-relay-token"), "relay");
    assert.equal(requests[0].headers.get("content-type"), "application/json");
    assert.equal(alerts().length, 1);
    assert.equal(alerts()[0].alert, "reconnect-storm");
    await clock.tickAsync(60_000);
    assert.equal(bodies.length, 2);
    assert.match(bodies[1].message, /^2 more reconnect-storm alerts in the last 1 min \(latest: /);
    assert.equal(bodies[1].details.suppressed, 2);
    assert.deepEqual(alerts().map((a) => a.message), bodies.map((b) => b.message));
    await clock.tickAsync(120_000);
    assert.equal(bodies.length, 2, "no further summary once the storm is over");
    await center.close();
    assert.equal(clock.countTimers(), 0);
  });

  it("AlertCenter alerts when the written volume falls to zero", async () => {
    const { center, bodies, alerts } = harness({
      volumeDrop: { warmupMs: 0, sustainMs: 120_000 },
    });
    let written = 0;
    for (let s = 0; s < 20 * 60; s++) {
      written += 10;
      center.tick({ written, lagMs: 1000, queueDropped: 0 });
      clock.tick(1000);
    }
    assert.equal(alerts().length, 0, "steady volume raises nothing");
    for (let s = 0; s < 5 * 60; s++) {
      center.tick({ written, lagMs: 1000 + s * 1000, queueDropped: 0 });
      await clock.tickAsync(1000); // lets the webhook request finish within its timeout
    }
    assert.deepEqual(alerts().map((a) => a.alert), ["volume-drop"]);
    assert.match(
      alerts()[0].message,
      /^Post volume fell to 0\/min against a usual 59\d(\.\d)?\/min for 2 min$/,
    );
    await center.close();
    assert.equal(bodies.length, 1);
    assert.equal(bodies[0].kind, "volume-drop");
  });

  it("AlertCenter raises no volume-drop while paused, and re-learns the usual rate afterwards", async () => {
    const { center, alerts } = harness({
      volumeDrop: { warmupMs: 5 * 60_000, sustainMs: 120_000 },
    });
    let written = 0;
    for (let s = 0; s < 20 * 60; s++) {
      center.tick({ written: written += 10, lagMs: 1000, queueDropped: 0 });
      clock.tick(1000);
    }
    for (let s = 0; s < 30 * 60; s++) {
      center.tick({ written, lagMs: 1000, queueDropped: 0, paused: true });
      clock.tick(1000);
    }
    // Resumed at a twentieth of the old rate: the old baseline is gone, so that is the new usual.
    for (let s = 0; s < 20 * 60; s++) {
      center.tick({ written: written += s % 2, lagMs: 1000, queueDropped: 0 });
      clock.tick(1000);
    }
    assert.deepEqual(alerts(), []);
    await center.close();
  });

  it("AlertCenter alerts when written posts stay late, but not for a quiet stream", async () => {
    const { center, bodies, alerts } = harness({
      lagThresholdMs: 60_000,
      lagSustainMs: 5_000,
      volumeDrop: false,
    });
    // Quiet: nothing written, the newest post only gets older.
    for (let s = 0; s < 60; s++) {
      center.tick({ written: 5, lagMs: 120_000 + s * 1000, queueDropped: 0 });
      clock.tick(1000);
    }
    assert.equal(alerts().length, 0);
    let written = 5;
    for (let s = 0; s < 10; s++) {
      center.tick({ written: written += 3, lagMs: 90_000, queueDropped: 0 });
      clock.tick(1000);
    }
    assert.deepEqual(alerts().map((a) => a.alert), ["lag"]);
    assert.equal(alerts()[0].details?.lagMs, 90_000);
    await center.close();
    assert.equal(bodies[0].kind, "lag");
  });

  it("AlertCenter alerts when the queue drops posts, and summarises further drops on close", async () => {
    const { center, bodies, alerts } = harness({ volumeDrop: false });
    center.tick({ written: 0, lagMs: undefined, queueDropped: 0 });
    clock.tick(1000);
    center.tick({ written: 0, lagMs: undefined, queueDropped: 0 });
    assert.equal(alerts().length, 0);
    clock.tick(1000);
    center.tick({ written: 10, lagMs: 500, queueDropped: 5 });
    assert.equal(alerts().length, 1);
    assert.equal(alerts()[0].alert, "queue-dropping");
    assert.deepEqual(alerts()[0].details, { dropped: 5, totalDropped: 5 });
    clock.tick(1000);
    center.tick({ written: 20, lagMs: 500, queueDropped: 7 });
    assert.equal(alerts().length, 1, "held back within the window");
    await center.close();
    assert.equal(alerts().length, 2);
    assert.match(alerts()[1].message, /^1 more queue-dropping alert in the last 5 min/);
    assert.deepEqual(bodies.map((b) => b.kind), ["queue-dropping", "queue-dropping"]);
  });

  it("AlertCenter sends a loop's alert events to the webhook only, limited, and holds the kinds asked", async () => {
    const { center, bodies, alerts } = harness({ holdClientAlerts: ["too-many-connections"] });
    const loopAlert = (alert: "backoff-ceiling" | "too-many-connections"): ClientEvent => ({
      type: "alert",
      atMs: Date.now(),
      connectionId: 1,
      alert,
      message: `${alert} happened`,
      details: { delayMs: 320_000 },
    });
    center.observe(loopAlert("backoff-ceiling"));
    center.observe(loopAlert("backoff-ceiling"));
    center.observe(loopAlert("too-many-connections"));
    center.raise({ kind: "too-many-connections", message: "2 connections open: ids a, b" });
    await settle();
    assert.deepEqual(bodies.map((b) => b.message), [
      "backoff-ceiling happened",
      "2 connections open: ids a, b",
    ]);
    assert.deepEqual(bodies[0].details, { delayMs: 320_000, connectionId: 1 });
    assert.deepEqual(alerts().map((a) => a.alert), ["too-many-connections"], "not emitted twice");
    await center.close();
    assert.equal(bodies.length, 3);
    assert.match(bodies[2].message, /^1 more backoff-ceiling alert/);
    assert.equal(alerts().length, 1, "a loop alert's summary is not an event either");
  });

  it("AlertCenter never throws when the webhook fails, and reports each failure", async () => {
    let calls = 0;
    const { center, errors, alerts } = harness({
      fetch: (request) => {
        calls++;
        if (request.url.endsWith("?sync")) throw new Error("sync failure");
        if (calls === 1) return Promise.reject(new TypeError("fetch failed"));
        return Promise.resolve(new Response("down", { status: 503 }));
      },
      emit: () => {
        throw new Error("listener broke");
      },
    });
    center.raise({ kind: "gap-unrecoverable", message: "gap of 30 h" });
    center.raise({ kind: "meter-threshold", message: "80% of the cap" });
    await settle();
    await center.close();
    assert.equal(calls, 2);
    const messages = errors.map((e) => (e as Error).message);
    assert.deepEqual(messages.filter((m) => m === "listener broke").length, 2);
    assert.ok(messages.includes("fetch failed"));
    const http = errors.find((e) => e instanceof HttpError);
    assert.equal(http?.status, 503);
    assert.equal(alerts().length, 0);

    const sync = new AlertCenter({
      webhookUrl: `${HOOK}?sync`,
      fetch: () => {
        throw new Error("sync failure");
      },
      emit: () => {},
      onError: () => {
        throw new Error("reporter broke too");
      },
    });
    sync.raise({ kind: "lag", message: "late" });
    await sync.close();
  });

  it("AlertCenter close waits for webhook requests in flight, at most closeTimeoutMs", async () => {
    const { center } = harness({
      fetch: () => new Promise<Response>(() => {}),
      webhookTimeoutMs: 60_000,
      closeTimeoutMs: 2_000,
    });
    center.raise({ kind: "lag", message: "late" });
    let closed = false;
    const closing = center.close().then(() => closed = true);
    await clock.tickAsync(1_999);
    assert.equal(closed, false);
    await clock.tickAsync(1);
    await closing;
    assert.equal(closed, true);
    center.raise({ kind: "lag", message: "after close" });
    await clock.tickAsync(60_000);
  });

  it("AlertCenter emits alerts without a webhook", async () => {
    const events: CollectorEvent[] = [];
    const center = new AlertCenter({ emit: (e) => void events.push(e), now: () => 42 });
    center.raise({ kind: "gap-unrecoverable", message: "too old", details: { gapMs: 1 } });
    assert.deepEqual(events, [{
      type: "collector-alert",
      atMs: 42,
      alert: "gap-unrecoverable",
      message: "too old",
      details: { gapMs: 1 },
    }]);
    await center.close();
  });

  it("AlertCenter refuses invalid options with messages naming option, rule and value", () => {
    const emit = () => {};
    assert.throws(() => new AlertCenter({ emit, webhookUrl: "hooks" }), {
      name: "TypeError",
      message:
        `Cannot construct AlertCenter as 'webhookUrl' must be an absolute URL: current value is "hooks"`,
    });
    assert.throws(() => new AlertCenter({ emit, windowMs: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct AlertCenter as 'windowMs' must be a positive integer: current value is 0",
    });
    assert.throws(() => new AlertCenter({ emit, reconnectStorm: { count: 1.5 } }), {
      name: "RangeError",
      message:
        "Cannot construct AlertCenter as 'reconnectStorm.count' must be a positive integer: current value is 1.5",
    });
    assert.throws(() => new AlertCenter({ emit, volumeDrop: { dropFraction: 2 } }), {
      name: "RangeError",
      message:
        "Cannot construct AlertCenter as 'volumeDrop.dropFraction' must be above 0 and below 1: current value is 2",
    });
    assert.throws(
      () => new AlertCenter({} as AlertCenterOptions),
      {
        name: "TypeError",
        message:
          "Cannot construct AlertCenter as 'emit' must be a function: current value is undefined",
      },
    );
  });
});
