/**
 * What the collector does when X says TooManyConnections: list the account's connections in a
 * `too-many-connections` alert, and only when asked (`endStale`), end the ones that are not this
 * process's (a leftover of a crashed run holds the slot until X notices).
 *
 * @module
 */
import type { AlertInput } from "../alerts/alert_limiter.ts";
import type { ConnectAuth, ResolvedConnectOptions } from "../client/connect_options.ts";
import type { DisconnectCause } from "../disconnect_cause.ts";
import { endConnections, listConnections } from "./connections_admin.ts";

/** One connection as `GET /2/connections` lists it (the fields the collector reads). */
export interface ListedConnection {
  readonly id: string;
  readonly connectedAt: string | undefined;
  readonly endpointName?: string | undefined;
}

/** Lists and ends the account's connections (see `connections_admin.ts`). */
export interface ConnectionsAdmin {
  list(signal: AbortSignal): Promise<readonly ListedConnection[]>;
  end(ids: readonly string[], signal: AbortSignal): Promise<unknown>;
}

/** What {@linkcode ConnectionLimitHandler} needs. */
export interface ConnectionLimitHandlerOptions {
  /** `undefined` when the stream has no connections API (PowerTrack). */
  readonly admin: ConnectionsAdmin | undefined;
  /** List the connections in the alert. */
  readonly list: boolean;
  /** End the connections that are not ours. */
  readonly endStale: boolean;
  /** When our live connections opened (epoch ms): a listed connection opened in the same second
   * is taken to be ours. */
  readonly ourConnectedAtMs: () => readonly number[];
  readonly now: () => number;
  readonly signal: AbortSignal;
  readonly raise: (input: AlertInput) => void;
  readonly onError: (error: unknown) => void;
  /** Handle at most one TooManyConnections per this long. @default {60_000} */
  readonly intervalMs?: number;
}

/**
 * Handles TooManyConnections at most once a minute (the connection loop retries meanwhile on
 * X's curves). Never throws; failures of the connections API go to `onError`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { ConnectionLimitHandler } from "./connection_limit_handler.ts";
 * const alerts: string[] = [];
 * const ended: string[] = [];
 * const handler = new ConnectionLimitHandler({
 *   admin: {
 *     list: () => Promise.resolve([{ id: "old", connectedAt: "2020-01-01T00:00:00Z" }]),
 *     end: (ids) => { ended.push(...ids); return Promise.resolve(); },
 *   },
 *   list: true, endStale: true, ourConnectedAtMs: () => [], now: () => 0,
 *   signal: new AbortController().signal, raise: (a) => void alerts.push(a.message), onError: () => {},
 * });
 * handler.handle(0, { kind: "disconnect-message", disconnectType: "TooManyConnections" });
 * await handler.idle();
 * assert.deepEqual(ended, ["old"]);
 * assert.match(alerts[0], /1 connection/);
 * ```
 */
export class ConnectionLimitHandler {
  readonly #o: ConnectionLimitHandlerOptions;
  #lastMs = -Infinity;
  #running: Promise<void> = Promise.resolve();

  /** Keeps the options. */
  constructor(options: ConnectionLimitHandlerOptions) {
    this.#o = options;
  }

  /** Connection `connectionId` was refused or dropped as one too many. */
  handle(connectionId: number, cause: DisconnectCause): void {
    const o = this.#o;
    const nowMs = o.now();
    if (nowMs - this.#lastMs < (o.intervalMs ?? 60_000) || o.signal.aborted) return;
    this.#lastMs = nowMs;
    this.#running = this.#running.then(() => this.#run(connectionId, cause)).catch(o.onError);
  }

  /** Resolves once the handling in progress is over. */
  idle(): Promise<void> {
    return this.#running;
  }

  async #run(connectionId: number, cause: DisconnectCause): Promise<void> {
    const o = this.#o;
    const base = "X refused a connection: too many connections for this account and stream";
    if (o.admin === undefined || !o.list) {
      o.raise({
        kind: "too-many-connections",
        message: `${base}. Close leftover connections or lower the redundancy.`,
        details: { connectionId, cause: cause.kind },
      });
      return;
    }
    let listed: readonly ListedConnection[];
    try {
      listed = await o.admin.list(o.signal);
    } catch (error) {
      o.onError(error);
      o.raise({
        kind: "too-many-connections",
        message: `${base}; listing them (GET /2/connections) failed: ${String(error)}`,
        details: { connectionId, cause: cause.kind },
      });
      return;
    }
    const ours = new Set(o.ourConnectedAtMs().map((ms) => Math.floor(ms / 1000)));
    const stale = listed.filter((c) => {
      const at = c.connectedAt === undefined ? NaN : Date.parse(c.connectedAt);
      return Number.isNaN(at) || !ours.has(Math.floor(at / 1000));
    });
    let ended: string[] = [];
    if (o.endStale && stale.length > 0 && !o.signal.aborted) {
      await o.admin.end(stale.map((c) => c.id), o.signal);
      ended = stale.map((c) => c.id);
    }
    const n = listed.length;
    o.raise({
      kind: "too-many-connections",
      message: `${base}: X lists ${n} connection${n === 1 ? "" : "s"} (` +
        listed.map((c) => `${c.id} since ${c.connectedAt ?? "?"}`).join(", ") + ")" +
        (ended.length > 0
          ? `; ended ${ended.length} not opened by this collector`
          : o.endStale
          ? ""
          : "; set tooManyConnections.endStale (holdfast stream --end-stale-connections) to end " +
            "the ones not opened by this collector"),
      details: { connectionId, connections: listed, ended },
    });
  }
}

/**
 * The connections API (`GET`/`DELETE /2/connections`) of a v2 stream's host, with the stream's
 * bearer token and fetch; `undefined` for PowerTrack (it has none) or without a bearer token.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { v2ConnectionsAdmin } from "./connection_limit_handler.ts";
 * import { resolveConnectOptions } from "../client/connect_options.ts";
 * const options = resolveConnectOptions({ url: "https://api.x.com/2/tweets/search/stream" });
 * assert.ok(v2ConnectionsAdmin(options, { bearer: "t" }) !== undefined);
 * assert.equal(v2ConnectionsAdmin(options, undefined), undefined);
 * ```
 */
export function v2ConnectionsAdmin(
  options: ResolvedConnectOptions,
  auth: ConnectAuth | undefined,
): ConnectionsAdmin | undefined {
  if (options.endpoint.product !== "v2" || auth === undefined || !("bearer" in auth)) {
    return undefined;
  }
  const common = { url: options.url, auth, fetch: options.fetch };
  return {
    list: (signal) => listConnections({ ...common, signal }),
    end: (ids, signal) => endConnections({ ...common, ids, signal }),
  };
}
