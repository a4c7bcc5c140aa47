/**
 * The lifecycle events a {@linkcode StreamClient} emits. A discriminated union tagged by `type`.
 *
 * @module
 */
import type { BackoffClass, DisconnectCause } from "./disconnect_cause.ts";
import type { RateLimit } from "./rate_limit.ts";
import type { MalformedMessage, ProblemMessage, SystemMessage } from "./messages.ts";

/** Every event carries the time it happened (epoch ms, from the client's clock). */
export interface EventBase {
  /** When it happened. */
  readonly atMs: number;
  /** Which connection (0-based) it concerns, for clients with redundant connections. */
  readonly connectionId: number;
}

/** Every kind of alert holdfast raises for a person. */
export type AlertKind =
  | "backoff-ceiling"
  | "auth-failure"
  | "reconnect-storm"
  | "volume-drop"
  | "lag"
  | "queue-dropping"
  | "meter-threshold"
  | "too-many-connections"
  | "gap-unrecoverable"
  /** A sink's `write` fails: the post (and the queue) waits while it is retried, or closing gave
   * it up (the details then say how many posts it did not get). */
  | "sink-failing";

/** Lifecycle events of a stream client. */
export type ClientEvent =
  | (EventBase & { readonly type: "connecting"; readonly attempt: number; readonly url: string })
  | (EventBase & {
    readonly type: "connected";
    readonly status: number;
    readonly rateLimit: RateLimit | undefined;
  })
  | (EventBase & { readonly type: "heartbeat" })
  | (EventBase & {
    readonly type: "disconnected";
    readonly cause: DisconnectCause;
    readonly established: boolean;
  })
  | (EventBase & {
    readonly type: "retry-scheduled";
    readonly delayMs: number;
    readonly backoffClass: BackoffClass;
    readonly attempt: number;
    /** Epoch ms of the next attempt. */
    readonly retryAtMs: number;
  })
  | (EventBase & { readonly type: "stall"; readonly silentMs: number })
  | (EventBase & {
    readonly type: "alert";
    readonly alert: AlertKind;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  })
  | (EventBase & { readonly type: "system"; readonly message: SystemMessage })
  | (EventBase & { readonly type: "problem"; readonly message: ProblemMessage })
  | (EventBase & { readonly type: "malformed"; readonly message: MalformedMessage })
  | (EventBase & { readonly type: "callback-error"; readonly error: unknown })
  | (EventBase & {
    readonly type: "stopped";
    /** `"closed"` when `close()` was called; otherwise the stop reason tag. */
    readonly reason: string;
    readonly error: Error | undefined;
  });

/** The `type` tags of {@linkcode ClientEvent}. */
export type ClientEventType = ClientEvent["type"];
