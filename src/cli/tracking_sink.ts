/**
 * A sink wrapper that remembers the ids it wrote: the demo's loss check.
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";
import type { PostSink, SinkPosition } from "../sinks/post_sink.ts";

/**
 * Passes every post to `inner` and remembers its id in `ids`.
 *
 * @example
 * ```ts
 * import { TrackingSink } from "./tracking_sink.ts";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * import type { PostSink } from "../sinks/post_sink.ts";
 * const inner = { write: async () => {}, flush: async () => {}, close: async () => {},
 *   position: () => ({ kind: "test", posts: 0, bytes: 0 }) } as PostSink;
 * const sink = new TrackingSink(inner);
 * await sink.write(classifyLine('{"data":{"id":"7","text":"hi"}}') as PostMessage);
 * console.assert(sink.ids.has("7"));
 * ```
 */
export class TrackingSink implements PostSink {
  /** Ids of the posts written. */
  readonly ids: Set<string> = new Set();
  #inner: PostSink;

  /** `inner`'s ids already written (a file from an earlier run), when it can tell. */
  readonly recentIds?: () => Promise<Iterable<string>>;

  /** Wraps `inner`. */
  constructor(inner: PostSink) {
    this.#inner = inner;
    if (inner.recentIds !== undefined) this.recentIds = () => inner.recentIds!();
  }

  /** Remembers the id, then writes. */
  write(post: PostMessage): Promise<void> {
    if (post.id !== undefined) this.ids.add(post.id);
    return this.#inner.write(post);
  }

  /** Flushes `inner`. */
  flush(): Promise<void> {
    return this.#inner.flush();
  }

  /** Closes `inner`. */
  close(): Promise<void> {
    return this.#inner.close();
  }

  /** `inner`'s position. */
  position(): SinkPosition {
    return this.#inner.position();
  }
}
