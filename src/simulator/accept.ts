/**
 * Opening an accepted connection: its body, its filter, backfill or Recovery replay, flaps, and
 * PowerTrack's grace period for an extra connection. Also what happens when it ends.
 *
 * @module
 */
import { EXTRA_CONNECTION_GRACE_MS } from "../x_limits.ts";
import type { Credential } from "./auth.ts";
import { type BudgetDecision, rateLimitHeaders } from "./connect_budget.ts";
import type { LiveConnection } from "./connection_registry.ts";
import type { SimContext } from "./context.ts";
import { type Dialect, powertrackDialect, v2Dialect } from "./dialects.ts";
import type { History } from "./history.ts";
import { seededUuid } from "./ids_and_times.ts";
import { seededRandom } from "./prng.ts";
import type { AttemptRecord } from "./recorder.ts";
import type { CloseReason } from "./body_types.ts";
import { StreamBody } from "./stream_body.ts";
import type { StreamParams } from "./stream_params.ts";
import type { StreamTarget } from "./connect.ts";

/** Everything the connect checks established about an attempt that will be accepted. */
export interface AcceptPlan {
  readonly target: StreamTarget;
  readonly request: Request;
  readonly path: string;
  readonly credential: Credential;
  readonly params: StreamParams;
  readonly record: AttemptRecord;
  readonly rate: BudgetDecision | undefined;
  readonly limitKey: string;
  /** Accept, then drop after this long without sending anything (a flap). */
  readonly flapAfterMs: number | undefined;
}

/** Posts of `[fromSeq, toSeq)` that belong on a connection, published no later than `untilMs`. */
export function* replaySeqs(
  history: History,
  fromSeq: number,
  toSeq: number,
  accepts: (seq: number) => boolean,
  untilMs?: number,
): Generator<number> {
  for (let seq = fromSeq; seq < toSeq; seq++) {
    if (seq < history.firstSeq) seq = history.firstSeq; // pruned meanwhile
    if (seq >= toSeq) return;
    if (untilMs !== undefined && history.atMs(seq) > untilMs) return;
    if (accepts(seq)) yield seq;
  }
}

function filterFor(
  target: StreamTarget,
  partition: number | undefined,
  history: History,
): (seq: number) => boolean {
  if (target.endpoint === "filter_stream") {
    return (seq) => history.has(seq) && history.rule(seq, 0) >= 0;
  }
  const partitions = target.spec?.partitions;
  if (partition !== undefined && partitions !== undefined) {
    return (seq) => seq % partitions === partition - 1;
  }
  return () => true;
}

/** Closes a connection whose server-side buffer overflowed. Backfill is refused on its next connect. */
export function closeSlowReader(ctx: SimContext, connection: LiveConnection): void {
  ctx.backfillBlocked.add(connection.limitKey);
  const notice = ctx.options.slowReaderNotice
    ? connection.dialect.fullBuffer(ctx.options.serverBufferPosts)
    : undefined;
  connection.body.endWith(notice, "slow-reader");
}

/** After the grace period, drops the newest connections beyond the limit (PowerTrack). */
function scheduleGrace(ctx: SimContext, limitKey: string): void {
  if (ctx.graceTimers.has(limitKey)) return;
  ctx.graceTimers.set(
    limitKey,
    ctx.timers.set(() => {
      ctx.graceTimers.delete(limitKey);
      const max = ctx.options.maxConnections;
      for (const extra of ctx.registry.forLimitKey(limitKey).slice(max).reverse()) {
        extra.body.endWith(extra.dialect.tooManyConnections(max), "too-many-connections");
      }
    }, EXTRA_CONNECTION_GRACE_MS),
  );
}

