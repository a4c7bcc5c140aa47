/**
 * Fills in the simulator's defaults and validates every option at construction, with std's
 * message grammar: `Cannot construct Simulator as 'postsPerSecond' must be a number >= 0:
 * current value is -1` (`TypeError` for a wrong type, `RangeError` for a value out of range).
 *
 * @module
 */
import * as v from "valibot";
import {
  CONNECT_BUDGET_REQUESTS,
  CONNECT_BUDGET_WINDOW_MS,
  MAX_RECOVERY_WINDOW_MS,
  POWERTRACK_HEARTBEAT_INTERVAL_MS,
  RATE_LIMIT_BACKOFF_INITIAL_MS,
  V2_HEARTBEAT_INTERVAL_MS,
} from "../x_limits.ts";
import type { ResolvedSimulatorOptions, SimulatorOptions } from "./options.ts";
import type { ScenarioDefinition } from "./scenario_types.ts";

/** The server-side buffer holds at least this many posts per connection. */
const MIN_SERVER_BUFFER_POSTS = 2_000;
/** ...and this many seconds of the publishing rate: X's buffer absorbs spikes of 2-3 times the
 * volume, and a backfill's replay goes ahead of the live posts, which wait there meanwhile (a
 * buffer of one second at 2,000 posts/s dropped every backfilled connection as a slow reader). */
const SERVER_BUFFER_SECONDS = 30;

const NUMBER = v.pipe(v.number(), v.finite());
const INTEGER = v.pipe(v.number(), v.safeInteger());

function show(value: unknown): string {
  return typeof value === "function"
    ? "a function"
    : typeof value === "string"
    ? JSON.stringify(value)
    : String(value);
}

function fail(name: string, expectation: string, value: unknown, range: boolean): never {
  const message =
    `Cannot construct Simulator as '${name}' must be ${expectation}: current value is ${
      show(value)
    }`;
  throw range ? new RangeError(message) : new TypeError(message);
}

function num(
  name: string,
  value: unknown,
  fallback: number,
  min: number,
  integer: boolean,
): number {
  if (value === undefined) return fallback;
  const what = `${integer ? "an integer" : "a number"} >= ${min}`;
  if (typeof value !== "number") fail(name, what, value, false);
  if (!v.is(integer ? INTEGER : NUMBER, value) || value < min) fail(name, what, value, true);
  return value;
}

function bool(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (!v.is(v.boolean(), value)) fail(name, "a boolean", value, false);
  return value;
}

function str(name: string, value: unknown, fallback: string): string {
  if (value === undefined) return fallback;
  if (!v.is(v.pipe(v.string(), v.regex(/^[\w.-]+$/)), value)) {
    fail(name, "a non-empty string of letters, digits, '.', '_' or '-'", value, false);
  }
  return value;
}

const toList = <T>(value: T | readonly T[] | undefined): readonly T[] | undefined =>
  value === undefined ? undefined : Array.isArray(value) ? value as readonly T[] : [value as T];

