/**
 * One connect request at a time across a collector's loops. Redundant connections, partitions and
 * Recovery streams share X's connect budget and 429 lock-outs; two requests sent at the same
 * instant would both draw the 429 that one of them would have revealed (and every 429 drawn
 * lengthens the lock-out). The gate lets a request go once the previous attempt is established
 * (its first heartbeat or post) or has ended, not merely answered: a stream accepted with a 200
 * can still fail before its first byte, a network-class failure whose wait X asks for before the
 * client's next request. It never lets one go before a lock-out the shared policy knows of is
 * over, nor before the end of the latest backoff wait any loop was given: after a failure, X's
 * waits apply to the client's requests to the endpoint, whichever connection sends the next one. After a connection the CLIENT ended (a
 * stall, a line too long) it also waits `closeGraceMs`: X may not yet have seen that connection
 * close, and a request it still counts draws a 429 TooManyConnections, whose wait lasts until
 * `x-rate-limit-reset` (minutes) for every connection.
 *
 * @module
 */
import { delay } from "../abortable_delay.ts";
import type { BackoffPolicy } from "../backoff_policy.ts";
import type { ClientEvent } from "../client_events.ts";

/** The events that settle a connect attempt (the gate's holder may leave): established (a
 * heartbeat; a post is reported with {@linkcode ConnectGate.leave}) or ended. `connected`, the
 * HTTP answer, is not one: the attempt may still fail before its first byte. */
export const SETTLED_EVENTS: ReadonlySet<string> = new Set([
  "heartbeat",
  "disconnected",
  "stopped",
]);

/** An attempt that never settles (a quiet stream's first heartbeat comes after 20 s) releases
 * the gate after this long. */
export const DEFAULT_GATE_HOLD_MS = 10_000;

/** After a connection the client ended itself, no request before this long (X must see it
 * closed first: "close the old connection for certain before opening a new one"). */
export const DEFAULT_CLOSE_GRACE_MS = 1_000;

/** Disconnect causes where the client, not X, ended an established connection. */
const CLIENT_ENDED: ReadonlySet<string> = new Set(["stall", "line-too-long"]);

/**
 * A turnstile for connect requests, entered from `beforeConnect` and left once the attempt is
 * established (first heartbeat or post) or has ended.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackoffPolicy } from "../backoff_policy.ts";
 * import { ConnectGate } from "./connect_gate.ts";
 * const gate = new ConnectGate({ policy: new BackoffPolicy(), now: Date.now });
 * const signal = new AbortController().signal;
 * await gate.enter(0, signal);
 * let second = false;
 * const entering = gate.enter(1, signal).then(() => { second = true; });
 * await Promise.resolve();
 * assert.equal(second, false); // connection 0's attempt is not established yet
 * gate.leave(0); // its first post arrived
 * await entering;
 * assert.equal(second, true);
 * gate.leave(1);
 * ```
 */
export class ConnectGate {
  readonly #policy: BackoffPolicy;
  readonly #now: () => number;
  readonly #holdMs: number;
  readonly #closeGraceMs: number;
  #tail: Promise<void> = Promise.resolve();
  /** No request before this (epoch ms): the end of the latest backoff wait scheduled. */
  #notBeforeMs = -Infinity;
  readonly #holders = new Map<number, () => void>();

  /** `policy` is the loops' shared policy (its lock-out is read before each request);
   * `closeGraceMs` (@default {DEFAULT_CLOSE_GRACE_MS}) see {@linkcode DEFAULT_CLOSE_GRACE_MS}. */
  constructor(
    options: { policy: BackoffPolicy; now: () => number; holdMs?: number; closeGraceMs?: number },
  ) {
    this.#policy = options.policy;
    this.#now = options.now;
    this.#holdMs = options.holdMs ?? DEFAULT_GATE_HOLD_MS;
    this.#closeGraceMs = options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
  }

  /** Resolves when connection `id` may send its request. Never rejects: once `signal` aborts it
   * resolves without holding the gate. */
  async enter(id: number, signal: AbortSignal): Promise<void> {
    let release!: () => void;
    const turn = new Promise<void>((resolve) => release = resolve);
    const previous = this.#tail;
    this.#tail = previous.then(() => turn);
    await previous;
    try {
      const lockedUntil = this.#policy.snapshot(this.#now()).lockoutUntilMs ?? -Infinity;
      const until = Math.max(lockedUntil, this.#notBeforeMs);
      if (until > this.#now() && !signal.aborted) await delay(until - this.#now(), signal);
    } catch {
      // Aborted while waiting: fall through and let the next one in.
    }
    if (signal.aborted) {
      release();
      return;
    }
    this.#holders.get(id)?.();
    const timer = setTimeout(() => done(), this.#holdMs);
    const done = (): void => {
      clearTimeout(timer);
      if (this.#holders.get(id) === done) this.#holders.delete(id);
      release();
    };
    this.#holders.set(id, done);
  }

  /** Follows connection `id`'s events: a heartbeat or the end of the attempt releases the
   * gate; a backoff wait after a failure (any class but `immediate`) holds every later request
   * until it ends, and so does the close grace after an established connection the client ended. */
  observe(id: number, event: ClientEvent): void {
    if (SETTLED_EVENTS.has(event.type)) this.leave(id);
    if (event.type === "retry-scheduled" && event.backoffClass !== "immediate") {
      this.#notBeforeMs = Math.max(this.#notBeforeMs, event.retryAtMs);
    }
    if (
      event.type === "disconnected" && event.established && CLIENT_ENDED.has(event.cause.kind)
    ) {
      this.#notBeforeMs = Math.max(this.#notBeforeMs, event.atMs + this.#closeGraceMs);
    }
  }

  /** Connection `id`'s attempt is established (a post arrived) or over: the next may go. Cheap
   * enough to call for every post. */
  leave(id: number): void {
    this.#holders.get(id)?.();
  }
}
