/**
 * Plans how to get back the posts of a disconnection gap: nothing, a backfill on reconnect,
 * a Recovery of a time window, or (past 24 hours) a partial Recovery and a report of the loss.
 *
 * @module
 */
import { MAX_BACKFILL_MINUTES, MAX_RECOVERY_WINDOW_MS } from "../x_limits.ts";

/** Safety margin added before the gap's start: the clocks of X and of this host differ, and
 * the last post received is not exactly where the gap begins. A holdfast choice, not X's. */
export const DEFAULT_RECOVERY_MARGIN_MS = 30_000;

const MINUTE_MS = 60_000;

/** What {@linkcode planRecovery} needs to know about the gap. */
export interface RecoveryInput {
  /** Epoch ms of the last thing known to have been received (the last post or heartbeat). */
  readonly gapStartMs: number;
  /** Epoch ms when the live stream resumed (the gap's end). */
  readonly nowMs: number;
  /** True after a PowerTrack full-buffer disconnect: X then offers no backfill. */
  readonly fullBuffer: boolean;
  /** Extra time recovered before `gapStartMs`. @default {30000} (`DEFAULT_RECOVERY_MARGIN_MS`) */
  readonly marginMs?: number;
  /** The product: v2 takes times to the second, PowerTrack to the minute. */
  readonly product: "v2" | "powertrack";
}

/** A Recovery: replay the stream from `startMs` to `endMs` (epoch ms, aligned to the product's unit). */
export interface RecoveryWindow {
  /** The tag. */
  readonly kind: "recovery";
  /** First instant to replay, epoch ms (the gap's start less the margin, rounded down). */
  readonly startMs: number;
  /** Last instant to replay, epoch ms (the gap's end, rounded up). */
  readonly endMs: number;
}

/** How to get back a gap's posts. Tagged by `kind`. */
export type RecoveryPlan =
  /** No gap (it is zero or negative). */
  | { readonly kind: "none" }
  /** Reconnect with `backfill_minutes` / `backfillMinutes` = `minutes` (1 to 5). */
  | { readonly kind: "backfill"; readonly minutes: number }
  | RecoveryWindow
  /** Longer ago than a Recovery reaches: `startMs` to `recoverableFromMs` is lost to the stream
   * (only Search can help, partly); `partialRecovery` gets back the rest. */
  | {
    readonly kind: "unrecoverable";
    readonly startMs: number;
    readonly endMs: number;
    readonly recoverableFromMs: number;
    readonly partialRecovery: RecoveryWindow;
  };

/**
 * Chooses the lightest way to recover a gap with its margin: a backfill when the gap plus the
 * margin fits in 5 minutes (and the disconnect was not a full buffer), otherwise a Recovery of
 * the window. When the margin would reach past 24 hours it is trimmed; past 24 hours the plan is
 * `unrecoverable`, with a Recovery of the last 24 hours. A job that runs later than `nowMs`
 * must keep its start within 24 hours of when it runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecoveryParams, planRecovery } from "./recovery_planner.ts";
 *
 * const nowMs = Date.UTC(2026, 0, 15, 12, 0, 0);
 * const backfill = planRecovery({ gapStartMs: nowMs - 180_000, nowMs, fullBuffer: false, product: "v2" });
 * assert.deepEqual(backfill, { kind: "backfill", minutes: 4 }); // 3 min + 30 s margin, rounded up
 * const recovery = planRecovery({ gapStartMs: nowMs - 20 * 60_000, nowMs, fullBuffer: false, product: "v2" });
 * assert.deepEqual(formatRecoveryParams(recovery, "v2"), {
 *   start_time: "2026-01-15T11:39:30Z",
 *   end_time: "2026-01-15T12:00:00Z",
 * });
 * ```
 */
export function planRecovery(input: RecoveryInput): RecoveryPlan {
  const { gapStartMs, nowMs, fullBuffer, product } = input;
  const marginMs = input.marginMs ?? DEFAULT_RECOVERY_MARGIN_MS;
  checkNumber("gapStartMs", gapStartMs);
  checkNumber("nowMs", nowMs);
  checkNumber("marginMs", marginMs, 0);
  if (product !== "v2" && product !== "powertrack") {
    throw new TypeError(
      `Cannot plan recovery as 'product' must be "v2" or "powertrack": current value is ${
        JSON.stringify(product)
      }`,
    );
  }
  const gapMs = nowMs - gapStartMs;
  if (gapMs <= 0) return { kind: "none" };
  if (!fullBuffer && gapMs + marginMs <= MAX_BACKFILL_MINUTES * MINUTE_MS) {
    return { kind: "backfill", minutes: Math.ceil((gapMs + marginMs) / MINUTE_MS) };
  }
  const unit = recoveryUnitMs(product);
  const endMs = alignUp(nowMs, unit);
  const recoverableFromMs = alignUp(nowMs - MAX_RECOVERY_WINDOW_MS, unit);
  const startMs = alignDown(gapStartMs - marginMs, unit);
  if (gapMs <= MAX_RECOVERY_WINDOW_MS) {
    return { kind: "recovery", startMs: Math.max(startMs, recoverableFromMs), endMs };
  }
  return {
    kind: "unrecoverable",
    startMs,
    endMs,
    recoverableFromMs,
    partialRecovery: { kind: "recovery", startMs: recoverableFromMs, endMs },
  };
}

