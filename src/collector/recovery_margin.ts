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

/** Ids are grouped by the second of their time: evicting the oldest TIME first costs a scan of
 * the groups (a few hundred), not of the ids. */
const GROUP_MS = 1_000;

/** The ids of one second of stream time, in the order written (`head` ids evicted already). */
interface Group {
  readonly ids: string[];
  readonly times: number[];
  head: number;
}

class Recent {
  readonly groups = new Map<number, Group>();
  size = 0;
  newestMs = -Infinity;
  /** Groups whose key is below this hold only ids older than the retention. */
  sweptBelow = -Infinity;
}

/**
 * The ids written in the last `retentionMs` of each partition's stream time, with their time
 * (`created_at`, or when read), grouped by second. O(1) per post but once a second (a scan of
 * the groups); memory bounded by `maxEntries` per partition, the oldest time evicted first.
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
   * retention, measured from the newest, is not kept). Over `maxEntries`, the ids of the oldest
   * time go first, not the first written: a Recovery that writes minutes of older posts in a
   * burst must not push out the live stream's newer ids, which a replay planned next needs. */
  note(partition: number | undefined, id: string, atMs: number): void {
    let recent = this.#partitions.get(partition);
    if (recent === undefined) this.#partitions.set(partition, recent = new Recent());
    if (atMs < recent.newestMs - this.#retentionMs) return;
    const key = Math.floor(atMs / GROUP_MS);
    let group = recent.groups.get(key);
    if (group === undefined) recent.groups.set(key, group = { ids: [], times: [], head: 0 });
    group.ids.push(id);
    group.times.push(atMs);
    recent.size++;
    if (atMs > recent.newestMs) {
      recent.newestMs = atMs;
      const expiredBelow = Math.floor((atMs - this.#retentionMs) / GROUP_MS);
      if (expiredBelow > recent.sweptBelow) {
        recent.sweptBelow = expiredBelow;
        for (const [k, g] of recent.groups) {
          if (k < expiredBelow) this.#drop(recent, k, g);
        }
      }
    }
    while (recent.size > this.#maxEntries) this.#evictOldest(recent);
  }

  #evictOldest(recent: Recent): void {
    let oldest = Infinity;
    for (const k of recent.groups.keys()) if (k < oldest) oldest = k;
    const group = recent.groups.get(oldest)!;
    const excess = recent.size - this.#maxEntries;
    const left = group.ids.length - group.head;
    if (excess >= left) {
      this.#drop(recent, oldest, group);
      return;
    }
    // The slots keep no id until the group goes: dead ids would otherwise stay alive.
    for (let i = 0; i < excess; i++) group.ids[group.head++] = "";
    recent.size -= excess;
  }

  #drop(recent: Recent, key: number, group: Group): void {
    recent.groups.delete(key);
    recent.size -= group.ids.length - group.head;
  }

  /** A copy of the ids of `partition` kept with a time at or after `sinceMs`. */
  since(partition: number | undefined, sinceMs: number): Set<string> {
    const found = new Set<string>();
    const recent = this.#partitions.get(partition);
    if (recent === undefined) return found;
    const fromKey = Math.floor(sinceMs / GROUP_MS);
    for (const [key, group] of recent.groups) {
      if (key < fromKey) continue;
      for (let i = group.head; i < group.ids.length; i++) {
        if (group.times[i] >= sinceMs) found.add(group.ids[i]);
      }
    }
    return found;
  }
}
