import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { type MeterEvent, PostMeter } from "../src/meter/post_meter.ts";

const post = (...ruleTags: string[]) => ({ ruleTags });

describe("PostMeter", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(Date.parse("2025-03-31T23:59:00Z"));
  });
  afterEach(() => clock.uninstall());

  it("PostMeter warns once per threshold per period", () => {
    const events: MeterEvent[] = [];
    const meter = new PostMeter({
      cap: { limit: 100, period: "monthly" },
      onEvent: (e) => events.push(e),
    });
    const verdicts = Array.from({ length: 99 }, () => meter.record(post("a")));
    assert.equal(verdicts[78], "ok");
    assert.equal(verdicts[79], "threshold", "the 80th post crosses 0.8");
    assert.equal(verdicts[93], "ok");
    assert.equal(verdicts[94], "threshold", "the 95th post crosses 0.95");
    assert.equal(verdicts.filter((v) => v === "threshold").length, 2);
    assert.deepEqual(events.map((e) => e.type === "meter-threshold" && [e.threshold, e.count]), [
      [0.8, 80],
      [0.95, 95],
    ]);
    assert.deepEqual(meter.stats().thresholdsCrossed, [0.8, 0.95]);
    assert.equal(meter.stats().fraction, 0.99);
  });

  it("PostMeter gives every threshold a post crosses when one post crosses several", () => {
    const events: MeterEvent[] = [];
    const meter = new PostMeter({
      cap: { limit: 2, period: "daily" },
      thresholds: [0.3, 0.5],
      onEvent: (e) => events.push(e),
    });
    assert.equal(meter.record(post()), "threshold");
    assert.equal(events.length, 2);
  });

  it("PostMeter says capped from the post that reaches the cap until the period ends", () => {
    const events: MeterEvent[] = [];
    const meter = new PostMeter({
      cap: { limit: 3, period: "daily" },
      thresholds: [],
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual([meter.record(post()), meter.record(post())], ["ok", "ok"]);
    assert.equal(meter.record(post()), "capped");
    assert.equal(meter.record(post()), "capped", "posts still in flight are counted too");
    assert.equal(meter.stats().count, 4);
    assert.equal(meter.stats().capped, true);
    assert.deepEqual(events, [{
      type: "meter-capped",
      count: 3,
      limit: 3,
      periodStartMs: Date.parse("2025-03-31T00:00:00Z"),
      periodEndMs: Date.parse("2025-04-01T00:00:00Z"),
    }]);
    clock.tick(60_000); // 00:00 UTC: a new day
    assert.equal(meter.record(post()), "ok");
    assert.equal(meter.stats().count, 1);
    assert.equal(meter.stats().capped, false);
  });

  it("PostMeter with pauseAtCap false reports the cap once and keeps saying ok", () => {
    const meter = new PostMeter({
      cap: { limit: 2, period: "daily" },
      thresholds: [],
      pauseAtCap: false,
    });
    assert.equal(meter.record(post()), "ok");
    assert.equal(meter.record(post()), "threshold");
    assert.equal(meter.record(post()), "ok");
    assert.equal(meter.stats().capped, true);
  });

  it("PostMeter rolls a daily period over at 00:00 UTC and warns afresh", () => {
    const events: MeterEvent[] = [];
    const meter = new PostMeter({
      cap: { limit: 10, period: "daily" },
      thresholds: [0.5],
      onEvent: (e) => events.push(e),
    });
    for (let i = 0; i < 5; i++) meter.record(post("a"));
    clock.tick(59_999); // 23:59:59.999
    assert.equal(meter.stats().count, 5);
    clock.tick(1);
    const stats = meter.stats();
    assert.equal(stats.count, 0);
    assert.deepEqual(stats.byTag, {});
    assert.equal(stats.periodStartMs, Date.parse("2025-04-01T00:00:00Z"));
    assert.equal(stats.periodEndMs, Date.parse("2025-04-02T00:00:00Z"));
    for (let i = 0; i < 5; i++) meter.record(post("a"));
    assert.equal(events.length, 2, "0.5 warned in each day");
  });

  it("PostMeter rolls a monthly period over on the 1st at 00:00 UTC, whatever the month's length", () => {
    const meter = new PostMeter({ cap: { limit: 1000, period: "monthly" } });
    meter.record(post());
    assert.equal(meter.stats().periodStartMs, Date.parse("2025-03-01T00:00:00Z"));
    clock.tick(60_000);
    meter.record(post());
    assert.equal(meter.stats().count, 1);
    assert.equal(meter.stats().periodStartMs, Date.parse("2025-04-01T00:00:00Z"));
    assert.equal(meter.stats().periodEndMs, Date.parse("2025-05-01T00:00:00Z"));
    clock.tick(29 * 86_400_000 + 23 * 3_600_000); // 2025-04-30T23:00Z
    meter.record(post());
    assert.equal(meter.stats().count, 2);
    clock.tick(3_600_000);
    assert.equal(meter.stats().count, 0);
    assert.equal(meter.stats().periodStartMs, Date.parse("2025-05-01T00:00:00Z"));
  });

  it("PostMeter counts posts per rule tag, untagged under the empty tag", () => {
    const meter = new PostMeter();
    meter.record(post("cats"));
    meter.record(post("cats", "dogs"));
    meter.record(post("dogs", "dogs"));
    meter.record(post());
    const stats = meter.stats();
    assert.equal(stats.count, 4);
    assert.deepEqual(stats.byTag, { cats: 2, dogs: 2, "": 1 });
    assert.equal(stats.cap, undefined);
    assert.equal(stats.fraction, undefined);
    assert.equal(stats.period, "monthly");
  });

  it("PostMeter survives a throwing onEvent", () => {
    const meter = new PostMeter({
      cap: { limit: 1, period: "daily" },
      onEvent: () => {
        throw new Error("listener broke");
      },
    });
    assert.equal(meter.record(post()), "capped");
  });

  it("PostMeter refuses invalid options with the std message grammar", () => {
    assert.throws(() => new PostMeter({ cap: { limit: 0, period: "daily" } }), {
      name: "RangeError",
      message:
        "Cannot construct PostMeter as 'cap.limit' must be a positive integer: current value is 0",
    });
    assert.throws(() => new PostMeter({ cap: { limit: 5, period: "weekly" as "daily" } }), {
      name: "RangeError",
      message:
        `Cannot construct PostMeter as 'cap.period' must be "daily" or "monthly": current value is "weekly"`,
    });
    assert.throws(() => new PostMeter({ thresholds: [0.5, 1.5] }), {
      name: "RangeError",
      message:
        "Cannot construct PostMeter as 'thresholds.1' must be above 0 and at most 1: current value is 1.5",
    });
  });
});
