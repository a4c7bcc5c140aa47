/**
 * A `PostSink` that keeps every post in memory, for loss and duplicate checks in tests.
 */
import type { PostMessage } from "../../src/messages.ts";
import type { PostSink, SinkPosition } from "../../src/sinks/post_sink.ts";

/** Keeps posts in write order; `delayMs` makes each write wait (a slow sink). */
export class MemoryPostSink implements PostSink {
  readonly posts: PostMessage[] = [];
  flushes = 0;
  closed = false;
  #bytes = 0;
  readonly #delayMs: number;

  constructor(options: { delayMs?: number } = {}) {
    this.#delayMs = options.delayMs ?? 0;
  }

  async write(post: PostMessage): Promise<void> {
    if (this.closed) throw new TypeError("Cannot write to a closed MemoryPostSink");
    if (this.#delayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.#delayMs));
    this.posts.push(post);
    this.#bytes += post.line.length + 1;
  }

  flush(): Promise<void> {
    this.flushes++;
    return Promise.resolve();
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  position(): SinkPosition {
    return { kind: "memory", posts: this.posts.length, bytes: this.#bytes };
  }

  /** The ids written, in order. */
  ids(): string[] {
    return this.posts.map((post) => post.id ?? "");
  }
}
