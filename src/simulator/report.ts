/**
 * The report: the judge's verdict and findings, with the attempts and figures behind them.
 * `report()` and `GET /_sim/report` return it.
 *
 * @module
 */
import { type ConnectionInfo, connectionInfo } from "./connection_registry.ts";
import type { SimContext } from "./context.ts";
import { isoTime } from "./ids_and_times.ts";
import { judge } from "./judge.ts";
import type { Finding, GapCheck } from "./judge_types.ts";
import type { AttemptRecord } from "./recorder.ts";

/** Options of `report()`. */
export interface ReportOptions {
  /** Treat connections still open as an error (call after the client stopped). @default false */
  readonly requireClosed?: boolean;
}

/** Counts behind the verdict. */
export interface ReportSummary {
  /** Connection attempts recorded. */
  readonly attempts: number;
  /** Attempts answered 200. */
  readonly accepted: number;
  /** Attempts by answered status (`"200"`, `"429"`, ...). */
  readonly statuses: Readonly<Record<string, number>>;
  /** 429s for the connect budget or a lock-out, whoever caused them. */
  readonly rateLimited429: number;
  /** Of those, the ones the client drew by itself (a good client draws none). */
  readonly rateLimitDrawn: number;
  /** 429 TooManyConnections answers. */
  readonly tooManyConnections429: number;
  /** 429 usage-capped answers. */
  readonly usageCapped429: number;
  /** Answers forced by faults. */
  readonly injected: number;
  /** Connections open now. */
  readonly openConnections: number;
  /** Posts published since start. */
  readonly postsPublished: number;
  /** Posts sent on all connections (replays included). */
  readonly postsDelivered: number;
  /** Posts lost by connections: dropped from a full buffer, or published during a stall. */
  readonly postsDropped: number;
}

/** What the simulator reports about a run. */
export interface SimulatorReport {
  /** `fail` when any finding is an error. */
  readonly verdict: "pass" | "fail";
  /** When the report was made (ISO 8601). */
  readonly generatedAt: string;
  /** When the simulator started (ISO 8601). */
  readonly startedAt: string;
  /** Time since start. */
  readonly elapsedMs: number;
  /** The scenario running. */
  readonly scenario: string;
  /** The seed of the run. */
  readonly seed: number;
  /** Counts behind the verdict. */
  readonly summary: ReportSummary;
  /** What the judge found. */
  readonly findings: readonly Finding[];
  /** Every wait between attempts, checked. */
  readonly gaps: readonly GapCheck[];
  /** Every recorded attempt. */
  readonly attempts: readonly AttemptRecord[];
  /** Connections open now. */
  readonly openConnections: readonly ConnectionInfo[];
}

/** Builds the report of a run. */
export function buildReport(
  ctx: SimContext,
  scenario: string,
  options: ReportOptions = {},
): SimulatorReport {
  const now = ctx.now();
  const attempts = ctx.recorder.list();
  const open = ctx.registry.all().map(connectionInfo);
  const judgement = judge({
    attempts,
    openConnectionIds: open.map((c) => c.id),
    toleranceMs: ctx.options.judgeToleranceMs,
    requireClosed: options.requireClosed ?? false,
  });
  const statuses: Record<string, number> = {};
  for (const a of attempts) statuses[String(a.status)] = (statuses[String(a.status)] ?? 0) + 1;
  const count = (test: (a: AttemptRecord) => boolean) => attempts.filter(test).length;
  return {
    verdict: judgement.verdict,
    generatedAt: isoTime(now),
    startedAt: isoTime(ctx.startedAtMs),
    elapsedMs: now - ctx.startedAtMs,
    scenario,
    seed: ctx.options.seed,
    summary: {
      attempts: attempts.length,
      accepted: count((a) => a.status === 200),
      statuses,
      rateLimited429: count((a) => a.outcome === "rate-limited"),
      rateLimitDrawn: count((a) => a.outcome === "rate-limited" && !a.injected),
      tooManyConnections429: count((a) => a.outcome === "too-many-connections"),
      usageCapped429: count((a) => a.outcome === "usage-capped"),
      injected: count((a) => a.injected),
      openConnections: open.length,
      postsPublished: ctx.histories.posts.nextSeq,
      postsDelivered: attempts.reduce((sum, a) => sum + (a.stats?.postsDelivered ?? 0), 0),
      postsDropped: attempts.reduce((sum, a) => sum + (a.stats?.postsDropped ?? 0), 0),
    },
    findings: judgement.findings,
    gaps: judgement.gaps,
    attempts,
    openConnections: open,
  };
}
