/**
 * Parsing of X's `x-rate-limit-*` response headers.
 *
 * @module
 */

/** The three `x-rate-limit-*` headers of a response. */
export interface RateLimit {
  /** `x-rate-limit-limit`: requests allowed in the window. */
  readonly limit: number;
  /** `x-rate-limit-remaining`: requests left in the window. */
  readonly remaining: number;
  /** `x-rate-limit-reset`: when the window resets, in epoch milliseconds. */
  readonly resetAtMs: number;
}

/**
 * Reads `x-rate-limit-limit`, `x-rate-limit-remaining` and `x-rate-limit-reset` (UNIX seconds).
 * Returns `undefined` unless all three are present and are non-negative integers.
 *
 * @example
 * ```ts
 * import { parseRateLimit } from "./rate_limit.ts";
 * const rl = parseRateLimit(new Headers({
 *   "x-rate-limit-limit": "50", "x-rate-limit-remaining": "49", "x-rate-limit-reset": "1700000000",
 * }));
 * console.assert(rl?.resetAtMs === 1_700_000_000_000);
 * ```
 */
export function parseRateLimit(headers: Headers): RateLimit | undefined {
  const limit = readCount(headers.get("x-rate-limit-limit"));
  const remaining = readCount(headers.get("x-rate-limit-remaining"));
  const reset = readCount(headers.get("x-rate-limit-reset"));
  if (limit === undefined || remaining === undefined || reset === undefined) return undefined;
  return { limit, remaining, resetAtMs: reset * 1000 };
}

function readCount(value: string | null): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (!/^\d+$/.test(trimmed)) return undefined;
  const n = Number(trimmed);
  return Number.isSafeInteger(n) ? n : undefined;
}
