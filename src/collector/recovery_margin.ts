/**
 * The ids a replay's margin will replay but that were written before its gap. A Recovery starts
 * 30 s (plus rounding) before the gap, and replays those posts as long after as the gap lasted:
 * past the de-duplication window's 30 minutes, or behind a burst of more posts than it holds,
 * they would be written twice; a backfill replays whole minutes. The collector keeps the ids
 * written in the last few minutes of stream time (bounded; a Recovery's last minutes too, which
 * a backfill soon after may replay), and a Recovery job or a backfill takes a copy of the ones
 * in its window when it is planned (dropped when it ends).
 *
 * @module
 */

/** Options of {@linkcode RecentlyWritten}. */
export interface RecentlyWrittenOptions {
  /** Ids are kept this long, measured from the newest one of their partition (not from now: a
   * gap of any length keeps the ids written just before it). @default {180_000} */
  readonly retentionMs?: number;
  /** At most this many ids per partition (the oldest go first). @default {100_000} */
  readonly maxEntries?: number;
}

/** 3 minutes: the 30 s margin, rounding down to PowerTrack's minute, and clock skew. */
export const DEFAULT_MARGIN_RETENTION_MS = 3 * 60_000;
/** 300k ids per partition: 150 s at 2,000 posts/s (a margin reaches a minute and a half back,
 * 180,000 ids at that rate), minutes of any filtered stream. */
export const DEFAULT_MARGIN_MAX_ENTRIES = 300_000;

class Recent {
  ids: string[] = [];
  times: number[] = [];
  head = 0;
  newestMs = -Infinity;
}

/**
 * The ids written in the last `retentionMs` of each partition's stream time, with their time
 * (`created_at`, or when read). O(1) per post; memory bounded by `maxEntries` per partition.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecentlyWritten } from "./recovery_margin.ts";
 * const recent = new RecentlyWritten({ retentionMs: 60_000 });
 * recent.note(undefined, "1", 0);
 * recent.note(undefined, "2", 50_000);
 * recent.note(undefined, "3", 100_000); // "1" is now older than 60 s before the newest
 * assert.deepEqual([...recent.since(undefined, 0)], ["2", "3"]);
 * assert.deepEqual([...recent.since(undefined, 60_000)], ["3"]);
 * ```
 */
export class RecentlyWritten {
  readonly #retentionMs: number;
  readonly #maxEntries: number;
  readonly #partitions = new Map<number | undefined, Recent>();

  /** Creates an empty memory. */
  constructor(options: RecentlyWrittenOptions = {}) {
    this.#retentionMs = options.retentionMs ?? DEFAULT_MARGIN_RETENTION_MS;
    this.#maxEntries = options.maxEntries ?? DEFAULT_MARGIN_MAX_ENTRIES;
  }

  /** Post `id` of `partition`, of time `atMs`, was written (a replay's post older than the
   * retention, measured from the newest, is not kept). */
  note(partition: number | undefined, id: string, atMs: number): void {
    let recent = this.#partitions.get(partition);
    if (recent === undefined) this.#partitions.set(partition, recent = new Recent());
    if (atMs < recent.newestMs - this.#retentionMs) return;
    recent.ids.push(id);
    recent.times.push(atMs);
    if (atMs > recent.newestMs) recent.newestMs = atMs;
    const oldestKept = recent.newestMs - this.#retentionMs;
    while (
      recent.head < recent.ids.length &&
      (recent.ids.length - recent.head > this.#maxEntries || recent.times[recent.head] < oldestKept)
    ) {
      // The slot keeps no id until compaction: up to `maxEntries` dead ids (~10 MB at 300k) would
      // otherwise stay alive in the array's old half.
      recent.ids[recent.head++] = "";
    }
    if (recent.head >= 1024 && recent.head * 2 >= recent.ids.length) {
      recent.ids = recent.ids.slice(recent.head);
      recent.times = recent.times.slice(recent.head);
      recent.head = 0;
    }
  }

  /** A copy of the ids of `partition` kept with a time at or after `sinceMs`. */
  since(partition: number | undefined, sinceMs: number): Set<string> {
    const found = new Set<string>();
    const recent = this.#partitions.get(partition);
    if (recent === undefined) return found;
    for (let i = recent.head; i < recent.ids.length; i++) {
      if (recent.times[i] >= sinceMs) found.add(recent.ids[i]);
    }
    return found;
  }
}