/**
 * The query parameters that carry out `plan` on `product`: v2 `backfill_minutes` or
 * `start_time`/`end_time` (`YYYY-MM-DDTHH:mm:ssZ`), PowerTrack `backfillMinutes` or
 * `startTime`/`endTime` (`yyyyMMddHHmm`, UTC). An `unrecoverable` plan gives its partial
 * Recovery; `none` gives no parameters. Start times round down and end times up, so the window
 * sent always covers the plan's.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { formatRecoveryParams } from "./recovery_planner.ts";
 *
 * const plan = { kind: "recovery", startMs: Date.UTC(2026, 0, 15, 11, 39, 30), endMs: Date.UTC(2026, 0, 15, 12, 0) } as const;
 * assert.deepEqual(formatRecoveryParams(plan, "powertrack"), { startTime: "202601151139", endTime: "202601151200" });
 * assert.deepEqual(formatRecoveryParams({ kind: "backfill", minutes: 2 }, "v2"), { backfill_minutes: "2" });
 * ```
 */
export function formatRecoveryParams(
  plan: RecoveryPlan,
  product: "v2" | "powertrack",
): Record<string, string> {
  const v2 = product === "v2";
  switch (plan.kind) {
    case "none":
      return {};
    case "backfill":
      return { [v2 ? "backfill_minutes" : "backfillMinutes"]: String(plan.minutes) };
    case "unrecoverable":
      return formatRecoveryParams(plan.partialRecovery, product);
    case "recovery": {
      const aligned = alignRecoveryWindow(plan, product);
      const start = new Date(aligned.startMs);
      const end = new Date(aligned.endMs);
      return v2
        ? { start_time: isoSeconds(start), end_time: isoSeconds(end) }
        : { startTime: compactMinutes(start), endTime: compactMinutes(end) };
    }
  }
}

/**
 * `window` as X receives it: the start rounded down and the end rounded up to the product's
 * unit (v2: the second, PowerTrack: the minute). Two Recoveries of the same partition meet
 * exactly when one starts at the other's aligned end.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { alignRecoveryWindow } from "./recovery_planner.ts";
 * const window = { kind: "recovery", startMs: 61_500, endMs: 121_200 } as const;
 * assert.deepEqual(alignRecoveryWindow(window, "v2"), { kind: "recovery", startMs: 61_000, endMs: 122_000 });
 * assert.deepEqual(alignRecoveryWindow(window, "powertrack"), { kind: "recovery", startMs: 60_000, endMs: 180_000 });
 * ```
 */
export function alignRecoveryWindow(
  window: RecoveryWindow,
  product: "v2" | "powertrack",
): RecoveryWindow {
  const unit = recoveryUnitMs(product);
  return {
    kind: "recovery",
    startMs: alignDown(window.startMs, unit),
    endMs: alignUp(window.endMs, unit),
  };
}

/** The precision of a Recovery's times on `product`: v2 the second, PowerTrack the minute. */
export function recoveryUnitMs(product: "v2" | "powertrack"): number {
  return product === "v2" ? 1_000 : MINUTE_MS;
}

function alignDown(ms: number, unit: number): number {
  return Math.floor(ms / unit) * unit;
}

function alignUp(ms: number, unit: number): number {
  return Math.ceil(ms / unit) * unit;
}

function isoSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function compactMinutes(date: Date): string {
  return isoSeconds(date).slice(0, 16).replace(/[-T:]/g, "");
}

function checkNumber(key: string, value: unknown, min = -Infinity): void {
  if (typeof value === "number" && Number.isFinite(value) && value >= min) return;
  const text = `Cannot plan recovery as '${key}' must be a ${
    min === 0 ? "non-negative" : "finite"
  } number: current value is ${typeof value === "string" ? JSON.stringify(value) : String(value)}`;
  throw typeof value === "number" ? new RangeError(text) : new TypeError(text);
}
