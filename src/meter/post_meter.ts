/**
 * Metering of delivered posts: they count against X's post cap, so use must be measured, warned
 * about, and paused at the cap (`x-streaming-contract.md`, "Consuming").
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";

/** A cap period. Days begin at 00:00 UTC, months on the 1st at 00:00 UTC. */
export type MeterPeriod = "daily" | "monthly";

/** What {@linkcode PostMeter.record} says about the post just counted. */
export type MeterVerdict = "ok" | "threshold" | "capped";

/** The post cap to meter against. */
export interface MeterCap {
  /** Posts allowed per period (your X plan's cap). */
  readonly limit: number;
  /** The period the cap applies to. */
  readonly period: MeterPeriod;
}

/** Events of a {@linkcode PostMeter}, tagged by `type`. */
export type MeterEvent =
  | {
    readonly type: "meter-threshold";
    /** The fraction of the cap crossed, e.g. `0.8`. */
    readonly threshold: number;
    readonly count: number;
    readonly limit: number;
    readonly periodStartMs: number;
  }
  | {
    readonly type: "meter-capped";
    readonly count: number;
    readonly limit: number;
    readonly periodStartMs: number;
    /** When the next period begins: the earliest time reconnecting can help. */
    readonly periodEndMs: number;
  }
  | { readonly type: "callback-error"; readonly error: unknown };

/** Options of {@linkcode PostMeter}. */
export interface PostMeterOptions {
  /** The cap; without one, posts are only counted (per calendar month). */
  readonly cap?: MeterCap;
  /** Fractions of the cap that warn, once each per period. @default {[0.8, 0.95]} */
  readonly thresholds?: readonly number[];
  /** Whether reaching the cap gives `"capped"` verdicts (the client then disconnects). @default {true} */
  readonly pauseAtCap?: boolean;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** Receives threshold and cap events. */
  readonly onEvent?: (event: MeterEvent) => void;
}

/** A snapshot of a {@linkcode PostMeter}. */
export interface MeterStats {
  /** The period counted (the cap's, or `"monthly"` without a cap). */
  readonly period: MeterPeriod;
  /** When the current period began, epoch ms (00:00 UTC). */
  readonly periodStartMs: number;
  /** When the next period begins, epoch ms: the earliest time reconnecting can help once capped. */
  readonly periodEndMs: number;
  /** Posts counted this period. */
  readonly count: number;
  /** Posts by rule tag this period (a post with two tags counts under each; untagged under `""`). */
  readonly byTag: Record<string, number>;
  /** The cap metered against, if any. */
  readonly cap: MeterCap | undefined;
  /** `count / cap.limit`, when there is a cap. */
  readonly fraction: number | undefined;
  /** Thresholds crossed this period, ascending. */
  readonly thresholdsCrossed: number[];
  /** Whether the cap is reached this period. */
  readonly capped: boolean;
}

