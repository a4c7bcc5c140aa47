/**
 * Runs one Recovery job: the stream with the window's `start_time`/`end_time` (or PowerTrack's
 * `startTime`/`endTime`), through the same reconnect loop as the live connections with
 * `endOnEof`, its posts merged into the collector's FIFO as source `"recovery"`.
 *
 * @module
 */
import { delay } from "../abortable_delay.ts";
import type { BackoffPolicy } from "../backoff_policy.ts";
import type { ClientEvent } from "../client_events.ts";
import { type ConnectOptions, resolveConnectOptions } from "../client/connect_options.ts";
import { runConnectionLoop } from "../client/connection_loop.ts";
import { displayUrl } from "../client/credentials.ts";
import { StatusTracker } from "../client/status_tracker.ts";
import type { PostMessage } from "../messages.ts";
import type { CollectorEvent } from "./collector_types.ts";
import type { ConnectGate } from "./connect_gate.ts";
import type { RecoveryJob, RecoveryOutcome } from "./recovery_jobs.ts";
import { RecoveryResume } from "./recovery_resume.ts";

/** What {@linkcode runRecovery} needs from the collector. */
export interface RecoveryRunnerContext {
  /** The connection options shared by every loop (without `connectionId` and hooks). */
  readonly connect: ConnectOptions;
  /** The query parameters that carry out a window. */
  readonly paramsFor: (job: RecoveryJob) => Record<string, string>;
  /** The id its events carry. */
  readonly connectionId: number;
  readonly policy: BackoffPolicy;
  readonly gate: ConnectGate;
  readonly signal: AbortSignal;
  readonly now: () => number;
  readonly emit: (event: CollectorEvent) => void;
  /** Hands a post to the FIFO (a promise while it is full under `"block"`); `replayed` when an
   * earlier attempt of the job read it (a duplicate, whatever the de-duplication window says). */
  readonly deliver: (post: PostMessage, replayed: boolean) => void | Promise<void>;
  /** The product's Recovery unit (a dropped stream resumes a unit before its newest post's).
   * @default {60_000} (PowerTrack's minute; v2's is a second) */
  readonly unitMs?: number;
}

/** A Recovery stream that ends before its first post or heartbeat is asked again this many
 * times before its window counts as empty (it may have dropped before its first byte). */
export const EMPTY_RECOVERY_RETRIES = 3;

/**
 * A window is asked for once its end is this far in the past. A post reaches the stream (and
 * what a Recovery replays) a little after its `created_at`: asked for sooner, a window's stream
 * may end before the posts created just before its end are there, and the collector, which
 * counts the window as covered, would start a later window at its end (the simulator publishes
 * a tick's posts after their times, and ended such a window at its end: most likely how a
 * 10-minute soak lost one tick of posts).
 */
export const RECOVERY_SETTLE_MS = 10_000;

/**
 * Runs `job` until its stream ends cleanly (`ok`), stops for good, or `signal` aborts; not before
 * its window's end is {@linkcode RECOVERY_SETTLE_MS} in the past. A stream that drops part-way
 * is asked again from a unit before its newest post (see {@linkcode RecoveryResume}), not from
 * the window's start. Emits `recovery-started` and `recovery-finished`. Never rejects for a
 * failed stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackoffPolicy } from "../backoff_policy.ts";
 * import { ConnectGate } from "./connect_gate.ts";
 * import { runRecovery } from "./recovery_runner.ts";
 * const policy = new BackoffPolicy();
 * const urls: string[] = [];
 * const outcome = await runRecovery({ id: 1, window: { kind: "recovery", startMs: 0, endMs: 60_000 }, partition: undefined }, {
 *   connect: {
 *     url: "https://api.x.com/2/tweets/search/stream",
 *     fetch: (request) => {
 *       urls.push(request.url);
 *       return Promise.resolve(new Response('{"data":{"id":"1"}}\r\n'));
 *     },
 *   },
 *   paramsFor: () => ({ start_time: "1970-01-01T00:00:00Z", end_time: "1970-01-01T00:01:00Z" }),
 *   connectionId: 1, policy, gate: new ConnectGate({ policy, now: Date.now }),
 *   signal: new AbortController().signal, now: Date.now, emit: () => {}, deliver: () => {},
 * });
 * assert.deepEqual(outcome, { ok: true, posts: 1, reason: "eof" });
 * assert.match(urls[0], /start_time=1970-01-01T00%3A00%3A00Z/);
 * ```
 */
export async function runRecovery(
  job: RecoveryJob,
  ctx: RecoveryRunnerContext,
): Promise<RecoveryOutcome> {
  const { connectionId, gate, now } = ctx;
  const settleMs = job.window.endMs + RECOVERY_SETTLE_MS - now();
  if (settleMs > 0) {
    try {
      await delay(settleMs, ctx.signal);
    } catch {
      return { ok: false, posts: 0, reason: "closed" };
    }
  }
  let posts = 0;
  const resume = new RecoveryResume({ startMs: job.window.startMs, unitMs: ctx.unitMs ?? 60_000 });
  const range = { startMs: job.window.startMs, endMs: job.window.endMs };
  const tag = job.partition === undefined ? {} : { partition: job.partition };
  ctx.emit({ type: "recovery-started", atMs: now(), ...range, posts, ...tag });
  const options = resolveConnectOptions({
    ...ctx.connect,
    connectionId,
    params: {
      ...ctx.connect.params,
      ...(job.partition === undefined ? {} : { partition: String(job.partition) }),
      ...ctx.paramsFor(job),
    },
    beforeConnect: async ({ attempt, url }) => {
      await gate.enter(connectionId, ctx.signal);
      if (attempt === 1 || resume.fromMs <= job.window.startMs) return;
      const resumed = ctx.paramsFor({ ...job, window: { ...job.window, startMs: resume.fromMs } });
      for (const [name, value] of Object.entries(resumed)) url.searchParams.set(name, value);
      return url;
    },
  });
  const exit = await runConnectionLoop({
    options,
    status: new StatusTracker({
      url: displayUrl(options.url),
      stallTimeoutMs: options.stallTimeoutMs,
      now,
    }),
    emit: (event: ClientEvent) => {
      gate.observe(connectionId, event);
      ctx.emit(event);
    },
    deliver: (post) => {
      posts++;
      gate.leave(connectionId); // established: the next connect request may go
      const id = post.id;
      if (id === undefined || post.createdAt === undefined) return ctx.deliver(post, false);
      const replayed = resume.has(id);
      resume.note(id, Date.parse(post.createdAt));
      return ctx.deliver(post, replayed);
    },
    signal: ctx.signal,
    endOnEof: true,
    emptyEofRetries: EMPTY_RECOVERY_RETRIES,
    policy: ctx.policy,
  });
  const ok = exit.reason === "eof";
  ctx.emit({ type: "recovery-finished", atMs: now(), ...range, posts, ok, ...tag });
  return { ok, posts, reason: exit.reason };
}
