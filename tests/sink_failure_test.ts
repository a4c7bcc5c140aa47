import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { classifyLine } from "../src/classify_line.ts";
import type { CollectorEvent } from "../src/collector/collector_types.ts";
import {
  PostPipeline,
  type PostPipelineOptions,
  type QueuedPost,
  type SinkWriteFailure,
  type UnwrittenReport,
} from "../src/collector/post_pipeline.ts";
import { MemoryDedupStore } from "../src/dedup/dedup_window.ts";
import { FileSink, type FileSinkHandle } from "../src/sinks/file_sink.ts";
import type { PostMessage } from "../src/messages.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import { compareSnowflakeIds, MemoryWatermarkStore } from "../src/storage/watermark.ts";
import { installClock, type TestClock } from "./helpers/simulator_harness.ts";
import {
  assertExactlyOnce,
  publishedIds,
  SAMPLE_URL,
  startCollector,
} from "./helpers/collector_harness.ts";
import { MemoryPostSink } from "./helpers/memory_post_sink.ts";

// A sink that fails must lose nothing: the post waits and is retried (per sink), the watermark
// never passes a post a sink did not take, and closing gives up after a bounded time.

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

/** A memory sink whose writes fail while `failing` says so (a full disk, a Redis outage). */
class FlakySink extends MemoryPostSink {
  attempts = 0;
  constructor(readonly failing: (attempt: number) => boolean) {
    super();
  }
  override write(post: PostMessage): Promise<void> {
    this.attempts++;
    if (this.failing(this.attempts)) return Promise.reject(new Error("ENOSPC: disk full"));
    return super.write(post);
  }
}

function queued(id: number): QueuedPost {
  const post = classifyLine(
    `{"data":{"id":"17900000000000000${String(id).padStart(2, "0")}"}}`,
  ) as PostMessage;
  return { post, source: "connection-0", partition: undefined, receivedAtMs: id };
}

/** Drains under fake time: a pipeline that would hang fails the test (at the 10 s give-up). */
async function drainWithin(pipeline: PostPipeline): Promise<void> {
  const drained = pipeline.drain();
  await clock.tickAsync(20_000);
  await drained;
}

function pipelineWith(
  sinks: MemoryPostSink[],
  overrides: Partial<PostPipelineOptions> = {},
): { pipeline: PostPipeline; written: string[]; failures: SinkWriteFailure[] } {
  const written: string[] = [];
  const failures: SinkWriteFailure[] = [];
  const pipeline = new PostPipeline({
    queue: {},
    store: new MemoryDedupStore(),
    window: undefined,
    sinks,
    now: Date.now,
    onQueueEvent: () => {},
    onDuplicate: () => {},
    onWritten: (item) => {
      // The watermark moves only once every sink holds the post.
      for (const sink of sinks) assert.ok(sink.ids().includes(item.post.id ?? ""));
      written.push(item.post.id ?? "");
      return "ok";
    },
    onError: (error) => assert.fail(`unexpected onError: ${error}`),
    onSinkError: (failure) => void failures.push(failure),
    onIdle: () => {},
    ...overrides,
  });
  return { pipeline, written, failures };
}

