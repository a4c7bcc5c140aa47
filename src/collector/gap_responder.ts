/**
 * Acts on the plan for each reconnect (X's decision tree): adds backfill to THIS attempt's URL
 * only, queues a Recovery beside the live stream once it is connected again, or reports a gap
 * beyond reach.
 *
 * @module
 */
import type { AlertInput } from "../alerts/alert_limiter.ts";
import {
  formatRecoveryParams,
  type RecoveryPlan,
  type RecoveryWindow,
} from "../recovery/recovery_planner.ts";
import type { RecoveryJob, RecoveryJobs } from "./recovery_jobs.ts";
import type { RecoveryLedger } from "./replay_ledger.ts";
import { CREATED_AT_SKEW_MS, type StreamGaps } from "./stream_gaps.ts";

const BACKFILL_PARAMS = ["backfill_minutes", "backfillMinutes"];

/** What {@linkcode GapResponder} needs. */
export interface GapResponderOptions {
  readonly gaps: StreamGaps;
  readonly jobs: RecoveryJobs;
  /** Trims each Recovery against the ones already admitted and guards its replay. */
  readonly ledger: RecoveryLedger;
  readonly product: "v2" | "powertrack";
  /** Whether Recovery streams may run. */
  readonly recovery: boolean;
  readonly now: () => number;
  readonly partitionOf: (id: number) => number | undefined;
  /** Connection `id`'s attempt asks for `minutes` of backfill for a gap of `gapMs`; the posts
   * it replays that were created before `readBeforeMs` were read before the gap, and `written`
   * holds the ids written since then (the margin it replays). */
  readonly onBackfill: (
    id: number,
    backfill: {
      minutes: number;
      gapMs: number;
      readBeforeMs: number;
      written: Set<string> | undefined;
    },
  ) => void;
  /** Connection `id`'s attempt asks for none. */
  readonly onNoBackfill: (id: number) => void;
  /** A Recovery of `partition` was planned (its watermark must hold until it is done). */
  readonly onRecoveryQueued: (partition: number | undefined) => void;
  /** A planned Recovery was dropped: others, already queued, running or done, cover its
   * window. */
  readonly onRecoveryDropped?: (partition: number | undefined) => void;
  /** Ids of `partition` written with a time at or after `sinceMs` (see `RecentlyWritten`): a
   * Recovery or a backfill planned now takes them, so its margin is not written twice.
   * @default {none} */
  readonly writtenSince?: (partition: number | undefined, sinceMs: number) => Set<string>;
  readonly raise: (input: AlertInput) => void;
}

/**
 * Turns {@linkcode StreamGaps} plans into request parameters and Recovery jobs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { GapResponder } from "./gap_responder.ts";
 * import { RecoveryJobs } from "./recovery_jobs.ts";
 * import { RecoveryLedger } from "./replay_ledger.ts";
 * import { StreamGaps } from "./stream_gaps.ts";
 * const gaps = new StreamGaps({ product: "v2", backfill: "auto", partitions: [undefined] });
 * const responder = new GapResponder({
 *   gaps, product: "v2", recovery: true, now: () => 120_000, partitionOf: () => undefined,
 *   jobs: new RecoveryJobs({ now: () => 0, run: () => Promise.resolve({ ok: true, posts: 0 }) }),
 *   ledger: new RecoveryLedger({ product: "v2" }),
 *   onBackfill: () => {}, onNoBackfill: () => {}, onRecoveryQueued: () => {}, raise: () => {},
 * });
 * gaps.noteActivity(0, 0);
 * const url = responder.beforeConnect(0, new URL("https://api.x.com/2/tweets/search/stream"));
 * assert.equal(url.searchParams.get("backfill_minutes"), "3"); // 2 min + 30 s margin
 * ```
 */
