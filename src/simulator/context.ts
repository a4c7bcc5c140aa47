/**
 * The state one simulator run shares between its routes, publisher and fault controller.
 *
 * @module
 */
import { ConnectBudget } from "./connect_budget.ts";
import { ConnectFaultQueue } from "./connect_faults.ts";
import { ConnectionRegistry } from "./connection_registry.ts";
import { History } from "./history.ts";
import { snowflakeId } from "./ids_and_times.ts";
import type { ResolvedSimulatorOptions } from "./options.ts";
import { PostFactory, type RuleRef } from "./post_factory.ts";
import { type Random, seededRandom } from "./prng.ts";
import { Recorder } from "./recorder.ts";
import { RulesStore } from "./rules_store.ts";
import type { FeedName } from "./stream_catalog.ts";
import { TimerSet } from "./timer_set.ts";

/** A usage cap in force: connects get 429 usage-capped until `untilMs` (forever if undefined). */
export interface UsageCap {
  readonly period: "Daily" | "Monthly";
  readonly untilMs: number | undefined;
}

/** The shared state of a run. */
export interface SimContext {
  readonly options: ResolvedSimulatorOptions;
  readonly now: () => number;
  readonly startedAtMs: number;
  readonly factory: PostFactory;
  readonly histories: Readonly<Record<FeedName, History>>;
  readonly rules: RulesStore;
  readonly powertrackRules: readonly RuleRef[];
  readonly registry: ConnectionRegistry;
  readonly budget: ConnectBudget;
  readonly connectFaults: ConnectFaultQueue;
  readonly recorder: Recorder;
  readonly timers: TimerSet;
  /** Limit keys whose next connect gets no backfill (after a full-buffer disconnect). */
  readonly backfillBlocked: Set<string>;
  /** PowerTrack grace timers, by limit key. */
  readonly graceTimers: Map<string, ReturnType<typeof setTimeout>>;
  /** Draws connection ids. */
  readonly idRandom: Random;
  usageCap: UsageCap | undefined;
  /** Connections accepted so far (each gets its own chunk-size stream). */
  connectionCount: number;
  closed: boolean;
}

/** Builds the shared state from resolved options. */
export function createContext(options: ResolvedSimulatorOptions): SimContext {
  const now = options.now;
  const startedAtMs = now();
  const history = () =>
    new History({ retentionMs: options.historyRetentionMs, maxEntries: options.maxHistoryPosts });
  return {
    options,
    now,
    startedAtMs,
    factory: new PostFactory(options.seed),
    histories: { "posts": history(), "tweet-compliance": history(), "user-compliance": history() },
    rules: new RulesStore({
      now,
      maxRules: options.maxRules,
      maxRuleLength: options.maxRuleLength,
      problemHost: options.problemHost,
    }),
    powertrackRules: options.powertrackRules.map((r, i) => ({
      id: snowflakeId(startedAtMs - 86_400_000, i),
      tag: r.tag,
    })),
    registry: new ConnectionRegistry(),
    budget: new ConnectBudget({
      ...options.connectBudget,
      penaltyMs: options.rateLimitPenaltyMs,
      now,
    }),
    connectFaults: new ConnectFaultQueue(),
    recorder: new Recorder(),
    timers: new TimerSet(),
    backfillBlocked: new Set(),
    graceTimers: new Map(),
    idRandom: seededRandom(options.seed, "connection-ids"),
    usageCap: undefined,
    connectionCount: 0,
    closed: false,
  };
}