/** Fills in defaults (options first, then the scenario's settings) and validates every option. */
export function resolveSimulatorOptions(
  options: SimulatorOptions,
  scenario: ScenarioDefinition | undefined,
): ResolvedSimulatorOptions {
  const o = options as Record<keyof SimulatorOptions, unknown>;
  if (o.now !== undefined && typeof o.now !== "function") fail("now", "a function", o.now, false);
  const budget = o.connectBudget as SimulatorOptions["connectBudget"];
  if (budget !== undefined && budget !== false && (typeof budget !== "object" || budget === null)) {
    fail("connectBudget", "false or { requests, windowMs }", budget, false);
  }
  const tokens = toList(options.bearerTokens);
  if (tokens && !tokens.every((t) => typeof t === "string" && t.length > 0)) {
    fail("bearerTokens", "non-empty strings", o.bearerTokens, false);
  }
  const heartbeat = o.heartbeatIntervalMs === undefined
    ? undefined
    : num("heartbeatIntervalMs", o.heartbeatIntervalMs, 0, 1, true);
  const problemHost = o.problemHost ?? "api.x.com";
  if (problemHost !== "api.x.com" && problemHost !== "api.twitter.com") {
    fail("problemHost", '"api.x.com" or "api.twitter.com"', problemHost, true);
  }
  const minChunkBytes = num("minChunkBytes", o.minChunkBytes, 1, 1, true);
  const postsPerSecond = num(
    "postsPerSecond",
    o.postsPerSecond ?? scenario?.postsPerSecond,
    10,
    0,
    false,
  );
  return {
    seed: num("seed", o.seed ?? scenario?.seed, 1, 0, true),
    postsPerSecond,
    complianceEventsPerSecond: num(
      "complianceEventsPerSecond",
      o.complianceEventsPerSecond,
      1,
      0,
      false,
    ),
    publishTickMs: num("publishTickMs", o.publishTickMs, 100, 1, true),
    bearerTokens: tokens,
    basicCredentials: toList(options.basicCredentials),
    account: str("account", o.account, "holdfast"),
    label: str("label", o.label, "prod"),
    powertrackRules: options.powertrackRules ??
      [{ value: "lang:en OR lang:ja OR has:media", tag: "default" }],
    v2HeartbeatMs: heartbeat ?? V2_HEARTBEAT_INTERVAL_MS,
    powertrackHeartbeatMs: heartbeat ?? POWERTRACK_HEARTBEAT_INTERVAL_MS,
    heartbeatJitterMs: num("heartbeatJitterMs", o.heartbeatJitterMs, 0, 0, true),
    now: options.now ?? (() => Date.now()),
    historyRetentionMs: num(
      "historyRetentionMs",
      o.historyRetentionMs,
      MAX_RECOVERY_WINDOW_MS + 3_600_000,
      1,
      true,
    ),
    maxHistoryPosts: num("maxHistoryPosts", o.maxHistoryPosts, 2_000_000, 1, true),
    serverBufferPosts: num(
      "serverBufferPosts",
      o.serverBufferPosts ?? scenario?.serverBufferPosts,
      Math.max(MIN_SERVER_BUFFER_POSTS, Math.ceil(postsPerSecond * SERVER_BUFFER_SECONDS)),
      1,
      true,
    ),
    slowReaderNotice: bool("slowReaderNotice", o.slowReaderNotice, true),
    maxConnections: num("maxConnections", o.maxConnections ?? scenario?.maxConnections, 1, 1, true),
    connectBudget: budget === false
      ? { requests: CONNECT_BUDGET_REQUESTS, windowMs: CONNECT_BUDGET_WINDOW_MS, enabled: false }
      : {
        requests: num("connectBudget.requests", budget?.requests, CONNECT_BUDGET_REQUESTS, 1, true),
        windowMs: num(
          "connectBudget.windowMs",
          budget?.windowMs,
          CONNECT_BUDGET_WINDOW_MS,
          1,
          true,
        ),
        enabled: true,
      },
    rateLimitPenaltyMs: num(
      "rateLimitPenaltyMs",
      o.rateLimitPenaltyMs,
      RATE_LIMIT_BACKOFF_INITIAL_MS,
      0,
      true,
    ),
    minChunkBytes,
    maxChunkBytes: num(
      "maxChunkBytes",
      o.maxChunkBytes,
      Math.max(16_384, minChunkBytes),
      minChunkBytes,
      true,
    ),
    maxRules: num("maxRules", o.maxRules, 1000, 1, true),
    maxRuleLength: num("maxRuleLength", o.maxRuleLength, 512, 1, true),
    rejectWithoutRules: bool("rejectWithoutRules", o.rejectWithoutRules, false),
    problemHost,
    controlRoutes: bool("controlRoutes", o.controlRoutes, true),
    judgeToleranceMs: num("judgeToleranceMs", o.judgeToleranceMs, 50, 0, true),
    clientIp: typeof o.clientIp === "string" ? o.clientIp : "127.0.0.1",
  };
}
