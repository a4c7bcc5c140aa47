/**
 * The collector's view of each stream (or partition): which connections carry it, until when it
 * was read, and whether its last loss was a full buffer. From that it plans, on each reconnect,
 * what a gap needs: nothing, a backfill on THIS attempt only, or a Recovery window.
 *
 * @module
 */
import { planRecovery, type RecoveryPlan } from "../recovery/recovery_planner.ts";
import { MAX_BACKFILL_MINUTES } from "../x_limits.ts";
import type { BackfillSetting } from "./collector_types.ts";

/** One reconnect's plan: the backfill minutes to send now (if any) and the gap's plan. */
export interface ReconnectPlan {
  /** Minutes of backfill to add to this attempt's URL, or `undefined`. */
  readonly backfillMinutes: number | undefined;
  /** What the gap needs beyond the backfill (a Recovery, or an unrecoverable report). */
  readonly plan: RecoveryPlan;
  /** The gap measured, ms (0 when another connection carried the stream). */
  readonly gapMs: number;
  /** Where the gap began, epoch ms. */
  readonly gapStartMs: number;
  /** With a backfill: posts created before this (epoch ms) were read before the gap, so the
   * backfill's replay of them is a duplicate even once the de-duplication window forgot them. */
  readonly readBeforeMs?: number;
  /** Another connection of the partition carries the stream since this time (epoch ms): the
   * gap ends there, and its Recovery need not wait for this connection to be back. */
  readonly carriedFromMs?: number;
}

/** A heartbeat this long after the last post read shows a replay is over (the stream idles). */
const IDLE_AFTER_MS = 20_000;

/** How far a post's `created_at` (X's clock, and X's delivery delay) may lie before this host's
 * time of reading it: a backfilled post created this long before the gap may still have been
 * missed, and a replay's margin is checked against the ids written from this long before it. */
export const CREATED_AT_SKEW_MS = 60_000;

interface ConnectionState {
  readonly partition: number | undefined;
  connected: boolean;
  /** Since when its current connection delivers everything: when it connected, less the
   * backfill it asked for. `undefined` until connected. */
  coverFromMs: number | undefined;
  /** Backfill asked for by the attempt in progress, ms. */
  attemptBackfillMs: number;
  /** The last post or heartbeat it read, epoch ms (for a fresh loop: the saved watermark). */
  lastReadMs: number | undefined;
  /** `created_at` of the newest post it read, epoch ms. */
  newestPostAtMs: number | undefined;
  /** When it read its last post, epoch ms. */
  lastPostReadAtMs: number | undefined;
  /** Its connection asked for a backfill at this time and may still be replaying it: a
   * heartbeat read meanwhile does not show the stream read up to now. */
  replayingFromMs: number | undefined;
  /** A deliver was held by the queue during this connection (the reader lagged). */
  lagged: boolean;
  /** Its last loss was a full buffer (or a sudden stop while it lagged): backfill cannot help. */
  fullBuffer: boolean;
  /** It dropped since it last read: even a gap of 0 ms may have lost posts. */
  interrupted: boolean;
}

/**
 * Tracks the connections of each partition and plans reconnects with `planRecovery`. With
 * redundant connections the STREAM's gap is what counts: while another connection of the same
 * partition has covered the stream since before this one stopped reading, a reconnect needs
 * nothing.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { StreamGaps } from "./stream_gaps.ts";
 * const gaps = new StreamGaps({ product: "v2", backfill: "auto", partitions: [undefined] });
 * gaps.noteActivity(0, 0);
 * gaps.noteDisconnect(0, false);
 * const plan = gaps.planReconnect(0, 180_000);
 * assert.equal(plan.backfillMinutes, 4); // 3 min + 30 s margin, rounded up
 * assert.equal(gaps.planReconnect(0, 180_000).plan.kind, "backfill"); // until data flows again
 * gaps.noteConnected(0, 180_000);
 * gaps.noteActivity(0, 180_500);
 * assert.equal(gaps.planReconnect(0, 181_000).backfillMinutes, 1); // its own, later gap
 * ```
 */
export class StreamGaps {
  readonly #product: "v2" | "powertrack";
  readonly #backfill: BackfillSetting;
  readonly #connections: ConnectionState[];

