/**
 * Serves a {@linkcode Collector}'s health with {@linkcode createHealthApp}: readiness from its
 * connections, and its own figures (written, backfill and Recovery, duplicates, queue, lag,
 * meter, sinks, watermark) in `/status` and `/metrics`.
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";
import type { HealthAppOptions } from "../server/health_app_options.ts";
import type { ExtraMetric } from "../server/metrics.ts";
import { toIso } from "../server/cause_json.ts";
import type { Collector, CollectorStatus } from "./collector_types.ts";

/** Options of {@linkcode collectorHealthOptions}. */
export interface CollectorHealthOptions {
  /** `/readyz` warns (still 200) when the newest post is older than this, in ms. @default {no lag check} */
  readonly lagAlertMs?: number;
  /** The clock, epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** The health+json `serviceId` and `/status` `service`. @default {"holdfast"} */
  readonly serviceName?: string;
}

const OptionsSchema = v.object({
  lagAlertMs: v.optional(v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  )),
  now: v.optional(v.function("must be a function")),
  serviceName: v.optional(v.pipe(
    v.string("must be a non-empty string"),
    v.minLength(1, "must be a non-empty string"),
  )),
}, "must be an object");

/**
 * The {@linkcode HealthAppOptions} that serve `collector`: `status` is its connections (one
 * `ClientStatus` each: `/readyz` passes while all are ready, warns while only some are, fails
 * when none is), `extra` adds the collector's figures to `/status`, and `extraMetrics` adds
 * them to `/metrics` (`holdfast_written_total`, `holdfast_queue_depth`,
 * `holdfast_queue_dropped_total{policy}`, `holdfast_duplicates_total{source}`,
 * `holdfast_lag_seconds`, `holdfast_meter_posts`, ...). Nothing served holds a credential: the
 * status carries none, and the health app scrubs what it serves.
 *
 * @example
 * ```ts
 * import { createHealthApp } from "../server/health_app.ts";
 * import { collectorHealthOptions } from "./collector_health.ts";
 * import type { Collector, CollectorStatus } from "./collector_types.ts";
 * // A stand-in for `createCollector(...)`, with no connection yet.
 * const status: CollectorStatus = {
 *   connections: [], written: 7, backfilled: 0, recovered: 0,
 *   recoveries: { queued: 0, running: 0, done: 0, failed: 0 },
 *   dedup: { size: 7, duplicates: 2, duplicatesBySource: { "connection-1": 2 }, evicted: 0 },
 *   queue: {
 *     depth: 0, bytes: 0, queued: 7, taken: 7, droppedOldest: 0, droppedNewest: 0,
 *     blockedWaits: 0, peakDepth: 3, peakBytes: 900, closed: false,
 *   },
 *   lagMs: 1_500, meter: undefined, sinks: [], watermark: undefined, paused: false,
 * };
 * const collector: Collector = {
 *   status: () => status, subscribe: () => () => {}, close: async () => {}, closed: Promise.resolve(),
 * };
 * const app = createHealthApp(collectorHealthOptions(collector, { lagAlertMs: 60_000 }));
 * console.assert((await app.request("/readyz")).status === 503); // no connection is ready
 * console.assert((await (await app.request("/status")).json()).written === 7);
 * console.assert((await (await app.request("/metrics")).text()).includes("holdfast_written_total 7"));
 * ```
 */
export function collectorHealthOptions(
  collector: Collector,
  options: CollectorHealthOptions = {},
): HealthAppOptions {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) throw invalidOption("collector health", result.issues[0], "serve");
  if (
    collector === null || typeof collector !== "object" ||
    typeof collector.status !== "function"
  ) {
    throw new TypeError(
      "Cannot serve collector health as 'collector' must be a Collector: current value has no status()",
    );
  }
  const now = options.now ?? Date.now;
  return {
    status: () => collector.status().connections,
    extra: () => collectorStatusFields(collector.status()),
    extraMetrics: () => collectorMetrics(collector.status()),
    now,
    ...(options.lagAlertMs === undefined ? {} : { lagAlertMs: options.lagAlertMs }),
    ...(options.serviceName === undefined ? {} : { serviceName: options.serviceName }),
  };
}

/** The collector's `/status` fields (plain JSON data, times also as ISO text). */
function collectorStatusFields(status: CollectorStatus): Record<string, unknown> {
  const { queue, dedup, meter, watermark } = status;
  return {
    written: status.written,
    backfilled: status.backfilled,
    recovered: status.recovered,
    recoveries: { ...status.recoveries },
    dedup: {
      remembered: dedup.size,
      duplicates: dedup.duplicates,
      bySource: { ...dedup.duplicatesBySource },
      evicted: dedup.evicted,
    },
    queue: {
      depth: queue.depth,
      bytes: queue.bytes,
      dropped: queue.droppedOldest + queue.droppedNewest,
      droppedOldest: queue.droppedOldest,
      droppedNewest: queue.droppedNewest,
      blockedWaits: queue.blockedWaits,
      queued: queue.queued,
      taken: queue.taken,
      peakDepth: queue.peakDepth,
      peakBytes: queue.peakBytes,
    },
    lagMs: status.lagMs ?? null,
    meter: meter === undefined ? null : {
      period: meter.period,
      periodStart: toIso(meter.periodStartMs),
      periodEnd: toIso(meter.periodEndMs),
      count: meter.count,
      cap: meter.cap ?? null,
      fraction: meter.fraction ?? null,
      thresholdsCrossed: [...meter.thresholdsCrossed],
      capped: meter.capped,
      byTag: { ...meter.byTag },
    },
    sinks: status.sinks.map((sink) => ({ ...sink })),
    watermark: watermark === undefined ? null : {
      ...watermark,
      lastActivity: toIso(watermark.lastActivityMs),
      newestPostAt: toIso(watermark.newestPostAtMs),
    },
    paused: status.paused,
  };
}

