/**
 * X's reconnect rules as a pure policy: a {@linkcode ConnectionOutcome} in, a
 * {@linkcode ReconnectDecision} out. No timers and no I/O: the connect loop waits.
 *
 * @module
 */
import type {
  BackoffClass,
  ConnectionOutcome,
  DisconnectCause,
  ReconnectDecision,
} from "./disconnect_cause.ts";
import { parseRateLimit, type RateLimit } from "./rate_limit.ts";
import { CONNECT_BUDGET_WINDOW_MS, FATAL_HTTP_STATUSES } from "./x_limits.ts";
import {
  type BackoffOptions,
  resolveBackoffOptions,
  type ResolvedBackoffOptions,
} from "./backoff_options.ts";

export type { BackoffOptions, ResolvedBackoffOptions } from "./backoff_options.ts";

/** What {@linkcode BackoffPolicy.snapshot} reports, for status pages and alerts. */
export interface BackoffSnapshot {
  /** Connect attempts recorded in the trailing budget window (X's 15 minutes when the budget is off). */
  readonly attemptsInWindow: number;
  /** Failures in a row per curve. Only `network`, `http` and `rate-limit` count; `immediate` and
   * `budget` are not failure curves and stay 0. An established connection resets them all. */
  readonly consecutiveFailures: Readonly<Record<BackoffClass, number>>;
  /** Epoch ms before which X said no connect may start (`x-rate-limit-remaining` used up), if any. */
  readonly lockoutUntilMs: number | undefined;
}

type Retry = Extract<ReconnectDecision, { action: "retry" }>;
type Curve = "network" | "http" | "rate-limit";

/** 420 is the old "Enhance Your Calm": the same meaning as 429. */
const RATE_LIMIT_STATUSES: readonly number[] = [420, 429];
const AUTH_STATUSES: readonly number[] = [401, 403];
/** 4xx worth retrying: 408 Request Timeout, and 409 (v2: "no rules on the stream"), which ends
 * as soon as someone adds a rule, so a client that waits on the HTTP curve recovers on its own. */
const RETRYABLE_4XX: readonly number[] = [408, 409, ...AUTH_STATUSES, ...RATE_LIMIT_STATUSES];
const FATAL_REASONS: Readonly<Record<number, string>> = {
  400: "400 Bad Request: the request's parameters are invalid",
  404: "404 Not Found: the stream URL is wrong",
  406: "406 Not Acceptable: the request asks for a format X does not serve",
  413: "413 Payload Too Large: the request is too long",
  416: "416 Range Not Satisfiable: the requested time range cannot be served",
};

/**
 * Maps each connection outcome to X's documented reconnect behaviour:
 * - an established connection that drops: retry at once (`immediate`) and reset every curve;
 * - a failure to connect (or a connection dropped before any data or heartbeat) at the TCP/IP
 *   level: `network`, linear 250 ms steps up to 16 s;
 * - 5xx (and any other status outside 4xx), 408, 409 and 401/403 (`authFailure`): `http`,
 *   5 s doubling up to 320 s;
 * - 429 and 420: `rate-limit`, 60 s doubling, never ending before `x-rate-limit-reset`;
 * - 400, 404, 406, 413, 416 and every other 4xx, `InvalidRules`, `usage-capped`, `closed`: stop.
 *
 * Each curve keeps its own count, so a server that accepts and drops at once is not hammered.
 * A connect budget (50 attempts per 15 minutes by default) and X's `x-rate-limit-remaining`
 * stretch any delay that would otherwise draw a 429; the decision then has class `budget`.
 * X's own count governs while it is known: with `remaining` above 0 before `x-rate-limit-reset`
 * no wait is added, and once that reset has passed only the attempts since it count (X's
 * windows are fixed, not sliding). The trailing window applies only where X has said nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackoffPolicy } from "./backoff_policy.ts";
 *
 * const policy = new BackoffPolicy();
 * const refused = { cause: { kind: "network", error: "ECONNREFUSED" }, established: false } as const;
 * policy.recordAttempt(0);
 * assert.equal(policy.decide({ ...refused, atMs: 10 }).action, "retry");
 * policy.recordAttempt(260);
 * const second = policy.decide({ ...refused, atMs: 270 });
 * assert.deepEqual(second, {
 *   action: "retry", delayMs: 500, backoffClass: "network", attempt: 2, atCeiling: false, authFailure: false,
 * });
 * const dropped = policy.decide({ cause: { kind: "stall", silentMs: 30_000 }, established: true, atMs: 90_000 });
 * assert.equal(dropped.action === "retry" && dropped.delayMs, 0);
 * ```
 */
