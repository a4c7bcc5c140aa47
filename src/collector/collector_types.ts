/**
 * The contract of {@linkcode createCollector}: the "nothing lost" client that the CLI's `stream`
 * and `demo` commands run. It composes N reconnect loops (redundant connections and/or
 * partitions), de-duplication, a bounded FIFO between reading and the sinks, a durable watermark,
 * backfill and Recovery, a post meter and rate-limited alerts.
 *
 * @module
 */
import type { AlertKind, ClientEvent } from "../client_events.ts";
import type { ClientStatus } from "../client_status.ts";
import type { ConnectOptions } from "../client/connect_options.ts";
import type { DedupStats, DedupStore } from "../dedup/dedup_window.ts";
import type { FifoPolicy, FifoStats } from "../queue/bounded_fifo.ts";
import type { MeterCap, MeterStats } from "../meter/post_meter.ts";
import type { PostSink, SinkPosition } from "../sinks/post_sink.ts";
import type { Watermark, WatermarkStore } from "../storage/watermark.ts";
import type { SinkRetryOptions } from "./sink_retry.ts";

/** How a gap is recovered on reconnect: X's decision tree, a fixed backfill, or nothing. */
export type BackfillSetting = "auto" | "off" | number;

/** Options of {@linkcode createCollector}. Everything {@linkcode ConnectOptions} takes (but the
 * per-connection hooks, which the collector owns), plus the collector's own parts. */
export interface CollectorOptions
  extends Omit<ConnectOptions, "connectionId" | "beforeConnect" | "onEvent"> {
  /** Where posts go, in order, each exactly once. */
  readonly sinks: readonly PostSink[];
  /** Redundant connections to the same stream (per partition). @default {1} */
  readonly connections?: number;
  /** `partition` values for firehose-like streams: one loop per partition (times `connections`). */
  readonly partitions?: readonly number[];
  /** `"auto"` follows the gap (at most 5 min); a number of minutes (1-5) on every reconnect after
   * a gap; `"off"` never. @default {"auto"} */
  readonly backfill?: BackfillSetting;
  /** Run Recovery streams (start/end time) for gaps over 5 min and after full buffers. @default {true} */
  readonly recovery?: boolean;
  /** Durable watermark; a restart resumes from it. @default {a MemoryWatermarkStore} */
  readonly watermarkStore?: WatermarkStore;
  /** Names the stream in the watermark store. @default {the URL's path} */
  readonly streamKey?: string;
  /** The FIFO between reading and the sinks. */
  readonly queue?: {
    readonly maxItems?: number;
    /** The most bytes of post lines held (UTF-8, as written). @default {Infinity} */
    readonly maxBytes?: number;
    readonly policy?: FifoPolicy;
  };
  /** How a failing sink is retried (the post, and the queue behind it, wait; nothing is lost),
   * and how long `close()` keeps trying before it gives up. @default {100 ms doubling to 5 s;
   * 10 s at close} */
  readonly sinkRetry?: SinkRetryOptions;
  /** The de-duplication window; `store` shares it beyond this process. */
  readonly dedup?: {
    readonly maxEntries?: number;
    readonly maxAgeMs?: number;
    readonly store?: DedupStore;
  };
  /** Meter posts against a cap; reaching it disconnects cleanly (`pauseAtCap`). */
  readonly meter?: {
    readonly cap?: MeterCap;
    readonly thresholds?: readonly number[];
    readonly pauseAtCap?: boolean;
  };
  /** Alerts: rate-limited, optionally POSTed as JSON to `webhookUrl`. */
  readonly alerts?: {
    readonly webhookUrl?: string;
    readonly windowMs?: number;
    /** Alert when the newest post is older than this. @default {60_000} */
    readonly lagThresholdMs?: number;
  };
  /** On TooManyConnections: list the account's connections in the alert (default true), and only
   * when `endStale` is true, end the ones that are not ours. */
  readonly tooManyConnections?: { readonly list?: boolean; readonly endStale?: boolean };
  /** Receives every event (the connections' and the collector's own). Must not throw (a throw is
   * caught and reported as `callback-error`). */
  readonly onEvent?: (event: CollectorEvent) => void;
}

