/**
 * Options of {@linkcode BackoffPolicy}: the three reconnect curves X documents and the
 * connect-request budget, with their defaults from `x_limits.ts` and their validation.
 *
 * @module
 */
import * as v from "valibot";
import {
  CONNECT_BUDGET_REQUESTS,
  CONNECT_BUDGET_WINDOW_MS,
  HTTP_BACKOFF_INITIAL_MS,
  HTTP_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_STEP_MS,
  RATE_LIMIT_BACKOFF_INITIAL_MS,
  RATE_LIMIT_BACKOFF_MAX_MS,
} from "./x_limits.ts";

/** Options of the backoff policy. Every field is optional; the defaults are X's documented numbers. */
export interface BackoffOptions {
  /** TCP/IP-level failures wait `networkStepMs * n` before attempt `n + 1`.
   * @default {250} (`NETWORK_BACKOFF_STEP_MS`) */
  networkStepMs?: number;
  /** Ceiling of the network curve (alert a person when reached).
   * @default {16000} (`NETWORK_BACKOFF_MAX_MS`) */
  networkMaxMs?: number;
  /** First wait after a retryable HTTP error; doubles each attempt.
   * @default {5000} (`HTTP_BACKOFF_INITIAL_MS`) */
  httpInitialMs?: number;
  /** Ceiling of the HTTP curve (alert a person when reached).
   * @default {320000} (`HTTP_BACKOFF_MAX_MS`) */
  httpMaxMs?: number;
  /** First wait after an HTTP 429 (or 420); doubles each attempt.
   * @default {60000} (`RATE_LIMIT_BACKOFF_INITIAL_MS`) */
  rateLimitInitialMs?: number;
  /** Ceiling of the rate-limit curve (X documents none; holdfast stops at one window).
   * @default {960000} (`RATE_LIMIT_BACKOFF_MAX_MS`) */
  rateLimitMaxMs?: number;
  /** At most `requests` connect attempts in any trailing `windowMs` while X has not reported its
   * own count (its `x-rate-limit-*` headers govern once it has); `false` turns the budget off.
   * @default {{ requests: 50, windowMs: 900000 }} (`CONNECT_BUDGET_REQUESTS` per `CONNECT_BUDGET_WINDOW_MS`) */
  connectBudget?: { requests: number; windowMs: number } | false;
}

/** {@linkcode BackoffOptions} with every default filled in, as returned by {@linkcode resolveBackoffOptions}. */
export interface ResolvedBackoffOptions {
  /** See {@linkcode BackoffOptions.networkStepMs}. */
  readonly networkStepMs: number;
  /** See {@linkcode BackoffOptions.networkMaxMs}. */
  readonly networkMaxMs: number;
  /** See {@linkcode BackoffOptions.httpInitialMs}. */
  readonly httpInitialMs: number;
  /** See {@linkcode BackoffOptions.httpMaxMs}. */
  readonly httpMaxMs: number;
  /** See {@linkcode BackoffOptions.rateLimitInitialMs}. */
  readonly rateLimitInitialMs: number;
  /** See {@linkcode BackoffOptions.rateLimitMaxMs}. */
  readonly rateLimitMaxMs: number;
  /** See {@linkcode BackoffOptions.connectBudget}. */
  readonly connectBudget: { readonly requests: number; readonly windowMs: number } | false;
}

// setTimeout fires at once for delays above 2^31 - 1 ms (about 24.8 days): refuse such options.
const MAX_TIMER_MS = 2_147_483_647;

const positiveInt = (max: number) =>
  v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
    v.maxValue(max, `must be at most ${max}`),
  );
const ms = positiveInt(MAX_TIMER_MS);

