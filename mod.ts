/**
 * holdfast keeps a consumer of X's streaming APIs (v2 filtered, sample, firehose and compliance
 * streams, and Enterprise PowerTrack) connected, and loses nothing, through every kind of
 * disconnection. The same code runs on Deno, Bun, Node and edge runtimes: it uses only `fetch`,
 * `ReadableStream` and `TransformStream`.
 *
 * - {@linkcode connect}: one reconnecting connection, with X's three backoff classes, stall
 *   detection, disconnect classification and rate-limit headers.
 * - {@linkcode LineSplitter}, {@linkcode HeartbeatWatchdog}, {@linkcode BackoffController}: the
 *   building blocks, as `TransformStream`s that compose with `pipeThrough`.
 * - De-duplication, a bounded FIFO, watermarks and recovery planning, metering and alerts: the
 *   parts of a collector that loses nothing.
 *
 * The simulator (`holdfast/simulator`), the health server (`holdfast/server`) and the sinks that
 * need a runtime (`holdfast/file`, `holdfast/redis`) have their own entry points.
 *
 * @example Read the filtered stream
 * ```ts ignore
 * import { connect, v2Stream } from "@holdfast/holdfast";
 *
 * const client = connect({
 *   ...v2Stream("filtered"),
 *   auth: { bearer: "YOUR_BEARER_TOKEN" },
 *   onEvent: (event) => console.error(event.type),
 * });
 * for await (const post of client) console.log(post.line);
 * ```
 *
 * @module
 */

// Version
export { VERSION } from "./src/version.ts";

// The stream core: TransformStreams and pure functions
export {
  LineBatchSplitter,
  LineFramer,
  LineSplitter,
  type LineSplitterOptions,
  resolveLineSplitterOptions,
} from "./src/line_splitter.ts";
export {
  HeartbeatTimer,
  HeartbeatWatchdog,
  type HeartbeatWatchdogOptions,
  resolveHeartbeatWatchdogOptions,
  stallTimeoutFor,
} from "./src/heartbeat_watchdog.ts";
export { classifyLine } from "./src/classify_line.ts";
export type {
  ConnectionErrorMessage,
  DisconnectMessage,
  DisconnectType,
  HeartbeatMessage,
  MalformedMessage,
  PostMessage,
  ProblemMessage,
  StreamMessage,
  SystemMessage,
  SystemMessageKind,
  UsageCappedMessage,
} from "./src/messages.ts";
export { parseRateLimit, type RateLimit } from "./src/rate_limit.ts";

// Backoff
export {
  type BackoffOptions,
  resolveBackoffOptions,
  type ResolvedBackoffOptions,
} from "./src/backoff_options.ts";
export { BackoffPolicy, type BackoffSnapshot } from "./src/backoff_policy.ts";
export { BackoffController } from "./src/backoff_controller.ts";
export type {
  BackoffClass,
  ConnectionOutcome,
  DisconnectCause,
  ReconnectDecision,
} from "./src/disconnect_cause.ts";

// The reconnecting client
export { connect, type StreamClient } from "./src/client/connect.ts";
export {
  type ConnectAttempt,
  type ConnectAuth,
  type ConnectOptions,
  DEFAULT_POSTS_HIGH_WATER_MARK,
  resolveConnectOptions,
  type ResolvedConnectOptions,
} from "./src/client/connect_options.ts";
export {
  type ConnectionLoopConfig,
  type LoopExit,
  runConnectionLoop,
} from "./src/client/connection_loop.ts";
export { StatusTracker } from "./src/client/status_tracker.ts";
export type { AlertKind, ClientEvent, ClientEventType, EventBase } from "./src/client_events.ts";
export type { ClientState, ClientStatus } from "./src/client_status.ts";
export {
  endpointFromUrl,
  powertrackStream,
  type PowertrackStreamOptions,
  type StreamEndpoint,
  v2Stream,
  type V2StreamKind,
  type V2StreamOptions,
} from "./src/endpoints.ts";
export { userAgent } from "./src/user_agent.ts";
export * from "./src/x_limits.ts";

// Errors
export { HttpError } from "./src/errors/http_error.ts";
export { LineTooLongError } from "./src/errors/line_too_long_error.ts";
export { StallError } from "./src/errors/stall_error.ts";
export { StreamStoppedError } from "./src/errors/stream_stopped_error.ts";

