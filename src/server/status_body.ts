/**
 * The `/status` JSON: each connection's state, attempts, last disconnect, next retry, rate-limit
 * figures, counts and lag, with the extra fields of higher layers; never a credential.
 *
 * @module
 */
import type { ClientState, ClientStatus } from "../client_status.ts";
import { causeToJson, toIso } from "./cause_json.ts";
import { connectionReadiness, evaluateReadiness, type ReadinessOptions } from "./readiness.ts";
import { scrubText, scrubUrl, toSafeJson } from "./redact.ts";

/** One connection as `/status` shows it. Times are ISO 8601 strings; absent values are `null`. */
export interface ConnectionView {
  /** Where the connect loop is. */
  readonly state: ClientState;
  /** Since when it has been in `state`. */
  readonly since: string | null;
  /** The stream URL, without userinfo, fragment or secret-looking query values. */
  readonly url: string;
  /** Whether this connection is ready (connected, and a byte arrived within `stallTimeoutMs`). */
  readonly ready: boolean;
  /** Why it is not ready. */
  readonly reason: string | null;
  /** The open connection: when it opened, its URL, and for how long (ms). */
  readonly connection: { connectedAt: string | null; url: string; uptimeMs: number } | null;
  /** Connection attempts in total, and failed attempts by backoff class. */
  readonly attempts: { total: number; byClass: Record<string, number> };
  /** When the last byte (data or heartbeat) arrived. */
  readonly lastActivity: string | null;
  /** How long the connection has been silent (as `/readyz` judges it), in ms. */
  readonly silentMs: number | null;
  /** The stall budget, in ms. */
  readonly stallTimeoutMs: number;
  /** The last disconnect: when, and its cause (headers without credentials, errors as text). */
  readonly lastDisconnect: { at: string | null; cause: Record<string, unknown> } | null;
  /** The last error's message, scrubbed. */
  readonly lastError: string | null;
  /** The next attempt, while waiting: when, in how many ms, and the backoff class. */
  readonly nextRetry: { at: string | null; inMs: number; class: string | null } | null;
  /** The latest `x-rate-limit-*` figures (`resetAt` as an ISO time). */
  readonly rateLimit: { limit: number; remaining: number; resetAt: string | null } | null;
  /** Posts, heartbeats, disconnects, malformed lines and bytes since start. */
  readonly counts: {
    posts: number;
    heartbeats: number;
    disconnects: number;
    malformed: number;
    bytes: number;
  };
  /** `created_at` of the newest post delivered. */
  readonly newestPostAt: string | null;
  /** `now - newestPostAtMs`: how old the newest delivered post is. */
  readonly newestPostLagMs: number | null;
  /** When stopped: the reason tag. */
  readonly stopReason: string | null;
}

/** One connection's status as plain, credential-free JSON data. */
export function connectionView(status: ClientStatus, now: number): ConnectionView {
  const url = scrubUrl(status.url);
  const readiness = connectionReadiness(status, now);
  const { rateLimit, lastDisconnect, nextRetryAtMs, connectedAtMs, newestPostAtMs } = status;
  return {
    state: status.state,
    since: toIso(status.sinceMs),
    url,
    ready: readiness.ready,
    reason: readiness.reason ?? null,
    connection: connectedAtMs === undefined
      ? null
      : { connectedAt: toIso(connectedAtMs), url, uptimeMs: Math.max(0, now - connectedAtMs) },
    attempts: { total: status.attempts, byClass: { ...status.attemptsByClass } },
    lastActivity: toIso(status.lastActivityMs),
    silentMs: readiness.silentMs ?? null,
    stallTimeoutMs: status.stallTimeoutMs,
    lastDisconnect: lastDisconnect === undefined
      ? null
      : { at: toIso(lastDisconnect.atMs), cause: causeToJson(lastDisconnect.cause) },
    lastError: status.lastError === undefined ? null : scrubText(status.lastError),
    nextRetry: nextRetryAtMs === undefined ? null : {
      at: toIso(nextRetryAtMs),
      inMs: Math.max(0, nextRetryAtMs - now),
      class: status.nextRetryClass ?? null,
    },
    rateLimit: rateLimit === undefined ? null : {
      limit: rateLimit.limit,
      remaining: rateLimit.remaining,
      resetAt: toIso(rateLimit.resetAtMs),
    },
    counts: { ...status.counts },
    newestPostAt: toIso(newestPostAtMs),
    newestPostLagMs: newestPostAtMs === undefined ? null : now - newestPostAtMs,
    stopReason: status.stopReason === undefined ? null : scrubText(status.stopReason),
  };
}

/** Best first: the aggregate state of redundant connections is the best state any of them is in. */
const STATE_RANK: readonly ClientState[] = [
  "connected",
  "connecting",
  "waiting",
  "idle",
  "stopped",
];

/**
 * The whole `/status` body. With one connection its fields sit at the top level; with several,
 * the top level carries the aggregate `state`, how many are `connected`, and `connections[]`.
 * `status`/`reason` are the readiness verdict (as `/readyz` gives it). The extra fields (already
 * made safe by the caller or not: they are scrubbed here) sit at the top level; a core field wins
 * a name clash.
 */
export function buildStatusBody(
  statuses: readonly ClientStatus[],
  extra: Readonly<Record<string, unknown>>,
  now: number,
  options: ReadinessOptions,
): Record<string, unknown> {
  const report = evaluateReadiness(statuses, now, options);
  const head = {
    service: options.serviceName,
    version: options.version,
    time: toIso(now),
    status: report.status,
    reason: report.output ?? null,
  };
  const extraJson = toSafeJson(extra);
  const safeExtra = extraJson !== null && typeof extraJson === "object" && !Array.isArray(extraJson)
    ? extraJson
    : { extra: extraJson ?? null };
  if (statuses.length === 1) return { ...safeExtra, ...head, ...connectionView(statuses[0], now) };
  const state = STATE_RANK.find((s) => statuses.some((st) => st.state === s)) ?? "idle";
  return {
    ...safeExtra,
    ...head,
    state,
    connected: statuses.filter((s) => s.state === "connected").length,
    connections: statuses.map((s, i) => ({ id: i, ...connectionView(s, now) })),
  };
}
