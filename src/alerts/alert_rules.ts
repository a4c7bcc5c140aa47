/**
 * Pure detectors of trouble a person should hear about, fed by the client's events: a storm of
 * reconnects, a sudden drop in post volume, and posts arriving late. Each `observe(...)` returns an
 * {@linkcode AlertInput} (hand it to an `AlertLimiter`) or `undefined`. They set no timers.
 *
 * @module
 */
import * as v from "valibot";
import { positiveInteger } from "../options_error.ts";
import type { AlertInput } from "./alert_limiter.ts";

const nowSchema = v.optional(v.function("must be a function"));

/** Throws the std-style construction error for the first problem `schema` finds in `options`. */
function check(owner: string, schema: v.GenericSchema, options: unknown): void {
  const result = v.safeParse(schema, options);
  if (result.success) return;
  const issue = result.issues[0];
  const value = issue.input;
  const shown = typeof value === "string" ? JSON.stringify(value) : String(value);
  const text = `Cannot construct ${owner} as '${
    v.getDotPath(issue) ?? "options"
  }' ${issue.message}: current value is ${shown}`;
  // NaN fails valibot's number check, but it is a number out of range, not a value of the wrong type.
  const wrongType = issue.kind === "schema" &&
    !(issue.type === "number" && typeof value === "number");
  throw wrongType ? new TypeError(text) : new RangeError(text);
}

function minutes(ms: number): string {
  return `${Math.round(ms / 6_000) / 10} min`;
}

/** Options of {@linkcode ReconnectStormDetector}. */
export interface ReconnectStormOptions {
  /** This many reconnects within `windowMs` raise an alert. @default {10} */
  readonly reconnects?: number;
  /** The window the reconnects must fall within. @default {300_000} (5 min) */
  readonly windowMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
}

const StormSchema = v.object({
  reconnects: v.optional(positiveInteger),
  windowMs: v.optional(positiveInteger),
  now: nowSchema,
}, "must be an object");

/**
 * Alerts when `reconnects` reconnects happen within `windowMs`; then starts counting afresh.
 * Call `observe()` as each reconnect attempt starts.
 *
 * @example
 * ```ts
 * import { ReconnectStormDetector } from "./alert_rules.ts";
 * const storm = new ReconnectStormDetector({ reconnects: 3, windowMs: 60_000 });
 * storm.observe(0);
 * storm.observe(10_000);
 * console.assert(storm.observe(20_000)?.kind === "reconnect-storm");
 * ```
 */
export class ReconnectStormDetector {
  readonly #reconnects: number;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #times: number[] = [];

