/**
 * The demo's live status line and its closing summary (pure formatting).
 *
 * @module
 */
import type { CollectorStatus } from "../collector/collector_types.ts";
import type { BackoffClass } from "../disconnect_cause.ts";

const CLASSES: readonly BackoffClass[] = ["immediate", "network", "http", "rate-limit", "budget"];

/**
 * Reconnects (failed attempts) by backoff class, summed over the connections.
 *
 * @example
 * ```ts
 * import { reconnectsByClass } from "./status_line.ts";
 * const byClass = { immediate: 2, network: 1, http: 0, "rate-limit": 0, budget: 0 };
 * const status = { connections: [{ attemptsByClass: byClass }, { attemptsByClass: byClass }] };
 * console.assert(reconnectsByClass(status as never).immediate === 4);
 * ```
 */
export function reconnectsByClass(status: CollectorStatus): Record<BackoffClass, number> {
  const sums = Object.fromEntries(CLASSES.map((c) => [c, 0])) as Record<BackoffClass, number>;
  for (const connection of status.connections) {
    for (const c of CLASSES) sums[c] += connection.attemptsByClass[c] ?? 0;
  }
  return sums;
}

/**
 * `immediate 2, network 1, http 0, rate-limit 0, budget 0`.
 *
 * @example
 * ```ts
 * import { formatReconnects } from "./status_line.ts";
 * const text = formatReconnects({ immediate: 2, network: 1, http: 0, "rate-limit": 0, budget: 0 });
 * console.assert(text === "immediate 2, network 1, http 0, rate-limit 0, budget 0");
 * ```
 */
export function formatReconnects(byClass: Record<BackoffClass, number>): string {
  return CLASSES.map((c) => `${c} ${byClass[c]}`).join(", ");
}

/**
 * The state of the connections in a word: `connected`, `connected 1/2`, `waiting`, ...
 *
 * @example
 * ```ts
 * import { overallState } from "./status_line.ts";
 * const status = { connections: [{ state: "connected" }, { state: "waiting" }] };
 * console.assert(overallState(status as never) === "connected 1/2");
 * ```
 */
export function overallState(status: CollectorStatus): string {
  const states = status.connections.map((c) => c.state);
  if (states.length === 0) return "starting";
  const connected = states.filter((s) => s === "connected").length;
  if (connected === states.length) return "connected";
  if (connected > 0) return `connected ${connected}/${states.length}`;
  return states[0];
}

/**
 * The one status line: state, posts/s, written, reconnects by class, backfilled, recovered and
 * duplicates dropped.
 *
 * @example
 * ```ts
 * import { formatStatusLine } from "./status_line.ts";
 * const byClass = { immediate: 1, network: 0, http: 0, "rate-limit": 0, budget: 0 };
 * const status = {
 *   connections: [{ state: "connected", attemptsByClass: byClass }], written: 120, backfilled: 30,
 *   recovered: 0, dedup: { duplicates: 29 },
 * };
 * const line = formatStatusLine(status as never, 49.5);
 * console.assert(line === "connected | 49.5 posts/s | written 120 | reconnects: immediate 1, network 0, " +
 *   "http 0, rate-limit 0, budget 0 | backfilled 30 | recovered 0 | duplicates dropped 29");
 * ```
 */
export function formatStatusLine(status: CollectorStatus, postsPerSecond: number): string {
  return [
    overallState(status),
    `${postsPerSecond.toFixed(1)} posts/s`,
    `written ${status.written}`,
    `reconnects: ${formatReconnects(reconnectsByClass(status))}`,
    `backfilled ${status.backfilled}`,
    `recovered ${status.recovered}`,
    `duplicates dropped ${status.dedup.duplicates}`,
  ].join(" | ");
}
