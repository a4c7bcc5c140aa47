/**
 * De-duplication of posts by id across redundant connections, backfill and recovery replays:
 * X "does not de-duplicate, so the client must" (see `x-streaming-contract.md`, "Recovering lost
 * data"). Memory is bounded by count and by age, and every operation is O(1).
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption, positiveInteger } from "../options_error.ts";

/** 200,000 ids: about 30 minutes of a busy filtered stream, about 25 MB of small strings. */
export const DEFAULT_DEDUP_MAX_ENTRIES = 200_000;
/** 30 minutes: covers a 5-minute backfill plus the overlap of a recovery with the live stream. */
export const DEFAULT_DEDUP_MAX_AGE_MS = 30 * 60_000;

/** Options of {@linkcode DedupWindow}. */
export interface DedupWindowOptions {
  /** The most ids remembered; the oldest is forgotten first. @default {200_000} */
  readonly maxEntries?: number;
  /** An id is forgotten this long after it was first seen. @default {1_800_000} (30 min) */
  readonly maxAgeMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
}

/** Counters of a {@linkcode DedupWindow}. */
export interface DedupStats {
  /** Ids remembered now. */
  readonly size: number;
  /** Duplicates seen in total. */
  readonly duplicates: number;
  /** Duplicates by the source that delivered the second (or later) copy. */
  readonly duplicatesBySource: Record<string, number>;
  /** Ids forgotten, by count or by age, before their time could matter again. */
  readonly evicted: number;
}

