/**
 * The collector's processing side: the bounded FIFO the readers hand posts to, and the one
 * consumer that de-duplicates, meters and writes them to every sink, then advances the durable
 * watermark. Reading never waits for processing, unless the queue is full under `"block"`.
 *
 * A sink whose `write` fails is retried (capped backoff) while the post, and so the queue behind
 * it, waits: nothing is lost for that sink and the watermark never passes an unwritten post.
 *
 * @module
 */
import { delay } from "../abortable_delay.ts";
import type { DedupStats, DedupStore } from "../dedup/dedup_window.ts";
import type { DedupWindow } from "../dedup/dedup_window.ts";
import type { PostMessage } from "../messages.ts";
import type { MeterVerdict } from "../meter/post_meter.ts";
import {
  BoundedFifo,
  type BoundedFifoOptions,
  type FifoStats,
  type OfferResult,
} from "../queue/bounded_fifo.ts";
import type { PostSink } from "../sinks/post_sink.ts";
import { compactPost, withoutParsedJson } from "./lazy_post.ts";
import { resolveSinkRetryOptions, sinkRetryDelayMs, type SinkRetryOptions } from "./sink_retry.ts";

/** The `source` of posts read from a Recovery stream. */
export const RECOVERY_SOURCE = "recovery";

/** The `source` of posts a backfilled connection replays (created before it connected). */
export const BACKFILL_SOURCE = "backfill";

/** Replays read as fast as the socket allows: their posts may fill only part of the queue. */
const REPLAY_SOURCES: ReadonlySet<string> = new Set([RECOVERY_SOURCE, BACKFILL_SOURCE]);

/**
 * The most posts a replay may hold in the queue (or half of `maxItems`, if less). The queue is
 * there for live connections; a replay loses nothing by waiting, and posts that wait long enough
 * to be promoted out of the garbage collector's young generation inflate the heap by the whole
 * burst (measured on Node: a 130k-post Recovery added 300-400 MB of old-generation garbage).
 */
export const REPLAY_QUEUE_ITEMS = 1_000;

/**
 * Posts queued behind this many hold their line as UTF-8 bytes, outside the JavaScript heap
 * (see lazy_post.ts): in a burst the queue then holds half the bytes, and on Node the garbage
 * collector does not size the old generation from it. A collector that keeps up has a shallow
 * queue, and its posts keep their line as a string: encoding and decoding every post cost 2.6
 * (Bun) to 11 (Deno) points of a core in the 10-minute soak (2,000 posts/s, two connections).
 * Behind 1,000 instead, Node's soak peaked at 349-394 MB RSS in its faults' bursts (replays,
 * held to REPLAY_QUEUE_ITEMS queued posts, were never compacted); behind 16, at 284-349 MB.
 */
export const COMPACT_QUEUE_DEPTH = 16;

/** Ids known to be written already (a `Set` is one): what a replay checks besides the
 * de-duplication window. */
export interface WrittenIds {
  /** Whether `id` was written. */
  has(id: string): boolean;
}

/** A post on its way from a reader to the sinks. */
export interface QueuedPost {
  readonly post: PostMessage;
  /** `"connection-0"`, `"backfill"`, `"recovery"`, ... (duplicates are counted per source). */
  readonly source: string;
  /** Which watermark it advances (the partition), `undefined` for an unpartitioned stream. */
  readonly partition: number | undefined;
  /** When it was read, epoch ms. */
  readonly receivedAtMs: number;
  /** Ids its source knows were written already (a Recovery's margin, written before its gap,
   * and what others wrote in its window): such a post is a duplicate even when the
   * de-duplication window forgot its id. */
  readonly written?: WrittenIds;
  /** Its source knows it was read before (a backfill's replay of the minutes before its gap, a
   * resumed Recovery's first units): counted as a duplicate at once, never queued, even when
   * the window forgot its id. */
  readonly read?: boolean;
}

/** A queued post as the FIFO holds it (see lazy_post.ts), with the size it counts for. */
interface HeldPost extends QueuedPost {
  /** The line's size in UTF-8 bytes: what `queue.maxBytes` bounds. */
  readonly lineBytes: number;
}

