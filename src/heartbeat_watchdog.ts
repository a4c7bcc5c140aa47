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
): Required<HeartbeatWatchdogOptions> {
  const timeoutMs = options.timeoutMs ?? stallTimeoutFor("v2");
  if (!v.is(PositiveInteger, timeoutMs)) {
    throw new (typeof timeoutMs === "number" ? RangeError : TypeError)(
      `Cannot construct HeartbeatWatchdog as 'timeoutMs' must be a positive integer: current value is ${
        typeof timeoutMs === "string" ? JSON.stringify(timeoutMs) : String(timeoutMs)
      }`,
    );
  }
  const now = options.now ?? (() => Date.now());
  if (typeof now !== "function") {
    throw new TypeError(
      `Cannot construct HeartbeatWatchdog as 'now' must be a function: current value is ${
        String(now)
      }`,
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
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastActivity = now();
  let stopped = false;
  let controller: TransformStreamDefaultController<T>;

  // Chunks only record the time; the timer re-arms itself for the rest when it fires early, so
  // a busy stream costs no clearTimeout/setTimeout per chunk.
  const check = (): void => {
    timer = undefined;
    if (stopped) return;
    const t = now();
    if (t < lastActivity) lastActivity = t; // the clock went back: count from now
    const silentMs = t - lastActivity;
    if (silentMs >= timeoutMs) {
      stopped = true;
      controller.error(new StallError(silentMs, timeoutMs));
      return;
    }
    timer = setTimeout(check, timeoutMs - silentMs);
  };
  const stop = (): void => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    start(c) {
      controller = c;
      lastActivity = now();
      timer = setTimeout(check, timeoutMs);
    },
    transform(chunk, c) {
      lastActivity = now();
      c.enqueue(chunk);
    },
    flush: stop,
    cancel: stop,
  };
}
