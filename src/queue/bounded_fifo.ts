/**
 * The FIFO between the stream reader and the consumer: "never process in the reading loop: read,
 * hand the message to a FIFO, and process elsewhere" (`x-streaming-contract.md`, "Consuming").
 * Bounded by items and bytes, O(1) per operation, and never copied into a stream queue.
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption, positiveInteger } from "../options_error.ts";

/** 10,000 items: about 17 MB of posts at X's mean of 1.7 KB. */
export const DEFAULT_FIFO_MAX_ITEMS = 10_000;

/**
 * What a full queue does with one more item. `"block"` refuses it (`offer` returns `"full"`) and
 * the producer waits on `whenWritable()`: the backlog then builds up in X's server buffer, and X
 * disconnects a slow reader (backfill can recover that). `"drop-oldest"` and `"drop-newest"` keep
 * reading and lose posts, counting them.
 */
export type FifoPolicy = "block" | "drop-oldest" | "drop-newest";

/** What {@linkcode BoundedFifo.offer} did with an item. */
export type OfferResult = "queued" | "dropped-oldest" | "dropped-newest" | "full" | "closed";

/** Events of a {@linkcode BoundedFifo}, tagged by `type`. */
export type FifoEvent =
  | {
    readonly type: "queue-drop";
    readonly policy: "drop-oldest" | "drop-newest";
    /** Items dropped by this one offer. */
    readonly count: number;
    /** Items dropped since the queue was made. */
    readonly totalDropped: number;
    readonly depth: number;
    readonly bytes: number;
  }
  | {
    readonly type: "queue-blocked";
    readonly depth: number;
    readonly bytes: number;
    readonly message: string;
  }
  | { readonly type: "callback-error"; readonly error: unknown };

/** Options of {@linkcode BoundedFifo}. */
export interface BoundedFifoOptions<T> {
  /** The most items held. @default {10_000} */
  readonly maxItems?: number;
  /** The most bytes held, as measured by `sizeOf` (required with it). @default {Infinity} */
  readonly maxBytes?: number;
  /** What a full queue does. @default {"block"} */
  readonly policy?: FifoPolicy;
  /** The size of an item (for a post, e.g. `post.line.length`). A throw counts as 0. */
  readonly sizeOf?: (item: T) => number;
  /** Receives drops, the first block, and errors thrown by `sizeOf`. */
  readonly onEvent?: (event: FifoEvent) => void;
}

/** Counters of a {@linkcode BoundedFifo}. */
export interface FifoStats {
  /** Items held now. */
  readonly depth: number;
  /** Bytes held now, as measured by `sizeOf`. */
  readonly bytes: number;
  /** Items accepted (including those handed straight to a waiting `take`). */
  readonly queued: number;
  /** Items handed to consumers. */
  readonly taken: number;
  /** Items dropped to make room under `"drop-oldest"`. */
  readonly droppedOldest: number;
  /** Items refused under `"drop-newest"`. */
  readonly droppedNewest: number;
  /** Offers refused with `"full"` under the `"block"` policy. */
  readonly blockedWaits: number;
  /** The most items held at once. */
  readonly peakDepth: number;
  /** The most bytes held at once. */
  readonly peakBytes: number;
  /** Whether `close()` was called. */
  readonly closed: boolean;
}

