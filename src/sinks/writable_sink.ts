/**
 * A sink over any web `WritableStream<Uint8Array>`: stdout on every runtime, a socket, a test buffer.
 *
 * @module
 */
import * as v from "valibot";
import type { PostMessage } from "../messages.ts";
import { invalidOption, positiveInteger } from "../options_error.ts";
import type { PostSink, SinkPosition } from "./post_sink.ts";

/** Options of {@linkcode WritableSink}. */
export interface WritableSinkOptions {
  /**
   * Lines are gathered up to this many bytes before one write, which keeps the per-post cost low.
   * @default {65536}
   */
  readonly batchBytes?: number;
}

const OptionsSchema = v.object({ batchBytes: v.optional(positiveInteger) }, "must be an object");

/**
 * Writes each post's original line plus `\n` to a `WritableStream`, batching small writes.
 * Only whole lines are ever written, so the output's last line is complete after `flush()`.
 *
 * @example
 * ```ts
 * import { WritableSink } from "./writable_sink.ts";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * const chunks: Uint8Array[] = [];
 * const sink = new WritableSink(new WritableStream({ write(c) { chunks.push(c); } }));
 * await sink.write(classifyLine('{"data":{"id":"1","text":"hi"}}') as PostMessage);
 * await sink.close();
 * console.assert(new TextDecoder().decode(chunks[0]) === '{"data":{"id":"1","text":"hi"}}\n');
 * ```
 */
export class WritableSink implements PostSink {
  #writer: WritableStreamDefaultWriter<Uint8Array>;
  #encoder = new TextEncoder();
  #pending: string[] = [];
  #pendingBytes = 0;
  #batchBytes: number;
  #posts = 0;
  #bytes = 0;
  #closed = false;

  /** Wraps `writable`; the sink holds its writer lock until `close()`. */
  constructor(writable: WritableStream<Uint8Array>, options: WritableSinkOptions = {}) {
    const result = v.safeParse(OptionsSchema, options);
    if (!result.success) throw invalidOption("WritableSink", result.issues[0]);
    const batchBytes = options.batchBytes ?? 65_536;
    this.#batchBytes = batchBytes;
    this.#writer = writable.getWriter();
  }

  /** Queues the post's line; writes when the batch is full. */
  async write(post: PostMessage): Promise<void> {
    if (this.#closed) throw new TypeError("Cannot write to a closed WritableSink");
    const line = post.line; // read once: a queued post's line is decoded on each read
    this.#pending.push(line);
    // String length approximates bytes well enough to size a batch; exact bytes are counted on write.
    this.#pendingBytes += line.length + 1;
    this.#posts++;
    if (this.#pendingBytes >= this.#batchBytes) await this.#drain();
  }

  /** Writes every queued line. */
  async flush(): Promise<void> {
    await this.#drain();
  }

  /** Flushes and closes the underlying stream. */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#drain();
    this.#closed = true;
    await this.#writer.close();
  }

  /** Posts and bytes written so far. */
  position(): SinkPosition {
    return { kind: "writable", posts: this.#posts, bytes: this.#bytes };
  }

  async #drain(): Promise<void> {
    if (this.#pending.length === 0) return;
    const bytes = this.#encoder.encode(this.#pending.join("\n") + "\n");
    this.#pending = [];
    this.#pendingBytes = 0;
    this.#bytes += bytes.byteLength;
    await this.#writer.write(bytes);
  }
}
