/**
 * The collector's processing side: the bounded FIFO the readers hand posts to, and the one
 * consumer that de-duplicates, meters and writes them to every sink, then advances the durable
 * watermark. Reading never waits for processing, unless the queue is full under `"block"`.
 *
 * @module
 */
import type { DedupStats, DedupStore } from "../dedup/dedup_window.ts";
import type { DedupWindow } from "../dedup/dedup_window.ts";
import type { PostMessage } from "../messages.ts";
import type { MeterVerdict } from "../meter/post_meter.ts";
import { BoundedFifo, type BoundedFifoOptions, type FifoStats } from "../queue/bounded_fifo.ts";
import type { PostSink } from "../sinks/post_sink.ts";

/** A post on its way from a reader to the sinks. */
export interface QueuedPost {
  readonly post: PostMessage;
  /** `"connection-0"`, `"backfill"`, `"recovery"`, ... (duplicates are counted per source). */
  readonly source: string;
  /** Which watermark it advances (the partition), `undefined` for an unpartitioned stream. */
  readonly partition: number | undefined;
  /** When it was read, epoch ms. */
  readonly receivedAtMs: number;
}

/** What {@linkcode PostPipeline} needs. */
export interface PostPipelineOptions {
  readonly queue: Omit<BoundedFifoOptions<QueuedPost>, "sizeOf" | "onEvent">;
  readonly store: DedupStore;
  /** The window behind `store` when it is the in-process one (for its size and evictions). */
  readonly window: DedupWindow | undefined;
  readonly sinks: readonly PostSink[];
  readonly now: () => number;
  /** Queue drops and the first block. */
  readonly onQueueEvent: NonNullable<BoundedFifoOptions<QueuedPost>["onEvent"]>;
  /** A duplicate dropped. */
  readonly onDuplicate: (item: QueuedPost) => void;
  /** A post written to every sink: meter it and advance the watermark. */
  readonly onWritten: (item: QueuedPost) => MeterVerdict;
  /** A sink or the store failed (the post is kept going to the other sinks). */
  readonly onError: (error: unknown, item: QueuedPost) => void;
  /** Everything queued before now was written: the reading side's heartbeats may count. */
  readonly onIdle: () => void;
}

/**
 * A FIFO plus its consumer loop. `deliver` is what a connection loop's `deliver` calls: it
 * returns nothing while the queue has room, and a promise under `"block"` when it is full.
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
  readonly #fifo: BoundedFifo<QueuedPost>;
  readonly #consumer: Promise<void>;
  readonly #duplicatesBySource = new Map<string, number>();
  #duplicates = 0;
  #busy = false;
  #written = 0;
  #newestPostAtMs: number | undefined;

  /** Creates the FIFO and starts its consumer. */
  constructor(options: PostPipelineOptions) {
    this.#options = options;
    this.#fifo = new BoundedFifo<QueuedPost>({
      ...options.queue,
      sizeOf: (item) => item.post.line.length,
      onEvent: options.onQueueEvent,
    });
    this.#consumer = this.#consume();
  }

  /** Queues `item`; under `"block"` with a full queue, returns a promise that settles once it is
   * queued (the reader waits, and X's buffer fills instead). */
  deliver(item: QueuedPost): void | Promise<void> {
    const result = this.#fifo.offer(item);
    if (result !== "full") return;
    return this.#offerWhenWritable(item);
  }

  /** Whether everything queued has been written. */
  get idle(): boolean {
    return !this.#busy && this.#fifo.depth === 0;
  }

  /** Posts written to the sinks. */
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

  /** Closes the queue and waits until every queued post is written. */
  drain(): Promise<void> {
    this.#fifo.close();
    return this.#consumer;
  }

  async #offerWhenWritable(item: QueuedPost): Promise<void> {
    for (;;) {
      await this.#fifo.whenWritable();
      const result = this.#fifo.offer(item);
      if (result !== "full") return;
    }
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
      }
      if (this.#fifo.depth === 0) this.#options.onIdle();
    }
  }

  async #process(item: QueuedPost): Promise<void> {
    const o = this.#options;
    const id = item.post.id;
    if (id !== undefined) {
      let first: boolean;
      try {
        const claim = o.store.claim(id, item.source);
        first = typeof claim === "boolean" ? claim : await claim;
      } catch (error) {
        o.onError(error, item);
        first = true; // a broken store must not lose posts: write, at worst twice
      }
      if (!first) {
        this.#duplicates++;
        this.#duplicatesBySource.set(
          item.source,
          (this.#duplicatesBySource.get(item.source) ?? 0) + 1,
        );
        o.onDuplicate(item);
        return;
      }
    }
    for (const sink of o.sinks) {
      try {
        await sink.write(item.post);
      } catch (error) {
        o.onError(error, item);
      }
    }
    this.#written++;
    const createdAt = item.post.createdAt === undefined ? NaN : Date.parse(item.post.createdAt);
    if (!Number.isNaN(createdAt) && (this.#newestPostAtMs ?? -Infinity) < createdAt) {
      this.#newestPostAtMs = createdAt;
    }
    o.onWritten(item);
  }
}
