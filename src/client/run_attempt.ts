/**
 * One connection attempt: the request, then the body read until the connection ends. Returns why
 * it ended; never throws. The connect loop decides what happens next.
 *
 * @module
 */
import { classifyLine } from "../classify_line.ts";
import type { ClientEvent } from "../client_events.ts";
import type { DisconnectCause } from "../disconnect_cause.ts";
import { LineTooLongError } from "../errors/line_too_long_error.ts";
import { StallError } from "../errors/stall_error.ts";
import { HeartbeatTimer } from "../heartbeat_watchdog.ts";
import { LineFramer } from "../line_splitter.ts";
import type { PostMessage, StreamMessage } from "../messages.ts";
import { parseRateLimit, type RateLimit } from "../rate_limit.ts";
import { applyUserAgent } from "../user_agent.ts";
import type { ResolvedConnectOptions } from "./connect_options.ts";
import { raceAbort } from "./race_abort.ts";
import { readBodyText } from "./read_body.ts";
import type { StatusTracker } from "./status_tracker.ts";

/** What one attempt needs from its connect loop. */
export interface AttemptContext {
  /** Validated options. */
  readonly options: ResolvedConnectOptions;
  /** Counts posts, bytes and rate limits. */
  readonly status: StatusTracker;
  /** Emits an event (the loop stamps nothing: events arrive complete). */
  readonly emit: (event: ClientEvent) => void;
  /** Hands a post on; a returned promise holds the read until it settles. */
  readonly deliver: (post: PostMessage) => void | Promise<void>;
  /** Receives X's rate-limit figures from every response. */
  readonly observeRateLimit: (rateLimit: RateLimit | undefined, atMs: number) => void;
}

/** How an attempt ended: the cause, and whether the connection proved healthy first. */
export interface AttemptResult {
  /** Why it ended (`closed` when aborted from outside). */
  readonly cause: DisconnectCause;
  /** True once a post or a heartbeat arrived (the connection proved healthy). */
  readonly established: boolean;
}

/** PowerTrack system messages after which the server closes the connection. */
const CLOSING_SYSTEM_KINDS: ReadonlySet<string> = new Set([
  "maintenance",
  "too-many-connections",
  "full-buffer",
]);

/**
 * Requests `url` once with `controller.signal` and reads the stream until it ends. The caller
 * aborts `controller` afterwards in every case; this function has already cancelled the body.
 * Aborting `controller` from outside (close) yields `{ cause: { kind: "closed" } }`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { runAttempt } from "./run_attempt.ts";
 * import { resolveConnectOptions } from "./connect_options.ts";
 * import { StatusTracker } from "./status_tracker.ts";
 * const options = resolveConnectOptions({
 *   url: "https://stream.example/2/tweets/search/stream",
 *   fetch: () => Promise.resolve(new Response('{"data":{"id":"1"}}\r\n')),
 * });
 * const posts: string[] = [];
 * const result = await runAttempt({
 *   options,
 *   status: new StatusTracker({ url: options.url.href, stallTimeoutMs: 30_000, now: Date.now }),
 *   emit: () => {},
 *   deliver: (post) => { posts.push(post.id ?? ""); },
 *   observeRateLimit: () => {},
 * }, options.url, new AbortController());
 * assert.ok(result.cause.kind === "eof" && result.established && posts[0] === "1");
 * ```
 */
