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
  /** Writes one post; the line is written exactly as received, followed by `\n`. */
  write(post: PostMessage): Promise<void>;
  /** Makes every post written so far durable (flushed, and fsynced where that applies). */
  flush(): Promise<void>;
  /** Flushes and releases the sink. Idempotent. */
  close(): Promise<void>;
  /** The output position, for status and metrics. */
  position(): SinkPosition;
}