/** One failed `write` of a sink, as reported to {@linkcode PostPipelineOptions.onSinkError}. */
export interface SinkWriteFailure {
  /** The sink's index in `sinks`. */
  readonly sinkIndex: number;
  /** What `write` threw or rejected with (or why the wait for it was given up). */
  readonly error: unknown;
  /** The post that was not written. */
  readonly item: QueuedPost;
  /** Failures of this post on this sink in a row, from 1. */
  readonly attempt: number;
  /** The wait before the next try, ms; `undefined` when closing gave this sink up. */
  readonly retryInMs: number | undefined;
}

/** What closing left unwritten: per sink given up, how many posts it did not get. */
export interface UnwrittenReport {
  /** One entry per sink given up, in `sinks` order. */
  readonly sinks: readonly {
    readonly sinkIndex: number;
    readonly posts: number;
    /** The id of the first post it did not get. */
    readonly firstPostId: string | undefined;
  }[];
  /** The first post not written to every sink: the watermark stays before it. */
  readonly firstUnwritten: QueuedPost;
}

/** What {@linkcode PostPipeline} needs. */
export interface PostPipelineOptions {
  readonly queue: Omit<BoundedFifoOptions<QueuedPost>, "sizeOf" | "onEvent">;
  readonly store: DedupStore;
  /** The window behind `store` when it is the in-process one: its size and evictions, and a
   * delivered copy of a post it holds is dropped at once, before it is queued. */
  readonly window: DedupWindow | undefined;
  readonly sinks: readonly PostSink[];
  readonly now: () => number;
  /** Queue drops and the first block. */
  readonly onQueueEvent: NonNullable<BoundedFifoOptions<QueuedPost>["onEvent"]>;
  /** A duplicate dropped. */
  readonly onDuplicate: (item: QueuedPost) => void;
  /** A post written to every sink (`createdAtMs`: its `created_at`, parsed, if it has a valid
   * one): meter it and advance the watermark. Never called again once closing gave a post up
   * (the watermark must stay before it). */
  readonly onWritten: (item: QueuedPost, createdAtMs: number | undefined) => MeterVerdict;
  /** The store failed (the post is written anyway, at worst twice); also a sink's failure when
   * `onSinkError` is not given. */
  readonly onError: (error: unknown, item: QueuedPost) => void;
  /** A sink's `write` failed: it is retried after `retryInMs` (the post waits), or, when
   * closing ran out of time, given up (`retryInMs` undefined). @default {calls `onError`} */
  readonly onSinkError?: (failure: SinkWriteFailure) => void;
  /** Once, when `drain()` ends with posts that some sink did not get. @default {ignore} */
  readonly onUnwritten?: (report: UnwrittenReport) => void;
  /** Everything queued before now was written: the reading side's heartbeats may count. */
  readonly onIdle: () => void;
  /** Backoff of a failing sink, and how long closing still retries it. */
  readonly sinkRetry?: SinkRetryOptions;
}

/**
 * A FIFO plus its consumer loop. `deliver` is what a connection loop's `deliver` calls: it
 * returns nothing while the queue has room, and a promise under `"block"` when it is full.
 *
 * Each post goes to the sinks in order; a sink whose `write` fails is retried with a doubling
 * backoff (`sinkRetry`, 100 ms to 5 s) until it takes the post, so the sinks that already have it
 * do not get it twice and the queue behind it waits (its policy then applies). `drain()` retries
 * for at most `sinkRetry.drainTimeoutMs` more; then the sinks still failing are given up: the
 * posts left are written to the others only, reported once through `onUnwritten`, and
 * `onWritten` (the watermark) is not called again, so a restart plans the gap from before them.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PostPipeline } from "./post_pipeline.ts";
 * import { MemoryDedupStore } from "../dedup/dedup_window.ts";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * const lines: string[] = [];
 * const sink = {
 *   write: (p: PostMessage) => { lines.push(p.line); return Promise.resolve(); },
 *   flush: () => Promise.resolve(), close: () => Promise.resolve(),
 *   position: () => ({ kind: "memory", posts: lines.length, bytes: 0 }),
 * };
 * const pipeline = new PostPipeline({
 *   queue: {}, store: new MemoryDedupStore(), window: undefined, sinks: [sink], now: Date.now,
 *   onQueueEvent: () => {}, onDuplicate: () => {}, onWritten: () => "ok", onError: () => {},
 *   onIdle: () => {},
 * });
 * const post = classifyLine('{"data":{"id":"1"}}') as PostMessage;
 * pipeline.deliver({ post, source: "connection-0", partition: undefined, receivedAtMs: 0 });
 * pipeline.deliver({ post, source: "connection-1", partition: undefined, receivedAtMs: 0 });
 * await pipeline.drain();
 * assert.deepEqual(lines, ['{"data":{"id":"1"}}']);
 * assert.equal(pipeline.dedupStats().duplicatesBySource["connection-1"], 1);
 * ```
 */
