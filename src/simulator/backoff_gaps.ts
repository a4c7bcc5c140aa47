/**
 * The wait checks between consecutive attempts on one stream: the earlier outcome's class
 * (established drop, network-like failure, HTTP error, 429, ...) and X's curve for it:
 * network +250 ms per attempt up to 16 s, HTTP 5 s doubling up to 320 s, 429 60 s doubling
 * (holdfast stops doubling at 15 min) and never before `x-rate-limit-reset`.
 *
 * @module
 */
import {
  FATAL_HTTP_STATUSES,
  HTTP_BACKOFF_INITIAL_MS,
  HTTP_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_STEP_MS,
  RATE_LIMIT_BACKOFF_INITIAL_MS,
  RATE_LIMIT_BACKOFF_MAX_MS,
} from "../x_limits.ts";
import type { Finding, GapCheck, OutcomeClass } from "./judge_types.ts";
import type { AttemptRecord } from "./recorder.ts";

/** Classifies how an attempt ended. */
export function classifyOutcome(a: AttemptRecord, beforeMs: number): OutcomeClass {
  if (a.status === 429) return "rate-limit";
  if (a.status >= 400 || a.status < 200) {
    return FATAL_HTTP_STATUSES.includes(a.status) ? "fatal" : "http";
  }
  if (a.closedAtMs === undefined || a.closedAtMs > beforeMs) return "open";
  if (a.closeReason === "recovery-complete") return "complete";
  if (a.established || (a.stats?.controlLines ?? 0) > 0) return "dropped";
  const byClient = a.closeReason === "client-cancel" || a.closeReason === "client-abort";
  return byClient && a.faultAtClose === undefined ? "client-closed" : "network";
}

function requiredWait(cls: OutcomeClass, n: number): number {
  if (cls === "network") return Math.min(NETWORK_BACKOFF_STEP_MS * n, NETWORK_BACKOFF_MAX_MS);
  if (cls === "http") return Math.min(HTTP_BACKOFF_INITIAL_MS * 2 ** (n - 1), HTTP_BACKOFF_MAX_MS);
  if (cls === "rate-limit") {
    return Math.min(RATE_LIMIT_BACKOFF_INITIAL_MS * 2 ** (n - 1), RATE_LIMIT_BACKOFF_MAX_MS);
  }
  return 0;
}

/** Checks the waits between consecutive attempts on one stream; appends findings and checks. */
export function checkGaps(
  group: readonly AttemptRecord[],
  tolerance: number,
  findings: Finding[],
  gaps: GapCheck[],
): void {
  const streak = { network: 0, http: 0, "rate-limit": 0 };
  for (let i = 1; i < group.length; i++) {
    const prev = group[i - 1] as AttemptRecord;
    const next = group[i] as AttemptRecord;
    const after = classifyOutcome(prev, next.atMs);
    if (prev.outcome === "usage-capped" || prev.closeReason === "usage-capped") {
      findings.push({
        rule: "usage-cap.retried",
        severity: "warning",
        attemptId: next.id,
        message:
          `Attempt #${next.id} reconnected after a usage cap (#${prev.id}); reconnecting does not help until the period ends.`,
      });
    }
    if (
      after === "fatal" && prev.path === next.path &&
      JSON.stringify(prev.query) === JSON.stringify(next.query)
    ) {
      findings.push({
        rule: "http.fatal-retried",
        severity: "error",
        attemptId: next.id,
        message:
          `Attempt #${next.id} repeated a request that got HTTP ${prev.status} (#${prev.id}); X will never accept it as it stands.`,
      });
    }
    // A connection that worked ends every streak: one that dropped, a Recovery that finished,
    // or one still open that was established before the next attempt (a redundant connection,
    // when the next attempt is another connection's).
    const openAndWorking = after === "open" && (prev.establishedAtMs ?? Infinity) <= next.atMs;
    if (after === "dropped" || after === "complete" || openAndWorking) {
      streak.network = streak.http = streak["rate-limit"] = 0;
    }
    if (after !== "network" && after !== "http" && after !== "rate-limit") continue;
    const n = ++streak[after];
    const fromMs = after === "network" ? prev.closedAtMs as number : prev.atMs;
    const waitedMs = next.atMs - fromMs;
    const requiredMs = requiredWait(after, n);
    const reset = prev.outcome === "rate-limited" && prev.rateLimit
      ? Math.ceil(prev.rateLimit.resetAtMs / 1000) * 1000
      : undefined;
    const early = waitedMs + tolerance < requiredMs;
    const beforeReset = reset !== undefined && next.atMs + tolerance < reset;
    gaps.push({
      fromAttemptId: prev.id,
      toAttemptId: next.id,
      after,
      streak: n,
      waitedMs,
      requiredMs,
      ...(reset ? { notBeforeMs: reset } : {}),
      ok: !early && !beforeReset,
    });
    if (early) {
      findings.push({
        rule: `backoff.${after}`,
        severity: "error",
        attemptId: next.id,
        message:
          `Attempt #${next.id} came ${waitedMs} ms after a ${after} failure (#${prev.id}, consecutive ${after} failure ${n}); X's guidance asks for at least ${requiredMs} ms.`,
      });
    }
    if (beforeReset) {
      findings.push({
        rule: "backoff.rate-limit-reset",
        severity: "error",
        attemptId: next.id,
        message: `Attempt #${next.id} came ${
          reset - next.atMs
        } ms before the x-rate-limit-reset of the 429 at #${prev.id}.`,
      });
    }
  }
}

/** The stream an attempt is on: credential, path and partition. */
export const streamKey = (a: AttemptRecord): string =>
  `${a.credential ?? "anonymous"} ${a.path} ${a.partition ?? ""}`;