/** The collector's own events, beside the connections' {@linkcode ClientEvent}s. Connections
 * have ids `0..k-1` (partition-major: partition `i`, copy `j` is `i * connections + j`); Recovery
 * streams take ids from `k` up (`k + job number - 1`). A `callback-error` with `connectionId` -1
 * is a failure of the collector's own parts (a sink's write or close, the watermark or dedup
 * store, the webhook): the collector carries on. */
export type CollectorEvent =
  | ClientEvent
  | {
    readonly type: "backfill-planned";
    readonly atMs: number;
    readonly connectionId: number;
    readonly minutes: number;
    readonly gapMs: number;
  }
  | {
    readonly type: "recovery-started" | "recovery-finished";
    readonly atMs: number;
    /** The window replayed, epoch ms. */
    readonly startMs: number;
    readonly endMs: number;
    /** Posts the Recovery delivered so far (before de-duplication). */
    readonly posts: number;
    /** The partition replayed, for a partitioned stream. */
    readonly partition?: number;
    /** On `recovery-finished`: whether the window was replayed to its end. */
    readonly ok?: boolean;
  }
  | {
    /** The queue is full under `"block"`: the readers wait, and X's buffer fills instead (X
     * disconnects a slow reader; a Recovery then gets the posts back). Emitted once. */
    readonly type: "queue-blocked";
    readonly atMs: number;
    readonly depth: number;
    readonly bytes: number;
    readonly message: string;
  }
  | {
    readonly type: "duplicate";
    readonly atMs: number;
    readonly source: string;
    readonly id: string;
  }
  | {
    readonly type: "collector-alert";
    readonly atMs: number;
    readonly alert: AlertKind;
    readonly message: string;
    readonly details?: Readonly<Record<string, unknown>>;
  };

/** A snapshot of a collector. Plain data, safe to serialise. */
export interface CollectorStatus {
  /** One per connection (partition × redundant), in `connectionId` order. */
  readonly connections: readonly ClientStatus[];
  /** Posts written to the sinks (after de-duplication). */
  readonly written: number;
  /** Posts delivered by connections opened with a backfill (before de-duplication). */
  readonly backfilled: number;
  /** Posts delivered by Recovery streams (before de-duplication). */
  readonly recovered: number;
  /** Recovery streams waiting for a slot (X allows two at once), running now, done and failed. */
  readonly recoveries: {
    readonly queued: number;
    readonly running: number;
    readonly done: number;
    readonly failed: number;
  };
  /** Duplicates dropped, by the source of the later copy (`connection-N`, `backfill`,
   * `recovery`); `size` and `evicted` come from the in-process window (0 with a shared store). */
  readonly dedup: DedupStats;
  /** The FIFO between reading and the sinks: depth, bytes, drops by policy, peaks. */
  readonly queue: FifoStats;
  /** Now minus the newest written post's `created_at`, ms. */
  readonly lagMs: number | undefined;
  /** The post meter, when `meter` was configured. */
  readonly meter: MeterStats | undefined;
  /** Each sink's output position, in the order given. */
  readonly sinks: readonly SinkPosition[];
  /** The watermark of the stream (the oldest partition's, when partitioned). */
  readonly watermark: Watermark | undefined;
  /** Whether the meter paused the stream at its cap. */
  readonly paused: boolean;
}

/** A running collector. */
export interface Collector {
  /** A snapshot (see {@linkcode CollectorStatus}). */
  status(): CollectorStatus;
  /** Adds an event listener; returns the function that removes it. */
  subscribe(listener: (event: CollectorEvent) => void): () => void;
  /** Stops every connection and Recovery, drains the FIFO into the sinks, flushes the watermark
   * and the sinks, and closes the sinks. Idempotent. */
  close(): Promise<void>;
  /** Resolves once everything has stopped (never rejects). */
  readonly closed: Promise<void>;
}
