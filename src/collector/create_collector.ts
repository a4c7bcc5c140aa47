/**
 * `createCollector()`: the "nothing lost" client. N reconnect loops (redundant connections and/or
 * partitions), a durable watermark, backfill and Recovery planned from the gap, de-duplication,
 * a bounded FIFO between reading and the sinks, a post meter and alerts.
 *
 * @module
 */
import { BackoffPolicy } from "../backoff_policy.ts";
import type { ClientEvent } from "../client_events.ts";
import { runConnectionLoop } from "../client/connection_loop.ts";
import { DedupWindow, DEFAULT_DEDUP_MAX_ENTRIES, MemoryDedupStore } from "../dedup/dedup_window.ts";
import type { PostMessage } from "../messages.ts";
import { PostMeter } from "../meter/post_meter.ts";
import { MemoryWatermarkStore } from "../storage/watermark.ts";
import { AlertCenter } from "./alert_center.ts";
import { resolveCollectorOptions } from "./collector_options.ts";
import { buildConnections, type CollectorConnection } from "./collector_connections.ts";
import { CollectorHub } from "./collector_hub.ts";
import { ConnectGate } from "./connect_gate.ts";
import type {
  Collector,
  CollectorEvent,
  CollectorOptions,
  CollectorStatus,
} from "./collector_types.ts";
import { isFullBuffer, isSuddenStop } from "./disconnect_kinds.ts";
import { GapResponder } from "./gap_responder.ts";
import { PartitionWatermarks } from "./partition_watermarks.ts";
import { BACKFILL_SOURCE, PostPipeline, RECOVERY_SOURCE } from "./post_pipeline.ts";
import { recoveryUnitMs } from "../recovery/recovery_planner.ts";
import { RecoveryJobs } from "./recovery_jobs.ts";
import { RecentlyWritten } from "./recovery_margin.ts";
import { RecoveryLedger } from "./replay_ledger.ts";
import { runRecovery } from "./recovery_runner.ts";
import { seedDedup } from "./seed_dedup.ts";
import { StreamGaps } from "./stream_gaps.ts";
import { ConnectionLimitHandler, v2ConnectionsAdmin } from "./connection_limit_handler.ts";
import { isTooManyConnections } from "./too_many_connections.ts";

const TICK_MS = 1_000;

/**
 * Starts a collector: it connects at once (after loading the watermark and claiming the ids its
 * sinks already hold, see `PostSink.recentIds`) and runs until `close()`, a pause at the meter's
 * cap or X's usage cap, or until every connection has stopped for good. Throws
 * `TypeError`/`RangeError` for invalid options.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { createCollector } from "./create_collector.ts";
 * import type { PostMessage } from "../messages.ts";
 * // A stand-in for X: the same post twice (as redundant connections or a backfill would send
 * // it), then the body stays open. Pass the simulator's `fetch` the same way.
 * const line = '{"data":{"id":"1","text":"hi"}}\r\n';
 * const fakeX = (request: Request): Promise<Response> =>
 *   Promise.resolve(new Response(new ReadableStream({
 *     start(controller) {
 *       controller.enqueue(new TextEncoder().encode(line + line));
 *       request.signal.addEventListener("abort", () => controller.error(request.signal.reason));
 *     },
 *   })));
 * const lines: string[] = [];
 * const collector = createCollector({
 *   url: "https://api.x.com/2/tweets/search/stream",
 *   auth: { bearer: "YOUR-TOKEN" },
 *   fetch: fakeX,
 *   sinks: [{
 *     write: (post: PostMessage) => { lines.push(post.line); return Promise.resolve(); },
 *     flush: () => Promise.resolve(),
 *     close: () => Promise.resolve(),
 *     position: () => ({ kind: "memory", posts: lines.length, bytes: 0 }),
 *   }],
 * });
 * // Wait until the second copy was recognised as a duplicate, then stop.
 * await new Promise<void>((resolve) => {
 *   collector.subscribe((event) => event.type === "duplicate" && resolve());
 * });
 * await collector.close();
 * assert.equal(lines[0], '{"data":{"id":"1","text":"hi"}}');
 * assert.equal(lines.length, 1);
 * assert.equal(collector.status().dedup.duplicatesBySource["connection-0"], 1);
 * ```
 */