export async function runAttempt(
  ctx: AttemptContext,
  url: URL,
  controller: AbortController,
): Promise<AttemptResult> {
  const { options } = ctx;
  const { now, stallTimeoutMs, connectionId } = options;
  const signal = controller.signal;
  const closed: AttemptResult = { cause: { kind: "closed" }, established: false };

  const headers = new Headers();
  if (options.authorization !== undefined) headers.set("authorization", options.authorization);
  applyUserAgent(headers);

  // Response headers must arrive within the stall budget too: a black-holed connect never ends.
  let headersTimedOut = false;
  const connectTimer: ReturnType<typeof setTimeout> = setTimeout(() => {
    headersTimedOut = true;
    controller.abort(new StallError(stallTimeoutMs, stallTimeoutMs));
  }, stallTimeoutMs);
  let response: Response;
  let request: Request | undefined;
  try {
    request = new Request(url, { headers, signal });
    // Raced with the abort: an injected fetch that ignores its signal must not hold close().
    const pending = options.fetch(request);
    const raced = await raceAbort(pending, signal);
    if (raced === undefined) {
      pending.then((late) => late.body?.cancel().catch(() => {}), () => {});
      throw signal.reason;
    }
    response = raced.value;
  } catch (error) {
    if (headersTimedOut) return stalled(ctx, stallTimeoutMs, false);
    if (signal.aborted) return closed;
    return { cause: { kind: "network", error }, established: false };
  } finally {
    clearTimeout(connectTimer);
  }

  const rateLimit = parseRateLimit(response.headers);
  ctx.observeRateLimit(rateLimit, now());
  ctx.status.noteRateLimit(rateLimit);

  if (!response.ok) {
    const body = await readBodyText(response, { timeoutMs: stallTimeoutMs });
    if (signal.aborted) return closed;
    const connectionIssue = connectionIssueOf(body);
    if (connectionIssue === "TooManyConnections") {
      tooManyConnections(ctx, `HTTP ${response.status}`);
    }
    const { status, headers } = response;
    return { cause: { kind: "http", status, headers, body, connectionIssue }, established: false };
  }

  ctx.emit({ type: "connected", atMs: now(), connectionId, status: response.status, rateLimit });
  if (response.body === null) return { cause: { kind: "eof" }, established: false };

  // No stream hop between the body and the loop: the byte count, the watchdog's clock and the
  // line framing are plain calls per chunk (each TransformStream hop costs a few µs per chunk).
  const reader = response.body.getReader();
  const framer = new LineFramer({ maxLineBytes: options.maxLineBytes });
  // Set when the watchdog fires; its cancel ends the pending read (with `done`).
  let stall: StallError | undefined;
  const watchdog = new HeartbeatTimer((error) => {
    stall = error;
    reader.cancel(error).catch(() => {});
  }, { timeoutMs: stallTimeoutMs, now });
  let established = false;
  // A PowerTrack system message that announces the close: the cause once the body ends.
  let announced: DisconnectCause | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (stall !== undefined) throw stall;
      let lines: string[];
      if (done) lines = framer.end();
      else {
        const atMs = now();
        watchdog.touch(atMs);
        ctx.status.noteBytes(value.byteLength, atMs);
        lines = framer.push(value);
      }
      // The lines this chunk ended (often none); one array per chunk.
      for (const line of lines) {
        // Closed while a line was handled: the rest of the batch is not delivered.
        if (signal.aborted) return { ...closed, established };
        const message: StreamMessage = classifyLine(line);
        switch (message.type) {
          case "post": {
            established = true;
            ctx.status.notePost(message);
            const held = ctx.deliver(message);
            if (held !== undefined) await raceAbort(held, signal).catch(() => {});
            break;
          }
          case "heartbeat":
            established = true;
            ctx.emit({ type: "heartbeat", atMs: now(), connectionId });
            break;
          case "disconnect":
            // The server is about to close: end it now rather than wait for it.
            return {
              cause: { kind: "disconnect-message", disconnectType: message.disconnect_type },
              established,
            };
          case "connection-error":
            if (message.connection_issue === "TooManyConnections") {
              tooManyConnections(ctx, "a ConnectionException in the stream");
            }
            return {
              cause: { kind: "disconnect-message", disconnectType: message.connection_issue },
              established,
            };
          case "usage-capped":
            return { cause: { kind: "usage-capped", period: message.period }, established };
          case "problem":
            ctx.emit({ type: "problem", atMs: now(), connectionId, message });
            break;
          case "system":
            ctx.emit({ type: "system", atMs: now(), connectionId, message });
            if (message.kind === "too-many-connections") {
              tooManyConnections(ctx, "a PowerTrack system message", message.allowedConnections);
            }
            if (CLOSING_SYSTEM_KINDS.has(message.kind)) {
              announced = {
                kind: "system-message",
                systemKind: message.kind,
                message: message.message,
              };
            }
            break;
          case "malformed":
            ctx.emit({ type: "malformed", atMs: now(), connectionId, message });
            break;
        }
      }
      if (framer.failure !== undefined) throw framer.failure;
      if (done) return { cause: announced ?? { kind: "eof" }, established };
    }
  } catch (error) {
    if (error instanceof StallError) return stalled(ctx, error.silentMs, established);
    if (signal.aborted) return { ...closed, established };
    if (error instanceof LineTooLongError) {
      return { cause: { kind: "line-too-long", maxLineBytes: error.maxLineBytes }, established };
    }
    return { cause: { kind: "network", error }, established };
  } finally {
    watchdog.stop();
    // Abort first: a cancel that waits on the network must not hold the loop.
    controller.abort();
    // Node's Request follows our signal only through a WeakRef to its own controller: keep the
    // Request reachable until the abort, or an in-process fetch (the simulator) may never see it.
    keepReachable(request);
    await reader.cancel().catch(() => {});
  }
}

function keepReachable(_value: unknown): void {}

function stalled(ctx: AttemptContext, silentMs: number, established: boolean): AttemptResult {
  const { now, connectionId } = ctx.options;
  ctx.emit({ type: "stall", atMs: now(), connectionId, silentMs });
  return { cause: { kind: "stall", silentMs }, established };
}

function tooManyConnections(ctx: AttemptContext, source: string, allowed?: number): void {
  const { now, connectionId } = ctx.options;
  ctx.emit({
    type: "alert",
    atMs: now(),
    connectionId,
    alert: "too-many-connections",
    message: `X refused the connection: too many connections (from ${source}). ` +
      "Close leftover connections (DELETE /2/connections/all) or lower the redundancy.",
    ...(allowed === undefined ? {} : { details: { allowedConnections: allowed } }),
  });
}

/** The `connection_issue` of a v2 problem body (`{"errors":[...]}` or a bare problem), if any. */
function connectionIssueOf(body: string | undefined): string | undefined {
  if (body === undefined) return undefined;
  const message = classifyLine(body.trim());
  return message.type === "connection-error" && message.connection_issue !== ""
    ? message.connection_issue
    : undefined;
}
