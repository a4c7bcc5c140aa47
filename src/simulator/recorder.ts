/**
 * The record of every connection attempt: when, what was asked (secrets redacted), what was
 * answered, and, for accepted connections, how and why they ended. The judge reads it.
 *
 * @module
 */
import { redactHeaders } from "./auth.ts";
import type { BodyStats, CloseReason } from "./body_types.ts";
import type { EndpointName } from "./stream_catalog.ts";

/** What the simulator answered to an attempt. */
export type AttemptOutcome =
  | "accepted"
  | "unauthorized"
  | "forbidden"
  | "bad-request"
  | "rate-limited"
  | "too-many-connections"
  | "usage-capped"
  | "conflict"
  | "not-found"
  | "client-error"
  | "server-error";

/** One connection attempt, as recorded. */
export interface AttemptRecord {
  /** 1, 2, 3, ... in arrival order. */
  readonly id: number;
  /** When it arrived (epoch ms, from the simulator's clock). */
  readonly atMs: number;
  /** The HTTP method. */
  readonly method: string;
  /** The URL path. */
  readonly path: string;
  /** The query parameters. */
  readonly query: Readonly<Record<string, string>>;
  /** Request headers, with `authorization` values redacted. */
  readonly headers: Readonly<Record<string, string>>;
  /** `user-agent`, or `x-user-agent` when no `user-agent` was sent. */
  readonly userAgent: string | undefined;
  /** The stream asked for. */
  readonly endpoint: EndpointName;
  /** The `partition` asked for, if a number. */
  readonly partition: number | undefined;
  /** A printable, non-secret name of the credential (`bearer#1a2b3c4d`). */
  readonly credential: string | undefined;
  /** The status answered (200: accepted). */
  status: number;
  /** What the answer meant. */
  outcome: AttemptOutcome;
  /** True when a fault (scenario or control API) forced this answer. */
  injected: boolean;
  /** `connection_issue` of a ConnectionException answer. */
  connectionIssue?: string;
  /** The `x-rate-limit-*` figures sent (reset in epoch ms). */
  rateLimit?: { limit: number; remaining: number; resetAtMs: number };
  /** For accepted attempts: the connection's id (as `/2/connections` lists it). */
  connectionId?: string;
  /** Accepted beyond the connection limit (PowerTrack tolerates it for a grace period). */
  overLimit?: boolean;
  /** Backfill was asked for but not given (after a full-buffer disconnect). */
  backfillIgnored?: boolean;
  /** When an accepted connection ended (epoch ms). */
  closedAtMs?: number;
  /** Why it ended. */
  closeReason?: CloseReason;
  /** The fault in force on the connection when it closed (e.g. `stall`). */
  faultAtClose?: string;
  /** A post or heartbeat was sent before it ended. */
  established?: boolean;
  /** When its first post or heartbeat was sent (epoch ms). */
  establishedAtMs?: number;
  /** What it carried (live counters while open). */
  stats?: BodyStats;
}

/** Collects attempt records. */
export class Recorder {
  readonly #records: AttemptRecord[] = [];

  /** Records the arrival of a stream request (status 0 until answered). */
  begin(
    request: Request,
    atMs: number,
    endpoint: EndpointName,
    partition: number | undefined,
    credential: string | undefined,
  ): AttemptRecord {
    const url = new URL(request.url);
    const headers = redactHeaders(request.headers);
    const record: AttemptRecord = {
      id: this.#records.length + 1,
      atMs,
      method: request.method,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      userAgent: headers["user-agent"] ?? headers["x-user-agent"],
      endpoint,
      partition,
      credential,
      status: 0,
      outcome: "accepted",
      injected: false,
    };
    this.#records.push(record);
    return record;
  }

  /** Copies of every record, oldest first. */
  list(): AttemptRecord[] {
    return this.#records.map((r) => ({ ...r, ...(r.stats ? { stats: { ...r.stats } } : {}) }));
  }

  /** Forgets every record (ids restart at 1). */
  clear(): void {
    this.#records.length = 0;
  }
}

/** The outcome name of an error status. */
export function outcomeOf(status: number, connectionIssue?: string): AttemptOutcome {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 400) return "bad-request";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 429) {
    return connectionIssue === "TooManyConnections" ? "too-many-connections" : "rate-limited";
  }
  return status >= 500 ? "server-error" : "client-error";
}
