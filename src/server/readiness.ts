/**
 * Readiness of one or more stream connections, as a health+json report
 * (draft-inadarei-api-health-check: `status` pass|warn|fail, `output`, `checks`).
 *
 * @module
 */
import type { ClientStatus } from "../client_status.ts";
import { describeCause, toIso } from "./cause_json.ts";
import { scrubText } from "./redact.ts";

/** A health+json status: `pass` and `warn` answer 200, `fail` answers 503. */
export type HealthStatus = "pass" | "warn" | "fail";

/** One observation in a health+json `checks` entry. */
export interface HealthCheck {
  /** The connection's index, when there are several. */
  readonly componentId?: string;
  /** This check's verdict. */
  readonly status: HealthStatus;
  /** The connection's state, or a duration in ms (`null` when unknown). */
  readonly observedValue: string | number | null;
  /** `"state"` or `"ms"`. */
  readonly observedUnit: string;
  /** When the observation was made (ISO 8601). */
  readonly time: string | null;
  /** Why the check is not `pass` (omitted on `pass`, as the draft asks). */
  readonly output?: string;
}

/** A health+json body. */
export interface HealthReport {
  /** The verdict over every connection. */
  readonly status: HealthStatus;
  /** The service name (`serviceName`, default `"holdfast"`). */
  readonly serviceId: string;
  /** The holdfast version. */
  readonly version: string;
  /** Why the service is not `pass`. */
  readonly output?: string;
  /** `stream:connection` and `stream:activity`, one entry per connection; `stream:lag` too
   * when a lag alert is configured. */
  readonly checks: Readonly<Record<string, readonly HealthCheck[]>>;
}

/** One connection's readiness. */
export interface ConnectionReadiness {
  /** True while connected and a byte arrived within `stallTimeoutMs`. */
  readonly ready: boolean;
  /** Why it is not ready, for a person. */
  readonly reason: string | undefined;
  /** How long the current connection (or, when not connected, the client) has been silent. */
  readonly silentMs: number | undefined;
}

/**
 * Whether one connection is ready: its state is `"connected"` and a byte (data or heartbeat)
 * arrived within `stallTimeoutMs` of `now`. A fresh connection counts its silence from when it
 * opened, not from the previous connection's last byte.
 */
export function connectionReadiness(status: ClientStatus, now: number): ConnectionReadiness {
  const connected = status.state === "connected";
  const reference = connected
    ? Math.max(status.lastActivityMs ?? -Infinity, status.connectedAtMs ?? status.sinceMs)
    : status.lastActivityMs;
  const silentMs = reference === undefined ? undefined : Math.max(0, now - reference);
  if (connected && silentMs !== undefined && silentMs <= status.stallTimeoutMs) {
    return { ready: true, reason: undefined, silentMs };
  }
  return { ready: false, reason: notReadyReason(status, now, silentMs), silentMs };
}

function notReadyReason(status: ClientStatus, now: number, silentMs: number | undefined): string {
  const after = status.lastDisconnect ? ` after ${describeCause(status.lastDisconnect.cause)}` : "";
  switch (status.state) {
    case "connected":
      return `connected but no data or heartbeat for ${silentMs} ms (stall timeout ${status.stallTimeoutMs} ms)`;
    case "connecting":
      return `connecting (attempt ${status.attempts})${after}`;
    case "waiting": {
      const at = status.nextRetryAtMs;
      const next = at === undefined
        ? "next attempt not scheduled"
        : `next attempt at ${toIso(at)} (in ${Math.max(0, Math.ceil((at - now) / 1000))} s${
          status.nextRetryClass ? `, ${status.nextRetryClass} backoff` : ""
        })`;
      return `waiting to reconnect${after}; ${next}`;
    }
    case "stopped": {
      const why = [status.stopReason, status.lastError].filter((s) => s !== undefined);
      return scrubText(`stopped${why.length > 0 ? `: ${why.join(": ")}` : ""}`);
    }
    default:
      return `not started (state ${status.state})`;
  }
}

/** What {@linkcode evaluateReadiness} needs besides the statuses. */
export interface ReadinessOptions {
  /** Warn when the newest post is older than this, in ms (no lag check when absent). */
  readonly lagAlertMs?: number;
  /** The health+json `serviceId`. */
  readonly serviceName: string;
  /** The health+json `version`. */
  readonly version: string;
}

