/**
 * The reconnect loop of ONE connection: attempt, report why it ended, ask the backoff policy,
 * wait (abortably), attempt again; until the policy says stop or the caller aborts. Reused as is
 * by `connect()`, and N times by clients with redundant connections or recovery streams.
 *
 * @module
 */
import { delay } from "../abortable_delay.ts";
import { BackoffPolicy } from "../backoff_policy.ts";
import type { ClientEvent } from "../client_events.ts";
import type { DisconnectCause, ReconnectDecision } from "../disconnect_cause.ts";
import { HttpError } from "../errors/http_error.ts";
import { StreamStoppedError } from "../errors/stream_stopped_error.ts";
import type { PostMessage } from "../messages.ts";
import type { ResolvedConnectOptions } from "./connect_options.ts";
import { displayUrl } from "./credentials.ts";
import { raceAbort } from "./race_abort.ts";
import { type AttemptResult, runAttempt } from "./run_attempt.ts";
import { describeCause, type StatusTracker } from "./status_tracker.ts";

/** What {@linkcode runConnectionLoop} needs. */
export interface ConnectionLoopConfig {
  /** Validated options (see `resolveConnectOptions`). */
  readonly options: ResolvedConnectOptions;
  /** Updated before each event is emitted, so listeners see a current `status()`. */
  readonly status: StatusTracker;
  /** Receives every event; must not throw (give it `EventHub.emit`). */
  readonly emit: (event: ClientEvent) => void;
  /** Receives each post; a returned promise pauses the body read until it settles. */
  readonly deliver: (post: PostMessage) => void | Promise<void>;
  /** Aborting it ends the loop: the request in flight and any wait are aborted at once. */
  readonly signal: AbortSignal;
  /** The policy to consult. @default {new BackoffPolicy(options.backoff)} */
  readonly policy?: BackoffPolicy;
  /** End the loop at the first clean end of body (a Recovery stream replays its window, then
   * closes). @default {false} */
  readonly endOnEof?: boolean;
  /** With `endOnEof`: a body that ends before its first heartbeat or post is retried (with the
   * network backoff) this many times before it counts as the end: X closes a Recovery once it
   * replayed its window, but a connection that drops before its first byte looks the same, and
   * taking it for an empty window loses the window. @default {0} */
  readonly emptyEofRetries?: number;
}

/** How the loop ended. */
export interface LoopExit {
  /** `"closed"` (aborted), `"eof"` (with `endOnEof`), or the policy's stop tag (`"http-404"`, ...). */
  readonly reason: string;
  /** Set when the policy stopped the loop: retrying cannot help. */
  readonly error: StreamStoppedError | undefined;
}

/**
 * Runs the reconnect loop until the policy stops it or `config.signal` aborts, and emits the
 * lifecycle events (`connecting`, `connected`, `disconnected`, `retry-scheduled`, alerts, and a
 * final `stopped`). Each attempt uses a fresh `AbortController` and a fresh fetch, and the previous
 * connection is aborted and its body cancelled before the next one starts. Never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runConnectionLoop } from "./connection_loop.ts";
 * import { resolveConnectOptions } from "./connect_options.ts";
 * import { displayUrl } from "./credentials.ts";
 * import { StatusTracker } from "./status_tracker.ts";
 * const options = resolveConnectOptions({
 *   url: "https://stream.example/2/tweets/search/stream",
 *   fetch: () => Promise.resolve(new Response('{"data":{"id":"1"}}\r\n')),
 * });
 * const exit = await runConnectionLoop({
 *   options,
 *   status: new StatusTracker({ url: displayUrl(options.url), stallTimeoutMs: 30_000, now: Date.now }),
 *   emit: () => {},
 *   deliver: () => {},
 *   signal: new AbortController().signal,
 *   endOnEof: true, // a recovery stream: done at the end of its body
 * });
 * assert.ok(exit.reason === "eof" && exit.error === undefined);
 * ```
 */