export class PostPipeline {
  readonly #options: PostPipelineOptions;
  readonly #retry: Required<SinkRetryOptions>;
  readonly #fifo: BoundedFifo<HeldPost>;
  readonly #consumer: Promise<void>;
  readonly #duplicatesBySource = new Map<string, number>();
  /** Aborts when closing has retried failing sinks for `drainTimeoutMs`. */
  readonly #giveUp = new AbortController();
  /** Sinks given up while closing: index to the posts they did not get. */
  readonly #abandoned = new Map<number, { posts: number; firstPostId: string | undefined }>();
  #duplicates = 0;
  #busy = false;
  #written = 0;
  #newestPostAtMs: number | undefined;
  #firstUnwritten: QueuedPost | undefined;
  #drained: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  /** Ids of the posts queued or being written: another copy is a duplicate at once. */
  readonly #queuedIds = new Set<string>();
  /** `"drop-oldest"` may drop a queued post: then a later copy must still be queued. */
  readonly #queuedStays: boolean;

  /** Creates the FIFO and starts its consumer. Throws a `RangeError`/`TypeError` naming the
   * option for an invalid `sinkRetry`. */
  constructor(options: PostPipelineOptions) {
    this.#options = options;
    this.#retry = resolveSinkRetryOptions(options.sinkRetry);
    this.#fifo = new BoundedFifo<HeldPost>({
      ...options.queue,
      sizeOf: (item) => item.lineBytes,
      onEvent: options.onQueueEvent,
    });
    this.#queuedStays = options.queue.policy !== "drop-oldest";
    this.#giveUp.signal.addEventListener("abort", () => this.#wake?.(), { once: true });
    this.#consumer = this.#consume();
  }

  /** Queues `item` (without the parsed tree: a sink's first read of `json` parses it; behind
   * {@linkcode COMPACT_QUEUE_DEPTH} posts, with its line as UTF-8 bytes, decoded on each read
   * of `line`; `queue.maxBytes` counts UTF-8 bytes);
   * under `"block"` with a full queue, returns a promise that settles once it is
   * queued (the reader waits, and X's buffer fills instead). A replayed post (source
   * {@linkcode RECOVERY_SOURCE} or {@linkcode BACKFILL_SOURCE}) waits while the queue holds
   * {@linkcode REPLAY_QUEUE_ITEMS} posts or is half full, whatever the policy. A copy of a post
   * still queued or being written (another connection's) is a duplicate at once, never queued;
   * not under `"drop-oldest"`, which may drop the queued one. So is a copy of a post that `window`
   * holds (written, or claimed and being written). */
  deliver(item: QueuedPost): void | Promise<void> {
    if (item.read === true) return this.#duplicate(item);
    // The other connection's copy of a post still queued: dropped now, not queued behind it. In
    // a burst (X's buffer after a stall of every connection) the queue then holds each post
    // once and drains sooner, and the copies die young instead of aging in the queue.
    if (this.#isQueuedCopy(item)) return this.#duplicate(item);
    // A copy of a post already written (or being written: claimed), found in the in-process
    // window: dropped before it is sized and queued. The redundant connection's copies are most
    // deliveries, and at the queue's end each cost a UTF-8 sizing, a queue slot and a claim.
    const id = item.post.id;
    if (id !== undefined && this.#options.window?.has(id) === true) return this.#duplicate(item);
    const fifo = this.#fifo;
    // A Recovery or a backfill replays as fast as it is read: it may fill a small part of the
    // queue, so a burst never blocks the other live connections (X would drop them as slow
    // readers), and its posts are written before they age into the old generation.
    if (REPLAY_SOURCES.has(item.source) && !fifo.closed) {
      const items = Math.min(REPLAY_QUEUE_ITEMS, fifo.maxItems / 2);
      const bytes = fifo.maxBytes / 2;
      if (fifo.depth >= items || fifo.bytes >= bytes) {
        return fifo.whenBelow(items, bytes).then(() => this.deliver(item));
      }
    }
    // The queue holds no parsed trees, and deep in the queue, lines as UTF-8 bytes, not strings
    // (see lazy_post.ts): a queue full of either in a burst grew Node's heap by hundreds of MB.
    const { post, lineBytes } = fifo.depth >= COMPACT_QUEUE_DEPTH
      ? compactPost(item.post)
      : withoutParsedJson(item.post);
    const queued: HeldPost = { ...item, post, lineBytes };
    if (this.#offer(queued) === "full") return this.#offerWhenWritable(queued);
  }

  /** Whether everything queued has been written (never again once a post was given up). */
  get idle(): boolean {
    return !this.#busy && this.#fifo.depth === 0 && this.#firstUnwritten === undefined;
  }

  /** Whether closing gave up a post: the watermark must not move past it (nor past heartbeats
   * read after it). */
  get gaveUp(): boolean {
    return this.#firstUnwritten !== undefined;
  }

  /** Posts written to every sink. */
  get written(): number {
    return this.#written;
  }

  /** `created_at` of the newest post written, epoch ms. */
  get newestPostAtMs(): number | undefined {
    return this.#newestPostAtMs;
  }

  /** The queue's counters. */
  queueStats(): FifoStats {
    return this.#fifo.stats();
  }

  /** The de-duplication counters (size and evictions from the in-process window, if any). */
  dedupStats(): DedupStats {
    const window = this.#options.window?.stats();
    return {
      size: window?.size ?? 0,
      duplicates: this.#duplicates,
      duplicatesBySource: Object.fromEntries(this.#duplicatesBySource),
      evicted: window?.evicted ?? 0,
    };
  }

  /** Closes the queue and waits until every queued post is written, retrying a failing sink for
   * at most `sinkRetry.drainTimeoutMs` (then see `onUnwritten`). Idempotent; never rejects. */
  drain(): Promise<void> {
    if (this.#drained !== undefined) return this.#drained;
    this.#fifo.close();
    const timer = setTimeout(() => this.#giveUp.abort(), this.#retry.drainTimeoutMs);
    this.#drained = this.#consumer.finally(() => clearTimeout(timer)).then(() => {
      const first = this.#firstUnwritten;
      if (first === undefined) return;
      const sinks = [...this.#abandoned].sort(([a], [b]) => a - b)
        .map(([sinkIndex, { posts, firstPostId }]) => ({ sinkIndex, posts, firstPostId }));
      this.#call(() => this.#options.onUnwritten?.({ sinks, firstUnwritten: first }), first);
    });
    return this.#drained;
  }

  async #offerWhenWritable(item: HeldPost): Promise<void> {
    for (;;) {
      await this.#fifo.whenWritable();
      // Another copy was queued while this one waited: it is the duplicate.
      if (this.#isQueuedCopy(item)) return this.#duplicate(item);
      if (this.#offer(item) !== "full") return;
    }
  }

  /** Whether another copy of `item`'s post is queued or being written (and stays queued). */
  #isQueuedCopy(item: QueuedPost): boolean {
    const id = item.post.id;
    return id !== undefined && this.#queuedStays && this.#queuedIds.has(id);
  }

  /** Offers `item` to the queue and remembers its id once queued (while queued posts stay). */
  #offer(item: HeldPost): OfferResult {
    const result = this.#fifo.offer(item);
    const id = item.post.id;
    if (id !== undefined && result === "queued" && this.#queuedStays) this.#queuedIds.add(id);
    return result;
  }

  async #consume(): Promise<void> {
    for (;;) {
      const item = this.#fifo.tryTake() ?? await this.#fifo.take();
      if (item === undefined) return;
      this.#busy = true;
      try {
        await this.#process(item);
      } finally {
        this.#busy = false;
        if (item.post.id !== undefined) this.#queuedIds.delete(item.post.id);
      }
      if (this.idle) this.#call(() => this.#options.onIdle(), item);
    }
  }

  #duplicate(item: QueuedPost): void {
    this.#duplicates++;
    this.#duplicatesBySource.set(item.source, (this.#duplicatesBySource.get(item.source) ?? 0) + 1);
    this.#options.onDuplicate(item);
  }

  async #process(item: QueuedPost): Promise<void> {
    const o = this.#options;
    const id = item.post.id;
    if (id !== undefined) {
      let first: boolean;
      if (item.written?.has(id)) first = false;
      else {
        try {
          const claim = o.store.claim(id, item.source);
          first = typeof claim === "boolean" ? claim : await claim;
        } catch (error) {
          this.#call(() => o.onError(error, item), item);
          first = true; // a broken store must not lose posts: write, at worst twice
        }
      }
      if (!first) return this.#duplicate(item);
    }
    let everySink = true;
    for (let index = 0; index < o.sinks.length; index++) {
      if (!(await this.#writeTo(index, item))) everySink = false;
    }
    if (!everySink) {
      this.#firstUnwritten ??= item;
      // Its claim must not keep a later delivery (a restart's Recovery, a collector sharing the
      // store) from writing it.
      if (id !== undefined) await this.#release(id, item);
      return;
    }
    this.#written++;
    const parsed = item.post.createdAt === undefined ? NaN : Date.parse(item.post.createdAt);
    const createdAtMs = Number.isNaN(parsed) ? undefined : parsed;
    if (createdAtMs !== undefined && (this.#newestPostAtMs ?? -Infinity) < createdAtMs) {
      this.#newestPostAtMs = createdAtMs;
    }
    // Past a post given up, the watermark must not move (a restart re-plans from before it).
    if (this.#firstUnwritten === undefined) o.onWritten(item, createdAtMs);
  }

  /** Undoes the store's claim of a post given up; a failure goes to `onError`. */
  async #release(id: string, item: QueuedPost): Promise<void> {
    const store = this.#options.store;
    if (store.release === undefined) return;
    try {
      await store.release(id);
    } catch (error) {
      this.#call(() => this.#options.onError(error, item), item);
    }
  }

  /** Writes `item` to sink `index`, retrying until it takes it; `false` once given up. */
  async #writeTo(index: number, item: QueuedPost): Promise<boolean> {
    const sink = this.#options.sinks[index];
    const giveUp = this.#giveUp.signal;
    for (let attempt = 1;; attempt++) {
      if (this.#abandoned.has(index)) return this.#skip(index, item);
      let error: unknown;
      try {
        const writing = Promise.resolve(sink.write(item.post));
        // Once given up, a sink that still works gets the rest without a race.
        if (giveUp.aborted ? (await writing, true) : await this.#unlessGivenUp(writing)) {
          return true;
        }
        error = new Error(
          `Gave up waiting for sink ${index} to write after ${this.#retry.drainTimeoutMs} ms`,
        );
      } catch (thrown) {
        error = thrown;
      }
      const retryInMs = giveUp.aborted ? undefined : sinkRetryDelayMs(attempt, this.#retry);
      this.#reportFailure({ sinkIndex: index, error, item, attempt, retryInMs });
      if (retryInMs !== undefined) {
        try {
          await delay(retryInMs, giveUp);
          continue;
        } catch {
          // Closing ran out of time during the wait.
        }
      }
      this.#abandoned.set(index, { posts: 0, firstPostId: item.post.id });
      return this.#skip(index, item);
    }
  }

  /** `true` once `writing` fulfils, `false` if closing gives up first (rejects as it rejects).
   * One wake-up slot instead of an abort listener per write: this runs once per post and sink. */
  #unlessGivenUp(writing: Promise<void>): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.#wake = () => resolve(false);
      writing.then(() => {
        this.#wake = undefined;
        resolve(true);
      }, (error: unknown) => {
        this.#wake = undefined;
        reject(error);
      });
    });
  }

  #skip(index: number, item: QueuedPost): false {
    const abandoned = this.#abandoned.get(index)!;
    abandoned.posts++;
    abandoned.firstPostId ??= item.post.id;
    return false;
  }

  #reportFailure(failure: SinkWriteFailure): void {
    const { onSinkError, onError } = this.#options;
    this.#call(
      () => onSinkError === undefined ? onError(failure.error, failure.item) : onSinkError(failure),
      failure.item,
    );
  }

  /** Runs a callback; a throw goes to `onError` (and no further): it never stops the consumer. */
  #call(callback: () => void, item: QueuedPost): void {
    try {
      callback();
    } catch (error) {
      try {
        this.#options.onError(error, item);
      } catch {
        // Nowhere left to report to.
      }
    }
  }
}