/**
 * The health+json report over every connection: `pass` when all are ready, `warn` when only some
 * are (redundant connections still deliver) or the newest post lags past `lagAlertMs`, `fail`
 * when none is ready.
 */
export function evaluateReadiness(
  statuses: readonly ClientStatus[],
  now: number,
  options: ReadinessOptions,
): HealthReport {
  const several = statuses.length > 1;
  const checks = {
    connection: [] as HealthCheck[],
    activity: [] as HealthCheck[],
    lag: [] as HealthCheck[],
  };
  const reasons: string[] = [];
  let readyCount = 0;
  let freshestLagMs: number | undefined;
  statuses.forEach((status, i) => {
    const one = connectionChecks(status, now, options.lagAlertMs, several ? String(i) : undefined);
    if (one.ready) readyCount++;
    else reasons.push(several ? `connection ${i}: ${one.reason}` : `${one.reason}`);
    checks.connection.push(one.connection);
    checks.activity.push(one.activity);
    if (one.lag) checks.lag.push(one.lag);
    // Redundant connections carry the same posts: the freshest one says how far behind we are.
    if (one.lagMs !== undefined) freshestLagMs = Math.min(freshestLagMs ?? Infinity, one.lagMs);
  });
  if (statuses.length === 0) reasons.push("no stream connection to report on");
  let status: HealthStatus = readyCount === 0
    ? "fail"
    : readyCount < statuses.length
    ? "warn"
    : "pass";
  const { lagAlertMs } = options;
  if (
    status !== "fail" && lagAlertMs !== undefined && freshestLagMs !== undefined &&
    freshestLagMs > lagAlertMs
  ) {
    status = "warn";
    reasons.push(lagOutput(freshestLagMs, lagAlertMs));
  }
  return {
    status,
    serviceId: options.serviceName,
    version: options.version,
    ...(status === "pass" ? {} : { output: reasons.join("; ") }),
    checks: {
      "stream:connection": checks.connection,
      "stream:activity": checks.activity,
      ...(lagAlertMs === undefined ? {} : { "stream:lag": checks.lag }),
    },
  };
}

interface ConnectionChecks extends ConnectionReadiness {
  readonly connection: HealthCheck;
  readonly activity: HealthCheck;
  readonly lag: HealthCheck | undefined;
  readonly lagMs: number | undefined;
}

function connectionChecks(
  status: ClientStatus,
  now: number,
  lagAlertMs: number | undefined,
  componentId: string | undefined,
): ConnectionChecks {
  const readiness = connectionReadiness(status, now);
  const { silentMs } = readiness;
  const base = { ...(componentId === undefined ? {} : { componentId }), time: toIso(now) };
  const check = (
    checkStatus: HealthStatus,
    observedValue: string | number | null,
    observedUnit: string,
    output: string | undefined,
  ): HealthCheck => ({
    ...base,
    status: checkStatus,
    observedValue,
    observedUnit,
    ...(checkStatus === "pass" ? {} : { output }),
  });
  const connected = status.state === "connected";
  const quiet = silentMs === undefined || silentMs > status.stallTimeoutMs;
  const lagMs = status.newestPostAtMs === undefined ? undefined : now - status.newestPostAtMs;
  const late = lagAlertMs !== undefined && lagMs !== undefined && lagMs > lagAlertMs;
  return {
    ...readiness,
    connection: check(connected ? "pass" : "fail", status.state, "state", readiness.reason),
    activity: check(
      quiet ? "fail" : "pass",
      silentMs ?? null,
      "ms",
      silentMs === undefined
        ? "no data or heartbeat received yet"
        : `no data or heartbeat for ${silentMs} ms (stall timeout ${status.stallTimeoutMs} ms)`,
    ),
    lag: lagAlertMs === undefined ? undefined : check(
      late ? "warn" : "pass",
      lagMs ?? null,
      "ms",
      lagOutput(lagMs ?? 0, lagAlertMs),
    ),
    lagMs,
  };
}

function lagOutput(lagMs: number, lagAlertMs: number): string {
  return `newest post is ${lagMs} ms old (alert above ${lagAlertMs} ms)`;
}