export async function runConnectionLoop(config: ConnectionLoopConfig): Promise<LoopExit> {
  const { options, signal, status } = config;
  const { now, connectionId } = options;
  const policy = config.policy ?? new BackoffPolicy(options.backoff);
  const emit = (event: ClientEvent): void => {
    status.observe(event);
    config.emit(event);
  };
  const stop = (reason: string, error?: StreamStoppedError): LoopExit => {
    emit({ type: "stopped", atMs: now(), connectionId, reason, error });
    return { reason, error };
  };
  const ctx = {
    options,
    status,
    emit,
    deliver: config.deliver,
    observeRateLimit: (rl: Parameters<BackoffPolicy["observeRateLimit"]>[0], atMs: number) =>
      policy.observeRateLimit(rl, atMs),
  };

  // Bodies that ended before their first byte, while `endOnEof` (see `emptyEofRetries`).
  let emptyEnds = 0;
  for (let attempt = 1;; attempt++) {
    const url = await urlFor(attempt, options, signal, emit);
    if (url === undefined || signal.aborted) return stop("closed");
    policy.recordAttempt(now());
    emit({ type: "connecting", atMs: now(), connectionId, attempt, url: displayUrl(url) });

    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    let result: AttemptResult;
    try {
      result = await runAttempt(ctx, url, controller);
    } finally {
      signal.removeEventListener("abort", onAbort);
      controller.abort(); // for certain, before any next attempt
    }

    const atMs = now();
    const { cause, established } = result;
    emit({ type: "disconnected", atMs, connectionId, cause, established });
    if (cause.kind === "closed") return stop("closed");
    if (config.endOnEof && cause.kind === "eof") {
      if (established || emptyEnds >= (config.emptyEofRetries ?? 0)) return stop("eof");
      emptyEnds++;
    }

    const decision = policy.decide({ cause, established, atMs });
    if (decision.action === "stop") {
      const error = new StreamStoppedError(decision.reason, decision.message, {
        cause: errorFor(cause),
      });
      return stop(decision.reason, error);
    }
    announceRetry(decision, cause, atMs, connectionId, emit);
    if (decision.delayMs > 0) {
      try {
        await delay(decision.delayMs, signal);
      } catch {
        return stop("closed");
      }
    }
  }
}

/** The URL for `attempt`, through `beforeConnect`; `undefined` when aborted meanwhile. */
async function urlFor(
  attempt: number,
  options: ResolvedConnectOptions,
  signal: AbortSignal,
  emit: (event: ClientEvent) => void,
): Promise<URL | undefined> {
  const url = new URL(options.url.href);
  const hook = options.beforeConnect;
  if (hook === undefined) return url;
  try {
    const raced = await raceAbort(Promise.resolve(hook({ attempt, url })), signal);
    if (raced === undefined) return undefined;
    return raced.value instanceof URL ? raced.value : url;
  } catch (error) {
    // A broken hook must not stop the stream: report it, and connect as if it were absent.
    emit({
      type: "callback-error",
      atMs: options.now(),
      connectionId: options.connectionId,
      error,
    });
    return new URL(options.url.href);
  }
}

function announceRetry(
  decision: Extract<ReconnectDecision, { action: "retry" }>,
  cause: DisconnectCause,
  atMs: number,
  connectionId: number,
  emit: (event: ClientEvent) => void,
): void {
  const { delayMs, backoffClass, attempt } = decision;
  emit({
    type: "retry-scheduled",
    atMs,
    connectionId,
    delayMs,
    backoffClass,
    attempt,
    retryAtMs: atMs + delayMs,
  });
  if (decision.atCeiling) {
    emit({
      type: "alert",
      atMs,
      connectionId,
      alert: "backoff-ceiling",
      message: `Reconnect waits reached their ceiling (${delayMs} ms, ${backoffClass} curve, ` +
        `attempt ${attempt}); last cause: ${describeCause(cause)}`,
      details: { delayMs, backoffClass, attempt },
    });
  }
  if (decision.authFailure) {
    const status = cause.kind === "http" ? cause.status : undefined;
    emit({
      type: "alert",
      atMs,
      connectionId,
      alert: "auth-failure",
      message: `X refused the credentials (HTTP ${status}): check the token or the app's access. ` +
        `Retrying in ${delayMs} ms.`,
      details: { status, attempt },
    });
  }
}

/** The `cause` of a StreamStoppedError: an HttpError for HTTP answers, else the cause itself. */
function errorFor(cause: DisconnectCause): unknown {
  return cause.kind === "http" ? new HttpError(cause.status, cause.headers, cause.body) : cause;
}
