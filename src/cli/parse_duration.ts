/**
 * Durations on the command line: plain milliseconds (`1500`) or a number with a unit (`250ms`,
 * `5s`, `2m`, `1h`; decimals allowed: `1.5s`).
 *
 * @module
 */
import { shown, UsageError } from "./usage_error.ts";

// setTimeout fires at once for delays above 2^31 - 1 ms: refuse longer durations.
const MAX_TIMER_MS = 2_147_483_647;
const UNIT_MS: Record<string, number> = { "": 1, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };
const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;

/** What a duration flag accepts, for messages and help. */
export const DURATION_ACCEPTS = "a duration: milliseconds (1500) or with a unit (250ms, 5s, 2m)";

/**
 * Reads a positive duration for `flag`, in whole milliseconds. Throws a {@linkcode UsageError}
 * naming the flag and what it accepts.
 *
 * @example
 * ```ts
 * import { parseDuration } from "./parse_duration.ts";
 * console.assert(parseDuration("--stall-timeout", "1500") === 1500);
 * console.assert(parseDuration("--stall-timeout", "250ms") === 250);
 * console.assert(parseDuration("--stall-timeout", "1.5s") === 1500);
 * console.assert(parseDuration("--stall-timeout", "2m") === 120_000);
 * ```
 */
export function parseDuration(flag: string, text: string): number {
  const match = DURATION.exec(text.trim());
  const ms = match ? Math.round(Number(match[1]) * UNIT_MS[match[2] ?? ""]) : NaN;
  if (!Number.isFinite(ms) || ms < 1) {
    throw new UsageError(flag, `must be ${DURATION_ACCEPTS}, at least 1ms: got ${shown(text)}`);
  }
  if (ms > MAX_TIMER_MS) {
    throw new UsageError(
      flag,
      `must be at most ${MAX_TIMER_MS}ms (about 24 days): got ${shown(text)}`,
    );
  }
  return ms;
}

/**
 * Shows a duration in milliseconds the way a person reads it (`250ms`, `5s`, `2m`, `1.5s`).
 *
 * @example
 * ```ts
 * import { formatDuration } from "./parse_duration.ts";
 * console.assert(formatDuration(250) === "250ms");
 * console.assert(formatDuration(320_000) === "320s");
 * console.assert(formatDuration(960_000) === "16m");
 * ```
 */
export function formatDuration(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 600_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  if (ms > 1000 && ms % 100 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
