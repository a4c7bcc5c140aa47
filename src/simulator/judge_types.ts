/**
 * The judge's vocabulary: findings, outcome classes, wait checks.
 *
 * @module
 */
import type { AttemptRecord } from "./recorder.ts";

/** The rules the judge applies. */
export type FindingRule =
  | "backoff.network"
  | "backoff.http"
  | "backoff.rate-limit"
  | "backoff.rate-limit-reset"
  | "rate-limit.drawn"
  | "connections.too-many"
  | "connections.overlap"
  | "connections.left-open"
  | "http.fatal-retried"
  | "usage-cap.retried"
  | "user-agent.version";

/** One thing the judge found. `error` findings fail the verdict. */
export interface Finding {
  /** Which rule it breaks. */
  readonly rule: FindingRule;
  /** `error` fails the verdict; `warning` does not. */
  readonly severity: "error" | "warning";
  /** What happened, for a person. */
  readonly message: string;
  /** The attempt it is about, when there is one. */
  readonly attemptId?: number;
}

/** How an attempt ended, as far as the wait before the next one is concerned. */
export type OutcomeClass =
  | "open"
  | "dropped"
  | "complete"
  | "client-closed"
  | "network"
  | "http"
  | "rate-limit"
  | "fatal";

/** The check of one wait between two attempts on the same stream. */
export interface GapCheck {
  /** The earlier attempt. */
  readonly fromAttemptId: number;
  /** The attempt whose wait is checked. */
  readonly toAttemptId: number;
  /** How the earlier attempt ended. */
  readonly after: OutcomeClass;
  /** The how-manieth consecutive failure of that class (0 when no wait is required). */
  readonly streak: number;
  /** How long the client waited (from the earlier answer, or from the drop). */
  readonly waitedMs: number;
  /** How long X's guidance asks for. */
  readonly requiredMs: number;
  /** The `x-rate-limit-reset` the attempt had to wait for (epoch ms), after a rate-limit 429. */
  readonly notBeforeMs?: number;
  /** True when the wait was long enough. */
  readonly ok: boolean;
}

/** The judge's input. */
export interface JudgeInput {
  /** Every recorded attempt, oldest first. */
  readonly attempts: readonly AttemptRecord[];
  /** Ids of connections open at report time. */
  readonly openConnectionIds: readonly string[];
  /** Waits this much shorter than required are forgiven. */
  readonly toleranceMs: number;
  /** Connections still open are an error (else a warning). */
  readonly requireClosed: boolean;
}

/** The judge's verdict. */
export interface Judgement {
  /** `fail` when any finding is an error. */
  readonly verdict: "pass" | "fail";
  /** What the judge found, by attempt. */
  readonly findings: Finding[];
  /** Every wait checked. */
  readonly gaps: GapCheck[];
}
