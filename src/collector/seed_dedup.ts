/**
 * At start, before any connection opens: the ids the sinks already hold (from a run that was
 * killed) are claimed in the de-duplication store, so the posts a restart replays (the backfill
 * margin before the watermark) are not written twice.
 *
 * @module
 */
import type { DedupStore, DedupWindow } from "../dedup/dedup_window.ts";
import type { PostSink } from "../sinks/post_sink.ts";

/** How long the sinks together may take to report their ids before the collector connects
 * without them (a slow disk or a hung custom sink must not hold the stream back). */
export const SEED_DEDUP_TIMEOUT_MS = 10_000;

/** The source seeded ids are claimed under (a later copy is a duplicate of its own source). */
export const SEED_SOURCE = "restart";

/** Options of {@linkcode seedDedup}. */
export interface SeedDedupOptions {
  readonly sinks: readonly PostSink[];
  readonly store: DedupStore;
  /** The in-process window behind `store`, if any: an id it already holds is not claimed again
   * (seeding is silent: it never counts a duplicate). */
  readonly window?: DedupWindow;
  /** The most ids claimed per sink (the newest are kept). */
  readonly maxIds: number;
  /** For the whole seeding. @default {SEED_DEDUP_TIMEOUT_MS} */
  readonly timeoutMs?: number;
  /** Ends the seeding early (the collector is closing). */
  readonly signal?: AbortSignal;
  /** A sink whose `recentIds()` failed or timed out (it is skipped), or a store that failed. */
  readonly onError: (sinkIndex: number, error: Error) => void;
}

/**
 * Asks every sink that implements `recentIds()` for the ids it holds and claims them in `store`,
 * at most `maxIds` per sink (the newest), all within `timeoutMs`. Never rejects: failures go to
 * `onError`. Resolves with the number of ids claimed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { MemoryDedupStore } from "../dedup/dedup_window.ts";
 * import { seedDedup } from "./seed_dedup.ts";
 * const store = new MemoryDedupStore();
 * const sink = {
 *   write: () => Promise.resolve(),
 *   flush: () => Promise.resolve(),
 *   close: () => Promise.resolve(),
 *   position: () => ({ kind: "file", posts: 0, bytes: 0 }),
 *   recentIds: () => Promise.resolve(["1", "2"]),
 * };
 * const seeded = await seedDedup({ sinks: [sink], store, maxIds: 1000, onError: () => {} });
 * assert.equal(seeded, 2);
 * assert.equal(store.claim("2", "backfill"), false); // the replayed copy is a duplicate
 * ```
 */
export async function seedDedup(options: SeedDedupOptions): Promise<number> {
  const { sinks, store, window, maxIds, signal, onError } = options;
  if (!sinks.some((sink) => typeof sink.recentIds === "function")) return 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  let over = false;
  const timeoutMs = options.timeoutMs ?? SEED_DEDUP_TIMEOUT_MS;
  const deadline = new Promise<"timeout" | "aborted">((resolve) => {
    timer = setTimeout(() => resolve("timeout"), timeoutMs);
    onAbort = () => resolve("aborted");
    if (signal?.aborted) onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
  }).then((why) => {
    over = true;
    return why;
  });
  let seeded = 0;
  try {
    for (let index = 0; index < sinks.length && !over; index++) {
      const sink = sinks[index];
      if (typeof sink.recentIds !== "function") continue;
      let ids: string[];
      try {
        const answer = await Promise.race([
          Promise.resolve().then(() => sink.recentIds!()),
          deadline,
        ]);
        if (answer === "aborted") break;
        if (answer === "timeout") {
          onError(index, new Error(`recentIds() did not answer within ${timeoutMs} ms`));
          break;
        }
        ids = newest(answer, maxIds);
      } catch (error) {
        onError(index, error instanceof Error ? error : new Error(String(error)));
        continue;
      }
      try {
        for (const id of ids) {
          if (over) break;
          if (window?.has(id)) continue;
          const claim = store.claim(id, SEED_SOURCE);
          if (typeof claim !== "boolean") await claim;
          seeded++;
        }
      } catch (error) {
        onError(index, error instanceof Error ? error : new Error(String(error)));
      }
    }
  } finally {
    clearTimeout(timer);
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
  }
  return seeded;
}

/** The last `max` strings of `ids` (memory stays within about twice `max` while reading). */
function newest(ids: Iterable<string>, max: number): string[] {
  let kept: string[] = [];
  for (const id of ids) {
    if (typeof id !== "string") continue;
    kept.push(id);
    if (kept.length >= 2 * max) kept = kept.slice(-max);
  }
  return kept.length > max ? kept.slice(-max) : kept;
}
