import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  DEFAULT_RECOVERY_MARGIN_MS,
  formatRecoveryParams,
  planRecovery,
  type RecoveryInput,
  type RecoveryPlan,
} from "../src/recovery/recovery_planner.ts";

const S = 1_000;
const MIN = 60 * S;
const H = 60 * MIN;
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0); // 2026-01-15T12:00:00Z

const plan = (gapMs: number, extra: Partial<RecoveryInput> = {}): RecoveryPlan =>
  planRecovery({ gapStartMs: NOW - gapMs, nowMs: NOW, fullBuffer: false, product: "v2", ...extra });

describe("planRecovery", () => {
  it("planRecovery uses a 30 s margin by default", () => {
    assert.equal(DEFAULT_RECOVERY_MARGIN_MS, 30 * S);
  });

  // [gap, expected plan, why]: the default margin (30 s) is added to the gap.
  const table: [string, number, RecoveryPlan][] = [
    ["a negative gap (clocks disagree)", -5 * S, { kind: "none" }],
    ["no gap", 0, { kind: "none" }],
    ["1 ms", 1, { kind: "backfill", minutes: 1 }],
    ["30 s (30 s + 30 s margin = 1 min)", 30 * S, { kind: "backfill", minutes: 1 }],
    ["59 s (89 s with the margin)", 59 * S, { kind: "backfill", minutes: 2 }],
    ["3 min (3.5 min with the margin)", 3 * MIN, { kind: "backfill", minutes: 4 }],
    ["4 min 30 s (exactly 5 min with the margin)", 4 * MIN + 30 * S, {
      kind: "backfill",
      minutes: 5,
    }],
    [
      "4 min 30 s + 1 ms (the margin no longer fits a backfill)",
      4 * MIN + 30 * S + 1,
      { kind: "recovery", startMs: NOW - 5 * MIN - 1 * S, endMs: NOW },
    ],
    ["exactly 5 min", 5 * MIN, { kind: "recovery", startMs: NOW - 5 * MIN - 30 * S, endMs: NOW }],
    ["5 min + 1 s", 5 * MIN + S, { kind: "recovery", startMs: NOW - 5 * MIN - 31 * S, endMs: NOW }],
    ["20 min", 20 * MIN, { kind: "recovery", startMs: NOW - 20 * MIN - 30 * S, endMs: NOW }],
    [
      "23 h 59 min 30 s (the margin reaches exactly 24 h)",
      24 * H - 30 * S,
      { kind: "recovery", startMs: NOW - 24 * H, endMs: NOW },
    ],
    ["exactly 24 h (margin trimmed)", 24 * H, {
      kind: "recovery",
      startMs: NOW - 24 * H,
      endMs: NOW,
    }],
    [
      "24 h + 1 s",
      24 * H + S,
      {
        kind: "unrecoverable",
        startMs: NOW - 24 * H - 31 * S,
        endMs: NOW,
        recoverableFromMs: NOW - 24 * H,
        partialRecovery: { kind: "recovery", startMs: NOW - 24 * H, endMs: NOW },
      },
    ],
    [
      "25 h",
      25 * H,
      {
        kind: "unrecoverable",
        startMs: NOW - 25 * H - 30 * S,
        endMs: NOW,
        recoverableFromMs: NOW - 24 * H,
        partialRecovery: { kind: "recovery", startMs: NOW - 24 * H, endMs: NOW },
      },
    ],
  ];
  for (const [why, gapMs, expected] of table) {
    it(`planRecovery plans ${expected.kind} for a gap of ${why}`, () => {
      assert.deepEqual(plan(gapMs), expected);
    });
  }

  it("planRecovery plans a Recovery after a full buffer, however short the gap", () => {
    assert.deepEqual(plan(30 * S, { fullBuffer: true }), {
      kind: "recovery",
      startMs: NOW - 60 * S,
      endMs: NOW,
    });
    assert.deepEqual(plan(0, { fullBuffer: true }), { kind: "none" });
    assert.equal(plan(25 * H, { fullBuffer: true }).kind, "unrecoverable");
  });

  it("planRecovery honours a custom margin", () => {
    assert.deepEqual(plan(3 * MIN, { marginMs: 0 }), { kind: "backfill", minutes: 3 });
    assert.deepEqual(plan(5 * MIN, { marginMs: 0 }), { kind: "backfill", minutes: 5 });
    assert.deepEqual(plan(3 * MIN, { marginMs: 2 * MIN + 1 }).kind, "recovery");
  });

  it("planRecovery aligns a PowerTrack window to whole minutes and a v2 one to seconds", () => {
    const nowMs = NOW + 12_345; // 12:00:12.345
    const gapStartMs = nowMs - 20 * MIN;
    const base = { gapStartMs, nowMs, fullBuffer: false } as const;
    assert.deepEqual(planRecovery({ ...base, product: "powertrack" }), {
      kind: "recovery",
      startMs: NOW - 21 * MIN, // 11:39:42.345 rounds down to 11:39
      endMs: NOW + MIN, // 12:00:12.345 rounds up to 12:01
    });
    assert.deepEqual(planRecovery({ ...base, product: "v2" }), {
      kind: "recovery",
      startMs: NOW - 20 * MIN - 18 * S, // 11:39:42.345 rounds down to 11:39:42
      endMs: NOW + 13 * S,
    });
  });

  it("planRecovery keeps an unaligned Recovery inside the last 24 hours", () => {
    const nowMs = NOW + 12_345;
    const got = planRecovery({
      gapStartMs: nowMs - 30 * H,
      nowMs,
      fullBuffer: false,
      product: "powertrack",
    });
    assert.equal(got.kind, "unrecoverable");
    assert.equal(got.kind === "unrecoverable" && got.recoverableFromMs, NOW - 24 * H + MIN);
  });

  const invalid: [Partial<RecoveryInput>, string, string][] = [
    [{ nowMs: NaN }, "RangeError", "'nowMs' must be a finite number: current value is NaN"],
    [
      { gapStartMs: "0" as never },
      "TypeError",
      `'gapStartMs' must be a finite number: current value is "0"`,
    ],
    [
      { marginMs: -1 },
      "RangeError",
      "'marginMs' must be a non-negative number: current value is -1",
    ],
    [
      { product: "v1" as never },
      "TypeError",
      `'product' must be "v2" or "powertrack": current value is "v1"`,
    ],
  ];
  for (const [extra, name, tail] of invalid) {
    it(`planRecovery throws a ${name}: ${tail}`, () => {
      assert.throws(() => plan(MIN, extra), { name, message: `Cannot plan recovery as ${tail}` });
    });
  }
});

