/**
 * Maps stream client statuses (and extra figures from higher layers) to Prometheus metrics.
 *
 * @module
 */
import type { ClientState, ClientStatus } from "../client_status.ts";
import type { BackoffClass } from "../disconnect_cause.ts";
import { type MetricLabels, MetricsWriter, type MetricType } from "./prometheus.ts";
import { scrubText } from "./redact.ts";

/**
 * A figure from a higher layer (queue depth, dedup counts, meter figures, ...), written as given.
 * `name` must be a valid Prometheus metric name; counters should end in `_total`.
 */
export interface ExtraMetric {
  /** The metric name, e.g. `holdfast_queue_depth`. */
  readonly name: string;
  /** The `# HELP` text. */
  readonly help: string;
  /** `counter` (only goes up; name ends in `_total`) or `gauge`. */
  readonly type: MetricType;
  /** The sample value. */
  readonly value: number;
  /** Labels of the sample, e.g. `{ source: "stream" }` (values are scrubbed of secrets). */
  readonly labels?: MetricLabels;
}

const STATES: readonly ClientState[] = ["idle", "connecting", "connected", "waiting", "stopped"];
const CLASSES: readonly BackoffClass[] = ["immediate", "network", "http", "rate-limit", "budget"];

/** One per-connection metric family. `read` gives one value (`undefined`: no sample), or, when
 * `label` is set, one value per value of that label. */
interface ConnectionMetric {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly label?: string;
  readonly read: (
    s: ClientStatus,
    now: number,
  ) => number | undefined | Readonly<Record<string, number>>;
}

const seconds = (ms: number | undefined, from: number, clamp: boolean): number | undefined =>
  ms === undefined ? undefined : (clamp ? Math.max(0, from - ms) : from - ms) / 1000;

const CONNECTION_METRICS: readonly ConnectionMetric[] = [
  {
    name: "holdfast_connection_state",
    type: "gauge",
    help: "1 for the state the connection is in, 0 for the others.",
    label: "state",
    read: (s) => Object.fromEntries(STATES.map((state) => [state, s.state === state ? 1 : 0])),
  },
  {
    name: "holdfast_connected",
    type: "gauge",
    help: "1 while the stream connection is open, else 0.",
    read: (s) => (s.state === "connected" ? 1 : 0),
  },
  {
    name: "holdfast_connect_attempts_total",
    type: "counter",
    help: "Connection attempts made.",
    read: (s) => s.attempts,
  },
  {
    name: "holdfast_failures_total",
    type: "counter",
    help: "Failed connection attempts by backoff class.",
    label: "class",
    read: (s) => Object.fromEntries(CLASSES.map((cls) => [cls, s.attemptsByClass[cls] ?? 0])),
  },
  {
    name: "holdfast_posts_total",
    type: "counter",
    help: "Posts delivered.",
    read: (s) => s.counts.posts,
  },
  {
    name: "holdfast_heartbeats_total",
    type: "counter",
    help: "Keep-alive heartbeats received.",
    read: (s) => s.counts.heartbeats,
  },
  {
    name: "holdfast_disconnects_total",
    type: "counter",
    help: "Connections that ended.",
    read: (s) => s.counts.disconnects,
  },
  {
    name: "holdfast_malformed_lines_total",
    type: "counter",
    help: "Lines that were not valid JSON messages.",
    read: (s) => s.counts.malformed,
  },
  {
    name: "holdfast_bytes_total",
    type: "counter",
    help: "Bytes received from the stream.",
    read: (s) => s.counts.bytes,
  },
  {
    name: "holdfast_last_activity_seconds",
    type: "gauge",
    help: "Seconds since the last byte (data or heartbeat) arrived.",
    read: (s, now) => seconds(s.lastActivityMs, now, true),
  },
  {
    name: "holdfast_newest_post_lag_seconds",
    type: "gauge",
    help: "Age of the newest post delivered (now minus its created_at), in seconds.",
    read: (s, now) => seconds(s.newestPostAtMs, now, false),
  },
  {
    name: "holdfast_next_retry_seconds",
    type: "gauge",
    help: "Seconds until the next connection attempt, while waiting.",
    read: (
      s,
      now,
    ) => (s.nextRetryAtMs === undefined ? undefined : Math.max(0, s.nextRetryAtMs - now) / 1000),
  },
  {
    name: "holdfast_rate_limit_remaining",
    type: "gauge",
    help: "x-rate-limit-remaining of the latest response.",
    read: (s) => s.rateLimit?.remaining,
  },
  {
    name: "holdfast_rate_limit_limit",
    type: "gauge",
    help: "x-rate-limit-limit of the latest response.",
    read: (s) => s.rateLimit?.limit,
  },
  {
    name: "holdfast_rate_limit_reset_timestamp_seconds",
    type: "gauge",
    help: "x-rate-limit-reset of the latest response, as a UNIX time in seconds.",
    read: (s) => (s.rateLimit === undefined ? undefined : s.rateLimit.resetAtMs / 1000),
  },
];