  /** `partitions[i]` is connection `i`'s partition (`undefined` for an unpartitioned stream). */
  constructor(options: {
    product: "v2" | "powertrack";
    backfill: BackfillSetting;
    partitions: readonly (number | undefined)[];
  }) {
    this.#product = options.product;
    this.#backfill = options.backfill;
    this.#connections = options.partitions.map((partition) => ({
      partition,
      connected: false,
      coverFromMs: undefined,
      attemptBackfillMs: 0,
      lastReadMs: undefined,
      newestPostAtMs: undefined,
      lastPostReadAtMs: undefined,
      replayingFromMs: undefined,
      lagged: false,
      fullBuffer: false,
      interrupted: false,
    }));
  }

  /** Starts a partition's connections from a saved watermark (a restart resumes from it). */
  resume(partition: number | undefined, lastActivityMs: number): void {
    for (const c of this.#connections) {
      if (c.partition === partition) {
        c.lastReadMs = Math.max(c.lastReadMs ?? -Infinity, lastActivityMs);
      }
    }
  }

  /** Connection `id` read a post (created at `postAtMs`) or a heartbeat at `atMs`: it is
   * flowing. The stream counts as read up to the post's `created_at` when that is earlier (a
   * backfill's replay, cut short, has read no further), and a heartbeat in the middle of a
   * replay counts for nothing. */
  noteActivity(id: number, atMs: number, postAtMs?: number): void {
    const c = this.#connections[id];
    let readToMs = atMs;
    if (postAtMs !== undefined && !Number.isNaN(postAtMs)) {
      c.newestPostAtMs = Math.max(c.newestPostAtMs ?? -Infinity, postAtMs);
      c.lastPostReadAtMs = atMs;
      if (c.replayingFromMs !== undefined && postAtMs >= c.replayingFromMs) {
        c.replayingFromMs = undefined; // caught up with the live stream
      }
      readToMs = Math.min(atMs, postAtMs);
    } else if (c.replayingFromMs !== undefined) {
      if (atMs - (c.lastPostReadAtMs ?? -Infinity) < IDLE_AFTER_MS) return;
      c.replayingFromMs = undefined; // nothing left to replay
    }
    c.lastReadMs = Math.max(c.lastReadMs ?? -Infinity, readToMs);
    c.fullBuffer = false;
    c.interrupted = false;
  }

  /** Connection `id` got a 200 at `atMs`. */
  noteConnected(id: number, atMs: number): void {
    const c = this.#connections[id];
    c.connected = true;
    c.lagged = false;
    c.coverFromMs = atMs - c.attemptBackfillMs;
    c.replayingFromMs = c.attemptBackfillMs > 0 ? atMs : undefined;
    // The stream starts here for a connection that never read before (no watermark): should it
    // drop before its first byte, what was published since then is a gap to backfill.
    c.lastReadMs ??= c.coverFromMs;
  }

  /** The queue held connection `id`'s reader. */
  noteLagged(id: number): void {
    this.#connections[id].lagged = true;
  }

  /** Connection `id` ended; `fullBuffer` when X dropped it as a slow reader, `sudden` for an end
   * without a word. Returns whether the loss counts as a full buffer (announced, or a sudden
   * stop while the reader lagged). */
  noteDisconnect(id: number, fullBuffer: boolean, sudden = false): boolean {
    const c = this.#connections[id];
    const full = fullBuffer || (sudden && c.lagged && c.connected);
    c.connected = false;
    c.coverFromMs = undefined;
    c.replayingFromMs = undefined;
    c.lagged = false;
    c.interrupted = true;
    if (full) c.fullBuffer = true;
    return full;
  }

  /**
   * The plan for connection `id`'s attempt at `nowMs`. The gap begins where this connection
   * stopped reading, moved later by any other connection of the partition that was already
   * covering the stream then (if one still is, there is no gap). A backfill is planned on every
   * attempt until data flows again (an attempt that fails recovers nothing).
   */
  planReconnect(id: number, nowMs: number): ReconnectPlan {
    const c = this.#connections[id];
    c.attemptBackfillMs = 0;
    const none: ReconnectPlan = {
      backfillMinutes: undefined,
      plan: { kind: "none" },
      gapMs: 0,
      gapStartMs: nowMs,
    };
    if (c.lastReadMs === undefined) return none;
    // After a full buffer the posts lost were queued at X: they begin after the newest post read.
    let gapStartMs = c.fullBuffer
      ? Math.min(c.lastReadMs, c.newestPostAtMs ?? c.lastReadMs)
      : c.lastReadMs;
    for (let changed = true; changed;) {
      changed = false;
      for (const [i, d] of this.#connections.entries()) {
        if (i === id || d.partition !== c.partition || d.coverFromMs === undefined) continue;
        if (d.coverFromMs > gapStartMs) continue;
        if (d.connected) return none; // carried: it has covered the stream since before the gap
        if ((d.lastReadMs ?? -Infinity) > gapStartMs) {
          gapStartMs = d.lastReadMs!;
          changed = true;
        }
      }
    }
    // Posts published in the same millisecond as the last one read may still be missing.
    const gapMs = Math.max(nowMs - gapStartMs, c.interrupted ? 1 : 0);
    if (gapMs <= 0) return none;
    const plan = planRecovery({
      gapStartMs,
      nowMs: gapStartMs + gapMs,
      fullBuffer: c.fullBuffer,
      product: this.#product,
    });
    const carriedFromMs = this.carrierFrom(id, gapStartMs);
    if (plan.kind !== "backfill" && plan.kind !== "none" && carriedFromMs !== undefined) {
      // Another connection has carried the stream since then: recover only up to there (a
      // Recovery, as a backfill from now may not reach back so far).
      const carried = planRecovery({
        gapStartMs,
        nowMs: Math.max(carriedFromMs, gapStartMs + 1),
        fullBuffer: true,
        product: this.#product,
      });
      return { backfillMinutes: undefined, plan: carried, gapMs, gapStartMs, carriedFromMs };
    }
    if (plan.kind !== "backfill") return { backfillMinutes: undefined, plan, gapMs, gapStartMs };
    const setting = this.#backfill;
    const backfillMinutes = setting === "off"
      ? undefined
      : setting === "auto"
      ? plan.minutes
      : Math.min(setting, MAX_BACKFILL_MINUTES);
    c.attemptBackfillMs = (backfillMinutes ?? 0) * 60_000;
    // A backfill of whole minutes replays up to minutes of posts read before the gap: more, at a
    // high rate, than the de-duplication window holds.
    const readBeforeMs = Math.min(gapStartMs, c.newestPostAtMs ?? gapStartMs) -
      CREATED_AT_SKEW_MS;
    return { backfillMinutes, plan, gapMs, gapStartMs, readBeforeMs };
  }

  /** Since when another connection of `id`'s partition has carried the stream without a break
   * (the earliest such, after `afterMs`), or `undefined` when none is connected. */
  carrierFrom(id: number, afterMs = -Infinity): number | undefined {
    const { partition } = this.#connections[id];
    let fromMs: number | undefined;
    for (const [i, d] of this.#connections.entries()) {
      if (i === id || d.partition !== partition || !d.connected) continue;
      if (d.coverFromMs === undefined || d.coverFromMs <= afterMs) continue;
      fromMs = Math.min(fromMs ?? Infinity, d.coverFromMs);
    }
    return fromMs;
  }

  /** A Recovery of `partition` from `fromMs` up to `toMs` is queued: every connection of the
   * partition whose gap began inside it is covered up to `toMs` (redundant connections that
   * dropped together need no Recovery of their own). */
  coverPartition(partition: number | undefined, fromMs: number, toMs: number): void {
    for (const c of this.#connections) {
      if (c.partition !== partition || c.lastReadMs === undefined || c.lastReadMs < fromMs) {
        continue;
      }
      c.lastReadMs = Math.max(c.lastReadMs, toMs);
      c.fullBuffer = false;
      c.interrupted = false;
    }
  }

  /** Connection `id`'s gap is being dealt with (a Recovery covers it up to `nowMs`): later
   * attempts measure from there. */
  closeGap(id: number, nowMs: number): void {
    const c = this.#connections[id];
    c.lastReadMs = Math.max(c.lastReadMs ?? -Infinity, nowMs);
    c.fullBuffer = false;
    c.interrupted = false;
  }
}