describe("PostPipeline with a failing sink", () => {
  it("retries a sink that fails its first writes with a doubling backoff, once per post", async () => {
    const flaky = new FlakySink((attempt) => attempt <= 4);
    const healthy = new MemoryPostSink();
    const { pipeline, written, failures } = pipelineWith([healthy, flaky]);
    const items = [1, 2, 3, 4, 5].map(queued);
    for (const item of items) pipeline.deliver(item);
    await clock.tickAsync(0);
    assert.deepEqual(written, [], "nothing counts as written while the sink fails");
    assert.equal(healthy.posts.length, 1, "the healthy sink got the first post once");
    await clock.tickAsync(100 + 200 + 400 + 800);
    await drainWithin(pipeline);

    const ids = items.map((i) => i.post.id ?? "");
    assert.deepEqual(flaky.ids(), ids, "the failing sink got every post once, in order");
    assert.deepEqual(healthy.ids(), ids, "the other sink was not written twice");
    assert.deepEqual(written, ids, "onWritten once per post, in order");
    assert.deepEqual(failures.map((f) => [f.sinkIndex, f.attempt, f.retryInMs]), [
      [1, 1, 100],
      [1, 2, 200],
      [1, 3, 400],
      [1, 4, 800],
    ]);
    assert.equal(pipeline.written, 5);
    assert.equal(clock.countTimers(), 0);
  });

  it("caps the backoff at maxDelayMs", async () => {
    const flaky = new FlakySink((attempt) => attempt <= 8);
    const { pipeline, failures } = pipelineWith([flaky], {
      sinkRetry: { initialDelayMs: 100, maxDelayMs: 1_000 },
    });
    pipeline.deliver(queued(1));
    await clock.tickAsync(10_000);
    await drainWithin(pipeline);
    assert.deepEqual(
      failures.map((f) => f.retryInMs),
      [100, 200, 400, 800, 1000, 1000, 1000, 1000],
    );
    assert.equal(flaky.posts.length, 1);
  });

  it("holds the queue while the sink fails: under block, the reader waits", async () => {
    const flaky = new FlakySink((attempt) => attempt <= 3);
    const { pipeline } = pipelineWith([flaky], { queue: { maxItems: 2 } });
    const held = [1, 2, 3, 4].map((n) => pipeline.deliver(queued(n)));
    await clock.tickAsync(0);
    const blocked = held.filter((h) => h !== undefined);
    assert.ok(blocked.length > 0, "a reader is held once the queue is full");
    let released = false;
    void Promise.all(blocked).then(() => released = true);
    await clock.tickAsync(50);
    assert.equal(released, false, "still held while the sink fails");
    await clock.tickAsync(1_000);
    assert.equal(released, true);
    await drainWithin(pipeline);
    assert.equal(flaky.posts.length, 4);
  });

  it("gives a never-recovering sink up after drainTimeoutMs and reports what it did not get", async () => {
    const flaky = new FlakySink((attempt) => attempt > 2);
    const healthy = new MemoryPostSink();
    const reports: UnwrittenReport[] = [];
    const { pipeline, written, failures } = pipelineWith([flaky, healthy], {
      sinkRetry: { drainTimeoutMs: 3_000 },
      onUnwritten: (report) => void reports.push(report),
    });
    const items = [1, 2, 3, 4, 5, 6].map(queued);
    for (const item of items) pipeline.deliver(item);
    await clock.tickAsync(60_000); // running: the sink is retried, not given up
    assert.equal(reports.length, 0);
    assert.ok(failures.every((f) => f.retryInMs !== undefined));
    let closed = false;
    const draining = pipeline.drain().then(() => closed = true);
    await clock.tickAsync(2_999);
    assert.equal(closed, false, "still retrying within drainTimeoutMs");
    await clock.tickAsync(1);
    await draining;

    const ids = items.map((i) => i.post.id ?? "");
    assert.deepEqual(written, ids.slice(0, 2), "the watermark stops before the first unwritten");
    assert.deepEqual(flaky.ids(), ids.slice(0, 2));
    assert.deepEqual(healthy.ids(), ids, "the working sink still gets every post");
    assert.equal(reports.length, 1);
    assert.deepEqual(reports[0].sinks, [{ sinkIndex: 0, posts: 4, firstPostId: ids[2] }]);
    assert.equal(reports[0].firstUnwritten.post.id, ids[2]);
    assert.equal(pipeline.gaveUp, true);
    assert.equal(pipeline.idle, false);
    assert.equal(clock.countTimers(), 0);
  });

  it("releases the shared store's claim of every post it gave up, so another collector writes them", async () => {
    // Two collectors share one store: the first claims posts its sink then never takes.
    const shared = new MemoryDedupStore();
    const released: string[] = [];
    const store = {
      claim: (id: string, source: string) => shared.claim(id, source),
      release: (id: string) => {
        released.push(id);
        shared.release(id);
      },
    };
    const flaky = new FlakySink((attempt) => attempt > 1);
    const { pipeline } = pipelineWith([flaky], {
      store,
      sinkRetry: { drainTimeoutMs: 1_000 },
      onUnwritten: () => {},
    });
    const items = [1, 2, 3].map(queued);
    for (const item of items) pipeline.deliver(item);
    await drainWithin(pipeline);
    const ids = items.map((i) => i.post.id ?? "");
    assert.deepEqual(flaky.ids(), ids.slice(0, 1));
    assert.deepEqual(released, ids.slice(1), "every claim given up, and no other, is released");

    const other = new MemoryPostSink();
    const second = pipelineWith([other], { store }).pipeline;
    for (const item of items) second.deliver({ ...item, source: "connection-1" });
    await drainWithin(second);
    assert.deepEqual(other.ids(), ids.slice(1), "the other collector writes what the first lost");
  });

  it("reports a failing release to onError and still closes", async () => {
    const errors: unknown[] = [];
    const store = {
      claim: () => true,
      release: () => Promise.reject(new Error("redis down")),
    };
    const flaky = new FlakySink(() => true);
    const { pipeline } = pipelineWith([flaky], {
      store,
      sinkRetry: { drainTimeoutMs: 1_000 },
      onError: (error) => void errors.push(error),
      onUnwritten: () => {},
    });
    pipeline.deliver(queued(1));
    await drainWithin(pipeline);
    assert.deepEqual(errors.map((e) => (e as Error).message), ["redis down"]);
  });

  it("gives up a write that never settles when closing runs out of time", async () => {
    const hung = new MemoryPostSink();
    hung.write = () => new Promise<void>(() => {});
    const reports: UnwrittenReport[] = [];
    const { pipeline } = pipelineWith([hung], {
      onSinkError: () => {},
      onUnwritten: (report) => void reports.push(report),
    });
    pipeline.deliver(queued(1));
    pipeline.deliver(queued(2));
    const draining = pipeline.drain();
    await clock.tickAsync(10_000);
    await draining;
    assert.deepEqual(reports[0]?.sinks.map((s) => s.posts), [2]);
  });

  it("counts the drops of a drop-oldest queue held by a failing sink", async () => {
    const flaky = new FlakySink((attempt) => attempt <= 5);
    const { pipeline } = pipelineWith([flaky], { queue: { maxItems: 3, policy: "drop-oldest" } });
    for (let n = 1; n <= 10; n++) assert.equal(pipeline.deliver(queued(n)), undefined);
    await clock.tickAsync(10_000);
    await drainWithin(pipeline);
    assert.equal(pipeline.queueStats().droppedOldest, 6, "the reader never waits; drops counted");
    assert.equal(flaky.posts.length, 4, "the held post, then the 3 newest");
    assert.equal(flaky.posts[0].id, queued(1).post.id);
  });

  it("writes every line once to a FileSink whose disk is full for a while", async () => {
    // An in-memory file behind the FileSink's `open` seam: 3 bytes of the second batch go in,
    // then the disk is full for 3 writes.
    const file: number[] = [];
    const steps: (number | "fail" | "ok")[] = ["ok", 3, "fail", "fail", "fail"];
    const handle: FileSinkHandle = {
      write: (buffer, offset, length) => {
        const step = steps.shift() ?? "ok";
        if (step === "fail") return Promise.reject(new Error("ENOSPC: no space left on device"));
        const n = step === "ok" ? length : Math.min(step, length);
        file.push(...buffer.subarray(offset, offset + n));
        return Promise.resolve({ bytesWritten: n });
      },
      sync: () => Promise.resolve(),
      close: () => Promise.resolve(),
      stat: () => Promise.resolve({ size: 0 }),
    };
    const sink = await FileSink.open({
      path: "in-memory.ndjson",
      batchBytes: 1,
      open: () => Promise.resolve(handle),
      onError: () => {},
    });
    const { pipeline, written } = pipelineWith([], {
      sinks: [sink],
      onWritten: (item) => {
        written.push(item.post.id ?? "");
        return "ok";
      },
    });
    const items = [1, 2, 3, 4, 5].map(queued);
    for (const item of items) pipeline.deliver(item);
    await clock.tickAsync(5_000);
    await drainWithin(pipeline);
    await sink.close();
    const text = new TextDecoder().decode(new Uint8Array(file));
    assert.equal(text, items.map((i) => i.post.line + "\n").join(""));
    assert.deepEqual(written, items.map((i) => i.post.id));
  });

  it("refuses an invalid sinkRetry with a message naming the option", () => {
    assert.throws(() => pipelineWith([], { sinkRetry: { maxDelayMs: -1 } }), {
      name: "RangeError",
      message:
        "Cannot construct PostPipeline as 'sinkRetry.maxDelayMs' must be a positive integer: current value is -1",
    });
  });
});

