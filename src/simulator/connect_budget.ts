/**
 * The connect-request budget: X allows 50 connect requests per 15-minute window per app and
 * endpoint. Past it, every request gets 429, and (as X warns) every 429 received lengthens the
 * lock-out: here each one pushes the window's reset back by `penaltyMs`.
 *
 * @module
 */

/** The `x-rate-limit-*` figures of an answer, and whether the request may go on. */
export interface BudgetDecision {
  readonly allowed: boolean;
  readonly limit: number;
  readonly remaining: number;
  /** When the window resets (epoch ms; the header carries it in whole seconds). */
  readonly resetAtMs: number;
}

/** Options of a {@linkcode ConnectBudget}. */
export interface ConnectBudgetOptions {
  readonly requests: number;
  readonly windowMs: number;
  /** How much each 429 received during a lock-out pushes the reset back. */
  readonly penaltyMs: number;
  /** When false, requests are never refused for the budget (injected lock-outs still apply). */
  readonly enabled: boolean;
  readonly now: () => number;
}

interface Window {
  count: number;
  resetAtMs: number;
  locked: boolean;
}

/** Fixed 15-minute windows per key (credential + endpoint). */
export class ConnectBudget {
  readonly #options: ConnectBudgetOptions;
  readonly #windows = new Map<string, Window>();

  /** Creates a budget with no requests counted. */
  constructor(options: ConnectBudgetOptions) {
    this.#options = options;
  }

  /** Counts one connect request under `key` and decides whether it may go on. */
  take(key: string): BudgetDecision {
    const { requests, penaltyMs } = this.#options;
    const window = this.#window(key);
    if (window.locked) {
      window.resetAtMs += penaltyMs;
      return this.#decision(false, window);
    }
    if (!this.#options.enabled) {
      return { allowed: true, limit: requests, remaining: requests, resetAtMs: window.resetAtMs };
    }
    window.count++;
    if (window.count > requests) {
      window.locked = true;
      return this.#decision(false, window);
    }
    return this.#decision(true, window);
  }

  /** Locks `key` out until `untilMs` (an injected rate limit). */
  lock(key: string, untilMs: number): BudgetDecision {
    const window: Window = { count: this.#options.requests, resetAtMs: untilMs, locked: true };
    this.#windows.set(key, window);
    return this.#decision(false, window);
  }

  /** Forgets every window and lock-out. */
  clear(): void {
    this.#windows.clear();
  }

  #window(key: string): Window {
    const now = this.#options.now();
    let window = this.#windows.get(key);
    if (!window || now >= window.resetAtMs) {
      window = { count: 0, resetAtMs: now + this.#options.windowMs, locked: false };
      this.#windows.set(key, window);
    }
    return window;
  }

  #decision(allowed: boolean, window: Window): BudgetDecision {
    const limit = this.#options.requests;
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - window.count),
      resetAtMs: window.resetAtMs,
    };
  }
}

/** The three `x-rate-limit-*` headers of a decision (reset in UNIX seconds, rounded up). */
export function rateLimitHeaders(decision: BudgetDecision): Record<string, string> {
  return {
    "x-rate-limit-limit": String(decision.limit),
    "x-rate-limit-remaining": String(decision.remaining),
    "x-rate-limit-reset": String(Math.ceil(decision.resetAtMs / 1000)),
  };
}