  /** Creates a detector; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: ReconnectStormOptions = {}) {
    check("ReconnectStormDetector", StormSchema, options);
    this.#reconnects = options.reconnects ?? 10;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Records a reconnect at `atMs`; returns an alert when they come too fast. */
  observe(atMs: number = this.#now()): AlertInput | undefined {
    this.#times.push(atMs);
    if (this.#times.length > this.#reconnects) this.#times.shift();
    const firstMs = this.#times[0];
    if (this.#times.length < this.#reconnects || atMs - firstMs > this.#windowMs) return undefined;
    this.#times.length = 0;
    return {
      kind: "reconnect-storm",
      message: `${this.#reconnects} reconnects in ${minutes(atMs - firstMs)} ` +
        `(alert at ${this.#reconnects} within ${minutes(this.#windowMs)})`,
      details: {
        reconnects: this.#reconnects,
        windowMs: this.#windowMs,
        firstAtMs: firstMs,
        lastAtMs: atMs,
      },
    };
  }
}

/** Options of {@linkcode VolumeDropDetector}. */
export interface VolumeDropOptions {
  /** The short window whose rate is compared with the usual rate. @default {60_000} */
  readonly bucketMs?: number;
  /** Half-life of the exponentially weighted usual rate. @default {900_000} (15 min) */
  readonly halfLifeMs?: number;
  /** A window below this fraction of the usual rate is "low". @default {0.1} */
  readonly dropFraction?: number;
  /** Alert once the rate has been low for this long. @default {300_000} (5 min) */
  readonly sustainMs?: number;
  /** No alert within this long of the first observation, while the usual rate forms. @default {900_000} */
  readonly warmupMs?: number;
  /** Streams whose usual rate is below this (posts per minute) are too quiet to judge. @default {1} */
  readonly minBaselinePerMinute?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
}

const VolumeSchema = v.object({
  bucketMs: v.optional(positiveInteger),
  halfLifeMs: v.optional(positiveInteger),
  dropFraction: v.optional(v.pipe(
    v.number("must be above 0 and below 1"),
    v.gtValue(0, "must be above 0 and below 1"),
    v.ltValue(1, "must be above 0 and below 1"),
  )),
  sustainMs: v.optional(positiveInteger),
  warmupMs: v.optional(
    v.pipe(v.number("must not be negative"), v.minValue(0, "must not be negative")),
  ),
  minBaselinePerMinute: v.optional(
    v.pipe(v.number("must not be negative"), v.minValue(0, "must not be negative")),
  ),
  now: nowSchema,
}, "must be an object");

/** Closed windows replayed at most after a long silence; beyond it the state no longer changes. */
const MAX_CATCH_UP_BUCKETS = 1000;

/**
 * Alerts when post volume over a short window stays far below its usual rate (an EWMA of past
 * windows) for longer than `sustainMs`; zero counts as far below. The usual rate is frozen while
 * the volume is low, so an outage cannot become the new normal. Call `observe(n)` with the posts
 * since the last call, and `observe(0)` on every heartbeat so a silent stream is still judged.
 *
 * @example
 * ```ts
 * import { VolumeDropDetector } from "./alert_rules.ts";
 * const volume = new VolumeDropDetector({ warmupMs: 0, sustainMs: 120_000 });
 * for (let t = 0; t < 600_000; t += 1000) volume.observe(10, t); // 600 posts a minute
 * let alert;
 * for (let t = 600_000; t <= 900_000 && !alert; t += 20_000) alert = volume.observe(0, t);
 * console.assert(alert?.kind === "volume-drop");
 * ```
 */
export class VolumeDropDetector {
  readonly #options: Required<VolumeDropOptions>;
  readonly #alpha: number;
  #startMs: number | undefined;
  #bucketStartMs = 0;
  #bucketCount = 0;
  #usual: number | undefined; // posts per bucket
  #lowSinceMs: number | undefined;
  #alerted = false;

  /** Creates a detector; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: VolumeDropOptions = {}) {
    check("VolumeDropDetector", VolumeSchema, options);
    this.#options = {
      bucketMs: options.bucketMs ?? 60_000,
      halfLifeMs: options.halfLifeMs ?? 15 * 60_000,
      dropFraction: options.dropFraction ?? 0.1,
      sustainMs: options.sustainMs ?? 5 * 60_000,
      warmupMs: options.warmupMs ?? 15 * 60_000,
      minBaselinePerMinute: options.minBaselinePerMinute ?? 1,
      now: options.now ?? Date.now,
    };
    this.#alpha = 1 - 2 ** (-this.#options.bucketMs / this.#options.halfLifeMs);
  }

  /** Records `posts` arriving at `atMs` (0 for a heartbeat or a timer tick). */
  observe(posts: number, atMs: number = this.#options.now()): AlertInput | undefined {
    const { bucketMs } = this.#options;
    if (this.#startMs === undefined) this.#startMs = this.#bucketStartMs = atMs;
    let alert: AlertInput | undefined;
    for (let closed = 0; atMs >= this.#bucketStartMs + bucketMs; closed++) {
      if (closed === MAX_CATCH_UP_BUCKETS) {
        this.#bucketStartMs = atMs - ((atMs - this.#bucketStartMs) % bucketMs);
        break;
      }
      this.#bucketStartMs += bucketMs;
      alert ??= this.#close(this.#bucketCount, this.#bucketStartMs);
      this.#bucketCount = 0;
    }
    this.#bucketCount += posts;
    return alert;
  }

  #close(count: number, endMs: number): AlertInput | undefined {
    const { bucketMs, dropFraction, sustainMs, warmupMs, minBaselinePerMinute } = this.#options;
    const perMinute = 60_000 / bucketMs;
    const usual = this.#usual;
    const judged = usual !== undefined && endMs - this.#startMs! >= warmupMs &&
      usual * perMinute >= minBaselinePerMinute;
    if (!judged || count >= dropFraction * usual) {
      this.#lowSinceMs = undefined;
      this.#alerted = false;
      this.#usual = usual === undefined ? count : usual + this.#alpha * (count - usual);
      return undefined;
    }
    this.#lowSinceMs ??= endMs - bucketMs;
    const lowForMs = endMs - this.#lowSinceMs;
    if (this.#alerted || lowForMs < sustainMs) return undefined;
    this.#alerted = true;
    const rate = Math.round(count * perMinute * 10) / 10;
    const baseline = Math.round(usual * perMinute * 10) / 10;
    return {
      kind: "volume-drop",
      message: `Post volume fell to ${rate}/min against a usual ${baseline}/min for ${
        minutes(lowForMs)
      }`,
      details: {
        postsPerMinute: rate,
        usualPerMinute: baseline,
        lowSinceMs: this.#lowSinceMs,
        lowForMs,
      },
    };
  }
}

/** Options of {@linkcode LagDetector}. */
export interface LagDetectorOptions {
  /** A post is late when `now - created_at` exceeds this. @default {60_000} */
  readonly thresholdMs?: number;
  /** Alert once posts have been late for this long (a backfill replays old posts). @default {30_000} */
  readonly sustainMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
}

const LagSchema = v.object({
  thresholdMs: v.optional(positiveInteger),
  sustainMs: v.optional(
    v.pipe(v.number("must not be negative"), v.minValue(0, "must not be negative")),
  ),
  now: nowSchema,
}, "must be an object");

/**
 * Alerts once when posts keep arriving later than `thresholdMs` after their `created_at` (the
 * client is falling behind); re-arms when a post arrives on time.
 *
 * @example
 * ```ts
 * import { LagDetector } from "./alert_rules.ts";
 * const lag = new LagDetector({ thresholdMs: 60_000, sustainMs: 0 });
 * const at = Date.parse("2025-01-01T00:02:00Z");
 * console.assert(lag.observe("2025-01-01T00:00:00Z", at)?.kind === "lag");
 * console.assert(lag.observe("2025-01-01T00:00:01Z", at) === undefined); // once
 * ```
 */
export class LagDetector {
  readonly #thresholdMs: number;
  readonly #sustainMs: number;
  readonly #now: () => number;
  #lateSinceMs: number | undefined;
  #alerted = false;
  #lastLagMs: number | undefined;

  /** Creates a detector; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: LagDetectorOptions = {}) {
    check("LagDetector", LagSchema, options);
    this.#thresholdMs = options.thresholdMs ?? 60_000;
    this.#sustainMs = options.sustainMs ?? 30_000;
    this.#now = options.now ?? Date.now;
  }

  /** The lag of the last post observed with a readable `created_at`, in ms. */
  get lastLagMs(): number | undefined {
    return this.#lastLagMs;
  }

  /** Records a post created at `createdAt` (ISO text or epoch ms) arriving at `atMs`. */
  observe(
    createdAt: string | number | undefined,
    atMs: number = this.#now(),
  ): AlertInput | undefined {
    const createdMs = typeof createdAt === "string" ? Date.parse(createdAt) : createdAt;
    if (createdMs === undefined || Number.isNaN(createdMs)) return undefined;
    const lagMs = this.#lastLagMs = atMs - createdMs;
    if (lagMs <= this.#thresholdMs) {
      this.#lateSinceMs = undefined;
      this.#alerted = false;
      return undefined;
    }
    this.#lateSinceMs ??= atMs;
    if (this.#alerted || atMs - this.#lateSinceMs < this.#sustainMs) return undefined;
    this.#alerted = true;
    return {
      kind: "lag",
      message: `Posts arrive ${Math.round(lagMs / 1000)} s after they were created ` +
        `(threshold ${Math.round(this.#thresholdMs / 1000)} s): the consumer is falling behind`,
      details: { lagMs, thresholdMs: this.#thresholdMs, lateSinceMs: this.#lateSinceMs },
    };
  }
}