const OptionsSchema = v.object({
  maxEntries: v.optional(positiveInteger),
  maxAgeMs: v.optional(positiveInteger),
  now: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Validates {@linkcode DedupWindowOptions} and fills in the defaults.
 *
 * @example
 * ```ts
 * import { resolveDedupWindowOptions } from "./dedup_window.ts";
 * console.assert(resolveDedupWindowOptions({ maxEntries: 10 }).maxAgeMs === 30 * 60_000);
 * ```
 */
export function resolveDedupWindowOptions(
  options: DedupWindowOptions = {},
): Required<DedupWindowOptions> {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const issue = result.issues[0];
    throw invalidOption("DedupWindow", issue);
  }
  return {
    maxEntries: options.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES,
    maxAgeMs: options.maxAgeMs ?? DEFAULT_DEDUP_MAX_AGE_MS,
    now: options.now ?? Date.now,
  };
}

/**
 * Remembers post ids for a while and tells first copies from duplicates. A `Map` answers look-ups
 * and a ring in arrival order finds the oldest, so expiry and eviction are O(1) amortised, done
 * lazily on each call. Posts without an id cannot be de-duplicated: pass them through.
 *
 * @example
 * ```ts
 * import { DedupWindow } from "./dedup_window.ts";
 * const dedup = new DedupWindow({ maxEntries: 1000 });
 * console.assert(dedup.seen("1790000000000000001", "connection-0") === false);
 * console.assert(dedup.seen("1790000000000000001", "backfill") === true);
 * console.assert(dedup.stats().duplicatesBySource["backfill"] === 1);
 * ```
 */
export class DedupWindow {
  readonly #maxEntries: number;
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  /** The ids remembered, for O(1) look-up, each with its sequence number (counted from the first
   * id ever added, so an id forgotten and seen again is not evicted by its old slot). */
  readonly #ids = new Map<string, number>();
  /** The same ids in arrival order, oldest at `#head`, in a ring (`#ring.length` a power of two,
   * doubled when full), with when each was first seen. Not the Map's own insertion order:
   * evicting from the head of a Map leaves holes that every new iterator must skip until the
   * table is rebuilt (measured: 60-130 us per insert at 200k entries). Not arrays pushed at the
   * end and sliced off the front either: at 200,000 ids those held 2-4 MB more, up and down with
   * each slice (`bench/dedup_window_memory.ts`). */
  #ring: string[] = filledRing(INITIAL_RING_SLOTS);
  #firstSeenMs = new Float64Array(INITIAL_RING_SLOTS);
  #head = 0;
  #length = 0;
  /** The sequence number of the id at `#head`. */
  #headSequence = 0;
  readonly #duplicatesBySource = new Map<string, number>();
  #duplicates = 0;
  #evicted = 0;

  /** Creates a window; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: DedupWindowOptions = {}) {
    const resolved = resolveDedupWindowOptions(options);
    this.#maxEntries = resolved.maxEntries;
    this.#maxAgeMs = resolved.maxAgeMs;
    this.#now = resolved.now;
  }

  /**
   * Records that `source` delivered post `id`. Returns `true` when the id was already seen (a
   * duplicate, counted under `source`), `false` the first time (the id is then remembered).
   */
  seen(id: string, source = "default"): boolean {
    const nowMs = this.#now();
    this.#expire(nowMs);
    if (this.#ids.has(id)) {
      this.#duplicates++;
      this.#duplicatesBySource.set(source, (this.#duplicatesBySource.get(source) ?? 0) + 1);
      return true;
    }
    while (this.#ids.size >= this.#maxEntries) this.#dropOldest();
    if (this.#length === this.#ring.length) this.#grow();
    const slot = (this.#head + this.#length) & (this.#ring.length - 1);
    this.#ids.set(id, this.#headSequence + this.#length);
    this.#ring[slot] = id;
    this.#firstSeenMs[slot] = nowMs;
    this.#length++;
    return false;
  }

  /** Whether `id` is remembered (seen within `maxAgeMs` and not evicted). Records nothing. */
  has(id: string): boolean {
    this.#expire(this.#now());
    return this.#ids.has(id);
  }

  /**
   * Forgets `id`, as if it had never been seen: its next delivery is a first one. For a post that
   * was claimed but could not be written (closing gave a sink up), so that a later delivery of
   * it (a Recovery after a restart) is written. Returns whether `id` was remembered.
   */
  forget(id: string): boolean {
    return this.#ids.delete(id);
  }

  /** Ids remembered now (never more than `maxEntries`). */
  get size(): number {
    return this.#ids.size;
  }

  /** The counters, as a fresh plain object. */
  stats(): DedupStats {
    return {
      size: this.#ids.size,
      duplicates: this.#duplicates,
      duplicatesBySource: Object.fromEntries(this.#duplicatesBySource),
      evicted: this.#evicted,
    };
  }

  #expire(nowMs: number): void {
    while (this.#length > 0 && nowMs - this.#firstSeenMs[this.#head] >= this.#maxAgeMs) {
      this.#dropOldest();
    }
  }

  #dropOldest(): void {
    const id = this.#ring[this.#head];
    // The slot keeps no id once dropped: at most `maxEntries` ids are held, not twice that.
    this.#ring[this.#head] = "";
    // Not when the id was forgotten (and maybe seen again since, at a newer place).
    if (this.#ids.get(id) === this.#headSequence) {
      this.#ids.delete(id);
      this.#evicted++;
    }
    this.#head = (this.#head + 1) & (this.#ring.length - 1);
    this.#length--;
    this.#headSequence++;
  }

  /** Twice the slots, the ids moved to the start in order (only while the window fills, or when
   * forgotten ids' slots, not yet reached, keep it full). */
  #grow(): void {
    const slots = this.#ring.length;
    const ring = filledRing(slots * 2);
    const firstSeenMs = new Float64Array(slots * 2);
    for (let i = 0; i < this.#length; i++) {
      const from = (this.#head + i) & (slots - 1);
      ring[i] = this.#ring[from];
      firstSeenMs[i] = this.#firstSeenMs[from];
    }
    this.#ring = ring;
    this.#firstSeenMs = firstSeenMs;
    this.#head = 0;
  }
}

/** Slots of a new window's ring (a power of two). */
const INITIAL_RING_SLOTS = 1024;

/** An array of `slots` empty strings, built by `push` so that every engine stores it densely. */
function filledRing(slots: number): string[] {
  const ring: string[] = [];
  for (let i = 0; i < slots; i++) ring.push("");
  return ring;
}

/**
 * Where de-duplication decisions are made. `claim` returns `true` when the caller is the first to
 * claim `id` (deliver the post) and `false` for a duplicate (drop it). A shared implementation
 * (for example Redis `SET id source NX PX maxAgeMs`) lets several processes share one window.
 *
 * @example
 * ```ts
 * import type { DedupStore } from "./dedup_window.ts";
 * const claimed = new Set<string>();
 * const store: DedupStore = {
 *   claim(id) {
 *     if (claimed.has(id)) return false;
 *     claimed.add(id);
 *     return true;
 *   },
 * };
 * console.assert(store.claim("1", "connection-0") === true);
 * console.assert(store.claim("1", "connection-1") === false);
 * ```
 */
export interface DedupStore {
  /** `true`: first claim of `id`, deliver it; `false`: a duplicate. */
  claim(id: string, source: string): Promise<boolean> | boolean;
  /**
   * Undoes a claim whose post was not written after all (closing gave a failing sink up), so
   * that the next delivery of `id` (by this process after a restart, or by another collector
   * sharing the store) is a first one. Without it, a shared store would keep such a post from
   * ever being written.
   */
  release?(id: string): Promise<void> | void;
}

/**
 * A {@linkcode DedupStore} held in this process, over a {@linkcode DedupWindow}. It answers
 * synchronously, so callers that check for a boolean can skip an `await` per post.
 *
 * @example
 * ```ts
 * import { MemoryDedupStore } from "./dedup_window.ts";
 * const store = new MemoryDedupStore({ maxEntries: 1000 });
 * console.assert(store.claim("1", "connection-0") === true);
 * console.assert(store.claim("1", "connection-1") === false);
 * console.assert(store.window.stats().duplicatesBySource["connection-1"] === 1);
 * ```
 */
export class MemoryDedupStore implements DedupStore {
  /** The window behind the store (for its stats). */
  readonly window: DedupWindow;

  /** Wraps `window`, or a new {@linkcode DedupWindow} built from `options`. */
  constructor(windowOrOptions: DedupWindow | DedupWindowOptions = {}) {
    this.window = windowOrOptions instanceof DedupWindow
      ? windowOrOptions
      : new DedupWindow(windowOrOptions);
  }

  /** `true` the first time `id` is claimed, `false` for a duplicate (counted under `source`). */
  claim(id: string, source: string): boolean {
    return !this.window.seen(id, source);
  }

  /** Forgets `id` (see {@linkcode DedupStore.release}). */
  release(id: string): void {
    this.window.forget(id);
  }
}