const SCRAPE_ERRORS_HELP =
  "Problems met building this scrape (a failing status or extra source, an invalid extra metric).";

/**
 * Renders statuses and extras in the Prometheus text format 0.0.4. Every per-connection metric
 * carries a `connection` label (the 0-based index) when there are several connections;
 * `holdfast_up` and `holdfast_scrape_errors` are process-wide and never labelled. A sample whose
 * value is unknown (no activity yet, not waiting, no rate-limit headers seen) is left out rather
 * than written as `NaN`. A sample that cannot be written (an extra with a bad name, a type or
 * series clash, a holdfast name; a negative counter in a status) is skipped and counted in
 * `holdfast_scrape_errors`, so one bad figure never costs the whole scrape.
 *
 * @param statuses One status per connection.
 * @param extra Figures from higher layers, written after the holdfast metrics.
 * @param now The clock, epoch ms (ages and waits are measured from it).
 * @param scrapeErrors Problems the caller already met (a throwing status source), added to
 *   `holdfast_scrape_errors`.
 *
 * @example
 * ```ts
 * import { renderMetrics } from "./metrics.ts";
 * const text = renderMetrics([], [
 *   { name: "holdfast_queue_depth", help: "Posts queued.", type: "gauge", value: 3 },
 * ], 0);
 * console.assert(text.includes("holdfast_queue_depth 3\n"));
 * ```
 */
export function renderMetrics(
  statuses: readonly ClientStatus[],
  extra: readonly ExtraMetric[],
  now: number,
  scrapeErrors = 0,
): string {
  const writer = new MetricsWriter();
  let errors = scrapeErrors;
  const write = (metric: Omit<ExtraMetric, "value"> & { value: number | undefined }): void => {
    try {
      const { name, help, type, value, labels } = metric;
      const set = labels === undefined || Object.keys(labels).length === 0 ? undefined : labels;
      if (type === "counter") writer.counter(name, help, value, set);
      else if (type === "gauge") writer.gauge(name, help, value, set);
      else throw new TypeError(`unknown metric type ${String(type)}`);
    } catch {
      errors++;
    }
  };
  const several = statuses.length > 1;
  writer.gauge("holdfast_up", "1 while the process serves metrics.", 1);
  // Declared now so it is written near the top; its value is known only after everything else.
  writer.gauge("holdfast_scrape_errors", SCRAPE_ERRORS_HELP, undefined);
  for (const { name, type, help, label, read } of CONNECTION_METRICS) {
    statuses.forEach((status, i) => {
      const connection: Record<string, string> = several ? { connection: String(i) } : {};
      const value = read(status, now);
      if (label === undefined || typeof value !== "object") {
        write({ name, type, help, value: value as number | undefined, labels: connection });
      } else {
        for (const [v, n] of Object.entries(value)) {
          write({ name, type, help, value: n, labels: { ...connection, [label]: v } });
        }
      }
    });
  }
  for (const metric of extra) {
    try {
      if (CORE_NAMES.has(metric.name)) throw new TypeError(`${metric.name} is a holdfast metric`);
      const labels = metric.labels === undefined ? undefined : Object.fromEntries(
        Object.entries(metric.labels).map(([k, v]) => [k, scrubText(String(v))]),
      );
      write({ ...metric, labels });
    } catch {
      errors++; // a null entry, or labels that are not an object
    }
  }
  writer.gauge("holdfast_scrape_errors", SCRAPE_ERRORS_HELP, errors);
  return writer.toString();
}

const CORE_NAMES: ReadonlySet<string> = new Set([
  "holdfast_up",
  "holdfast_scrape_errors",
  ...CONNECTION_METRICS.map((m) => m.name),
]);