export class GapResponder {
  readonly #o: GapResponderOptions;
  /** Recoveries planned for a connection, queued once it is connected again: the window must
   * reach the moment the live stream resumed (after a full buffer X offers no backfill). */
  readonly #pending = new Map<
    number,
    { window: RecoveryWindow; written: ReadonlySet<string> | undefined }
  >();

  /** Wires the plan to its actions. */
  constructor(options: GapResponderOptions) {
    this.#o = options;
  }

  /** The URL for connection `id`'s next attempt (the hook `beforeConnect` calls). */
  beforeConnect(id: number, url: URL): URL {
    const o = this.#o;
    for (const name of BACKFILL_PARAMS) url.searchParams.delete(name);
    if (this.#pending.has(id)) {
      // Its Recovery waits for the live stream to be back: on this connection, or on another
      // that carries it already (then it runs now, up to there).
      const carriedFromMs = o.gaps.carrierFrom(id);
      if (carriedFromMs === undefined) {
        o.onNoBackfill(id);
        return url;
      }
      this.#queue(id, carriedFromMs);
    }
    const nowMs = o.now();
    const planned = o.gaps.planReconnect(id, nowMs);
    if (planned.backfillMinutes !== undefined) {
      const params = formatRecoveryParams(
        { kind: "backfill", minutes: planned.backfillMinutes },
        o.product,
      );
      for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
      const readBeforeMs = planned.readBeforeMs ?? -Infinity;
      o.onBackfill(id, {
        minutes: planned.backfillMinutes,
        gapMs: planned.gapMs,
        readBeforeMs,
        // Taken now, before the reconnect writes anything (as a Recovery's margin is).
        written: o.writtenSince?.(o.partitionOf(id), readBeforeMs),
      });
      return url;
    }
    o.onNoBackfill(id);
    this.#act(id, planned.plan, nowMs);
    if (planned.carriedFromMs !== undefined) this.#queue(id, planned.carriedFromMs);
    return url;
  }

  /**
   * Connection `id` dropped (after `StreamGaps.noteDisconnect`). When another connection of its
   * partition carries the stream already, the gap ends where that one took over: its Recovery,
   * if it needs one, is queued now, not when this connection is back (its backoff, or X's
   * connect budget, may hold it for minutes). Otherwise its next attempt plans as before.
   */
  disconnected(id: number): void {
    const o = this.#o;
    const carriedFromMs = o.gaps.carrierFrom(id);
    if (carriedFromMs === undefined) return;
    this.#queue(id, carriedFromMs);
    const nowMs = o.now();
    const planned = o.gaps.planReconnect(id, nowMs);
    if (planned.carriedFromMs === undefined) return; // nothing, or a backfill on reconnect
    this.#act(id, planned.plan, nowMs);
    this.#queue(id, planned.carriedFromMs);
  }