/** Opens the connection and returns its 200 response. */
export function acceptConnection(ctx: SimContext, plan: AcceptPlan): Response {
  const { target, params, record, limitKey } = plan;
  const { options } = ctx;
  const now = ctx.now();
  const history = ctx.histories[target.feed];
  const sources = { ...ctx, history, problemHost: options.problemHost };
  const dialect: Dialect = target.product === "v2"
    ? v2Dialect(sources, target.feed, target.endpoint === "filter_stream")
    : powertrackDialect(sources, target.streamUrl ?? plan.path);
  const timers: ReturnType<typeof setTimeout>[] = [];
  const onEnd = (reason: CloseReason): void => {
    ctx.registry.remove(connection.id);
    for (const timer of timers) ctx.timers.clear(timer);
    record.closedAtMs = ctx.now();
    record.closeReason = reason;
    record.established = connection.body.established;
    const fault = connection.body.stalled ? "stall" : connection.fault;
    if (fault !== undefined) record.faultAtClose = fault;
  };
  const body = new StreamBody({
    random: seededRandom(options.seed, `connection-${ctx.connectionCount++}`),
    minChunkBytes: options.minChunkBytes,
    maxChunkBytes: options.maxChunkBytes,
    heartbeatIntervalMs: target.product === "v2"
      ? options.v2HeartbeatMs
      : options.powertrackHeartbeatMs,
    heartbeatJitterMs: options.heartbeatJitterMs,
    bufferPosts: options.serverBufferPosts,
    render: dialect.renderPost,
    onSlowReader: () => closeSlowReader(ctx, connection),
    onEnd,
    onEstablished: () => void (record.establishedAtMs = ctx.now()),
    signal: plan.request.signal,
  });
  const recovery = params.recovery;
  const connection: LiveConnection = {
    id: seededUuid(ctx.idRandom),
    endpoint: target.endpoint,
    feed: target.feed,
    path: plan.path,
    partition: params.partition,
    credentialKey: plan.credential.key,
    credential: plan.credential.label,
    limitKey,
    connectedAtMs: now,
    recovery: recovery !== undefined,
    untilMs: recovery?.untilMs,
    onPastUntil: () => endRecovery(),
    live: true,
    accepts: filterFor(target, params.partition, history),
    body,
    dialect,
    attempt: record,
    fault: undefined,
  };
  ctx.registry.add(connection);
  Object.assign(record, {
    status: 200,
    outcome: "accepted",
    connectionId: connection.id,
    stats: body.stats,
  });

  // A flapping connection must not send a byte, not even a replayed one: mute it first.
  if (plan.flapAfterMs !== undefined) {
    body.mute();
    connection.fault = "flap";
    timers.push(ctx.timers.set(() => body.endWith(undefined, "flap"), plan.flapAfterMs));
  }
  let backfillFromMs = params.backfillFromMs;
  if (ctx.backfillBlocked.delete(limitKey) && backfillFromMs !== undefined) {
    backfillFromMs = undefined;
    record.backfillIgnored = true;
  }
  const headSeq = history.nextSeq;
  // A Recovery ends once every post of its window is out: when a post published after its end
  // exists (a tick publishes the posts created since the last one, so the last of the window
  // may come after its end), or a while after its end when publishing stopped.
  const endRecovery = (): void => {
    if (!connection.live) return;
    connection.live = false;
    body.finishWhenDrained("recovery-complete");
  };
  if (recovery) {
    body.replay(
      replaySeqs(
        history,
        history.seqAtOrAfter(recovery.fromMs),
        headSeq,
        connection.accepts,
        recovery.untilMs,
      ),
    );
    const newest = history.nextSeq > history.firstSeq ? history.atMs(history.nextSeq - 1) : -1;
    if (newest > recovery.untilMs) endRecovery();
    else {
      const settleMs = Math.max(1_000, 3 * ctx.options.publishTickMs);
      timers.push(ctx.timers.set(endRecovery, Math.max(recovery.untilMs, now) + settleMs - now));
    }
  } else if (backfillFromMs !== undefined) {
    body.replay(
      replaySeqs(history, history.seqAtOrAfter(backfillFromMs), headSeq, connection.accepts),
    );
  }
  if (
    target.product === "powertrack" && !connection.recovery &&
    ctx.registry.forLimitKey(limitKey).length > options.maxConnections
  ) {
    record.overLimit = true;
    scheduleGrace(ctx, limitKey);
  }
  const headers = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-cache, no-store",
    ...(plan.rate ? rateLimitHeaders(plan.rate) : {}),
  };
  return new Response(body.readable, { status: 200, headers });
}