// The collector: N connections, de-duplication, FIFO, watermark, backfill and Recovery, meter, alerts
export { createCollector } from "./src/collector/create_collector.ts";
export type {
  BackfillSetting,
  Collector,
  CollectorEvent,
  CollectorOptions,
  CollectorStatus,
} from "./src/collector/collector_types.ts";
export {
  resolveCollectorOptions,
  type ResolvedCollectorOptions,
} from "./src/collector/collector_options.ts";
export { watermarkKey } from "./src/collector/partition_watermarks.ts";
export {
  DEFAULT_SINK_DRAIN_TIMEOUT_MS,
  DEFAULT_SINK_RETRY_INITIAL_MS,
  DEFAULT_SINK_RETRY_MAX_MS,
  type SinkRetryOptions,
} from "./src/collector/sink_retry.ts";
export {
  AlertCenter,
  type AlertCenterOptions,
  type AlertTickSample,
} from "./src/collector/alert_center.ts";
export {
  type ConnectionsAdminOptions,
  endConnections,
  type EndConnectionsOptions,
  type EndConnectionsResult,
  listConnections,
  type ListConnectionsOptions,
  type XConnectionInfo,
} from "./src/collector/connections_admin.ts";
export {
  isTooManyConnections,
  type TooManyConnectionsInput,
} from "./src/collector/too_many_connections.ts";
export {
  type CollectorHealthOptions,
  collectorHealthOptions,
} from "./src/collector/collector_health.ts";
export type { HealthAppOptions } from "./src/server/health_app_options.ts";
export type { ExtraMetric } from "./src/server/metrics.ts";
export type { MetricLabels, MetricType } from "./src/server/prometheus.ts";

// Nothing lost: de-duplication, queue, watermarks, recovery planning
export {
  type DedupStats,
  type DedupStore,
  DedupWindow,
  type DedupWindowOptions,
  DEFAULT_DEDUP_MAX_AGE_MS,
  DEFAULT_DEDUP_MAX_ENTRIES,
  MemoryDedupStore,
  resolveDedupWindowOptions,
} from "./src/dedup/dedup_window.ts";
export {
  BoundedFifo,
  type BoundedFifoOptions,
  DEFAULT_FIFO_MAX_ITEMS,
  type FifoEvent,
  type FifoPolicy,
  type FifoStats,
  type OfferResult,
  resolveBoundedFifoOptions,
} from "./src/queue/bounded_fifo.ts";
export {
  compareSnowflakeIds,
  MemoryWatermarkStore,
  type Watermark,
  type WatermarkStore,
  WatermarkTracker,
  type WatermarkTrackerOptions,
} from "./src/storage/watermark.ts";
export {
  DEFAULT_RECOVERY_MARGIN_MS,
  formatRecoveryParams,
  planRecovery,
  type RecoveryInput,
  type RecoveryPlan,
  type RecoveryWindow,
} from "./src/recovery/recovery_planner.ts";

// Metering and alerts
export {
  type MeterCap,
  type MeterEvent,
  type MeterPeriod,
  type MeterStats,
  type MeterVerdict,
  PostMeter,
  type PostMeterOptions,
  resolvePostMeterOptions,
} from "./src/meter/post_meter.ts";
export {
  type Alert,
  type AlertInput,
  AlertLimiter,
  type AlertLimiterOptions,
  DEFAULT_ALERT_WINDOW_MS,
  resolveAlertLimiterOptions,
} from "./src/alerts/alert_limiter.ts";
export {
  LagDetector,
  type LagDetectorOptions,
  ReconnectStormDetector,
  type ReconnectStormOptions,
  VolumeDropDetector,
  type VolumeDropOptions,
} from "./src/alerts/alert_rules.ts";
export {
  createWebhookSender,
  type WebhookBody,
  type WebhookSenderOptions,
} from "./src/alerts/webhook.ts";

// Sinks that need no runtime (file and Redis sinks: "holdfast/file", "holdfast/redis")
export type { PostSink, SinkPosition } from "./src/sinks/post_sink.ts";
export { WritableSink, type WritableSinkOptions } from "./src/sinks/writable_sink.ts";
