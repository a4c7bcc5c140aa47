/**
 * Why a connection attempt failed or an open connection ended: the input of the backoff policy.
 *
 * @module
 */
import type { DisconnectType, SystemMessageKind } from "./messages.ts";

/** Why a connection attempt failed or an open connection ended. Tagged by `kind`. */
export type DisconnectCause =
  /** TCP/IP level: refused, reset, DNS, TLS, a body read that failed. */
  | { readonly kind: "network"; readonly error: unknown }
  /** No data or heartbeat within the watchdog's timeout. */
  | { readonly kind: "stall"; readonly silentMs: number }
  /** The body ended cleanly (PowerTrack's zero-byte chunk, or any clean close). */
  | { readonly kind: "eof" }
  /** A non-2xx answer at connect. `connectionIssue` is read from a v2 problem body, if any. */
  | {
    readonly kind: "http";
    readonly status: number;
    readonly headers: Headers;
    readonly body: string | undefined;
    readonly connectionIssue: string | undefined;
  }
  /** A v2 `operational-disconnect` message arrived. */
  | { readonly kind: "disconnect-message"; readonly disconnectType: DisconnectType }
  /** A PowerTrack system message that ends the connection (maintenance, too many, full buffer). */
  | {
    readonly kind: "system-message";
    readonly systemKind: SystemMessageKind;
    readonly message: string;
  }
  /** A v2 `usage-capped` message arrived: the cap is reached. */
  | { readonly kind: "usage-capped"; readonly period: string | undefined }
  /** The line splitter refused an oversized line: treated as a broken connection. */
  | { readonly kind: "line-too-long"; readonly maxLineBytes: number }
  /** The user (or a pause) closed the connection on purpose. */
  | { readonly kind: "closed" };

/** The backoff classes: X's three, plus `immediate` (after an established connection drops)
 * and `budget` (waiting for room in the connect-request window rather than draw a 429). */
export type BackoffClass = "immediate" | "network" | "http" | "rate-limit" | "budget";

/** One connection's result, fed to the backoff policy. */
export interface ConnectionOutcome {
  /** Why the connection ended. */
  readonly cause: DisconnectCause;
  /** True when the connection proved healthy (a data line or a heartbeat arrived) before it ended. */
  readonly established: boolean;
  /** When the outcome happened, epoch ms (from the injected clock). */
  readonly atMs: number;
}

/** What the policy tells the connect loop to do next. */
export type ReconnectDecision =
  | {
    readonly action: "retry";
    /** Wait this long before the next attempt (already includes any budget or reset wait). */
    readonly delayMs: number;
    readonly backoffClass: BackoffClass;
    /** How many consecutive failures of this class led here (1 = first). 0 for `immediate`. */
    readonly attempt: number;
    /** True when the delay has reached its class's configured ceiling: alert a person. */
    readonly atCeiling: boolean;
    /** True for 401/403: credentials are wrong; retried on the HTTP curve, and alerted. */
    readonly authFailure: boolean;
  }
  | {
    readonly action: "stop";
    /** A short tag: `"http-404"`, `"invalid-rules"`, `"usage-capped"`, ... */
    readonly reason: string;
    /** A sentence for a person. */
    readonly message: string;
  };