export function createCollector(options: CollectorOptions): Collector {
  const resolved = resolveCollectorOptions(options);
  const { now } = resolved;
  const hub = new CollectorHub();
  if (options.onEvent !== undefined) hub.subscribe(options.onEvent);
  const stopper = new AbortController();
  const userSignal = options.signal;
  const onUserAbort = (): void => stopper.abort(userSignal?.reason);
  userSignal?.addEventListener("abort", onUserAbort, { once: true });
  if (userSignal?.aborted) stopper.abort(userSignal.reason);

  // One connection per (partition, redundant copy); `connectionId` is its index.
  const connections = buildConnections({
    connect: resolved.connect,
    partitions: resolved.partitions,
    copies: resolved.connections,
    now,
    beforeConnect: async (id, url) => {
      await gate.enter(id, stopper.signal);
      return responder.beforeConnect(id, url);
    },
  });
  const base = connections[0].options;
  const product = base.endpoint.product;
  // One policy for every loop: X's connect budget and 429 lock-outs belong to the credential and
  // the stream, not to one connection (redundant connections must not draw each other's 429s).
  const policy = new BackoffPolicy(base.backoff);
  const gate = new ConnectGate({ policy, now });

  const alerts = new AlertCenter({
    webhookUrl: options.alerts?.webhookUrl,
    windowMs: options.alerts?.windowMs,
    lagThresholdMs: options.alerts?.lagThresholdMs,
    holdClientAlerts: ["too-many-connections"],
    now,
    fetch: base.fetch,
    emit: (event) => hub.emit(event),
    onError: (error) => emitError(error),
  });
  const emit = (event: CollectorEvent): void => {
    hub.emit(event);
    alerts.observe(event);
  };
  const emitError = (error: unknown): void =>
    hub.emit({ type: "callback-error", atMs: now(), connectionId: -1, error });

  const window = options.dedup?.store === undefined
    ? new DedupWindow({
      maxEntries: options.dedup?.maxEntries,
      maxAgeMs: options.dedup?.maxAgeMs,
      now,
    })
    : undefined;
  const dedupStore = options.dedup?.store ?? new MemoryDedupStore(window!);
  const watermarks = new PartitionWatermarks({
    store: options.watermarkStore ?? new MemoryWatermarkStore(),
    streamKey: options.streamKey ?? base.url.pathname,
    partitions: resolved.partitions,
    now,
    onError: emitError,
  });
  let paused = false;
  let backfilled = 0;
  let recovered = 0;
  /** Heartbeats read while posts were still queued: they count once those are written. */
  const pendingHeartbeats = new Map<number | undefined, number>();

  const meter = new PostMeter({
    cap: options.meter?.cap,
    thresholds: options.meter?.thresholds,
    pauseAtCap: options.meter?.pauseAtCap,
    now,
    onEvent: (event) => {
      if (event.type === "callback-error") return;
      const capped = event.type === "meter-capped";
      alerts.raise({
        kind: "meter-threshold",
        message: capped
          ? `The post cap is reached (${event.count} of ${event.limit})` +
            (options.meter?.pauseAtCap === false ? "" : ": the collector pauses")
          : `${Math.round(event.threshold * 100)}% of the post cap is used ` +
            `(${event.count} of ${event.limit})`,
        details: { ...event },
      });
    },
  });

  const recentlyWritten = new RecentlyWritten();
  const ledger = new RecoveryLedger({ product });
  const pipeline = new PostPipeline({
    queue: options.queue ?? {},
    store: dedupStore,
    window,
    sinks: options.sinks,
    sinkRetry: options.sinkRetry,
    now,
    onQueueEvent: (event) => {
      if (event.type === "queue-blocked") {
        const { depth, bytes, message } = event;
        emit({ type: "queue-blocked", atMs: now(), depth, bytes, message });
      } else if (event.type === "callback-error") emitError(event.error);
    },
    onDuplicate: (item) => {
      if (item.post.id !== undefined) {
        emit({ type: "duplicate", atMs: now(), source: item.source, id: item.post.id });
      }
    },
    onWritten: (item, createdAtMs) => {
      const { id, createdAt } = item.post;
      const atMs = createdAtMs ?? item.receivedAtMs;
      if (id !== undefined) {
        ledger.noteWritten(item.partition, id, atMs, item.written);
        // For the margin of a later replay (of a Recovery's posts, only its last minutes).
        recentlyWritten.note(item.partition, id, atMs);
        // A connection that replays a backfill, or whose live posts come late behind one,
        // brings copies of what the others write meanwhile, more posts later than the
        // de-duplication window may hold.
        for (const c of connections) {
          if (c.partition !== item.partition) continue;
          if (c.backfill !== undefined && atMs >= c.backfill.readBeforeMs) {
            c.backfill.written.add(id);
          } else if (c.catchUp !== undefined && atMs < c.catchUp.untilMs) c.catchUp.written.add(id);
        }
      }
      if (item.source !== RECOVERY_SOURCE) {
        watermarks.observe(item.partition, item.receivedAtMs, { id, createdAt });
      }
      const verdict = meter.record(item.post);
      if (verdict === "capped") pause("meter-cap");
      return verdict;
    },
    onError: (error) => emitError(error),
    onSinkError: ({ sinkIndex, error, item, attempt, retryInMs }) => {
      emitError(error);
      const sink = describeSink(sinkIndex);
      alerts.raise({
        kind: "sink-failing",
        message: retryInMs === undefined
          ? `${sink} still fails while closing: it is given up (${errorText(error)})`
          : `${sink} failed to write a post (attempt ${attempt}: ${errorText(error)}); ` +
            `retrying in ${retryInMs} ms while the queue waits`,
        details: { sinkIndex, kind: sinkKind(sinkIndex), attempt, retryInMs, postId: item.post.id },
      });
    },
    onUnwritten: ({ sinks, firstUnwritten }) => {
      alerts.raise({
        kind: "sink-failing",
        message: `Closing gave up on ${
          sinks.map((s) => `${describeSink(s.sinkIndex)} (${s.posts} posts not written)`).join(", ")
        }: the watermark stays before post ${firstUnwritten.post.id ?? "(no id)"}, so a ` +
          "restart recovers them",
        details: {
          unwritten: sinks.map((s) => ({ ...s, kind: sinkKind(s.sinkIndex) })),
          firstUnwrittenId: firstUnwritten.post.id,
        },
      });
    },
    onIdle: () => {
      for (const [partition, atMs] of pendingHeartbeats) watermarks.observe(partition, atMs);
      pendingHeartbeats.clear();
    },
  });

  function sinkKind(index: number): string {
    try {
      return options.sinks[index].position().kind;
    } catch {
      return "unknown";
    }
  }
  const describeSink = (index: number): string => `Sink ${index} (${sinkKind(index)})`;

  const gaps = new StreamGaps({
    product,
    backfill: resolved.backfill,
    partitions: connections.map((c) => c.partition),
  });
  const recoveryStopper = new AbortController();
  const jobs = new RecoveryJobs({
    now,
    run: async (job) => {
      let ok = false;
      try {
        const outcome = await runRecovery(job, {
          connect: resolved.connect,
          paramsFor: (j) => responder.recoveryParams(j.window),
          connectionId: connections.length + job.id - 1,
          policy,
          gate,
          signal: recoveryStopper.signal,
          now,
          emit,
          unitMs: recoveryUnitMs(product),
          deliver: (post, replayed) => {
            recovered++;
            return pipeline.deliver({
              post,
              source: RECOVERY_SOURCE,
              partition: job.partition,
              receivedAtMs: now(),
              written: job.written,
              ...(replayed ? { read: true } : {}),
            });
          },
        });
        ok = outcome.ok;
        if (!outcome.ok && outcome.reason !== "closed") {
          responder.recoveryFailed(job, outcome.reason ?? "unknown");
        }
        return outcome;
      } finally {
        ledger.finished(job.partition, job.written, ok);
        watermarks.release(job.partition);
      }
    },
  });
  const responder = new GapResponder({
    gaps,
    jobs,
    ledger,
    product,
    recovery: resolved.recovery,
    now,
    partitionOf: (id) => connections[id].partition,
    onBackfill: (id, { minutes, gapMs, readBeforeMs, written }) => {
      connections[id].backfill = { beforeMs: now(), readBeforeMs, written: written ?? new Set() };
      connections[id].catchUp = undefined;
      emit({ type: "backfill-planned", atMs: now(), connectionId: id, minutes, gapMs });
    },
    onNoBackfill: (id) => {
      connections[id].backfill = undefined;
      connections[id].catchUp = undefined;
    },
    onRecoveryQueued: (partition) => watermarks.hold(partition),
    onRecoveryDropped: (partition) => watermarks.release(partition),
    writtenSince: (partition, sinceMs) => recentlyWritten.since(partition, sinceMs),
    raise: (input) => alerts.raise(input),
  });
  const tooMany = new ConnectionLimitHandler({
    admin: v2ConnectionsAdmin(base, resolved.connect.auth),
    ourConnectedAtMs: () => connections.flatMap((c) => c.status.snapshot().connectedAtMs ?? []),
    list: options.tooManyConnections?.list ?? true,
    endStale: options.tooManyConnections?.endStale ?? false,
    now,
    signal: stopper.signal,
    raise: (input) => alerts.raise(input),
    onError: emitError,
  });

  function pause(reason: string): void {
    if (paused) return;
    paused = true;
    emit({
      type: "collector-alert",
      atMs: now(),
      alert: "meter-threshold",
      message: reason === "usage-capped"
        ? "X reports the usage cap is reached: the collector stopped"
        : "The post cap is reached: the collector disconnected (pauseAtCap)",
      details: { reason },
    });
    stopper.abort();
  }

  function onConnectionEvent(connection: CollectorConnection, event: ClientEvent): void {
    const { id, partition } = connection;
    gate.observe(id, event);
    switch (event.type) {
      case "connected":
        gaps.noteConnected(id, event.atMs);
        responder.connected(id, event.atMs);
        break;
      case "heartbeat":
        gaps.noteActivity(id, event.atMs);
        if (pipeline.idle) watermarks.observe(partition, event.atMs);
        else pendingHeartbeats.set(partition, event.atMs);
        break;
      case "disconnected":
        gaps.noteDisconnect(id, isFullBuffer(event.cause), isSuddenStop(event.cause));
        responder.disconnected(id);
        if (isTooManyConnections(event.cause)) tooMany.handle(id, event.cause);
        break;
      case "stopped":
        if (event.reason === "usage-capped") pause("usage-capped");
        break;
    }
    emit(event);
  }

  function deliver(connection: CollectorConnection, post: PostMessage): void | Promise<void> {
    const atMs = now();
    gate.leave(connection.id); // established: the next connect request may go
    const createdAtMs = post.createdAt === undefined ? undefined : Date.parse(post.createdAt);
    gaps.noteActivity(connection.id, atMs, createdAtMs);
    const backfill = connection.backfill;
    const replayed = backfill !== undefined && createdAtMs !== undefined &&
      createdAtMs < backfill.beforeMs;
    if (replayed) backfilled++;
    else if (backfill !== undefined && createdAtMs !== undefined) {
      // The first live post ends the replay. The live posts that waited behind it at X were
      // written by the other connections meanwhile: the replay's set stays with them until the
      // connection is in step again (a post created after the replay ended).
      connection.backfill = undefined;
      connection.catchUp = { written: backfill.written, untilMs: atMs };
    }
    let catchUp = replayed ? undefined : connection.catchUp;
    if (catchUp !== undefined && (createdAtMs === undefined || createdAtMs >= catchUp.untilMs)) {
      connection.catchUp = catchUp = undefined; // in step again
    }
    const held = pipeline.deliver({
      post,
      source: replayed ? BACKFILL_SOURCE : `connection-${connection.id}`,
      partition: connection.partition,
      receivedAtMs: atMs,
      ...(replayed
        ? { read: createdAtMs < backfill.readBeforeMs, written: backfill.written }
        : catchUp === undefined
        ? {}
        : { written: catchUp.written }),
    });
    if (held !== undefined) gaps.noteLagged(connection.id);
    return held;
  }

  const tick = setInterval(() => {
    const queue = pipeline.queueStats();
    alerts.tick({
      written: pipeline.written,
      lagMs: lagMs(),
      queueDropped: queue.droppedOldest + queue.droppedNewest,
    });
  }, TICK_MS);
  const lagMs = (): number | undefined => {
    const newest = pipeline.newestPostAtMs;
    return newest === undefined ? undefined : Math.max(0, now() - newest);
  };

  const run = async (): Promise<void> => {
    try {
      const loaded = await watermarks.load();
      for (const [partition, mark] of loaded) {
        for (const c of connections) {
          if (c.partition === partition) gaps.resume(partition, mark.lastActivityMs);
        }
      }
    } catch (error) {
      emitError(error);
    }
    // The ids the sinks already hold (a killed run's output) are duplicates of what a restart
    // replays: claimed before any connection opens.
    await seedDedup({
      sinks: options.sinks,
      store: dedupStore,
      window,
      maxIds: options.dedup?.maxEntries ?? DEFAULT_DEDUP_MAX_ENTRIES,
      signal: stopper.signal,
      onError: (index, error) =>
        emitError(
          new Error(
            `${describeSink(index)} could not report the ids it holds, so it was skipped: ` +
              error.message,
            { cause: error },
          ),
        ),
    });
    if (!stopper.signal.aborted) {
      await Promise.all(connections.map((connection) =>
        runConnectionLoop({
          options: connection.options,
          status: connection.status,
          emit: (event) => onConnectionEvent(connection, event),
          deliver: (post) => deliver(connection, post),
          signal: stopper.signal,
          policy,
        })
      ));
    }
    // Every live loop has stopped (closed, paused, or stopped for good): end the Recoveries too.
    stopper.abort();
    jobs.stop();
    recoveryStopper.abort();
    await jobs.idle();
  };

  const closed: Promise<void> = Promise.resolve()
    .then(run)
    .catch(emitError)
    .then(async () => {
      clearInterval(tick);
      await pipeline.drain();
      // Posts given up at close: heartbeats read after them must not move the watermark past.
      if (!pipeline.gaveUp) {
        for (const [partition, atMs] of pendingHeartbeats) watermarks.observe(partition, atMs);
      }
      // The sinks are made durable first, so the saved watermark never claims more than they hold.
      for (const sink of options.sinks) await sink.flush().catch(emitError);
      await watermarks.flush().catch(emitError);
      for (const sink of options.sinks) await sink.close().catch(emitError);
      await tooMany.idle();
      await alerts.close();
    })
    .catch(emitError)
    .finally(() => userSignal?.removeEventListener("abort", onUserAbort));

  return {
    closed,
    subscribe: (listener) => hub.subscribe(listener),
    close: () => {
      stopper.abort();
      return closed;
    },
    status: (): CollectorStatus => ({
      connections: connections.map((c) => c.status.snapshot()),
      written: pipeline.written,
      backfilled,
      recovered,
      recoveries: jobs.counts(),
      dedup: pipeline.dedupStats(),
      queue: pipeline.queueStats(),
      lagMs: lagMs(),
      meter: meter.stats(),
      sinks: options.sinks.map((sink) => {
        try {
          return sink.position();
        } catch {
          return { kind: "unknown", posts: 0, bytes: 0 };
        }
      }),
      watermark: watermarks.current(),
      paused,
    }),
  };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
