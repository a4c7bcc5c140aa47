/**
 * The bounded, pull-based stream of posts between the connect loop and the consumer.
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";

/**
 * A `ReadableStream<PostMessage>` with a bounded queue. `deliver` enqueues a post and, once the
 * queue holds `highWaterMark` posts, returns a promise that settles when the consumer makes room,
 * so the loop stops reading the body instead of growing memory. `close()` keeps queued posts
 * readable; `fail(error)` lets the consumer read the queued posts, then errors the stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { PostsChannel } from "./posts_channel.ts";
 * const channel = new PostsChannel(1, () => {});
 * const post = { type: "post", line: "{}", json: {}, id: "1", createdAt: undefined, ruleTags: [] } as const;
 * const held = channel.deliver(post); // the queue is full now: a promise
 * const reader = channel.readable.getReader();
 * assert.ok((await reader.read()).value?.id === "1");
 * await held; // room again
 * channel.fail(new Error("stopped"));
 * await reader.read().then(() => assert.ok(false), (e: Error) => assert.ok(e.message === "stopped"));
 * ```
 */
export class PostsChannel {
  /** The posts, in arrival order. Cancelling it calls the `onCancel` given to the constructor. */
  readonly readable: ReadableStream<PostMessage>;
  #controller!: ReadableStreamDefaultController<PostMessage>;
  readonly #highWaterMark: number;
  #ended = false;
  #pendingError: { error: unknown } | undefined;
  #room: { promise: Promise<void>; resolve: () => void } | undefined;

  /** `onCancel` runs when the consumer cancels `readable`. */
  constructor(highWaterMark: number, onCancel: (reason: unknown) => void) {
    this.#highWaterMark = highWaterMark;
    this.readable = new ReadableStream<PostMessage>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => {
        this.#releaseRoom();
        this.#errorIfDrained();
      },
      cancel: (reason) => {
        this.#ended = true;
        this.#pendingError = undefined;
        this.#releaseRoom();
        onCancel(reason);
      },
    }, { highWaterMark });
  }

  /** Enqueues `post`; returns a promise while the queue is full. Ignored once ended. */
  deliver(post: PostMessage): void | Promise<void> {
    if (this.#ended) return;
    this.#controller.enqueue(post);
    if ((this.#controller.desiredSize ?? 1) > 0) return;
    if (this.#room === undefined) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.#room = { promise, resolve };
    }
    return this.#room.promise;
  }

  /** Ends the stream cleanly: queued posts stay readable, then the reader sees `done`. */
  close(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#releaseRoom();
    this.#controller.close();
  }

  /** Ends the stream with `error`, once the consumer has read the posts already queued. */
  fail(error: unknown): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#releaseRoom();
    this.#pendingError = { error };
    this.#errorIfDrained();
  }

  #errorIfDrained(): void {
    if (this.#pendingError !== undefined && this.#controller.desiredSize === this.#highWaterMark) {
      const { error } = this.#pendingError;
      this.#pendingError = undefined;
      this.#controller.error(error);
    }
  }

  #releaseRoom(): void {
    const room = this.#room;
    this.#room = undefined;
    room?.resolve();
  }
}
