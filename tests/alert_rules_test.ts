import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import {
  LagDetector,
  ReconnectStormDetector,
  VolumeDropDetector,
} from "../src/alerts/alert_rules.ts";
import type { AlertInput } from "../src/alerts/alert_limiter.ts";

const MIN = 60_000;

describe("ReconnectStormDetector", () => {
  it("ReconnectStormDetector alerts when N reconnects fall within the window, then counts afresh", () => {
    const storm = new ReconnectStormDetector({ reconnects: 3, windowMs: MIN });
    assert.equal(storm.observe(0), undefined);
    assert.equal(storm.observe(20_000), undefined);
    const alert = storm.observe(40_000);
    assert.equal(alert?.kind, "reconnect-storm");
    assert.equal(alert?.message, "3 reconnects in 0.7 min (alert at 3 within 1 min)");
    assert.deepEqual(alert?.details, {
      reconnects: 3,
      windowMs: MIN,
      firstAtMs: 0,
      lastAtMs: 40_000,
    });
    assert.equal(storm.observe(41_000), undefined, "counting starts again after an alert");
    assert.equal(storm.observe(42_000), undefined);
    assert.equal(storm.observe(43_000)?.kind, "reconnect-storm");
  });

  it("ReconnectStormDetector stays quiet for reconnects spread wider than the window", () => {
    const storm = new ReconnectStormDetector({ reconnects: 3, windowMs: MIN });
    for (let t = 0; t < 100 * MIN; t += 31_000) assert.equal(storm.observe(t), undefined);
  });

  it("ReconnectStormDetector reads the clock when no time is given", () => {
    const clock = installClock(1_000_000);
    try {
      const storm = new ReconnectStormDetector({ reconnects: 2, windowMs: 1000 });
      storm.observe();
      clock.tick(1001);
      assert.equal(storm.observe(), undefined);
      clock.tick(999);
      assert.equal(storm.observe()?.kind, "reconnect-storm");
    } finally {
      clock.uninstall();
    }
  });

  it("ReconnectStormDetector refuses invalid options with the std message grammar", () => {
    assert.throws(() => new ReconnectStormDetector({ reconnects: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct ReconnectStormDetector as 'reconnects' must be a positive integer: current value is 0",
    });
  });
});

describe("VolumeDropDetector", () => {
  /** Feeds `perMinute` posts a minute as one observation per second from `fromMs` to `toMs`. */
  function feed(
    d: VolumeDropDetector,
    perMinute: number,
    fromMs: number,
    toMs: number,
  ): AlertInput[] {
    const alerts: AlertInput[] = [];
    for (let t = fromMs; t < toMs; t += 1000) {
      const alert = d.observe(perMinute / 60, t);
      if (alert) alerts.push(alert);
    }
    return alerts;
  }

  it("VolumeDropDetector alerts once when volume stays near zero for longer than sustainMs", () => {
    const d = new VolumeDropDetector({ warmupMs: 10 * MIN, sustainMs: 5 * MIN });
    assert.deepEqual(feed(d, 600, 0, 30 * MIN), []);
    const alerts = feed(d, 0, 30 * MIN, 45 * MIN);
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].kind, "volume-drop");
    assert.equal(alerts[0].message, "Post volume fell to 0/min against a usual 600/min for 5 min");
    assert.equal(alerts[0].details?.lowSinceMs, 30 * MIN);
  });

  it("VolumeDropDetector alerts on a drop below a tenth of the usual rate, not on a dip to a fifth", () => {
    const dip = new VolumeDropDetector({ warmupMs: 0 });
    feed(dip, 1000, 0, 30 * MIN);
    assert.deepEqual(feed(dip, 200, 30 * MIN, 60 * MIN), []);
    const drop = new VolumeDropDetector({ warmupMs: 0 });
    feed(drop, 1000, 0, 30 * MIN);
    assert.equal(feed(drop, 50, 30 * MIN, 60 * MIN).length, 1);
  });

  it("VolumeDropDetector ignores a drop shorter than sustainMs", () => {
    const d = new VolumeDropDetector({ warmupMs: 0, sustainMs: 5 * MIN });
    feed(d, 600, 0, 30 * MIN);
    assert.deepEqual(feed(d, 0, 30 * MIN, 34 * MIN), []);
    assert.deepEqual(feed(d, 600, 34 * MIN, 40 * MIN), []);
    assert.deepEqual(feed(d, 0, 40 * MIN, 44 * MIN), []);
  });

  it("VolumeDropDetector ignores the warm-up while the usual rate forms", () => {
    const d = new VolumeDropDetector({ warmupMs: 15 * MIN, sustainMs: MIN });
    feed(d, 600, 0, 3 * MIN);
    assert.deepEqual(feed(d, 0, 3 * MIN, 14 * MIN), []);
  });

  it("VolumeDropDetector re-arms after volume recovers and alerts on the next drop", () => {
    const d = new VolumeDropDetector({ warmupMs: 0, sustainMs: 2 * MIN });
    feed(d, 600, 0, 20 * MIN);
    assert.equal(feed(d, 0, 20 * MIN, 30 * MIN).length, 1);
    assert.deepEqual(feed(d, 600, 30 * MIN, 40 * MIN), []);
    assert.equal(feed(d, 0, 40 * MIN, 50 * MIN).length, 1);
  });

  it("VolumeDropDetector judges a silent stream from sparse heartbeats and a long gap", () => {
    const d = new VolumeDropDetector({ warmupMs: 0, sustainMs: 5 * MIN });
    feed(d, 600, 0, 30 * MIN);
    const alert = d.observe(0, 30 * 24 * 60 * MIN); // one call a month later
    assert.equal(alert?.kind, "volume-drop");
  });

  it("VolumeDropDetector leaves streams too quiet to judge alone", () => {
    const d = new VolumeDropDetector({ warmupMs: 0, sustainMs: MIN, minBaselinePerMinute: 1 });
    feed(d, 0.5, 0, 30 * MIN);
    assert.deepEqual(feed(d, 0, 30 * MIN, 60 * MIN), []);
  });

  it("VolumeDropDetector refuses invalid options with the std message grammar", () => {
    assert.throws(() => new VolumeDropDetector({ dropFraction: 1 }), {
      name: "RangeError",
      message:
        "Cannot construct VolumeDropDetector as 'dropFraction' must be above 0 and below 1: current value is 1",
    });
  });
});