describe("collector with a failing sink", () => {
  it("writes every post exactly once, in order, to a sink that fails for a while", async () => {
    const sim = createSimulator({ seed: 11, postsPerSecond: 20 });
    let failUntilMs = 0;
    const flaky = new FlakySink(() => Date.now() < failUntilMs);
    const store = new MemoryWatermarkStore();
    const { collector, events } = startCollector(sim, { watermarkStore: store }, flaky);
    await clock.tickAsync(2_000);
    const since = sim.now();
    failUntilMs = Date.now() + 20_000; // 20 s of a full disk
    await clock.tickAsync(60_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(5_000);
    await collector.close();
    sim.close();

    assertExactlyOnce(flaky.posts, publishedIds(sim, since, until));
    const ids = flaky.ids();
    const sorted = [...ids].sort(compareSnowflakeIds);
    assert.deepEqual(ids, sorted, "in order");
    const alerts = events.filter((e) => e.type === "collector-alert" && e.alert === "sink-failing");
    assert.ok(alerts.length >= 1, "the failure raised a sink-failing alert");
    assert.ok(alerts.length <= 3, `rate-limited: ${alerts.length} alerts`);
    const saved = await store.load(new URL(SAMPLE_URL).pathname);
    assert.equal(saved?.newestPostId, ids.at(-1), "the watermark reached the last post written");
  });

  it("closes within the bound when a sink never recovers, and keeps the watermark before the gap", async () => {
    const sim = createSimulator({ seed: 12, postsPerSecond: 20 });
    let broken = false;
    const flaky = new FlakySink(() => broken);
    const healthy = new MemoryPostSink();
    const store = new MemoryWatermarkStore();
    const { collector, events } = startCollector(
      sim,
      { watermarkStore: store, sinks: [flaky, healthy] },
      flaky,
    );
    await clock.tickAsync(5_000);
    broken = true;
    await clock.tickAsync(30_000);
    let closed = false;
    const closing = collector.close().then(() => closed = true);
    await clock.tickAsync(11_000);
    assert.equal(closed, true, "close() returned within drainTimeoutMs (10 s) and a little");
    await closing;
    sim.close();

    const firstUnwritten = healthy.posts[flaky.posts.length];
    assert.ok(firstUnwritten?.id !== undefined, "some posts were not written to the broken sink");
    const saved = await store.load(new URL(SAMPLE_URL).pathname);
    assert.ok(saved?.newestPostId !== undefined);
    assert.ok(
      compareSnowflakeIds(saved.newestPostId, firstUnwritten.id) < 0,
      `the saved watermark ${saved.newestPostId} is before the first unwritten ${firstUnwritten.id}`,
    );
    assert.equal(saved.newestPostId, flaky.posts.at(-1)?.id);
    const unwritten = healthy.posts.length - flaky.posts.length;
    const report = events.filter((e): e is Extract<CollectorEvent, { type: "collector-alert" }> =>
      e.type === "collector-alert" && e.alert === "sink-failing"
    ).at(-1);
    assert.ok(report !== undefined, "a sink-failing alert reports the give-up");
    assert.match(
      report.message,
      new RegExp(`Sink 0 \\(memory\\) \\(${unwritten} posts not written\\)`),
    );
    assert.ok(
      events.some((e) => e.type === "callback-error" && e.connectionId === -1),
      "each failure is also a callback-error event with the error",
    );
    assert.equal(clock.countTimers(), 0);
  });
});
