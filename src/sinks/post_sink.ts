/**
 * The interface every output of holdfast implements: stdout, a file, Redis Streams.
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";

/** Where a sink has got to: shown by the health server's `/status` as the output position. */
export interface SinkPosition {
  /** `"writable"`, `"file"`, `"redis"`, ... */
  readonly kind: string;
  /** Posts accepted by `write()` and written (or, for Redis, added). */
  readonly posts: number;
  /** Bytes written. */
  readonly bytes: number;
  /** Posts a shared de-duplication store said were already written elsewhere. */
  readonly duplicates?: number;
  /** Any sink-specific detail (current file path, stream key, last entry id, ...). */
  readonly detail?: Readonly<Record<string, unknown>>;
}

/** A consumer of posts. `write` is called by one consumer at a time, in order. */
export interface PostSink {
  /** Writes one post; the line is written exactly as received, followed by `\n`. In a
   * collector, `post.json` is parsed from `post.line` on first access (the queue holds lines, not
   * parsed trees), so a sink that needs only `line`, `id` or `ruleTags` pays no parse; and a post
   * that waited deep in the queue decodes `line` from UTF-8 on each read, so read it once. */
  write(post: PostMessage): Promise<void>;
  /** Makes every post written so far durable (flushed, and fsynced where that applies). */
  flush(): Promise<void>;
  /** Flushes and releases the sink. Idempotent. */
  close(): Promise<void>;
  /** The output position, for status and metrics. */
  position(): SinkPosition;
  /**
   * Optional: the ids of the posts this sink already holds from before this process started (a
   * previous run killed without a clean close), oldest first. At start, before any connection
   * opens, the collector claims them in its de-duplication store, so the posts a restart replays
   * (the backfill margin before the watermark) are dropped as duplicates instead of being
   * written a second time (see `seedDedup`).
   *
   * Implement it when the sink can read back what it wrote and nothing else de-duplicates for it:
   * a `FileSink` reads a bounded tail of its file. A sink that de-duplicates through a
   * persistent store of its own (`RedisSink`) or that cannot read back (`WritableSink` on stdout)
   * leaves it out. It should answer within seconds and return a bounded number of ids (enough to
   * cover the backfill margin at the stream's rate): the collector gives up on it after a timeout,
   * and a rejection is reported as a `callback-error` and skipped, never fatal.
   *
   * @example
   * ```ts
   * import type { PostSink } from "./post_sink.ts";
   * const held = ["1", "2"]; // read back from wherever the sink keeps its posts
   * const sink: PostSink = {
   *   write: (post) => {
   *     if (post.id !== undefined) held.push(post.id);
   *     return Promise.resolve();
   *   },
   *   flush: () => Promise.resolve(),
   *   close: () => Promise.resolve(),
   *   position: () => ({ kind: "memory", posts: held.length, bytes: 0 }),
   *   recentIds: () => Promise.resolve([...held]),
   * };
   * console.assert([...(await sink.recentIds!())].length === 2);
   * ```
   */
  recentIds?(): Promise<Iterable<string>>;
}