export class BackoffPolicy {
  /** The options in force, every default filled in. */
  readonly options: ResolvedBackoffOptions;
  #failures: Record<Curve, number> = { network: 0, http: 0, "rate-limit": 0 };
  /** Start times of recent attempts, ascending, kept for one window. */
  #attempts: number[] = [];
  /** X's own count from the latest `x-rate-limit-*` headers, lowered by each attempt since. */
  #server: { remaining: number; resetAtMs: number } | undefined;
  /** The latest `x-rate-limit-reset` already past: X's current window began no earlier. */
  #windowStartMs = -Infinity;
  #latestMs = -Infinity;

  /** Creates a policy; throws `TypeError`/`RangeError` for invalid options. */
  constructor(options?: BackoffOptions) {
    this.options = resolveBackoffOptions(options);
  }

  /** Records that a connect attempt (a fetch) starts at `atMs`: it spends the connect budget. */
  recordAttempt(atMs: number): void {
    this.#see(atMs, "recordAttempt");
    let i = this.#attempts.length;
    while (i > 0 && this.#attempts[i - 1] > atMs) i--;
    this.#attempts.splice(i, 0, atMs);
    if (this.#server) this.#server.remaining = Math.max(0, this.#server.remaining - 1);
  }

  /** Takes X's `x-rate-limit-*` figures from a response (call it for every response, 200 too).
   * `remaining === 0` means no connect may start before `resetAtMs`. */
  observeRateLimit(rl: RateLimit | undefined, atMs?: number): void {
    if (atMs !== undefined) this.#see(atMs, "observeRateLimit");
    if (rl !== undefined && rl.resetAtMs > this.#latestMs) {
      this.#server = { remaining: rl.remaining, resetAtMs: rl.resetAtMs };
    }
  }

  /** Decides what to do after `outcome`: retry after a delay, or stop. */
  decide(outcome: ConnectionOutcome): ReconnectDecision {
    const { cause, established, atMs } = outcome;
    this.#see(atMs, "decide");
    const rl = cause.kind === "http" ? parseRateLimit(cause.headers) : undefined;
    this.observeRateLimit(rl);
    const stop = stopFor(cause);
    if (stop) return stop;
    if (cause.kind !== "http" && established) {
      this.#failures = { network: 0, http: 0, "rate-limit": 0 };
      const now: Retry = {
        action: "retry",
        delayMs: 0,
        backoffClass: "immediate",
        attempt: 0,
        atCeiling: false,
        authFailure: false,
      };
      return this.#gate(now, atMs);
    }
    if (cause.kind !== "http") return this.#gate(this.#curve("network"), atMs);
    if (!RATE_LIMIT_STATUSES.includes(cause.status)) {
      return this.#gate(this.#curve("http", AUTH_STATUSES.includes(cause.status)), atMs);
    }
    // X: the wait must not end before x-rate-limit-reset, whatever `remaining` says.
    const retry = this.#curve("rate-limit");
    const resetAtMs = rl?.resetAtMs ?? this.#lockoutUntil(atMs) ?? -Infinity;
    const delayMs = Math.max(retry.delayMs, Math.ceil(resetAtMs - atMs));
    return this.#gate({ ...retry, delayMs }, atMs);
  }

  /** The policy's state at `nowMs` (default: the latest time it was given). */
  snapshot(nowMs: number = this.#latestMs): BackoffSnapshot {
    const windowMs = this.options.connectBudget
      ? this.options.connectBudget.windowMs
      : CONNECT_BUDGET_WINDOW_MS;
    return {
      attemptsInWindow: this.#attempts.filter((t) => t > nowMs - windowMs && t <= nowMs).length,
      consecutiveFailures: { immediate: 0, budget: 0, ...this.#failures },
      lockoutUntilMs: this.#lockoutUntil(nowMs),
    };
  }

  #curve(curve: Curve, authFailure = false): Retry {
    const attempt = ++this.#failures[curve];
    const o = this.options;
    const [raw, max] = curve === "network"
      ? [o.networkStepMs * attempt, o.networkMaxMs]
      : curve === "http"
      ? [o.httpInitialMs * 2 ** (attempt - 1), o.httpMaxMs]
      : [o.rateLimitInitialMs * 2 ** (attempt - 1), o.rateLimitMaxMs];
    const delayMs = Math.min(raw, max);
    return {
      action: "retry",
      delayMs,
      backoffClass: curve,
      attempt,
      atCeiling: raw >= max,
      authFailure,
    };
  }

  /** Stretches `base` until the budget has room and X's lock-out is over. */
  #gate(base: Retry, atMs: number): Retry {
    const budget = this.options.connectBudget;
    // While X's count is live, its lock-out alone holds the next attempt. Otherwise the attempts
    // since X's last known reset, and within the trailing window, are the ones that count.
    const counted = this.#server || !budget
      ? []
      : this.#attempts.filter((t) => t >= this.#windowStartMs);
    const n = counted.length;
    // The next attempt at T fits when fewer than `requests` attempts lie in (T - windowMs, T].
    const budgetReadyAt = budget && n >= budget.requests
      ? counted[n - budget.requests] + budget.windowMs
      : -Infinity;
    const waitMs = Math.ceil(Math.max(budgetReadyAt, this.#lockoutUntil(atMs) ?? -Infinity) - atMs);
    return waitMs > base.delayMs ? { ...base, delayMs: waitMs, backoffClass: "budget" } : base;
  }

  #lockoutUntil(nowMs: number): number | undefined {
    const server = this.#server;
    return server && server.remaining <= 0 && server.resetAtMs > nowMs
      ? server.resetAtMs
      : undefined;
  }

  #see(atMs: number, method: string): void {
    if (!Number.isFinite(atMs)) {
      throw new RangeError(
        `Cannot call BackoffPolicy.${method} as 'atMs' must be a finite number: current value is ${atMs}`,
      );
    }
    if (atMs <= this.#latestMs) return;
    this.#latestMs = atMs;
    if (this.#server && this.#server.resetAtMs <= atMs) {
      this.#windowStartMs = Math.max(this.#windowStartMs, this.#server.resetAtMs);
      this.#server = undefined;
    }
    const windowMs = Math.max(
      this.options.connectBudget ? this.options.connectBudget.windowMs : 0,
      CONNECT_BUDGET_WINDOW_MS,
    );
    const keepFrom = this.#attempts.findIndex((t) => t > atMs - windowMs);
    this.#attempts.splice(0, keepFrom === -1 ? this.#attempts.length : keepFrom);
  }
}

function stopFor(cause: DisconnectCause): ReconnectDecision | undefined {
  const stop = (reason: string, message: string): ReconnectDecision => ({
    action: "stop",
    reason,
    message,
  });
  switch (cause.kind) {
    case "closed":
      return stop("closed", "The connection was closed on purpose; no reconnect.");
    case "usage-capped":
      return stop(
        "usage-capped",
        `X reports the post cap is reached${cause.period ? ` (${cause.period})` : ""}; ` +
          "reconnecting cannot help until the cap period ends.",
      );
    case "disconnect-message":
      return cause.disconnectType === "InvalidRules"
        ? stop(
          "invalid-rules",
          "X disconnected the stream for InvalidRules; fix the rules, then reconnect.",
        )
        : undefined;
    case "http": {
      const { status } = cause;
      const fatal = FATAL_HTTP_STATUSES.includes(status) ||
        (status >= 400 && status < 500 && !RETRYABLE_4XX.includes(status));
      if (!fatal) return undefined;
      const said = cause.connectionIssue ?? cause.body?.slice(0, 200);
      return stop(
        `http-${status}`,
        `X answered ${
          FATAL_REASONS[status] ?? `${status}: X will not accept the request as it stands`
        }; ` +
          `retrying cannot help.${said ? ` X said: ${said}` : ""}`,
      );
    }
    default:
      return undefined;
  }
}
