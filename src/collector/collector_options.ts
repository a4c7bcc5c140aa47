/**
 * Validation and defaults of the collector's own options (the connection options are checked by
 * `resolveConnectOptions`, once per connection).
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";
import type { ConnectOptions } from "../client/connect_options.ts";
import { MAX_BACKFILL_MINUTES } from "../x_limits.ts";
import type { BackfillSetting, CollectorOptions } from "./collector_types.ts";
import { resolveSinkRetryOptions } from "./sink_retry.ts";

/** The collector's options with defaults filled in, and the connection options apart. */
export interface ResolvedCollectorOptions {
  /** What every connection is opened with (before `connectionId`, `params` and hooks). */
  readonly connect: ConnectOptions;
  /** Redundant connections per partition. */
  readonly connections: number;
  /** One entry per partition read (`[undefined]` for an unpartitioned stream). */
  readonly partitions: readonly (number | undefined)[];
  /** See {@linkcode CollectorOptions.backfill}. */
  readonly backfill: BackfillSetting;
  /** See {@linkcode CollectorOptions.recovery}. */
  readonly recovery: boolean;
  /** The clock, in epoch ms. */
  readonly now: () => number;
}

const POSITIVE = "must be a positive integer";
const positiveInt = v.pipe(
  v.number(POSITIVE),
  v.integer(POSITIVE),
  v.minValue(1, POSITIVE),
);
const fn = v.function("must be a function");
const BACKFILL =
  `must be "auto", "off" or a whole number of minutes from 1 to ${MAX_BACKFILL_MINUTES}`;

const Schema = v.looseObject({
  sinks: v.array(
    v.looseObject(
      { write: fn, flush: fn, close: fn, position: fn },
      "must be a PostSink (write, flush, close, position)",
    ),
    "must be an array of PostSinks",
  ),
  connections: v.optional(v.pipe(
    v.number(POSITIVE),
    v.integer(POSITIVE),
    v.minValue(1, POSITIVE),
    v.maxValue(20, "must be at most 20"),
  )),
  partitions: v.optional(v.pipe(
    v.array(positiveInt, "must be an array of positive integers"),
    v.minLength(1, "must not be empty"),
  )),
  backfill: v.optional(v.union([
    v.picklist(["auto", "off"], BACKFILL),
    v.pipe(
      v.number(BACKFILL),
      v.integer(BACKFILL),
      v.minValue(1, BACKFILL),
      v.maxValue(MAX_BACKFILL_MINUTES, BACKFILL),
    ),
  ], BACKFILL)),
  recovery: v.optional(v.boolean("must be a boolean")),
  watermarkStore: v.optional(
    v.looseObject({ load: fn, save: fn }, "must be a WatermarkStore"),
  ),
  streamKey: v.optional(v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty"))),
  queue: v.optional(v.looseObject({}, "must be an object")),
  dedup: v.optional(v.looseObject({
    store: v.optional(v.looseObject({ claim: fn }, "must be a DedupStore")),
  }, "must be an object")),
  meter: v.optional(v.looseObject({
    pauseAtCap: v.optional(v.boolean("must be a boolean")),
  }, "must be an object")),
  alerts: v.optional(v.looseObject({
    webhookUrl: v.optional(v.string("must be a string")),
    windowMs: v.optional(positiveInt),
    lagThresholdMs: v.optional(positiveInt),
  }, "must be an object")),
  tooManyConnections: v.optional(v.looseObject({
    list: v.optional(v.boolean("must be a boolean")),
    endStale: v.optional(v.boolean("must be a boolean")),
  }, "must be an object")),
  onEvent: v.optional(fn),
  now: v.optional(fn),
}, "must be an object");

/**
 * Validates {@linkcode CollectorOptions} (the collector's own part) and fills in the defaults.
 * Errors read `Cannot construct Collector as 'connections' must be a positive integer: current
 * value is 0` (`TypeError` for a wrong type, `RangeError` for a value out of range).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveCollectorOptions } from "./collector_options.ts";
 * const o = resolveCollectorOptions({ url: "https://api.x.com/2/tweets/search/stream", sinks: [] });
 * assert.ok(o.connections === 1 && o.backfill === "auto" && o.recovery === true);
 * assert.throws(
 *   () => resolveCollectorOptions({ url: "https://api.x.com/2/tweets/search/stream", sinks: [], backfill: 9 }),
 *   { message: `Cannot construct Collector as 'backfill' must be "auto", "off" or a whole number of minutes from 1 to 5: current value is 9` },
 * );
 * ```
 */
export function resolveCollectorOptions(options: CollectorOptions): ResolvedCollectorOptions {
  const result = v.safeParse(Schema, options);
  if (!result.success) throw invalidOption("Collector", result.issues[0]);
  resolveSinkRetryOptions(options.sinkRetry, "Collector"); // throws for an invalid `sinkRetry`
  const {
    sinks: _sinks,
    connections,
    partitions,
    backfill,
    recovery,
    watermarkStore: _watermarkStore,
    streamKey: _streamKey,
    queue: _queue,
    dedup: _dedup,
    meter: _meter,
    alerts: _alerts,
    tooManyConnections: _tooMany,
    sinkRetry: _sinkRetry,
    onEvent: _onEvent,
    ...connect
  } = options;
  return {
    connect,
    connections: connections ?? 1,
    partitions: partitions === undefined ? [undefined] : [...new Set(partitions)],
    backfill: backfill ?? "auto",
    recovery: recovery ?? true,
    now: options.now ?? (() => Date.now()),
  };
}