const OptionsSchema = v.object({
  cap: v.optional(v.object({
    limit: v.pipe(
      v.number("must be a positive integer"),
      v.integer("must be a positive integer"),
      v.minValue(1, "must be a positive integer"),
    ),
    period: v.picklist(["daily", "monthly"], 'must be "daily" or "monthly"'),
  }, "must be an object")),
  thresholds: v.optional(v.array(
    v.pipe(
      v.number("must be above 0 and at most 1"),
      v.gtValue(0, "must be above 0 and at most 1"),
      v.maxValue(1, "must be above 0 and at most 1"),
    ),
    "must be an array",
  )),
  pauseAtCap: v.optional(v.boolean("must be a boolean")),
  now: v.optional(v.function("must be a function")),
  onEvent: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Validates {@linkcode PostMeterOptions} and fills in the defaults (thresholds sorted ascending).
 *
 * @example
 * ```ts
 * import { resolvePostMeterOptions } from "./post_meter.ts";
 * console.assert(resolvePostMeterOptions({}).thresholds.join() === "0.8,0.95");
 * ```
 */
export function resolvePostMeterOptions(
  options: PostMeterOptions = {},
): Required<Omit<PostMeterOptions, "cap">> & { cap: MeterCap | undefined } {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const issue = result.issues[0];
    throw invalidOption("PostMeter", issue);
  }
  return {
    cap: options.cap,
    thresholds: [...new Set(options.thresholds ?? [0.8, 0.95])].sort((a, b) => a - b),
    pauseAtCap: options.pauseAtCap ?? true,
    now: options.now ?? Date.now,
    onEvent: options.onEvent ?? (() => {}),
  };
}

/**
 * Counts delivered posts per UTC period and per rule tag, warns once per threshold per period,
 * and says `"capped"` from the post that reaches the cap until the period ends.
 *
 * @example
 * ```ts
 * import { PostMeter } from "./post_meter.ts";
 * const meter = new PostMeter({ cap: { limit: 10, period: "monthly" }, thresholds: [0.5] });
 * const verdicts = Array.from({ length: 10 }, () => meter.record({ ruleTags: ["cats"] }));
 * console.assert(verdicts[4] === "threshold" && verdicts[9] === "capped");
 * console.assert(meter.stats().byTag["cats"] === 10);
 * ```
 */
export class PostMeter {
  readonly #options: ReturnType<typeof resolvePostMeterOptions>;
  readonly #period: MeterPeriod;
  #periodStartMs = 0;
  #periodEndMs = -Infinity;
  #count = 0;
  #byTag = new Map<string, number>();
  #crossed = 0; // how many of the (sorted) thresholds were crossed this period
  #capped = false;

  /** Creates a meter; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: PostMeterOptions = {}) {
    this.#options = resolvePostMeterOptions(options);
    this.#period = this.#options.cap?.period ?? "monthly";
    this.#roll();
  }

  /** Counts one delivered post under each of its rule tags. */
  record(post: { readonly ruleTags: readonly string[] }): MeterVerdict {
    this.#roll();
    this.#count++;
    const tags = post.ruleTags.length === 0 ? [""] : post.ruleTags;
    for (let i = 0; i < tags.length; i++) {
      if (tags.indexOf(tags[i]) === i) {
        this.#byTag.set(tags[i], (this.#byTag.get(tags[i]) ?? 0) + 1);
      }
    }
    const { cap, thresholds, pauseAtCap } = this.#options;
    if (!cap) return "ok";
    let verdict: MeterVerdict = "ok";
    while (
      this.#crossed < thresholds.length && this.#count / cap.limit >= thresholds[this.#crossed]
    ) {
      const threshold = thresholds[this.#crossed++];
      const event = { count: this.#count, limit: cap.limit, periodStartMs: this.#periodStartMs };
      this.#emit({ type: "meter-threshold", threshold, ...event });
      verdict = "threshold";
    }
    if (this.#count >= cap.limit && !this.#capped) {
      this.#capped = true;
      this.#emit({
        type: "meter-capped",
        count: this.#count,
        limit: cap.limit,
        periodStartMs: this.#periodStartMs,
        periodEndMs: this.#periodEndMs,
      });
      verdict = pauseAtCap ? "capped" : "threshold";
    }
    return this.#capped && pauseAtCap ? "capped" : verdict;
  }

  /** A snapshot of the current period. */
  stats(): MeterStats {
    this.#roll();
    const { cap, thresholds } = this.#options;
    return {
      period: this.#period,
      periodStartMs: this.#periodStartMs,
      periodEndMs: this.#periodEndMs,
      count: this.#count,
      byTag: Object.fromEntries(this.#byTag),
      cap: cap && { ...cap },
      fraction: cap ? this.#count / cap.limit : undefined,
      thresholdsCrossed: thresholds.slice(0, this.#crossed),
      capped: this.#capped,
    };
  }

  /** Starts a new period when the clock has reached the end of the current one. */
  #roll(): void {
    const nowMs = this.#options.now();
    if (nowMs < this.#periodEndMs) return;
    const d = new Date(nowMs);
    const year = d.getUTCFullYear(), month = d.getUTCMonth();
    if (this.#period === "daily") {
      this.#periodStartMs = Date.UTC(year, month, d.getUTCDate());
      this.#periodEndMs = Date.UTC(year, month, d.getUTCDate() + 1);
    } else {
      this.#periodStartMs = Date.UTC(year, month, 1);
      this.#periodEndMs = Date.UTC(year, month + 1, 1);
    }
    this.#count = 0;
    this.#byTag = new Map();
    this.#crossed = 0;
    this.#capped = false;
  }

  #emit(event: MeterEvent): void {
    try {
      this.#options.onEvent(event);
    } catch (error) {
      if (event.type !== "callback-error") this.#emit({ type: "callback-error", error });
    }
  }
}
