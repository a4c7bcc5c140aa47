/**
 * The live connections: lookup by id and by limit key (credential + stream + partition), and
 * delivery of newly published posts to every connection that carries them.
 *
 * @module
 */
import type { AttemptRecord } from "./recorder.ts";
import type { Dialect } from "./dialects.ts";
import type { History } from "./history.ts";
import type { BodyStats } from "./body_types.ts";
import type { StreamBody } from "./stream_body.ts";
import type { EndpointName, FeedName } from "./stream_catalog.ts";

/** One open streaming connection. */
export interface LiveConnection {
  readonly id: string;
  readonly endpoint: EndpointName;
  readonly feed: FeedName;
  readonly path: string;
  readonly partition: number | undefined;
  /** The credential's key (internal) and printable label. */
  readonly credentialKey: string;
  readonly credential: string;
  /** Credential + path + partition: what the connection limit counts. */
  readonly limitKey: string;
  readonly connectedAtMs: number;
  /** A Recovery connection (it ends by itself; not counted against the connection limit). */
  readonly recovery: boolean;
  /** Live posts published after this time are not sent (a Recovery's end). */
  readonly untilMs: number | undefined;
  /** Called once a post published after `untilMs` exists: every post of the window is out. */
  readonly onPastUntil?: () => void;
  /** False once the connection takes no more live posts. */
  live: boolean;
  /** Whether a post of the feed belongs on this connection (rules, partition). */
  readonly accepts: (seq: number) => boolean;
  readonly body: StreamBody;
  readonly dialect: Dialect;
  readonly attempt: AttemptRecord;
  /** The fault in force (e.g. `stall`), for the record. */
  fault: string | undefined;
}

/** A live connection, as `connections()` and `GET /_sim/connections` show it. */
export interface ConnectionInfo {
  /** The connection id (as `/2/connections` lists it). */
  readonly id: string;
  /** The stream. */
  readonly endpoint: EndpointName;
  /** The URL path. */
  readonly path: string;
  /** The partition, on partitioned streams. */
  readonly partition: number | undefined;
  /** A printable, non-secret name of the credential. */
  readonly credential: string;
  /** When it was accepted (epoch ms). */
  readonly connectedAtMs: number;
  /** True for a Recovery connection. */
  readonly recovery: boolean;
  /** `stalled` while a stall fault silences it. */
  readonly state: "streaming" | "stalled";
  /** Posts waiting in the server-side buffer. */
  readonly queuedPosts: number;
  /** What it has carried so far. */
  readonly stats: BodyStats;
  /** The attempt that opened it. */
  readonly attemptId: number;
}

/** The set of live connections. */
export class ConnectionRegistry {
  readonly #byId = new Map<string, LiveConnection>();

  /** Adds a connection. */
  add(connection: LiveConnection): void {
    this.#byId.set(connection.id, connection);
  }

  /** Removes a connection (when it ends). */
  remove(id: string): void {
    this.#byId.delete(id);
  }

  /** A connection by id. */
  get(id: string): LiveConnection | undefined {
    return this.#byId.get(id);
  }

  /** Every live connection, oldest first. */
  all(): LiveConnection[] {
    return [...this.#byId.values()];
  }

  /** Live, non-Recovery connections under a limit key, oldest first. */
  forLimitKey(limitKey: string): LiveConnection[] {
    return this.all().filter((c) => c.limitKey === limitKey && !c.recovery);
  }

  /** Recovery connections of a credential. */
  recoveries(credentialKey: string): number {
    return this.all().filter((c) => c.credentialKey === credentialKey && c.recovery).length;
  }

  /** Offers the posts `[fromSeq, toSeq)` of `feed` to every connection that carries them. */
  deliver(feed: FeedName, history: History, fromSeq: number, toSeq: number): void {
    for (const connection of this.#byId.values()) {
      if (!connection.live || connection.feed !== feed) continue;
      const batch: number[] = [];
      let past = false;
      for (let seq = fromSeq; seq < toSeq; seq++) {
        if (connection.untilMs !== undefined && history.atMs(seq) > connection.untilMs) {
          past = true;
          break;
        }
        if (connection.accepts(seq)) batch.push(seq);
      }
      if (batch.length > 0) connection.body.offerPosts(batch);
      if (past) connection.onPastUntil?.();
    }
  }
}

/** The public view of a live connection. */
export function connectionInfo(c: LiveConnection): ConnectionInfo {
  return {
    id: c.id,
    endpoint: c.endpoint,
    path: c.path,
    partition: c.partition,
    credential: c.credential,
    connectedAtMs: c.connectedAtMs,
    recovery: c.recovery,
    state: c.body.stalled ? "stalled" : "streaming",
    queuedPosts: c.body.queuedPosts,
    stats: { ...c.body.stats },
    attemptId: c.attempt.id,
  };
}
