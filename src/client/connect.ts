/**
 * `connect()`: one stream, kept connected by X's rules, delivered as an async iterable of posts.
 *
 * @module
 */
import type { ClientEvent } from "../client_events.ts";
import type { ClientStatus } from "../client_status.ts";
import type { PostMessage } from "../messages.ts";
import { type ConnectOptions, resolveConnectOptions } from "./connect_options.ts";
import { displayUrl } from "./credentials.ts";
import { runConnectionLoop } from "./connection_loop.ts";
import { EventHub } from "./event_hub.ts";
import { PostsChannel } from "./posts_channel.ts";
import { StatusTracker } from "./status_tracker.ts";

/** A connected stream. Read posts with `for await` OR `readable` (one consumer at a time);
 * leaving a `for await` early (`break`, `return`, a throw) closes the client. */
export interface StreamClient extends AsyncIterable<PostMessage> {
  /** The posts (never heartbeats or control messages), bounded by `postsHighWaterMark`.
   * Cancelling it closes the client. Errors with a `StreamStoppedError` when the client stops
   * because retrying cannot help, after the posts already received have been read. */
  readonly readable: ReadableStream<PostMessage>;
  /** Adds an event listener; returns the function that removes it. A throwing listener is
   * reported to the others as `callback-error`, and never stops the client. */
  subscribe(listener: (event: ClientEvent) => void): () => void;
  /** A snapshot of the client: state, counts, last disconnect, next retry, rate limit. */
  status(): ClientStatus;
  /** Aborts the request in flight and any wait, ends the posts stream cleanly (posts already
   * received stay readable), emits `stopped` (`reason: "closed"`), and resolves once the loop has
   * fully exited. Idempotent. */
  close(): Promise<void>;
  /** Resolves once the client has stopped, for any reason (it never rejects: a fatal stop is
   * reported by the `stopped` event, by `status()`, and by the posts stream's error). */
  readonly closed: Promise<void>;
}

/**
 * Opens a stream and keeps it open: reconnects at once after an established connection drops,
 * backs off on X's curves when reconnecting fails, detects stalls with a watchdog, and stops
 * only when retrying cannot help (400/404/..., InvalidRules, usage cap) or when closed.
 *
 * The loop starts on the next microtask, so listeners subscribed right after `connect()` see
 * every event. Throws `TypeError`/`RangeError` for invalid options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { connect } from "./connect.ts";
 * // A tiny in-process stand-in for X: one post, one heartbeat, then the body stays open.
 * // (Pass the simulator's `fetch`, or a Hono `app.fetch`, the same way.)
 * const fakeX = (request: Request): Promise<Response> =>
 *   Promise.resolve(new Response(new ReadableStream({
 *     start(controller) {
 *       controller.enqueue(new TextEncoder().encode('{"data":{"id":"1","text":"hi"}}\r\n\r\n'));
 *       request.signal.addEventListener("abort", () => controller.error(request.signal.reason));
 *     },
 *   })));
 * const client = connect({
 *   url: "https://api.x.com/2/tweets/search/stream",
 *   auth: { bearer: "YOUR-TOKEN" },
 *   fetch: fakeX,
 * });
 * const unsubscribe = client.subscribe((event) => {
 *   if (event.type === "connected") assert.ok(event.status === 200);
 * });
 * for await (const post of client) {
 *   assert.ok(post.id === "1");
 *   break; // leaving the loop closes the client
 * }
 * await client.closed;
 * unsubscribe();
 * assert.ok(client.status().state === "stopped" && client.status().counts.posts === 1);
 * ```
 */
export function connect(options: ConnectOptions): StreamClient {
  const resolved = resolveConnectOptions(options);
  const { now, connectionId, signal: userSignal } = resolved;
  const hub = new EventHub();
  if (resolved.onEvent !== undefined) hub.subscribe(resolved.onEvent);
  const status = new StatusTracker({
    url: displayUrl(resolved.url),
    stallTimeoutMs: resolved.stallTimeoutMs,
    now,
  });
  const stopper = new AbortController();
  const posts = new PostsChannel(resolved.postsHighWaterMark, () => stopper.abort());
  const onUserAbort = (): void => stopper.abort(userSignal?.reason);
  userSignal?.addEventListener("abort", onUserAbort, { once: true });
  if (userSignal?.aborted) stopper.abort(userSignal.reason);

  const closed: Promise<void> = Promise.resolve()
    .then(() =>
      runConnectionLoop({
        options: resolved,
        status,
        emit: (event) => hub.emit(event),
        deliver: (post) => posts.deliver(post),
        signal: stopper.signal,
      })
    )
    .then(
      (exit) => (exit.error === undefined ? posts.close() : posts.fail(exit.error)),
      (error: unknown) => {
        // A bug in holdfast: still tell everyone, and never leave the consumer waiting.
        const failure = error instanceof Error ? error : new Error(String(error));
        const event: ClientEvent = {
          type: "stopped",
          atMs: now(),
          connectionId,
          reason: "internal-error",
          error: failure,
        };
        status.observe(event);
        hub.emit(event);
        posts.fail(failure);
      },
    )
    .finally(() => userSignal?.removeEventListener("abort", onUserAbort));

  return {
    readable: posts.readable,
    closed,
    subscribe: (listener) => hub.subscribe(listener),
    status: () => status.snapshot(),
    close: () => {
      stopper.abort();
      return closed;
    },
    [Symbol.asyncIterator]: () => iterate(posts.readable),
  };
}

/**
 * Reads `readable` to its end; leaving early (`break`, `return`, a throw) cancels it. A plain
 * iterator over the reader, not an async generator: one promise per post instead of three.
 */
function iterate(readable: ReadableStream<PostMessage>): AsyncIterator<PostMessage, undefined> {
  const reader = readable.getReader();
  return {
    next: () => reader.read() as Promise<IteratorResult<PostMessage, undefined>>,
    return: async () => {
      await reader.cancel().catch(() => {});
      return { done: true, value: undefined };
    },
  };
}