describe("LagDetector", () => {
  const at = (iso: string) => Date.parse(iso);

  it("LagDetector alerts once when posts stay late for sustainMs, until one arrives on time", () => {
    const lag = new LagDetector({ thresholdMs: 60_000, sustainMs: 30_000 });
    assert.equal(lag.observe("2025-01-01T00:00:00Z", at("2025-01-01T00:00:05Z")), undefined);
    assert.equal(lag.lastLagMs, 5000);
    assert.equal(lag.observe("2025-01-01T00:00:00Z", at("2025-01-01T00:01:30Z")), undefined);
    const alert = lag.observe("2025-01-01T00:00:20Z", at("2025-01-01T00:02:00Z"));
    assert.equal(alert?.kind, "lag");
    assert.equal(
      alert?.message,
      "Posts arrive 100 s after they were created (threshold 60 s): the consumer is falling behind",
    );
    assert.equal(lag.observe("2025-01-01T00:00:30Z", at("2025-01-01T00:03:00Z")), undefined);
    assert.equal(lag.observe("2025-01-01T00:02:59Z", at("2025-01-01T00:03:00Z")), undefined);
    assert.equal(lag.observe("2025-01-01T00:00:00Z", at("2025-01-01T00:04:00Z")), undefined);
    assert.equal(lag.observe("2025-01-01T00:00:00Z", at("2025-01-01T00:04:30Z"))?.kind, "lag");
  });

  it("LagDetector lets a short burst of old posts (a backfill) pass without an alert", () => {
    const lag = new LagDetector({ thresholdMs: 60_000, sustainMs: 30_000 });
    const now = at("2025-01-01T00:10:00Z");
    for (let i = 0; i < 300; i++) {
      assert.equal(lag.observe(now - 300_000 + i * 1000, now + i * 50), undefined);
    }
    assert.equal(lag.observe(now + 15_000, now + 15_100), undefined);
  });

  it("LagDetector skips posts without a readable created_at", () => {
    const lag = new LagDetector({ sustainMs: 0 });
    assert.equal(lag.observe(undefined, 1e12), undefined);
    assert.equal(lag.observe("not a date", 1e12), undefined);
    assert.equal(lag.lastLagMs, undefined);
  });

  it("LagDetector refuses invalid options with the std message grammar", () => {
    assert.throws(() => new LagDetector({ thresholdMs: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct LagDetector as 'thresholdMs' must be a positive integer: current value is 0",
    });
  });
});

describe("alert detectors with fake time", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(Date.parse("2025-01-01T00:00:00Z"));
  });
  afterEach(() => clock.uninstall());

  it("LagDetector measures against the clock when no time is given", () => {
    const lag = new LagDetector({ thresholdMs: 1000, sustainMs: 0 });
    clock.tick(5000);
    assert.equal(lag.observe("2025-01-01T00:00:00Z")?.kind, "lag");
    assert.equal(lag.lastLagMs, 5000);
  });
});