  /** The live stream of connection `id`'s partition is back since `atMs` (it connected, or
   * another connection carries it): its planned Recovery is queued, up to then. The other
   * connections of the partition whose Recovery waits for the live stream are carried by it
   * now: theirs are queued too, up to where it covers the stream from (less the backfill it
   * asked for: a Recovery of what that backfill replays would write it a second time, more
   * posts later than the de-duplication window holds), or dropped when its backfill covers all. */
  connected(id: number, atMs: number): void {
    this.#queue(id, atMs);
    const partition = this.#o.partitionOf(id);
    for (const other of [...this.#pending.keys()]) {
      if (other === id || this.#o.partitionOf(other) !== partition) continue;
      const carriedFromMs = this.#o.gaps.carrierFrom(other);
      if (carriedFromMs !== undefined) this.#queue(other, carriedFromMs);
    }
  }

  /** Queues connection `id`'s pending Recovery up to `atMs`, where the live stream is back. */
  #queue(id: number, atMs: number): void {
    const pending = this.#pending.get(id);
    if (pending === undefined) return;
    this.#pending.delete(id);
    const { window, written } = pending;
    const partition = this.#o.partitionOf(id);
    this.#o.gaps.closeGap(id, atMs);
    if (atMs <= window.startMs) {
      // A connection that carries the stream replays all of the window (its backfill).
      this.#o.onRecoveryDropped?.(partition);
      return;
    }
    this.#o.gaps.coverPartition(partition, window.startMs, atMs);
    // Redundant connections that dropped together planned the same window: this job covers
    // theirs (it replays up to now), so they need no Recovery of their own.
    for (const [other, theirs] of this.#pending) {
      if (this.#o.partitionOf(other) !== partition) continue;
      if (theirs.window.startMs < window.startMs) continue;
      this.#pending.delete(other);
      this.#o.gaps.closeGap(other, atMs);
      this.#o.onRecoveryDropped?.(partition);
    }
    // Windows already admitted may hold its start (a later gap's margin reaches back into an
    // earlier Recovery), or all of it.
    const guard = this.#o.ledger.admit(partition, { ...window, endMs: atMs }, written);
    if (guard === undefined) this.#o.onRecoveryDropped?.(partition);
    else this.#o.jobs.enqueue(guard.window, partition, guard);
  }

  /** The query parameters of a Recovery of `window`. */
  recoveryParams(window: RecoveryWindow): Record<string, string> {
    return formatRecoveryParams(window, this.#o.product);
  }

  /** A Recovery stopped before replaying its window: its posts are lost; tell a person. */
  recoveryFailed(job: RecoveryJob, reason: string): void {
    const { startMs, endMs } = job.window;
    this.#o.raise({
      kind: "gap-unrecoverable",
      message: `A Recovery of ${iso(startMs)} to ${iso(endMs)} stopped (${reason}): ` +
        "posts of that window may be missing",
      details: { startMs, endMs, reason, partition: job.partition },
    });
  }

  #act(id: number, plan: RecoveryPlan, nowMs: number): void {
    const o = this.#o;
    const partition = o.partitionOf(id);
    if (plan.kind === "none") return;
    if (plan.kind === "backfill") {
      // Backfill is off: the gap stays unrecovered, and nothing would get it back later.
      o.gaps.closeGap(id, nowMs);
      return;
    }
    if (plan.kind === "unrecoverable") {
      o.raise({
        kind: "gap-unrecoverable",
        message: `Posts from ${iso(plan.startMs)} to ${iso(plan.recoverableFromMs)} are beyond ` +
          "the 24 hours a Recovery reaches (only Search can help, partly)" +
          (o.recovery ? `; recovering ${iso(plan.recoverableFromMs)} to ${iso(plan.endMs)}` : ""),
        details: {
          startMs: plan.startMs,
          endMs: plan.recoverableFromMs,
          gapEndMs: plan.endMs,
          partition,
        },
      });
      if (o.recovery) this.#plan(id, plan.partialRecovery, partition);
      else o.gaps.closeGap(id, nowMs);
      return;
    }
    if (o.recovery) {
      this.#plan(id, plan, partition);
      return;
    }
    o.gaps.closeGap(id, nowMs);
    o.raise({
      kind: "gap-unrecoverable",
      message: `Posts from ${iso(plan.startMs)} to ${iso(plan.endMs)} were missed and ` +
        "Recovery is off",
      details: { startMs: plan.startMs, endMs: plan.endMs, partition },
    });
  }

  #plan(id: number, window: RecoveryWindow, partition: number | undefined): void {
    // One hold per connection's pending Recovery: a re-plan (the attempt failed) replaces it.
    if (!this.#pending.has(id)) this.#o.onRecoveryQueued(partition);
    // Taken now, before the reconnect writes anything: the ids written before the gap. A minute
    // early, for the skew between `created_at` (X's clock) and the window (this host's).
    const written = this.#o.writtenSince?.(partition, window.startMs - CREATED_AT_SKEW_MS);
    this.#pending.set(id, { window, written });
  }
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
