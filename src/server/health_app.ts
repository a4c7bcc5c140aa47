/**
 * The health server as a Hono app: a pure fetch handler (`app.fetch`) that runs on Deno, Bun,
 * Node and edge runtimes; {@linkcode listen} puts it on a port.
 *
 * @module
 */
import { Hono } from "hono";
import type { ClientStatus } from "../client_status.ts";
import { VERSION } from "../version.ts";
import { type HealthAppOptions, resolveHealthAppOptions } from "./health_app_options.ts";
import { type ExtraMetric, renderMetrics } from "./metrics.ts";
import { PROMETHEUS_CONTENT_TYPE } from "./prometheus.ts";
import { evaluateReadiness, type HealthReport } from "./readiness.ts";
import { errorMessage } from "./redact.ts";
import { buildStatusBody } from "./status_body.ts";

/** The health+json media type (draft-inadarei-api-health-check). */
const HEALTH_JSON = "application/health+json";
const NO_STORE = { "cache-control": "no-store" };

/**
 * Creates the health server's routes:
 *
 * - `GET /healthz`: 200 `{"status":"pass"}` while the process is alive (liveness).
 * - `GET /readyz`: readiness as `application/health+json`: 200 (`pass`, or `warn` when only some
 *   redundant connections are ready or the newest post lags past `lagAlertMs`) while a connection
 *   is `"connected"` and a byte arrived within its `stallTimeoutMs`; else 503 (`fail`) with the
 *   reason in `output` and per-connection `checks` (`stream:connection`, `stream:activity`, and
 *   `stream:lag` when `lagAlertMs` is set).
 * - `GET /status`: JSON with state, since, the open connection, attempts by class, the last
 *   disconnect and its cause, the next retry, rate-limit figures, counts, newest-post lag, and the
 *   `extra` fields.
 * - `GET /metrics`: Prometheus text format 0.0.4 (see {@linkcode renderMetrics}).
 *
 * Nothing it serves carries a credential: URL userinfo, secret-looking query values, and
 * `Authorization`/cookie headers are removed, and `Bearer`/`Basic` values are scrubbed from text.
 * A throwing `status`/`extra`/`extraMetrics` callback never breaks a route: `/readyz` answers 503,
 * `/status` 500 (or an `extraError` field), `/metrics` counts it in `holdfast_scrape_errors`.
 *
 * @example
 * ```ts
 * import { createHealthApp } from "./health_app.ts";
 * import type { ClientStatus } from "../client_status.ts";
 *
 * const now = Date.parse("2025-01-01T12:00:00Z");
 * const status: ClientStatus = {
 *   state: "connected", sinceMs: now - 60_000, url: "https://api.x.com/2/tweets/search/stream",
 *   attempts: 1, attemptsByClass: { immediate: 0, network: 0, http: 0, "rate-limit": 0, budget: 0 },
 *   connectedAtMs: now - 60_000, lastActivityMs: now - 1_000, lastDisconnect: undefined,
 *   lastError: undefined, nextRetryAtMs: undefined, nextRetryClass: undefined, rateLimit: undefined,
 *   counts: { posts: 10, heartbeats: 3, disconnects: 0, malformed: 0, bytes: 20_480 },
 *   newestPostAtMs: now - 2_000, stallTimeoutMs: 30_000, stopReason: undefined,
 * };
 * const app = createHealthApp({
 *   status: () => status,
 *   extra: () => ({ queue: { depth: 0 } }),
 *   now: () => now,
 * });
 *
 * const ready = await app.request("/readyz");
 * console.assert(ready.status === 200);
 * console.assert((await ready.json()).status === "pass");
 * console.assert((await (await app.request("/status")).json()).queue.depth === 0);
 * // To serve it: `await listen(app.fetch, { port: 9464 })` (from "./listen.ts").
 * ```
 */
export function createHealthApp(options: HealthAppOptions): Hono {
  const { status, extra, extraMetrics, now, lagAlertMs, serviceName } = resolveHealthAppOptions(
    options,
  );
  const readinessOptions = { lagAlertMs, serviceName, version: VERSION };
  const readStatuses = (): readonly ClientStatus[] => {
    const value = status();
    return Array.isArray(value) ? (value as readonly ClientStatus[]) : [value as ClientStatus];
  };
  const app = new Hono();

  app.get("/healthz", () => healthJson(200, { status: "pass" }));

  app.get("/readyz", () => {
    let report: HealthReport;
    try {
      report = evaluateReadiness(readStatuses(), now(), readinessOptions);
    } catch (error) {
      return healthJson(503, {
        status: "fail",
        serviceId: serviceName,
        version: VERSION,
        output: `status source failed: ${errorMessage(error)}`,
        checks: {},
      });
    }
    return healthJson(report.status === "fail" ? 503 : 200, report);
  });

  app.get("/status", () => {
    let fields: Readonly<Record<string, unknown>> = {};
    try {
      fields = extra?.() ?? {};
    } catch (error) {
      fields = { extraError: errorMessage(error) };
    }
    try {
      return json(200, buildStatusBody(readStatuses(), fields, now(), readinessOptions));
    } catch (error) {
      // A throwing status source, or one that returns something other than ClientStatus objects.
      return json(500, { status: "fail", reason: `status source failed: ${errorMessage(error)}` });
    }
  });

  app.get("/metrics", () => {
    let failures = 0;
    let statuses: readonly ClientStatus[] = [];
    let figures: readonly ExtraMetric[] = [];
    try {
      statuses = readStatuses();
    } catch {
      failures++;
    }
    try {
      const given = extraMetrics?.() ?? [];
      if (Array.isArray(given)) figures = given;
      else failures++;
    } catch {
      failures++;
    }
    let text: string;
    try {
      text = renderMetrics(statuses, figures, now(), failures);
    } catch {
      // A status source that returns something other than ClientStatus objects.
      text = renderMetrics([], figures, now(), failures + 1);
    }
    return new Response(text, {
      headers: { "content-type": PROMETHEUS_CONTENT_TYPE, ...NO_STORE },
    });
  });

  return app;
}

function healthJson(code: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: code,
    headers: { "content-type": HEALTH_JSON, ...NO_STORE },
  });
}

function json(code: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status: code,
    headers: { "content-type": "application/json; charset=utf-8", ...NO_STORE },
  });
}
