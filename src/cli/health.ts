/**
 * The health server of a running collector: `createHealthApp` (with the options
 * `collectorHealthOptions` derives from the collector) over `listen`.
 *
 * @module
 */
import { collectorHealthOptions } from "../collector/collector_health.ts";
import type { Collector } from "../collector/collector_types.ts";
import { createHealthApp } from "../server/health_app.ts";
import { listen, type Listener } from "../server/listen.ts";

/** Where to serve health, and the lag alert. */
export interface ServeHealthOptions {
  /** TCP port; 0 picks a free one. */
  readonly port: number;
  /** Interface to bind. */
  readonly hostname: string;
  /** `/readyz` warns when the newest post is older than this, in ms. */
  readonly lagAlertMs?: number;
}

/**
 * Serves a collector's `/healthz`, `/readyz`, `/status` and `/metrics` on `hostname:port`.
 *
 * @example
 * ```ts ignore
 * import { serveHealth } from "./health.ts";
 * const server = await serveHealth(collector, { port: 0, hostname: "127.0.0.1" });
 * console.log(`${server.url}/readyz`);
 * await server.close();
 * ```
 */
export function serveHealth(collector: Collector, options: ServeHealthOptions): Promise<Listener> {
  const app = createHealthApp(
    collectorHealthOptions(
      collector,
      options.lagAlertMs === undefined ? {} : { lagAlertMs: options.lagAlertMs },
    ),
  );
  return listen(app.fetch, { port: options.port, hostname: options.hostname });
}
