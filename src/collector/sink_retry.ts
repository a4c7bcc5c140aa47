/**
 * How the collector retries a sink whose `write` failed: a capped doubling backoff while it runs,
 * and a bounded time when closing (after which the posts left are reported, not written, and the
 * watermark stays before them).
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption, positiveInteger } from "../options_error.ts";

/** Options of the sink retry. */
export interface SinkRetryOptions {
  /** The wait after a sink's first failure on a post; it doubles after each further one.
   * @default {100} */
  readonly initialDelayMs?: number;
  /** The longest wait between two tries. @default {5000} */
  readonly maxDelayMs?: number;
  /** When closing, how long a failing sink is still retried before its posts are given up.
   * @default {10_000} */
  readonly drainTimeoutMs?: number;
}

/** 100 ms, doubling: a sink that recovers at once costs little delay. */
export const DEFAULT_SINK_RETRY_INITIAL_MS = 100;
/** 5 s: a sink that recovers is found again within 5 s. */
export const DEFAULT_SINK_RETRY_MAX_MS = 5_000;
/** 10 s: `close()` of a collector whose sink stays down returns within about this long. */
export const DEFAULT_SINK_DRAIN_TIMEOUT_MS = 10_000;

const Schema = v.optional(
  v.object({
    initialDelayMs: v.optional(positiveInteger),
    maxDelayMs: v.optional(positiveInteger),
    drainTimeoutMs: v.optional(positiveInteger),
  }, "must be an object"),
);

/**
 * Validates `options` (errors name them as `sinkRetry.<key>` of `owner`) and fills the defaults.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSinkRetryOptions } from "./sink_retry.ts";
 * assert.deepEqual(resolveSinkRetryOptions({ maxDelayMs: 1000 }), {
 *   initialDelayMs: 100, maxDelayMs: 1000, drainTimeoutMs: 10_000,
 * });
 * assert.throws(() => resolveSinkRetryOptions({ drainTimeoutMs: 0 }), RangeError);
 * ```
 */
export function resolveSinkRetryOptions(
  options: SinkRetryOptions | undefined,
  owner = "PostPipeline",
): Required<SinkRetryOptions> {
  const result = v.safeParse(v.object({ sinkRetry: Schema }), { sinkRetry: options });
  if (!result.success) throw invalidOption(owner, result.issues[0]);
  return {
    initialDelayMs: options?.initialDelayMs ?? DEFAULT_SINK_RETRY_INITIAL_MS,
    maxDelayMs: options?.maxDelayMs ?? DEFAULT_SINK_RETRY_MAX_MS,
    drainTimeoutMs: options?.drainTimeoutMs ?? DEFAULT_SINK_DRAIN_TIMEOUT_MS,
  };
}

/**
 * The wait before the next try after the `failures`-th failure in a row (1-based): the initial
 * delay, doubled per further failure, at most `maxDelayMs`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveSinkRetryOptions, sinkRetryDelayMs } from "./sink_retry.ts";
 * const options = resolveSinkRetryOptions(undefined);
 * assert.deepEqual([1, 2, 3, 7, 50].map((n) => sinkRetryDelayMs(n, options)), [100, 200, 400, 5000, 5000]);
 * ```
 */
export function sinkRetryDelayMs(
  failures: number,
  options: Required<SinkRetryOptions>,
): number {
  const doublings = Math.min(Math.max(0, failures - 1), 30);
  return Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** doublings);
}
