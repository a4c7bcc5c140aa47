/**
 * Waits for a promise, but never past an abort: so `close()` is not held up by a user hook or a
 * slow consumer.
 *
 * @module
 */

/**
 * Resolves with `{ value }` when `promise` fulfils first, with `undefined` as soon as `signal`
 * aborts (at once if it already has), and rejects when `promise` rejects first. The abort
 * listener is removed either way.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { raceAbort } from "./race_abort.ts";
 * const controller = new AbortController();
 * const never = new Promise<number>(() => {});
 * const raced = raceAbort(never, controller.signal);
 * controller.abort();
 * assert.ok((await raced) === undefined);
 * assert.ok((await raceAbort(Promise.resolve(7), new AbortController().signal))?.value === 7);
 * ```
 */
export function raceAbort<T>(
  promise: PromiseLike<T>,
  signal: AbortSignal,
): Promise<{ value: T } | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => resolve(undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener("abort", onAbort);
        resolve({ value });
      },
      (error: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(error);
      },
    );
  });
}