describe("formatRecoveryParams", () => {
  const recovery: RecoveryPlan = {
    kind: "recovery",
    startMs: Date.UTC(2026, 0, 15, 11, 39, 30),
    endMs: Date.UTC(2026, 0, 15, 12, 0, 0),
  };
  const table: [string, RecoveryPlan, "v2" | "powertrack", Record<string, string>][] = [
    ["none on v2", { kind: "none" }, "v2", {}],
    ["none on PowerTrack", { kind: "none" }, "powertrack", {}],
    ["a backfill on v2", { kind: "backfill", minutes: 4 }, "v2", { backfill_minutes: "4" }],
    ["a backfill on PowerTrack", { kind: "backfill", minutes: 5 }, "powertrack", {
      backfillMinutes: "5",
    }],
    ["a Recovery on v2", recovery, "v2", {
      start_time: "2026-01-15T11:39:30Z",
      end_time: "2026-01-15T12:00:00Z",
    }],
    ["a Recovery on PowerTrack", recovery, "powertrack", {
      startTime: "202601151139",
      endTime: "202601151200",
    }],
    [
      "an unaligned Recovery on v2 (widened to whole seconds)",
      {
        kind: "recovery",
        startMs: Date.UTC(2026, 1, 3, 4, 5, 6, 789),
        endMs: Date.UTC(2026, 1, 3, 4, 9, 0, 1),
      },
      "v2",
      { start_time: "2026-02-03T04:05:06Z", end_time: "2026-02-03T04:09:01Z" },
    ],
    [
      "an unaligned Recovery on PowerTrack (widened to whole minutes)",
      {
        kind: "recovery",
        startMs: Date.UTC(2026, 1, 3, 4, 5, 6),
        endMs: Date.UTC(2026, 1, 3, 4, 9, 0, 1),
      },
      "powertrack",
      { startTime: "202602030405", endTime: "202602030410" },
    ],
  ];
  for (const [name, p, product, expected] of table) {
    it(`formatRecoveryParams formats ${name}`, () => {
      assert.deepEqual(formatRecoveryParams(p, product), expected);
    });
  }

  it("formatRecoveryParams gives an unrecoverable plan's partial Recovery", () => {
    const p = plan(25 * H);
    assert.deepEqual(formatRecoveryParams(p, "v2"), {
      start_time: "2026-01-14T12:00:00Z",
      end_time: "2026-01-15T12:00:00Z",
    });
    assert.deepEqual(formatRecoveryParams(p, "powertrack"), {
      startTime: "202601141200",
      endTime: "202601151200",
    });
  });

  it("formatRecoveryParams output builds a query string", () => {
    const query = new URLSearchParams(formatRecoveryParams(plan(20 * MIN), "v2")).toString();
    assert.equal(query, "start_time=2026-01-15T11%3A39%3A30Z&end_time=2026-01-15T12%3A00%3A00Z");
  });
});
