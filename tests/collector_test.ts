import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createCollector } from "../src/collector/create_collector.ts";
import type { CollectorEvent } from "../src/collector/collector_types.ts";
import { RecoveryJobs } from "../src/collector/recovery_jobs.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import { MemoryWatermarkStore } from "../src/storage/watermark.ts";
import {
  BodyReader,
  installClock,
  PT_URL,
  type TestClock,
  V2_HEADERS,
} from "./helpers/simulator_harness.ts";
import {
  assertExactlyOnce,
  publishedIds,
  SAMPLE10_URL,
  SAMPLE_URL,
  startCollector,
  streamAttempts,
} from "./helpers/collector_harness.ts";
import { MemoryPostSink } from "./helpers/memory_post_sink.ts";

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

type Alert = Extract<CollectorEvent, { type: "collector-alert" }>;
const alertsOf = (events: CollectorEvent[], kind: string): Alert[] =>
  events.filter((e): e is Alert => e.type === "collector-alert" && e.alert === kind);

describe("createCollector options", () => {
  it("createCollector names the option, the rule and the value it refuses", () => {
    const base = { url: SAMPLE_URL, sinks: [] };
    assert.throws(() => createCollector({ ...base, connections: 0 }), {
      name: "RangeError",
      message: "Cannot construct Collector as 'connections' must be a positive integer: " +
        "current value is 0",
    });
    assert.throws(() => createCollector({ ...base, backfill: "sometimes" as "auto" }), {
      name: "RangeError",
      message: `Cannot construct Collector as 'backfill' must be "auto", "off" or a whole ` +
        `number of minutes from 1 to 5: current value is "sometimes"`,
    });
    assert.throws(() => createCollector({ ...base, recovery: "yes" as unknown as boolean }), {
      name: "TypeError",
      message: `Cannot construct Collector as 'recovery' must be a boolean: current value is "yes"`,
    });
    assert.throws(() => createCollector({ ...base, sinks: [{}] as never }), {
      name: "TypeError",
      message: /^Cannot construct Collector as 'sinks.0.write' must be a PostSink/,
    });
    assert.throws(() => createCollector({ ...base, sinkRetry: { drainTimeoutMs: -5 } }), {
      name: "RangeError",
      message: "Cannot construct Collector as 'sinkRetry.drainTimeoutMs' must be a positive " +
        "integer: current value is -5",
    });
    assert.throws(() => createCollector({ ...base, stallTimeoutMs: 0 }), {
      message: "Cannot connect as 'stallTimeoutMs' must be a positive integer: current value is 0",
    });
  });
});

