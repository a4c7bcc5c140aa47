/**
 * A snapshot of a stream client, as returned by `status()`: what the health server serves.
 *
 * @module
 */
import type { BackoffClass, DisconnectCause } from "./disconnect_cause.ts";
import type { RateLimit } from "./rate_limit.ts";

/** Where the client's connect loop is. */
export type ClientState =
  | "idle"
  | "connecting"
  | "connected"
  | "waiting"
  | "stopped";

/** A snapshot of a stream client. Plain data, safe to serialise: never holds a credential. */
export interface ClientStatus {
  /** Where the connect loop is. */
  readonly state: ClientState;
  /** Epoch ms since when the client has been in `state`. */
  readonly sinceMs: number;
  /** The stream URL without credentials or query secrets. */
  readonly url: string;
  /** Connection attempts made in total. */
  readonly attempts: number;
  /** Failed attempts by backoff class, in total. */
  readonly attemptsByClass: Readonly<Record<BackoffClass, number>>;
  /** When the current connection opened (epoch ms), if connected. */
  readonly connectedAtMs: number | undefined;
  /** Epoch ms of the last byte (data or heartbeat) received. */
  readonly lastActivityMs: number | undefined;
  /** The last disconnect's cause and time. */
  readonly lastDisconnect: { readonly cause: DisconnectCause; readonly atMs: number } | undefined;
  /** The last error, as a message. */
  readonly lastError: string | undefined;
  /** Epoch ms of the next attempt, when waiting. */
  readonly nextRetryAtMs: number | undefined;
  /** The class of the wait in progress, when waiting. */
  readonly nextRetryClass: BackoffClass | undefined;
  /** The latest `x-rate-limit-*` figures. */
  readonly rateLimit: RateLimit | undefined;
  /** Counts since start. */
  readonly counts: {
    readonly posts: number;
    readonly heartbeats: number;
    readonly disconnects: number;
    readonly malformed: number;
    readonly bytes: number;
  };
  /** `created_at` of the newest post delivered, as epoch ms. */
  readonly newestPostAtMs: number | undefined;
  /** The watchdog's timeout (the stall budget), in ms. */
  readonly stallTimeoutMs: number;
  /** When stopped: the reason tag. */
  readonly stopReason: string | undefined;
}