const OptionsSchema = v.object({
  maxItems: v.optional(positiveInteger),
  maxBytes: v.optional(v.pipe(v.number("must be at least 1"), v.minValue(1, "must be at least 1"))),
  policy: v.optional(
    v.picklist(
      ["block", "drop-oldest", "drop-newest"],
      'must be "block", "drop-oldest" or "drop-newest"',
    ),
  ),
  sizeOf: v.optional(v.function("must be a function")),
  onEvent: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Validates {@linkcode BoundedFifoOptions} and fills in the defaults.
 *
 * @example
 * ```ts
 * import { resolveBoundedFifoOptions } from "./bounded_fifo.ts";
 * console.assert(resolveBoundedFifoOptions({}).policy === "block");
 * ```
 */
export function resolveBoundedFifoOptions<T>(
  options: BoundedFifoOptions<T> = {},
): Required<BoundedFifoOptions<T>> {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) throw invalidOption("BoundedFifo", result.issues[0]);
  if (options.maxBytes !== undefined && options.sizeOf === undefined) {
    throw new TypeError(
      "Cannot construct BoundedFifo as 'sizeOf' must be a function when 'maxBytes' is set: current value is undefined",
    );
  }
  return {
    maxItems: options.maxItems ?? DEFAULT_FIFO_MAX_ITEMS,
    maxBytes: options.maxBytes ?? Infinity,
    policy: options.policy ?? "block",
    sizeOf: options.sizeOf ?? (() => 0),
    onEvent: options.onEvent ?? (() => {}),
  };
}

/**
 * A bounded first-in first-out queue. The producer calls `offer` (synchronous, never awaits); the
 * consumer calls `take`, iterates with `for await`, or reads `readable`. A growable ring buffer
 * keeps every operation O(1) amortised. An empty queue always accepts one item, however large.
 * Items must not be `undefined` (it marks the end).
 *
 * @example
 * ```ts
 * import { BoundedFifo } from "./bounded_fifo.ts";
 * const fifo = new BoundedFifo<string>({ maxItems: 2, policy: "drop-oldest" });
 * fifo.offer("a");
 * fifo.offer("b");
 * console.assert(fifo.offer("c") === "dropped-oldest");
 * fifo.close();
 * const got: string[] = [];
 * for await (const item of fifo) got.push(item);
 * console.assert(got.join() === "b,c");
 * ```
 */
export class BoundedFifo<T> implements AsyncIterable<T> {
  readonly #options: Required<BoundedFifoOptions<T>>;
  #items: (T | undefined)[] = new Array(16);
  #sizes: number[] = new Array(16).fill(0);
  #head = 0;
  #depth = 0;
  #bytes = 0;
  #closed = false;
  #takers: ((item: T | undefined) => void)[] = [];
  #writable: { promise: Promise<void>; resolve: () => void } | undefined;
  /** Waiters of `whenBelow`, each with its limits. */
  #belowWaiters: { items: number; bytes: number; resolve: () => void }[] = [];
  #refusedSize = 0;
  #warnedBlocked = false;
  #readable: ReadableStream<T> | undefined;
  #queued = 0;
  #taken = 0;
  #droppedOldest = 0;
  #droppedNewest = 0;
  #blockedWaits = 0;
  #peakDepth = 0;
  #peakBytes = 0;

  /** Creates a queue; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: BoundedFifoOptions<T> = {}) {
    this.#options = resolveBoundedFifoOptions(options);
  }

  /** Items held now. */
  get depth(): number {
    return this.#depth;
  }

  /** Bytes held now, as measured by `sizeOf`. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The most items held (the `maxItems` option). */
  get maxItems(): number {
    return this.#options.maxItems;
  }

  /** The most bytes held (the `maxBytes` option; `Infinity` when unbounded). */
  get maxBytes(): number {
    return this.#options.maxBytes;
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Adds `item` unless full; see {@linkcode FifoPolicy} for what happens when it is. */
  offer(item: T): OfferResult {
    if (this.#closed) return "closed";
    const taker = this.#takers.shift();
    if (taker) {
      this.#queued++;
      this.#taken++;
      taker(item);
      return "queued";
    }
    const size = this.#measure(item);
    const { policy } = this.#options;
    if (this.#fits(size)) {
      this.#push(item, size);
      return "queued";
    }
    if (policy === "block") {
      this.#blockedWaits++;
      this.#refusedSize = size;
      if (!this.#warnedBlocked) {
        this.#warnedBlocked = true;
        this.#emit({
          type: "queue-blocked",
          depth: this.#depth,
          bytes: this.#bytes,
          message: "The queue is full and blocks the reader: X will disconnect a slow reader",
        });
      }
      return "full";
    }
    let count = 1;
    if (policy === "drop-newest") {
      this.#droppedNewest++;
    } else {
      for (count = 0; !this.#fits(size); count++) this.#shift();
      this.#droppedOldest += count;
      this.#push(item, size);
    }
    this.#emit({
      type: "queue-drop",
      policy,
      count,
      totalDropped: this.#droppedOldest + this.#droppedNewest,
      depth: this.#depth,
      bytes: this.#bytes,
    });
    return policy === "drop-newest" ? "dropped-newest" : "dropped-oldest";
  }

  /** Resolves when the item last refused with `"full"` would fit, or when the queue closes. */
  whenWritable(): Promise<void> {
    if (this.#closed || this.#fits(this.#refusedSize)) return Promise.resolve();
    if (!this.#writable) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => resolve = r);
      this.#writable = { promise, resolve };
    }
    return this.#writable.promise;
  }

  /**
   * Resolves once fewer than `items` items and fewer than `bytes` bytes are held, or when the
   * queue closes. For a producer that must leave room for others: a bulk replay (a Recovery)
   * waits for the queue to fall below its share, so that live readers never find it full.
   */
  whenBelow(items: number, bytes = Infinity): Promise<void> {
    if (this.#closed || (this.#depth < items && this.#bytes < bytes)) return Promise.resolve();
    return new Promise((resolve) => this.#belowWaiters.push({ items, bytes, resolve }));
  }

  /** The oldest item, at once, or `undefined` when empty. */
  tryTake(): T | undefined {
    if (this.#depth === 0) return undefined;
    this.#taken++;
    return this.#shift();
  }

  /** The oldest item, when there is one; `undefined` once the queue is closed and drained. */
  take(): Promise<T | undefined> {
    if (this.#depth > 0 || this.#closed) return Promise.resolve(this.tryTake());
    return new Promise((resolve) => this.#takers.push(resolve));
  }

  /** Refuses further offers; held items still drain, then `take` gives `undefined`. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const taker of this.#takers.splice(0)) taker(undefined);
    this.#wakeWriter();
    this.#wakeBelow();
  }

  /**
   * A pull-based stream of the items (high-water mark 0: it asks for one item per read and never
   * copies the backlog into its own queue). Cancelling it closes the queue.
   */
  get readable(): ReadableStream<T> {
    return this.#readable ??= new ReadableStream<T>({
      pull: async (controller) => {
        const item = this.#depth > 0 ? this.tryTake() : await this.take();
        if (item === undefined) controller.close();
        else controller.enqueue(item);
      },
      cancel: () => this.close(),
    }, { highWaterMark: 0 });
  }

  /** Yields items until the queue is closed and drained. */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (let item = await this.take(); item !== undefined; item = await this.take()) yield item;
  }

  /** The counters, as a fresh plain object. */
  stats(): FifoStats {
    return {
      depth: this.#depth,
      bytes: this.#bytes,
      queued: this.#queued,
      taken: this.#taken,
      droppedOldest: this.#droppedOldest,
      droppedNewest: this.#droppedNewest,
      blockedWaits: this.#blockedWaits,
      peakDepth: this.#peakDepth,
      peakBytes: this.#peakBytes,
      closed: this.#closed,
    };
  }

  #fits(size: number): boolean {
    return this.#depth === 0 ||
      (this.#depth < this.#options.maxItems && this.#bytes + size <= this.#options.maxBytes);
  }

  #push(item: T, size: number): void {
    const capacity = this.#items.length;
    if (this.#depth === capacity) this.#grow(capacity * 2);
    const tail = (this.#head + this.#depth) & (this.#items.length - 1);
    this.#items[tail] = item;
    this.#sizes[tail] = size;
    this.#depth++;
    this.#bytes += size;
    this.#queued++;
    this.#refusedSize = 0;
    if (this.#depth > this.#peakDepth) this.#peakDepth = this.#depth;
    if (this.#bytes > this.#peakBytes) this.#peakBytes = this.#bytes;
  }

  #shift(): T {
    const head = this.#head;
    const item = this.#items[head] as T;
    this.#items[head] = undefined;
    this.#bytes -= this.#sizes[head];
    this.#head = (head + 1) & (this.#items.length - 1);
    this.#depth--;
    if (this.#writable && this.#fits(this.#refusedSize)) this.#wakeWriter();
    if (this.#belowWaiters.length > 0) this.#wakeBelow();
    return item;
  }

  #wakeBelow(): void {
    const waiting = this.#belowWaiters;
    this.#belowWaiters = [];
    for (const waiter of waiting) {
      if (this.#closed || (this.#depth < waiter.items && this.#bytes < waiter.bytes)) {
        waiter.resolve();
      } else this.#belowWaiters.push(waiter);
    }
  }

  #grow(capacity: number): void {
    const items: (T | undefined)[] = new Array(capacity);
    const sizes: number[] = new Array(capacity).fill(0);
    const mask = this.#items.length - 1;
    for (let i = 0; i < this.#depth; i++) {
      items[i] = this.#items[(this.#head + i) & mask];
      sizes[i] = this.#sizes[(this.#head + i) & mask];
    }
    this.#items = items;
    this.#sizes = sizes;
    this.#head = 0;
  }

  #wakeWriter(): void {
    this.#writable?.resolve();
    this.#writable = undefined;
  }

  #measure(item: T): number {
    try {
      const size = this.#options.sizeOf(item);
      return Number.isFinite(size) && size > 0 ? size : 0;
    } catch (error) {
      this.#emit({ type: "callback-error", error });
      return 0;
    }
  }

  #emit(event: FifoEvent): void {
    try {
      this.#options.onEvent(event);
    } catch (error) {
      if (event.type !== "callback-error") this.#emit({ type: "callback-error", error });
    }
  }
}