describe("createCollector", () => {
  it("reads each partition of a partitioned stream with its own loop and watermark", async () => {
    const sim = createSimulator({ seed: 21, postsPerSecond: 20 });
    const store = new MemoryWatermarkStore();
    const { collector, sink } = startCollector(sim, {
      url: SAMPLE10_URL,
      partitions: [1, 2],
      watermarkStore: store,
    });
    await clock.tickAsync(1_000);
    const since = sim.now();
    await clock.tickAsync(30_000);
    sim.fault({ kind: "reset" }); // both partitions drop and backfill their own gap
    await clock.tickAsync(30_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(5_000);
    await collector.close();
    sim.close();

    const ids = publishedIds(sim, since, until);
    assertExactlyOnce(sink.posts, ids);
    const attempts = streamAttempts(sim);
    assert.deepEqual(
      [...new Set(attempts.map((a) => a.query.partition))].sort(),
      ["1", "2"],
    );
    const status = collector.status();
    assert.deepEqual(status.connections.map((c) => c.state), ["stopped", "stopped"]);
    for (const partition of [1, 2]) {
      const mark = await store.load(`/2/tweets/sample10/stream#partition=${partition}`);
      assert.equal(mark?.partition, partition);
      assert.ok(mark!.lastActivityMs >= until);
    }
  });

  it("disconnects cleanly and reports paused when the meter reaches its cap", async () => {
    const sim = createSimulator({ seed: 22, postsPerSecond: 50 });
    const { collector, sink, events } = startCollector(sim, {
      meter: { cap: { limit: 200, period: "daily" }, thresholds: [0.5] },
    });
    await clock.tickAsync(10_000);
    await collector.closed; // it stopped by itself
    const status = collector.status();
    assert.equal(status.paused, true);
    assert.ok(status.written >= 200 && status.written < 260, `${status.written} written`);
    assert.equal(status.meter?.capped, true);
    assert.equal(status.meter?.byTag[""], status.written);
    assert.ok(status.connections.every((c) => c.state === "stopped"));
    assert.equal(sink.closed, true);
    const meterAlerts = alertsOf(events, "meter-threshold");
    assert.ok(meterAlerts.some((a) => /50% of the post cap/.test(a.message)));
    assert.ok(meterAlerts.some((a) => /disconnected|reached/.test(a.message)));
    assert.equal(sim.connections().length, 0, "no connection left open at X");
    sim.close();
    assert.equal(clock.countTimers(), 0);
  });

  it("pauses on X's usage-capped message", async () => {
    const sim = createSimulator({ seed: 23, postsPerSecond: 10 });
    const { collector } = startCollector(sim);
    await clock.tickAsync(5_000);
    sim.fault({ kind: "usage-cap", period: "Monthly" });
    await clock.tickAsync(1_000);
    await collector.closed;
    assert.equal(collector.status().paused, true);
    assert.equal(collector.status().connections[0].stopReason, "usage-capped");
    sim.close();
  });

  it("counts drops under drop-newest and raises a queue-dropping alert", async () => {
    const sim = createSimulator({ seed: 24, postsPerSecond: 100 });
    const sink = new MemoryPostSink({ delayMs: 50 });
    const { collector, events } = startCollector(
      sim,
      { queue: { maxItems: 10, policy: "drop-newest" } },
      sink,
    );
    await clock.tickAsync(5_000);
    const queue = collector.status().queue;
    assert.ok(queue.droppedNewest > 100, `${queue.droppedNewest} dropped`);
    assert.ok(queue.depth <= 10);
    assert.equal(alertsOf(events, "queue-dropping").length >= 1, true);
    sim.pausePublishing();
    await clock.tickAsync(2_000);
    await collector.close();
    sim.close();
  });

  it("warns once when a full queue blocks the reader", async () => {
    const sim = createSimulator({ seed: 25, postsPerSecond: 100 });
    const sink = new MemoryPostSink({ delayMs: 50 });
    const { collector, events } = startCollector(sim, { queue: { maxItems: 10 } }, sink);
    await clock.tickAsync(5_000);
    const blocked = events.filter((e) => e.type === "queue-blocked");
    assert.equal(blocked.length, 1);
    assert.match((blocked[0] as { message: string }).message, /slow reader/);
    assert.ok(collector.status().queue.blockedWaits > 0);
    sim.pausePublishing();
    await clock.tickAsync(60_000);
    await collector.close();
    sim.close();
  });

  it("close() drains the queue into the sinks, saves the watermark and closes the sinks", async () => {
    const sim = createSimulator({ seed: 26, postsPerSecond: 100 });
    const sink = new MemoryPostSink({ delayMs: 10 });
    const store = new MemoryWatermarkStore();
    const { collector } = startCollector(sim, { watermarkStore: store }, sink);
    await clock.tickAsync(3_000);
    sim.pausePublishing();
    const before = collector.status();
    assert.ok(before.queue.depth > 0, "posts are waiting in the queue");
    const closing = collector.close();
    assert.equal(collector.close(), closing, "idempotent");
    await clock.tickAsync(60_000);
    await closing;
    const after = collector.status();
    assert.equal(after.queue.depth, 0);
    assert.equal(after.written, sink.posts.length);
    assert.ok(after.written >= before.written + before.queue.depth);
    assert.equal(sink.closed, true);
    assert.ok(sink.flushes >= 1);
    const mark = await store.load("/2/tweets/sample/stream");
    assert.equal(mark?.newestPostId, sink.posts.at(-1)?.id);
    assert.equal(sim.connections().length, 0);
    assert.ok(after.lagMs !== undefined);
    assert.equal(after.sinks[0].posts, sink.posts.length);
    sim.close();
    assert.equal(clock.countTimers(), 0);
  });

  it("lists X's connections on TooManyConnections and ends only stale ones when asked", async () => {
    const sim = createSimulator({ seed: 27, postsPerSecond: 5 });
    // A leftover of a crashed run holds the only slot.
    const leftover = new BodyReader(
      await sim.fetch(new Request(SAMPLE_URL, { headers: V2_HEADERS })),
    );
    await clock.tickAsync(120_000);
    const { collector, events } = startCollector(sim, { tooManyConnections: { endStale: true } });
    await clock.tickAsync(5_000);
    const alerts = alertsOf(events, "too-many-connections");
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].message, /X lists 1 connection/);
    assert.match(alerts[0].message, /ended 1 not opened by this collector/);
    await leftover.done;
    assert.equal(leftover.state, "eof");
    // The 429 wait (until x-rate-limit-reset), then our connection gets the freed slot.
    await clock.tickAsync(800_000);
    assert.equal(collector.status().connections[0].state, "connected");
    await collector.close();
    sim.close();
  });

  it("does not end other connections unless endStale is set", async () => {
    const sim = createSimulator({ seed: 28, postsPerSecond: 5 });
    const leftover = new BodyReader(
      await sim.fetch(new Request(SAMPLE_URL, { headers: V2_HEADERS })),
    );
    const { collector, events } = startCollector(sim);
    await clock.tickAsync(5_000);
    const alerts = alertsOf(events, "too-many-connections");
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].message, /set tooManyConnections.endStale/);
    assert.equal(leftover.state, "open");
    await collector.close();
    await leftover.cancel();
    sim.close();
  });

  it("reports a gap beyond 24 hours with its exact window and recovers the last 24 hours", async () => {
    const sim = createSimulator({ seed: 29, postsPerSecond: 0 });
    const store = new MemoryWatermarkStore();
    const startMs = sim.now() - 30 * 3_600_000; // the last run stopped 30 h ago
    await store.save({
      streamKey: "/2/tweets/sample/stream",
      lastActivityMs: startMs,
      updatedAtMs: startMs,
    });
    const nowMs = sim.now();
    const { collector, events } = startCollector(sim, { watermarkStore: store });
    // No posts: the live connection is never established, so the Recovery's request waits for
    // the gate's 10 s hold cap.
    await clock.tickAsync(11_000);
    const alerts = alertsOf(events, "gap-unrecoverable");
    assert.equal(alerts.length, 1);
    assert.equal(alerts[0].details?.startMs, startMs - 30_000); // the margin included
    assert.equal(alerts[0].details?.endMs, nowMs - 24 * 3_600_000);
    const recovery = streamAttempts(sim).find((a) => a.query.start_time !== undefined);
    assert.equal(
      recovery?.query.start_time,
      new Date(nowMs - 24 * 3_600_000 + 60_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
    );
    await collector.close();
    sim.close();
  });

  it("sends backfillMinutes to PowerTrack, once per gap", async () => {
    const sim = createSimulator({ seed: 30, postsPerSecond: 10 });
    const { collector, sink } = startCollector(sim, {
      url: PT_URL,
      auth: { basic: { username: "alice", password: "secret" } },
    });
    await clock.tickAsync(5_000);
    const since = sim.now();
    sim.fault({ kind: "eof" });
    await clock.tickAsync(20_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(5_000);
    await collector.close();
    sim.close();
    const attempts = streamAttempts(sim);
    assert.deepEqual(attempts.map((a) => a.query.backfillMinutes), [undefined, "1"]);
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
  });

  it("recovers a PowerTrack gap with startTime/endTime to the minute", async () => {
    const sim = createSimulator({ seed: 34, postsPerSecond: 5 });
    const { collector, sink } = startCollector(sim, {
      url: PT_URL,
      auth: { basic: { username: "alice", password: "secret" } },
    });
    await clock.tickAsync(5_000);
    const since = sim.now();
    sim.fault({ kind: "rate-limit", resetInMs: 10 * 60_000 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(12 * 60_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(90_000); // the Recovery's end, rounded up to the minute, has passed
    await collector.close();
    sim.close();
    const recovery = streamAttempts(sim).find((a) => a.query.startTime !== undefined);
    assert.match(recovery?.query.startTime ?? "", /^\d{12}$/);
    assert.match(recovery?.query.endTime ?? "", /^\d{12}$/);
    assert.equal(collector.status().recoveries.done, 1);
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
  });

  for (const [backfill, sent] of [[2, "2"], ["off", undefined]] as const) {
    it(`backfill: ${JSON.stringify(backfill)} sends ${sent ?? "no"} backfill_minutes after a drop`, async () => {
      const sim = createSimulator({ seed: 33, postsPerSecond: 10 });
      const { collector } = startCollector(sim, { backfill });
      await clock.tickAsync(5_000);
      sim.fault({ kind: "eof" });
      await clock.tickAsync(5_000);
      await collector.close();
      sim.close();
      assert.deepEqual(streamAttempts(sim).map((a) => a.query.backfill_minutes), [undefined, sent]);
    });
  }

  it("reports a throwing onEvent as callback-error and keeps collecting", async () => {
    const sim = createSimulator({ seed: 31, postsPerSecond: 10 });
    const { collector, sink } = startCollector(sim, {
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    const errors: unknown[] = [];
    collector.subscribe((e) => e.type === "callback-error" && errors.push(e.error));
    await clock.tickAsync(5_000);
    assert.ok(sink.posts.length > 20);
    assert.ok(errors.length > 0 && (errors[0] as Error).message === "listener bug");
    await collector.close();
    sim.close();
  });

  it("stops when its signal aborts", async () => {
    const sim = createSimulator({ seed: 32, postsPerSecond: 10 });
    const controller = new AbortController();
    const { collector, sink } = startCollector(sim, { signal: controller.signal });
    await clock.tickAsync(2_000);
    controller.abort();
    await clock.tickAsync(0);
    await collector.closed;
    assert.equal(sink.closed, true);
    assert.equal(collector.status().connections[0].state, "stopped");
    sim.close();
  });
});

describe("createCollector: one connect request at a time", () => {
  it("a redundant connection's request waits for the first one's first post, not its 200", async () => {
    const sim = createSimulator({ seed: 33, postsPerSecond: 20, maxConnections: 2 });
    const { collector } = startCollector(sim, { connections: 2 });
    await clock.tickAsync(5_000);
    const [first, second] = streamAttempts(sim);
    const firstPostAtMs = first.atMs + 1_000 / 20; // posts every 50 ms, heartbeats every 20 s
    assert.ok(second.atMs >= first.atMs + 1, "not while the first was only answered");
    assert.ok(
      second.atMs <= firstPostAtMs + 100,
      `${second.atMs - first.atMs} ms: not the 10 s cap`,
    );
    await collector.close();
    sim.close();
  });

  it("after a 200 that drops before its first byte, neither connection asks again before the network wait", async () => {
    const sim = createSimulator({ seed: 34, postsPerSecond: 20, maxConnections: 2 });
    sim.fault({ kind: "flap", count: 1, afterMs: 2_000 }); // accepted, silent, dropped
    const { collector } = startCollector(sim, { connections: 2 });
    await clock.tickAsync(10_000);
    const [flapped, next] = streamAttempts(sim);
    assert.equal(flapped.closeReason, "flap");
    assert.ok(
      next.atMs >= (flapped.closedAtMs as number) + 250,
      `the next request came ${next.atMs - (flapped.closedAtMs as number)} ms after the drop`,
    );
    await collector.close();
    sim.close();
    const errors = sim.report({ requireClosed: true }).findings.filter((f) =>
      f.severity === "error"
    );
    assert.deepEqual(errors, []);
  });
});

describe("RecoveryJobs", () => {
  it("RecoveryJobs runs at most two Recoveries at once and queues the rest in order", async () => {
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const jobs = new RecoveryJobs({
      now: () => Date.now(),
      run: (job) => {
        started.push(job.id);
        return new Promise((resolve) =>
          finish.set(job.id, () => resolve({ ok: job.id !== 2, posts: 1 }))
        );
      },
    });
    for (let i = 0; i < 4; i++) {
      jobs.enqueue(
        { kind: "recovery", startMs: Date.now() - 600_000, endMs: Date.now() },
        undefined,
      );
    }
    assert.deepEqual(started, [1, 2]);
    assert.deepEqual(jobs.counts(), { queued: 2, running: 2, done: 0, failed: 0 });
    finish.get(2)!();
    await clock.tickAsync(0);
    assert.deepEqual(started, [1, 2, 3]);
    finish.get(1)!();
    await clock.tickAsync(0);
    finish.get(3)!();
    await clock.tickAsync(0);
    finish.get(4)!();
    await jobs.idle();
    assert.deepEqual(jobs.counts(), { queued: 0, running: 0, done: 3, failed: 1 });
  });
});
