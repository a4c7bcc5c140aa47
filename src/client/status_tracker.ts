/**
 * Keeps the {@linkcode ClientStatus} of one connect loop up to date.
 *
 * @module
 */
import type { BackoffClass, DisconnectCause } from "../disconnect_cause.ts";
import type { ClientEvent } from "../client_events.ts";
import type { ClientState, ClientStatus } from "../client_status.ts";
import type { PostMessage } from "../messages.ts";
import type { RateLimit } from "../rate_limit.ts";

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * The mutable state behind `status()`. The loop feeds it every event it emits (`observe`) plus
 * the few facts no event carries (posts, bytes, rate limits); `snapshot()` copies it out.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StatusTracker } from "./status_tracker.ts";
 * const tracker = new StatusTracker({ url: "https://api.x.com/2/tweets/search/stream", stallTimeoutMs: 30_000, now: () => 5 });
 * tracker.observe({ type: "connecting", atMs: 5, connectionId: 0, attempt: 1, url: "https://api.x.com/2/tweets/search/stream" });
 * assert.ok(tracker.snapshot().state === "connecting" && tracker.snapshot().attempts === 1);
 * ```
 */
export class StatusTracker {
  #status: Mutable<ClientStatus>;
  #counts: Mutable<ClientStatus["counts"]>;
  #byClass: Record<BackoffClass, number>;

  /** Starts `idle` at `now()`. */
  constructor(options: { url: string; stallTimeoutMs: number; now: () => number }) {
    this.#counts = { posts: 0, heartbeats: 0, disconnects: 0, malformed: 0, bytes: 0 };
    this.#byClass = { immediate: 0, network: 0, http: 0, "rate-limit": 0, budget: 0 };
    this.#status = {
      state: "idle",
      sinceMs: options.now(),
      url: options.url,
      attempts: 0,
      attemptsByClass: this.#byClass,
      connectedAtMs: undefined,
      lastActivityMs: undefined,
      lastDisconnect: undefined,
      lastError: undefined,
      nextRetryAtMs: undefined,
      nextRetryClass: undefined,
      rateLimit: undefined,
      counts: this.#counts,
      newestPostAtMs: undefined,
      stallTimeoutMs: options.stallTimeoutMs,
      stopReason: undefined,
    };
  }

  /** Updates the status from an event the loop is about to emit. */
  observe(event: ClientEvent): void {
    const s = this.#status;
    switch (event.type) {
      case "connecting":
        this.#enter("connecting", event.atMs);
        s.attempts++;
        s.url = event.url;
        s.nextRetryAtMs = undefined;
        s.nextRetryClass = undefined;
        break;
      case "connected":
        this.#enter("connected", event.atMs);
        s.connectedAtMs = event.atMs;
        break;
      case "heartbeat":
        this.#counts.heartbeats++;
        break;
      case "malformed":
        this.#counts.malformed++;
        break;
      case "disconnected":
        this.#counts.disconnects++;
        s.connectedAtMs = undefined;
        s.lastDisconnect = { cause: event.cause, atMs: event.atMs };
        if (event.cause.kind !== "closed") s.lastError = describeCause(event.cause);
        break;
      case "retry-scheduled":
        this.#enter("waiting", event.atMs);
        this.#byClass[event.backoffClass]++;
        s.nextRetryAtMs = event.retryAtMs;
        s.nextRetryClass = event.backoffClass;
        break;
      case "stopped":
        this.#enter("stopped", event.atMs);
        s.stopReason = event.reason;
        s.nextRetryAtMs = undefined;
        s.nextRetryClass = undefined;
        s.connectedAtMs = undefined;
        if (event.error !== undefined) s.lastError = event.error.message;
        break;
    }
  }

  /** Counts a delivered post and tracks the newest `created_at`. */
  notePost(post: PostMessage): void {
    this.#counts.posts++;
    if (post.createdAt !== undefined) {
      const at = Date.parse(post.createdAt);
      const newest = this.#status.newestPostAtMs;
      if (!Number.isNaN(at) && (newest === undefined || at > newest)) {
        this.#status.newestPostAtMs = at;
      }
    }
  }

  /** Counts bytes received and marks activity. */
  noteBytes(bytes: number, atMs: number): void {
    this.#counts.bytes += bytes;
    this.#status.lastActivityMs = atMs;
  }

  /** Records the rate-limit figures of a response. */
  noteRateLimit(rateLimit: RateLimit | undefined): void {
    if (rateLimit !== undefined) this.#status.rateLimit = rateLimit;
  }

  /** A copy of the status, safe to keep and serialise. */
  snapshot(): ClientStatus {
    return {
      ...this.#status,
      attemptsByClass: { ...this.#byClass },
      counts: { ...this.#counts },
    };
  }

  #enter(state: ClientState, atMs: number): void {
    if (this.#status.state !== state) {
      this.#status.state = state;
      this.#status.sinceMs = atMs;
    }
  }
}

/** A one-line description of a disconnect cause, for `lastError`. */
export function describeCause(cause: DisconnectCause): string {
  switch (cause.kind) {
    case "network":
      return `network: ${errorText(cause.error)}`;
    case "stall":
      return `stall: no data or heartbeat for ${cause.silentMs} ms`;
    case "eof":
      return "eof: the server ended the body";
    case "http":
      return `http ${cause.status}${cause.connectionIssue ? ` (${cause.connectionIssue})` : ""}`;
    case "disconnect-message":
      return `disconnect message: ${cause.disconnectType}`;
    case "system-message":
      return `system message (${cause.systemKind}): ${cause.message}`;
    case "usage-capped":
      return `usage capped${cause.period ? ` (${cause.period})` : ""}`;
    case "line-too-long":
      return `line longer than ${cause.maxLineBytes} bytes`;
    case "closed":
      return "closed";
  }
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
