/**
 * The collector's durable watermarks: one {@linkcode WatermarkTracker} per partition, advanced
 * only by what was WRITTEN (a post in the queue at a crash is not "read"), and held still while a
 * Recovery of that partition is pending, so a restart re-plans the window it had not replayed.
 *
 * @module
 */
import { type Watermark, type WatermarkStore, WatermarkTracker } from "../storage/watermark.ts";

/** The key a partition's watermark is saved under. */
export function watermarkKey(streamKey: string, partition: number | undefined): string {
  return partition === undefined ? streamKey : `${streamKey}#partition=${partition}`;
}

/**
 * Watermarks of every partition read by a collector.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PartitionWatermarks } from "./partition_watermarks.ts";
 * import { MemoryWatermarkStore } from "../storage/watermark.ts";
 * const store = new MemoryWatermarkStore();
 * const marks = new PartitionWatermarks({ store, streamKey: "filtered", partitions: [undefined], now: () => 5 });
 * marks.hold(undefined);
 * marks.observe(undefined, 5, { id: "2" }); // held: a Recovery is pending
 * marks.release(undefined);
 * marks.observe(undefined, 6, { id: "3" });
 * await marks.flush();
 * assert.equal((await store.load("filtered"))?.lastActivityMs, 6);
 * ```
 */
export class PartitionWatermarks {
  readonly #trackers = new Map<number | undefined, WatermarkTracker>();
  readonly #holds = new Map<number | undefined, number>();

  /** One tracker per partition, saved under {@linkcode watermarkKey}. */
  constructor(options: {
    store: WatermarkStore;
    streamKey: string;
    partitions: readonly (number | undefined)[];
    now: () => number;
    onError?: (error: unknown) => void;
  }) {
    for (const partition of options.partitions) {
      this.#trackers.set(
        partition,
        new WatermarkTracker({
          store: options.store,
          streamKey: watermarkKey(options.streamKey, partition),
          ...(partition === undefined ? {} : { partition }),
          now: options.now,
          onError: options.onError,
        }),
      );
    }
  }

  /** Loads every partition's saved watermark (what the last run reached). */
  async load(): Promise<Map<number | undefined, Watermark>> {
    const loaded = new Map<number | undefined, Watermark>();
    for (const [partition, tracker] of this.#trackers) {
      const saved = await tracker.load();
      if (saved !== undefined) loaded.set(partition, saved);
    }
    return loaded;
  }

  /** A post (or, without `post`, a heartbeat) of `partition` was written at `atMs`. */
  observe(
    partition: number | undefined,
    atMs: number,
    post?: { readonly id?: string; readonly createdAt?: string },
  ): void {
    if ((this.#holds.get(partition) ?? 0) > 0) return;
    const tracker = this.#trackers.get(partition);
    if (post === undefined) tracker?.observeHeartbeat(atMs);
    else tracker?.observePost(post, atMs);
  }

  /** A Recovery of `partition` is pending: keep its watermark where it is. */
  hold(partition: number | undefined): void {
    this.#holds.set(partition, (this.#holds.get(partition) ?? 0) + 1);
  }

  /** That Recovery is over. */
  release(partition: number | undefined): void {
    this.#holds.set(partition, Math.max(0, (this.#holds.get(partition) ?? 0) - 1));
  }

  /** The furthest-behind partition's watermark (the one a restart plans from). */
  current(): Watermark | undefined {
    let oldest: Watermark | undefined;
    for (const tracker of this.#trackers.values()) {
      const mark = tracker.current();
      if (
        mark !== undefined && (oldest === undefined || mark.lastActivityMs < oldest.lastActivityMs)
      ) {
        oldest = mark;
      }
    }
    return oldest;
  }

  /** Saves every partition's watermark now. Rejects with the first failure. */
  async flush(): Promise<void> {
    const results = await Promise.allSettled([...this.#trackers.values()].map((t) => t.flush()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  }
}
