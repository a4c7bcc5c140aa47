/**
 * Detects a dead connection: neither data nor a heartbeat for the heartbeat interval plus a margin.
 *
 * @module
 */
import * as v from "valibot";
import { StallError } from "./errors/stall_error.ts";
import {
  HEARTBEAT_MARGIN_MS,
  POWERTRACK_HEARTBEAT_INTERVAL_MS,
  V2_HEARTBEAT_INTERVAL_MS,
} from "./x_limits.ts";

/**
 * How long a stream of `product` may stay silent before it is called stalled: its heartbeat
 * interval plus {@linkcode HEARTBEAT_MARGIN_MS} (v2: 30 s, PowerTrack: 20 s).
 *
 * @example
 * ```ts
 * import { stallTimeoutFor } from "./heartbeat_watchdog.ts";
 * console.assert(stallTimeoutFor("v2") === 30_000);
 * console.assert(stallTimeoutFor("powertrack") === 20_000);
 * ```
 */
export function stallTimeoutFor(product: "v2" | "powertrack"): number {
  const interval = product === "powertrack"
    ? POWERTRACK_HEARTBEAT_INTERVAL_MS
    : V2_HEARTBEAT_INTERVAL_MS;
  return interval + HEARTBEAT_MARGIN_MS;
}

/** Options of {@linkcode HeartbeatWatchdog}. */
export interface HeartbeatWatchdogOptions {
  /** Silence allowed before the stream errors, in ms. @default {stallTimeoutFor("v2")} (30 s) */
  readonly timeoutMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
}

const PositiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * Fills in the defaults of {@linkcode HeartbeatWatchdogOptions} and validates them.
 * Throws `TypeError` (wrong type) or `RangeError` (`timeoutMs` not a positive integer).
 *
 * @example
 * ```ts
 * import { resolveHeartbeatWatchdogOptions } from "./heartbeat_watchdog.ts";
 * console.assert(resolveHeartbeatWatchdogOptions({}).timeoutMs === 30_000);
 * ```
 */
export function resolveHeartbeatWatchdogOptions(
  options: HeartbeatWatchdogOptions = {},
  className: "HeartbeatWatchdog" | "HeartbeatTimer" = "HeartbeatWatchdog",
): Required<HeartbeatWatchdogOptions> {
  const timeoutMs = options.timeoutMs ?? stallTimeoutFor("v2");
  if (!v.is(PositiveInteger, timeoutMs)) {
    throw new (typeof timeoutMs === "number" ? RangeError : TypeError)(
      `Cannot construct ${className} as 'timeoutMs' must be a positive integer: current value is ${
        typeof timeoutMs === "string" ? JSON.stringify(timeoutMs) : String(timeoutMs)
      }`,
    );
  }
  const now = options.now ?? (() => Date.now());
  if (typeof now !== "function") {
    throw new TypeError(
      `Cannot construct ${className} as 'now' must be a function: current value is ${String(now)}`,
    );
  }
  return { timeoutMs, now };
}

/**
 * Passes every chunk through unchanged and errors the stream with {@linkcode StallError} when
 * nothing arrives for `timeoutMs` (the clock starts at construction). Put it on the byte chunks,
 * before {@linkcode LineSplitter}: any byte, heartbeats included, proves the connection alive, and
 * the cost is per chunk, not per line. The timer is cleared on close, on cancel and once it fired.
 *
 * @example
 * ```ts
 * import { HeartbeatWatchdog } from "./heartbeat_watchdog.ts";
 * import { StallError } from "./errors/stall_error.ts";
 * const silent = new ReadableStream<Uint8Array>(); // never sends anything
 * const reader = silent.pipeThrough(new HeartbeatWatchdog({ timeoutMs: 10 })).getReader();
 * const error = await reader.read().catch((e) => e);
 * console.assert(error instanceof StallError && error.silentMs >= 10);
 * ```
 */
export class HeartbeatWatchdog<T> extends TransformStream<T, T> {
  /** Creates a watchdog; throws `TypeError`/`RangeError` on invalid options. */
  constructor(options: HeartbeatWatchdogOptions = {}) {
    const { timeoutMs, now } = resolveHeartbeatWatchdogOptions(options);
    super(watchdogTransformer<T>(timeoutMs, now));
  }
}

/** The transformer; closures, because `start` runs inside `super()` before `#fields` exist. */
function watchdogTransformer<T>(
  timeoutMs: number,
  now: () => number,
): Transformer<T, T> & { cancel?(reason: unknown): void } {
  let timer: HeartbeatTimer;
  const stop = (): void => timer.stop();
  return {
    start(controller) {
      timer = new HeartbeatTimer((error) => controller.error(error), { timeoutMs, now });
    },
    transform(chunk, controller) {
      timer.touch();
      controller.enqueue(chunk);
    },
    flush: stop,
    cancel: stop,
  };
}

/**
 * {@linkcode HeartbeatWatchdog}'s clock without a stream, for a caller that reads the body itself
 * (no stream hop): call `touch()` on every chunk; `onStall` gets a {@linkcode StallError} (once)
 * when nothing arrived for `timeoutMs` (the clock starts at construction). `stop()` clears the
 * timer; it is cleared too once it fired. A chunk only records the time: the timer re-arms itself
 * for the rest when it fires early, so a busy stream costs no `clearTimeout`/`setTimeout` per chunk.
 *
 * @example
 * ```ts
 * import { HeartbeatTimer } from "./heartbeat_watchdog.ts";
 * import { StallError } from "./errors/stall_error.ts";
 * const error = await new Promise((resolve) => new HeartbeatTimer(resolve, { timeoutMs: 10 }));
 * console.assert(error instanceof StallError && error.silentMs >= 10);
 * ```
 */
export class HeartbeatTimer {
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #onStall: (error: StallError) => void;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastActivity: number;
  #stopped = false;

  /** Starts the clock; throws `TypeError`/`RangeError` on invalid options or `onStall`. */
  constructor(onStall: (error: StallError) => void, options: HeartbeatWatchdogOptions = {}) {
    const { timeoutMs, now } = resolveHeartbeatWatchdogOptions(options, "HeartbeatTimer");
    if (typeof onStall !== "function") {
      throw new TypeError(
        `Cannot construct HeartbeatTimer as 'onStall' must be a function: current value is ${
          String(onStall)
        }`,
      );
    }
    this.#timeoutMs = timeoutMs;
    this.#now = now;
    this.#onStall = onStall;
    this.#lastActivity = now();
    this.#timer = setTimeout(this.#check, timeoutMs);
  }

  /** Records activity at `atMs` (default: now; any byte, heartbeats included, proves the
   * connection alive). */
  touch(atMs: number = this.#now()): void {
    this.#lastActivity = atMs;
  }

  /** Clears the timer for good (idempotent). */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  readonly #check = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const t = this.#now();
    if (t < this.#lastActivity) this.#lastActivity = t; // the clock went back: count from now
    const silentMs = t - this.#lastActivity;
    if (silentMs >= this.#timeoutMs) {
      this.#stopped = true;
      this.#onStall(new StallError(silentMs, this.#timeoutMs));
      return;
    }
    this.#timer = setTimeout(this.#check, this.#timeoutMs - silentMs);
  };
}
