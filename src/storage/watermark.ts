/**
 * Watermarks: how far a stream was read, kept across restarts so a gap can be planned for
 * (backfill under 5 minutes, a Recovery up to 24 hours; see `x-streaming-contract.md`).
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";

/** How far one stream (or one partition of it) was read. Plain data, safe to serialise. */
export interface Watermark {
  /** Names the stream (e.g. `"filtered"` or a URL without secrets). */
  readonly streamKey: string;
  /** The `partition` of a partitioned stream (firehose 1-20), when read per partition. */
  readonly partition?: number;
  /** The last post or heartbeat received, epoch ms: the stream was known to flow until then. */
  readonly lastActivityMs: number;
  /** The newest post id seen (snowflake ids, compared as numbers). */
  readonly newestPostId?: string;
  /** `created_at` of that post, epoch ms. */
  readonly newestPostAtMs?: number;
  /** When this watermark was saved, epoch ms. */
  readonly updatedAtMs: number;
}

/** Where watermarks are kept. Implementations: `MemoryWatermarkStore`, `FileWatermarkStore`. */
export interface WatermarkStore {
  /** The watermark saved under `streamKey`, or `undefined`. */
  load(streamKey: string): Promise<Watermark | undefined>;
  /** Saves `watermark` under its `streamKey`, replacing the previous one. */
  save(watermark: Watermark): Promise<void>;
}

/**
 * Orders snowflake ids given as decimal strings, safely beyond 2^53: the longer is greater, then
 * the lexicographic order decides. Returns a negative number, 0, or a positive number.
 *
 * @example
 * ```ts
 * import { compareSnowflakeIds } from "./watermark.ts";
 * console.assert(compareSnowflakeIds("1790000000000000010", "999") > 0);
 * console.assert(compareSnowflakeIds("1790000000000000009", "1790000000000000010") < 0);
 * ```
 */
