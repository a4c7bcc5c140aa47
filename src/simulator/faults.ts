/**
 * The failures the simulator can cause on demand, from a scenario step or the control API.
 * Some act on live connections (`operational-disconnect`, `eof`, `stall`, `reset`,
 * `full-buffer`, `maintenance`, `too-many-connections`, `usage-cap`); others on the next
 * connect attempts (`http-status`, `auth-failure`, `rate-limit`, `flap`).
 *
 * @module
 */
import type { DisconnectType } from "../messages.ts";
import type { EndpointName } from "./stream_catalog.ts";

/** Which live connections a fault acts on (all by default). */
export interface FaultTarget {
  /** Only connections to this endpoint. */
  readonly endpoint?: EndpointName;
  /** Only this connection (its id as `/2/connections` lists it). */
  readonly connectionId?: string;
}

/** Fields of the faults that answer the next connect attempts. */
export interface ConnectFaultFields {
  /** Only connects to this endpoint. */
  readonly endpoint?: EndpointName;
  /** Forgotten if not used up within this long (an outage ends even if no client came). @default never */
  readonly expiresInMs?: number;
}

/** A failure to cause. Tagged by `kind`. */
export type Fault =
  /** v2: an `operational-disconnect` message (default type `OperationalDisconnect`), then a clean close. PowerTrack: the maintenance message. */
  | (
    & { readonly kind: "operational-disconnect"; readonly disconnectType?: DisconnectType }
    & FaultTarget
  )
  /** The body ends cleanly with no message (PowerTrack's zero-byte chunk). */
  | ({ readonly kind: "eof" } & FaultTarget)
  /** Silence with the socket open: no heartbeats, no posts; resumes after `durationMs` if given. */
  | ({ readonly kind: "stall"; readonly durationMs?: number } & FaultTarget)
  /** The body errors abruptly, like a TCP reset. */
  | ({ readonly kind: "reset" } & FaultTarget)
  /** The server-side buffer is declared full: full-buffer message (PowerTrack) or SlowReader (v2), then close. */
  | ({ readonly kind: "full-buffer" } & FaultTarget)
  /** PowerTrack's "... is closing for operational reasons"; v2 gets `operational-disconnect`. */
  | ({ readonly kind: "maintenance" } & FaultTarget)
  /** PowerTrack's "Forced Disconnect: Too many connections"; v2 gets a ConnectionException line. */
  | ({ readonly kind: "too-many-connections" } & FaultTarget)
  /** v2: the usage-capped problem, then close; later connects get 429 usage-capped until `durationMs` passes (or `clear`). */
  | {
    readonly kind: "usage-cap";
    readonly period?: "Daily" | "Monthly";
    readonly durationMs?: number;
  }
  /** The next `count` (default 1) connects get this HTTP status (400-599; 429 acts as `rate-limit`). */
  | (
    & { readonly kind: "http-status"; readonly status: number; readonly count?: number }
    & ConnectFaultFields
  )
  /** The next `count` (default 1) connects get 401 (or 403). */
  | (
    & { readonly kind: "auth-failure"; readonly status?: 401 | 403; readonly count?: number }
    & ConnectFaultFields
  )
  /** The next connect gets 429 and its credential is locked out for `resetInMs` (default 15 min). */
  | ({ readonly kind: "rate-limit"; readonly resetInMs?: number } & ConnectFaultFields)
  /** The next `count` (default 1) connects are accepted, then dropped after `afterMs` (default 500), before any heartbeat. */
  | (
    & { readonly kind: "flap"; readonly count?: number; readonly afterMs?: number }
    & ConnectFaultFields
  )
  /** Removes pending connect faults, a usage cap, lock-outs and stalls. */
  | { readonly kind: "clear" };

/** Every fault kind. */
export type FaultKind = Fault["kind"];

/** What applying a fault did. */
export interface FaultResult {
  /** The fault applied. */
  readonly kind: FaultKind;
  /** Live connections it acted on. */
  readonly connections: number;
  /** Connect faults waiting after it was applied. */
  readonly pendingConnectFaults: number;
}

/** The fault kinds, in a stable order. */
export const FAULT_KINDS: readonly FaultKind[] = [
  "operational-disconnect",
  "eof",
  "stall",
  "reset",
  "full-buffer",
  "maintenance",
  "too-many-connections",
  "usage-cap",
  "http-status",
  "auth-failure",
  "rate-limit",
  "flap",
  "clear",
];

/** The `disconnect_type` values X documents. */
export const DISCONNECT_TYPES: readonly string[] = [
  "OperationalDisconnect",
  "UpstreamOperationalDisconnect",
  "ForceDisconnect",
  "UpstreamUncleanDisconnect",
  "SlowReader",
  "InternalError",
  "ClientApplicationStateDegraded",
  "InvalidRules",
];
