/**
 * The live connections of a collector: one per partition and redundant copy, each with its own
 * validated options, `connectionId` and status.
 *
 * @module
 */
import {
  type ConnectOptions,
  resolveConnectOptions,
  type ResolvedConnectOptions,
} from "../client/connect_options.ts";
import { displayUrl } from "../client/credentials.ts";
import { StatusTracker } from "../client/status_tracker.ts";

/** One live connection and what the collector knows of it. */
export interface CollectorConnection {
  /** Its `connectionId`: partition-major, `partitionIndex * copies + copy`. */
  readonly id: number;
  /** Its `partition`, `undefined` for an unpartitioned stream. */
  readonly partition: number | undefined;
  readonly options: ResolvedConnectOptions;
  readonly status: StatusTracker;
  /** The backfill the current attempt asked for, `undefined` when none. */
  backfill: BackfillState | undefined;
  /** After its backfill, while its live posts come late, `undefined` otherwise. */
  catchUp: CatchUpState | undefined;
}

/** A connection whose backfill replay is over: its live posts waited at X behind the replay
 * while the other connections wrote theirs, more posts ago than the de-duplication window may
 * hold. */
export interface CatchUpState {
  /** Its backfill's `written`, then the ids written since with a time before `untilMs`. */
  readonly written: Set<string>;
  /** When the replay ended, epoch ms: its posts created before this may have been written by
   * another connection meanwhile; from there on it is in step. */
  readonly untilMs: number;
}

/** What the collector knows of a backfill while its attempt replays it. */
export interface BackfillState {
  /** When it was asked for, epoch ms: posts created before this are "backfill". */
  readonly beforeMs: number;
  /** Backfilled posts created before this were read before the gap (see `StreamGaps`): they are
   * duplicates, whatever the de-duplication window still holds. */
  readonly readBeforeMs: number;
  /** Ids written with a time from `readBeforeMs`: those written when it was asked for (the
   * gap's margin), then those written since by any connection (the others' copies of what it
   * replays, which come more posts before its own than the de-duplication window may hold). */
  readonly written: Set<string>;
}

/**
 * Builds `partitions.length × copies` connections. `beforeConnect(id, url)` runs before each of
 * their attempts. Throws the `resolveConnectOptions` errors for invalid connection options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { buildConnections } from "./collector_connections.ts";
 * const connections = buildConnections({
 *   connect: { url: "https://api.x.com/2/tweets/sample10/stream" },
 *   partitions: [1, 2],
 *   copies: 2,
 *   now: Date.now,
 *   beforeConnect: (_id, url) => Promise.resolve(url),
 * });
 * assert.deepEqual(connections.map((c) => [c.id, c.partition]), [[0, 1], [1, 1], [2, 2], [3, 2]]);
 * assert.equal(connections[2].options.url.searchParams.get("partition"), "2");
 * ```
 */
export function buildConnections(options: {
  connect: ConnectOptions;
  partitions: readonly (number | undefined)[];
  copies: number;
  now: () => number;
  beforeConnect: (id: number, url: URL) => Promise<URL>;
}): CollectorConnection[] {
  const { connect, now } = options;
  const connections: CollectorConnection[] = [];
  for (const partition of options.partitions) {
    for (let copy = 0; copy < options.copies; copy++) {
      const id = connections.length;
      const resolved = resolveConnectOptions({
        ...connect,
        connectionId: id,
        params: {
          ...connect.params,
          ...(partition === undefined ? {} : { partition: String(partition) }),
        },
        beforeConnect: ({ url }) => options.beforeConnect(id, url),
      });
      connections.push({
        id,
        partition,
        options: resolved,
        status: new StatusTracker({
          url: displayUrl(resolved.url),
          stallTimeoutMs: resolved.stallTimeoutMs,
          now,
        }),
        backfill: undefined,
        catchUp: undefined,
      });
    }
  }
  return connections;
}
