/**
 * An abortable wait built on `setTimeout`, so fake timers drive it (never `AbortSignal.timeout()`,
 * which no fake-timer library reaches).
 *
 * @module
 */

/**
 * Resolves after `ms` milliseconds, or rejects with `signal.reason` as soon as `signal` aborts
 * (at once if it already has). Either way its timer and its abort listener are gone when the
 * promise settles, so a cancelled wait leaves nothing behind.
 *
 * Throws a `RangeError` for a negative or non-finite `ms`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { delay } from "./abortable_delay.ts";
 * const controller = new AbortController();
 * const wait = delay(60_000, controller.signal);
 * controller.abort(new Error("closed"));
 * await wait.then(() => assert.ok(false), (e: Error) => assert.ok(e.message === "closed"));
 * ```
 */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  if (typeof ms !== "number" || !Number.isFinite(ms) || ms < 0) {
    return Promise.reject(
      new RangeError(
        `Cannot delay as 'ms' must be a finite non-negative number: current value is ${ms}`,
      ),
    );
  }
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer: ReturnType<typeof setTimeout> = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
