/**
 * The health server: `/healthz`, `/readyz` (health+json), `/status` (JSON) and `/metrics`
 * (Prometheus text) for a stream client, as a Hono app that runs on Deno, Bun, Node and edge
 * runtimes, plus {@linkcode listen} to put it on a port.
 *
 * @example
 * ```ts
 * import { createHealthApp, listen } from "./mod.ts";
 * import type { ClientStatus } from "../client_status.ts";
 *
 * const status: ClientStatus = {
 *   state: "idle", sinceMs: Date.now(), url: "https://api.x.com/2/tweets/search/stream",
 *   attempts: 0, attemptsByClass: { immediate: 0, network: 0, http: 0, "rate-limit": 0, budget: 0 },
 *   connectedAtMs: undefined, lastActivityMs: undefined, lastDisconnect: undefined,
 *   lastError: undefined, nextRetryAtMs: undefined, nextRetryClass: undefined, rateLimit: undefined,
 *   counts: { posts: 0, heartbeats: 0, disconnects: 0, malformed: 0, bytes: 0 },
 *   newestPostAtMs: undefined, stallTimeoutMs: 30_000, stopReason: undefined,
 * };
 * const server = await listen(createHealthApp({ status: () => status }).fetch, { port: 0 });
 * const res = await fetch(`${server.url}/readyz`);
 * console.assert(res.status === 503); // idle: not ready yet
 * await res.body?.cancel();
 * await server.close();
 * ```
 *
 * @module
 */
export { createHealthApp } from "./health_app.ts";
export {
  type HealthAppOptions,
  type ResolvedHealthAppOptions,
  resolveHealthAppOptions,
} from "./health_app_options.ts";
export { type FetchHandler, listen, type Listener, type ListenOptions } from "./listen.ts";
export { type ExtraMetric, renderMetrics } from "./metrics.ts";
export {
  escapeLabelValue,
  formatValue,
  type MetricLabels,
  MetricsWriter,
  type MetricType,
  PROMETHEUS_CONTENT_TYPE,
} from "./prometheus.ts";
export type { ClientState, ClientStatus } from "../client_status.ts";
export {
  evaluateReadiness,
  type HealthCheck,
  type HealthReport,
  type HealthStatus,
  type ReadinessOptions,
} from "./readiness.ts";
export type { ConnectionView } from "./status_body.ts";