const Fields = v.object({
  networkStepMs: v.optional(ms, NETWORK_BACKOFF_STEP_MS),
  networkMaxMs: v.optional(ms, NETWORK_BACKOFF_MAX_MS),
  httpInitialMs: v.optional(ms, HTTP_BACKOFF_INITIAL_MS),
  httpMaxMs: v.optional(ms, HTTP_BACKOFF_MAX_MS),
  rateLimitInitialMs: v.optional(ms, RATE_LIMIT_BACKOFF_INITIAL_MS),
  rateLimitMaxMs: v.optional(ms, RATE_LIMIT_BACKOFF_MAX_MS),
  connectBudget: v.optional(
    v.union(
      [
        v.literal(false),
        // The object's own message is used for a missing key, and both keys are positive integers.
        v.object(
          { requests: positiveInt(Number.MAX_SAFE_INTEGER), windowMs: ms },
          "must be a positive integer",
        ),
      ],
      "must be false or an object { requests, windowMs }",
    ),
    () => ({ requests: CONNECT_BUDGET_REQUESTS, windowMs: CONNECT_BUDGET_WINDOW_MS }),
  ),
}, "must be an object");
type Fields = v.InferOutput<typeof Fields>;
type CurveKey = Exclude<keyof Fields, "connectBudget">;

// A ceiling below its curve's start is refused, and the message names both options.
const atLeast = (maxKey: CurveKey, minKey: CurveKey) =>
  v.forward<Fields, v.CheckIssue<Fields>, [CurveKey]>(
    v.check<Fields, (issue: v.CheckIssue<Fields>) => string>(
      (o) => o[maxKey] >= o[minKey],
      (issue) => `must be at least '${minKey}' (${issue.input[minKey]})`,
    ),
    [maxKey],
  );

const OptionsSchema = v.pipe(
  v.optional(Fields, {}),
  atLeast("networkMaxMs", "networkStepMs"),
  atLeast("httpMaxMs", "httpInitialMs"),
  atLeast("rateLimitMaxMs", "rateLimitInitialMs"),
);

/**
 * Validates backoff options and fills in X's defaults. Throws a `TypeError` for a value of the
 * wrong type and a `RangeError` for a number out of range (including a ceiling below its start).
 *
 * @param options The options as given by the user.
 * @param owner The class named in error messages.
 * @returns The options with every default filled in.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveBackoffOptions } from "./backoff_options.ts";
 *
 * assert.equal(resolveBackoffOptions({ httpMaxMs: 60_000 }).httpMaxMs, 60_000);
 * assert.equal(resolveBackoffOptions().networkStepMs, 250);
 * assert.throws(() => resolveBackoffOptions({ httpMaxMs: -5 }), {
 *   name: "RangeError",
 *   message: "Cannot construct BackoffPolicy as 'httpMaxMs' must be a positive integer: current value is -5",
 * });
 * ```
 */
export function resolveBackoffOptions(
  options?: BackoffOptions,
  owner = "BackoffPolicy",
): ResolvedBackoffOptions {
  const result = v.safeParse(OptionsSchema, options);
  if (result.success) return result.output;
  let issue: v.BaseIssue<unknown> = result.issues[0];
  let path = issue.path ?? [];
  // A union reports one issue holding each branch's issues: name the most specific one.
  const specific = issue.issues?.find((sub) => sub.path?.length);
  if (specific) [issue, path] = [specific, [...path, ...specific.path!]];
  const key = path.length ? path.map((item) => String(item.key)).join(".") : "options";
  const value = path.length ? path[path.length - 1].value : issue.input;
  const text = `Cannot construct ${owner} as '${key}' ${issue.message}: current value is ${
    show(value)
  }`;
  // NaN fails valibot's type check, but it is a number out of range, not a value of the wrong type.
  const wrongType = issue.kind === "schema" &&
    !(issue.type === "number" && typeof value === "number");
  throw wrongType ? new TypeError(text) : new RangeError(text);
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) {
    try {
      return JSON.stringify(value);
    } catch {
      return Object.prototype.toString.call(value);
    }
  }
  return String(value);
}
