/**
 * The simulator's options (every field optional, defaults in `@default`) and their resolved form.
 *
 * @module
 */
import type { BasicCredentials } from "./auth.ts";
import type { ProblemHost } from "./problems.ts";
import type { ScenarioDefinition, ScenarioName } from "./scenario_types.ts";

/** Options of `createSimulator`. Every field is optional. */
export interface SimulatorOptions {
  /** A named scenario (`"chaos"`, ...) or a definition (see `parseScenario`). @default "steady" */
  readonly scenario?: ScenarioName | ScenarioDefinition;
  /** Seed of every random choice; the same seed and the same client reproduce the same bytes. @default the scenario's, else 1 */
  readonly seed?: number;
  /** Posts published per second (each stream carries the whole flow, split by partition). @default the scenario's, else 10 */
  readonly postsPerSecond?: number;
  /** Compliance events per second on each compliance feed. @default 1 */
  readonly complianceEventsPerSecond?: number;
  /** How often the publisher runs; high rates are published in batches. @default 100 */
  readonly publishTickMs?: number;
  /** Accepted v2 Bearer tokens. @default any non-empty token */
  readonly bearerTokens?: string | readonly string[];
  /** Accepted PowerTrack Basic credentials. @default any */
  readonly basicCredentials?: BasicCredentials | readonly BasicCredentials[];
  /** PowerTrack account name in the stream URL. @default "holdfast" */
  readonly account?: string;
  /** PowerTrack stream label in the stream URL. @default "prod" */
  readonly label?: string;
  /** The PowerTrack rules activities match. @default one rule tagged "default" */
  readonly powertrackRules?: readonly { readonly value: string; readonly tag?: string }[];
  /** Overrides the heartbeat interval of both products. @default 20 s (v2), 10 s (PowerTrack) */
  readonly heartbeatIntervalMs?: number;
  /** Each heartbeat comes up to this much late. @default 0 */
  readonly heartbeatJitterMs?: number;
  /** The clock. @default Date.now */
  readonly now?: () => number;
  /** How long published posts stay in history for backfill and Recovery. @default 25 hours */
  readonly historyRetentionMs?: number;
  /** At most this many posts stay in history (memory bound). @default 2,000,000 */
  readonly maxHistoryPosts?: number;
  /** The server-side buffer per connection, in posts; a reader that lets it overflow is dropped.
   * @default 30 seconds of `postsPerSecond`, at least 2,000 */
  readonly serverBufferPosts?: number;
  /** Send the full-buffer (PowerTrack) / SlowReader (v2) message before dropping a slow reader. @default true */
  readonly slowReaderNotice?: boolean;
  /** Live connections allowed per credential and stream (2 models Enterprise redundancy). @default 1 */
  readonly maxConnections?: number;
  /** Connect requests allowed per window per credential and endpoint, or `false` for no limit. @default 50 per 15 minutes */
  readonly connectBudget?: { readonly requests: number; readonly windowMs: number } | false;
  /** How much each 429 received during a lock-out pushes the reset back. @default 60 s */
  readonly rateLimitPenaltyMs?: number;
  /** Smallest chunk written. @default 1 */
  readonly minChunkBytes?: number;
  /** Largest chunk written. @default 16384 */
  readonly maxChunkBytes?: number;
  /** Most filtered-stream rules. @default 1000 */
  readonly maxRules?: number;
  /** Longest rule value. @default 512 */
  readonly maxRuleLength?: number;
  /** Answer 409 RuleConfigurationIssue to a filtered-stream connect without rules (X once did). @default false: connect, heartbeats only */
  readonly rejectWithoutRules?: boolean;
  /** Host of problem `type` URLs. @default "api.x.com" */
  readonly problemHost?: ProblemHost;
  /** Serve the `/_sim/` control routes. @default true */
  readonly controlRoutes?: boolean;
  /** The judge forgives waits this much shorter than required. @default 50 */
  readonly judgeToleranceMs?: number;
  /** The `client_ip` shown by `/2/connections`. @default "127.0.0.1" */
  readonly clientIp?: string;
}

/** Options with every default filled in. */
export interface ResolvedSimulatorOptions {
  /** See {@linkcode SimulatorOptions.seed}. */
  readonly seed: number;
  /** See {@linkcode SimulatorOptions.postsPerSecond}. */
  readonly postsPerSecond: number;
  /** See {@linkcode SimulatorOptions.complianceEventsPerSecond}. */
  readonly complianceEventsPerSecond: number;
  /** See {@linkcode SimulatorOptions.publishTickMs}. */
  readonly publishTickMs: number;
  /** Accepted Bearer tokens; `undefined`: any. */
  readonly bearerTokens: readonly string[] | undefined;
  /** Accepted Basic credentials; `undefined`: any. */
  readonly basicCredentials: readonly BasicCredentials[] | undefined;
  /** See {@linkcode SimulatorOptions.account}. */
  readonly account: string;
  /** See {@linkcode SimulatorOptions.label}. */
  readonly label: string;
  /** See {@linkcode SimulatorOptions.powertrackRules}. */
  readonly powertrackRules: readonly { readonly value: string; readonly tag?: string }[];
  /** Heartbeat interval of v2 streams. */
  readonly v2HeartbeatMs: number;
  /** Heartbeat interval of PowerTrack streams. */
  readonly powertrackHeartbeatMs: number;
  /** See {@linkcode SimulatorOptions.heartbeatJitterMs}. */
  readonly heartbeatJitterMs: number;
  /** The clock. */
  readonly now: () => number;
  /** See {@linkcode SimulatorOptions.historyRetentionMs}. */
  readonly historyRetentionMs: number;
  /** See {@linkcode SimulatorOptions.maxHistoryPosts}. */
  readonly maxHistoryPosts: number;
  /** See {@linkcode SimulatorOptions.serverBufferPosts}. */
  readonly serverBufferPosts: number;
  /** See {@linkcode SimulatorOptions.slowReaderNotice}. */
  readonly slowReaderNotice: boolean;
  /** See {@linkcode SimulatorOptions.maxConnections}. */
  readonly maxConnections: number;
  /** The connect budget; `enabled: false` never refuses for it. */
  readonly connectBudget: {
    readonly requests: number;
    readonly windowMs: number;
    readonly enabled: boolean;
  };
  /** See {@linkcode SimulatorOptions.rateLimitPenaltyMs}. */
  readonly rateLimitPenaltyMs: number;
  /** See {@linkcode SimulatorOptions.minChunkBytes}. */
  readonly minChunkBytes: number;
  /** See {@linkcode SimulatorOptions.maxChunkBytes}. */
  readonly maxChunkBytes: number;
  /** See {@linkcode SimulatorOptions.maxRules}. */
  readonly maxRules: number;
  /** See {@linkcode SimulatorOptions.maxRuleLength}. */
  readonly maxRuleLength: number;
  /** See {@linkcode SimulatorOptions.rejectWithoutRules}. */
  readonly rejectWithoutRules: boolean;
  /** See {@linkcode SimulatorOptions.problemHost}. */
  readonly problemHost: ProblemHost;
  /** See {@linkcode SimulatorOptions.controlRoutes}. */
  readonly controlRoutes: boolean;
  /** See {@linkcode SimulatorOptions.judgeToleranceMs}. */
  readonly judgeToleranceMs: number;
  /** See {@linkcode SimulatorOptions.clientIp}. */
  readonly clientIp: string;
}