export function compareSnowflakeIds(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A {@linkcode WatermarkStore} held in memory (tests, or a process that only needs it while up).
 *
 * @example
 * ```ts
 * import { MemoryWatermarkStore } from "./watermark.ts";
 * const store = new MemoryWatermarkStore();
 * await store.save({ streamKey: "filtered", lastActivityMs: 1, updatedAtMs: 2 });
 * console.assert((await store.load("filtered"))?.lastActivityMs === 1);
 * ```
 */
export class MemoryWatermarkStore implements WatermarkStore {
  readonly #watermarks = new Map<string, Watermark>();

  /** The watermark saved under `streamKey`, as a copy. */
  load(streamKey: string): Promise<Watermark | undefined> {
    const found = this.#watermarks.get(streamKey);
    return Promise.resolve(found && { ...found });
  }

  /** Keeps a copy of `watermark` under its `streamKey`. */
  save(watermark: Watermark): Promise<void> {
    this.#watermarks.set(watermark.streamKey, { ...watermark });
    return Promise.resolve();
  }
}

/** Options of {@linkcode WatermarkTracker}. */
export interface WatermarkTrackerOptions {
  /** Where the watermark is saved. */
  readonly store: WatermarkStore;
  /** The key saved under (see {@linkcode Watermark.streamKey}). */
  readonly streamKey: string;
  /** The stream partition, when read per partition. */
  readonly partition?: number;
  /** Save at most this often while the stream flows. @default {1000} */
  readonly saveIntervalMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** Receives failures of scheduled saves (a `flush()` rejects instead). @default {ignore} */
  readonly onError?: (error: unknown) => void;
}

const OptionsSchema = v.object({
  store: v.object({
    load: v.function("must have a load method"),
    save: v.function("must have a save method"),
  }, "must be a WatermarkStore"),
  streamKey: v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty")),
  partition: v.optional(v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  )),
  saveIntervalMs: v.optional(v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  )),
  now: v.optional(v.function("must be a function")),
  onError: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Follows a stream's progress in memory (O(1) per post or heartbeat) and saves it through a
 * {@linkcode WatermarkStore} at most every `saveIntervalMs`, one save at a time. Call `flush()` on
 * shutdown.
 *
 * @example
 * ```ts
 * import { MemoryWatermarkStore, WatermarkTracker } from "./watermark.ts";
 * const store = new MemoryWatermarkStore();
 * const tracker = new WatermarkTracker({ store, streamKey: "filtered" });
 * tracker.observePost({ id: "1790000000000000002", createdAt: "2025-01-01T00:00:00Z" });
 * tracker.observePost({ id: "1790000000000000001" }); // older: the newest id stays
 * await tracker.flush();
 * console.assert((await store.load("filtered"))?.newestPostId === "1790000000000000002");
 * ```
 */
export class WatermarkTracker {
  readonly #store: WatermarkStore;
  readonly #streamKey: string;
  readonly #partition: number | undefined;
  readonly #saveIntervalMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  #lastActivityMs: number | undefined;
  #newestPostId: string | undefined;
  #newestPostAtMs: number | undefined;
  #dirty = false;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #saving: Promise<void> = Promise.resolve();

  /** Creates a tracker; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: WatermarkTrackerOptions) {
    const result = v.safeParse(OptionsSchema, options);
    if (!result.success) {
      const issue = result.issues[0];
      throw invalidOption("WatermarkTracker", issue);
    }
    this.#store = options.store;
    this.#streamKey = options.streamKey;
    this.#partition = options.partition;
    this.#saveIntervalMs = options.saveIntervalMs ?? 1000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => {});
  }

  /**
   * Loads the saved watermark (what the last run reached: plan backfill or a Recovery from it) and
   * continues from it, so the newest id never goes back.
   */
  async load(): Promise<Watermark | undefined> {
    const saved = await this.#store.load(this.#streamKey);
    if (saved) {
      this.#lastActivityMs = Math.max(this.#lastActivityMs ?? -Infinity, saved.lastActivityMs);
      if (saved.newestPostId !== undefined) {
        this.#keepNewest(saved.newestPostId, saved.newestPostAtMs);
      }
    }
    return saved;
  }

  /** Records a post (`id` and `createdAt` as in `PostMessage`) received at `atMs`. */
  observePost(
    post: { readonly id?: string | undefined; readonly createdAt?: string | undefined },
    atMs: number = this.#now(),
  ): void {
    if (post.id !== undefined) this.#keepNewest(post.id, post.createdAt);
    this.observeHeartbeat(atMs);
  }

  /** Records a heartbeat (or any sign of life) received at `atMs`. */
  observeHeartbeat(atMs: number = this.#now()): void {
    this.#lastActivityMs = atMs;
    this.#dirty = true;
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#save().catch((error) => {
        try {
          this.#onError(error);
        } catch {
          // Nowhere left to report to; a failed save must never reach the stream reader.
        }
      });
    }, this.#saveIntervalMs);
  }

  /** The watermark as it stands in memory, or `undefined` before anything was observed. */
  current(): Watermark | undefined {
    if (this.#lastActivityMs === undefined) return undefined;
    return {
      streamKey: this.#streamKey,
      ...(this.#partition === undefined ? {} : { partition: this.#partition }),
      lastActivityMs: this.#lastActivityMs,
      ...(this.#newestPostId === undefined ? {} : { newestPostId: this.#newestPostId }),
      ...(this.#newestPostAtMs === undefined ? {} : { newestPostAtMs: this.#newestPostAtMs }),
      updatedAtMs: this.#now(),
    };
  }

  /** Saves now if anything changed since the last save, and waits for it. Rejects on failure. */
  flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    return this.#save();
  }

  #keepNewest(id: string, createdAt: string | number | undefined): void {
    if (this.#newestPostId !== undefined && compareSnowflakeIds(id, this.#newestPostId) <= 0) {
      return;
    }
    this.#newestPostId = id;
    const atMs = typeof createdAt === "string" ? Date.parse(createdAt) : createdAt;
    this.#newestPostAtMs = atMs === undefined || Number.isNaN(atMs) ? undefined : atMs;
  }

  /** Chains a save after the one in flight, so saves never overlap or land out of order. */
  #save(): Promise<void> {
    this.#saving = this.#saving.catch(() => {}).then(() => {
      const watermark = this.#dirty ? this.current() : undefined;
      if (!watermark) return;
      this.#dirty = false;
      return this.#store.save(watermark).catch((error) => {
        this.#dirty = true; // try again with the next save
        throw error;
      });
    });
    return this.#saving;
  }
}