/** The collector's Prometheus figures. */
function collectorMetrics(status: CollectorStatus): ExtraMetric[] {
  const { queue, dedup, meter } = status;
  const out: ExtraMetric[] = [];
  const counter = (name: string, help: string, value: number, labels?: Record<string, string>) =>
    out.push({ name, help, type: "counter", value, ...(labels ? { labels } : {}) });
  const gauge = (name: string, help: string, value: number, labels?: Record<string, string>) =>
    out.push({ name, help, type: "gauge", value, ...(labels ? { labels } : {}) });

  counter(
    "holdfast_written_total",
    "Posts written to the sinks (after de-duplication).",
    status.written,
  );
  counter(
    "holdfast_backfilled_total",
    "Posts delivered by backfilled connections (before de-duplication).",
    status.backfilled,
  );
  counter(
    "holdfast_recovered_total",
    "Posts delivered by Recovery streams (before de-duplication).",
    status.recovered,
  );
  gauge(
    "holdfast_recoveries_queued",
    "Recovery streams waiting for a slot (X allows two at once).",
    status.recoveries.queued,
  );
  gauge("holdfast_recoveries_running", "Recovery streams running now.", status.recoveries.running);
  for (const result of ["done", "failed"] as const) {
    counter(
      "holdfast_recoveries_total",
      "Recovery streams finished, by result.",
      status.recoveries[result],
      { result },
    );
  }
  gauge("holdfast_queue_depth", "Posts waiting in the queue to the sinks.", queue.depth);
  gauge("holdfast_queue_bytes", "Bytes waiting in the queue to the sinks.", queue.bytes);
  gauge("holdfast_queue_peak_depth", "The most posts the queue held at once.", queue.peakDepth);
  const droppedHelp = "Posts the full queue dropped, by policy.";
  counter("holdfast_queue_dropped_total", droppedHelp, queue.droppedOldest, {
    policy: "drop-oldest",
  });
  counter("holdfast_queue_dropped_total", droppedHelp, queue.droppedNewest, {
    policy: "drop-newest",
  });
  counter(
    "holdfast_queue_blocked_total",
    "Times the full queue made the reader wait (block policy).",
    queue.blockedWaits,
  );
  const duplicatesHelp = "Duplicate posts dropped, by the source of the later copy.";
  const sources = Object.entries(dedup.duplicatesBySource);
  if (sources.length === 0) counter("holdfast_duplicates_total", duplicatesHelp, 0);
  for (const [source, count] of sources) {
    counter("holdfast_duplicates_total", duplicatesHelp, count, { source });
  }
  gauge("holdfast_dedup_ids", "Post ids the de-duplication window remembers.", dedup.size);
  counter(
    "holdfast_dedup_evicted_total",
    "Ids the de-duplication window forgot early.",
    dedup.evicted,
  );
  if (status.lagMs !== undefined) {
    gauge(
      "holdfast_lag_seconds",
      "Now minus the newest written post's created_at, in seconds.",
      status.lagMs / 1000,
    );
  }
  if (meter !== undefined) {
    const period = { period: meter.period };
    gauge(
      "holdfast_meter_posts",
      "Posts counted against the cap this period.",
      meter.count,
      period,
    );
    if (meter.cap !== undefined) {
      gauge("holdfast_meter_cap_posts", "The post cap of the period.", meter.cap.limit, period);
    }
    if (meter.fraction !== undefined) {
      gauge(
        "holdfast_meter_cap_fraction",
        "Fraction of the post cap used.",
        meter.fraction,
        period,
      );
    }
    gauge("holdfast_meter_capped", "1 when the cap is reached this period.", meter.capped ? 1 : 0);
  }
  status.sinks.forEach((sink, i) => {
    const labels = { sink: String(i), kind: sink.kind };
    counter("holdfast_sink_posts_total", "Posts written by each sink.", sink.posts, labels);
    counter("holdfast_sink_bytes_total", "Bytes written by each sink.", sink.bytes, labels);
  });
  if (status.watermark !== undefined) {
    gauge(
      "holdfast_watermark_timestamp_seconds",
      "The durable watermark's last activity, UNIX seconds.",
      status.watermark.lastActivityMs / 1000,
    );
  }
  gauge(
    "holdfast_paused",
    "1 while the meter holds the stream paused at its cap.",
    status.paused ? 1 : 0,
  );
  return out;
}
