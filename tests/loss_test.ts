import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { classifyLine } from "../src/classify_line.ts";
import type { PostMessage } from "../src/messages.ts";
import { RECOVERY_SETTLE_MS } from "../src/collector/recovery_runner.ts";
import { FileSink } from "../src/sinks/file_sink.ts";
import { MemoryDedupStore } from "../src/dedup/dedup_window.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import { MemoryWatermarkStore, type Watermark } from "../src/storage/watermark.ts";
import {
  BodyReader,
  installClock,
  type TestClock,
  V2_HEADERS,
} from "./helpers/simulator_harness.ts";
import {
  assertExactlyOnce,
  publishedIds,
  SAMPLE_URL,
  startCollector,
  streamAttempts,
} from "./helpers/collector_harness.ts";
import { MemoryPostSink } from "./helpers/memory_post_sink.ts";
import { killableOpen, settleIo } from "./helpers/killable_file.ts";

// Loss tests: the collector against the in-process simulator under fake time. In each, every
// post the simulator published in the window must be in the output exactly once.

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** Stops publishing, lets the collector catch up, closes both; returns the window's end. */
async function finish(
  sim: ReturnType<typeof createSimulator>,
  close: () => Promise<void>,
  expectedRules: readonly string[] = [],
): Promise<number> {
  sim.pausePublishing();
  const until = sim.now();
  await clock.tickAsync(5_000);
  await close();
  sim.close();
  const errors = sim.report({ requireClosed: true }).findings
    .filter((f) => f.severity === "error" && !expectedRules.includes(f.rule));
  assert.deepEqual(errors, [], "the simulator's judge found no fault in the reconnects");
  return until;
}

/** The stream drops and X refuses every connect for 20 minutes; returns 2 minutes later. */
async function loseTwentyMinutes(sim: ReturnType<typeof createSimulator>): Promise<void> {
  sim.fault({ kind: "rate-limit", resetInMs: 20 * 60_000 });
  sim.fault({ kind: "eof" });
  await clock.tickAsync(22 * 60_000);
}

/** `fetch` as over a real socket: X learns that the client dropped a response `lagMs` later. */
function lateCloseFetch(
  fetch: (request: Request) => Promise<Response>,
  lagMs: number,
): typeof globalThis.fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const upstream = new AbortController();
    const late = (): void => void setTimeout(() => upstream.abort(), lagMs);
    if (request.signal.aborted) late();
    else request.signal.addEventListener("abort", late, { once: true });
    const response = await fetch(new Request(request, { signal: upstream.signal }));
    if (response.body === null) return response;
    const reader = response.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        // The client's side of the abort is at once: its reads fail (as fetch's do).
        request.signal.addEventListener("abort", () => {
          try {
            controller.error(request.signal.reason);
          } catch { /* already closed */ }
        }, { once: true });
      },
      async pull(controller) {
        try {
          const step = await reader.read();
          if (step.done) controller.close();
          else controller.enqueue(step.value);
        } catch (error) {
          try {
            controller.error(error);
          } catch { /* already errored by the abort */ }
        }
      },
      cancel(reason) {
        setTimeout(() => void reader.cancel(reason).catch(() => {}), lagMs);
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
}

/** A watermark store a "killed" process stops reaching: `freeze(true)` drops its saves (what
 * it saved before stays in `saved`), `freeze(false)` lets the restarted process save again. */
function killableWatermarks(): {
  saved: MemoryWatermarkStore;
  store: { load: MemoryWatermarkStore["load"]; save: MemoryWatermarkStore["save"] };
  freeze: (frozen: boolean) => void;
} {
  const saved = new MemoryWatermarkStore();
  let frozen = false;
  return {
    saved,
    store: {
      load: (key: string) => saved.load(key),
      save: (mark: Watermark) => (frozen ? Promise.resolve() : saved.save(mark)),
    },
    freeze: (value) => void (frozen = value),
  };
}

describe("loss: the collector against the simulator", () => {
  it("writes every post exactly once through disconnects of each kind", async () => {
    const sim = createSimulator({ seed: 5, postsPerSecond: 20 });
    const { collector, sink } = startCollector(sim);
    await clock.tickAsync(1_000);
    const since = sim.now();
    for (
      const kind of ["operational-disconnect", "eof", "reset", "stall", "maintenance"] as const
    ) {
      sim.fault({ kind });
      await clock.tickAsync(60_000);
    }
    sim.fault({ kind: "http-status", status: 503, count: 2 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(60_000);
    const until = await finish(sim, () => collector.close());
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    assert.ok(streamAttempts(sim).length >= 9, `${streamAttempts(sim).length} attempts`);
    assert.ok(collector.status().backfilled > 0);
    assert.equal(clock.countTimers(), 0);
  });

  it("backfills from the first connect when that connection drops before its first byte", async () => {
    const sim = createSimulator({ seed: 8, postsPerSecond: 20 });
    sim.fault({ kind: "flap", count: 1, afterMs: 2_000 }); // accepted, silent, dropped
    const since = sim.now();
    const { collector, sink } = startCollector(sim);
    await clock.tickAsync(30_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim);
    assert.equal(attempts[0].query.backfill_minutes, undefined, "nothing to backfill at start");
    assert.equal(attempts[1]?.query.backfill_minutes, "1", "the drop's gap is backfilled");
  });

  it("backfills a 3-minute gap on the reconnect that needs it, and never again", async () => {
    const sim = createSimulator({ seed: 6, postsPerSecond: 10 });
    const { collector, sink, events } = startCollector(sim);
    await clock.tickAsync(10_000);
    const since = sim.now();
    // The next connect is refused with a 3-minute lock-out, then the stream drops.
    sim.fault({ kind: "rate-limit", resetInMs: 180_000 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(240_000);
    sim.fault({ kind: "eof" }); // a later reconnect, with only its own tiny gap
    await clock.tickAsync(30_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim);
    const backfills = attempts.map((a) => a.query.backfill_minutes);
    assert.equal(backfills[0], undefined, "no backfill on the first connect");
    const gapAttempt = attempts.findIndex((a) =>
      a.status === 200 && a.query.backfill_minutes === "4"
    );
    assert.ok(gapAttempt > 0, `backfill_minutes=4 (3 min + margin) was sent: ${backfills}`);
    assert.equal(backfills.filter((b) => b === "4").length, 1, "sent once");
    for (const later of attempts.slice(gapAttempt + 1)) {
      assert.ok(later.query.backfill_minutes !== "4", "never re-sent on later reconnects");
    }
    const planned = events.filter((e) => e.type === "backfill-planned");
    assert.ok(planned.some((e) => e.type === "backfill-planned" && e.minutes === 4));
    assert.ok(collector.status().backfilled > 1_000, `${collector.status().backfilled} backfilled`);
  });

  it("writes a backfill once even when it replays more than the de-duplication window holds", async () => {
    const sim = createSimulator({ seed: 12, postsPerSecond: 20 });
    const since = sim.now();
    // 100 ids: 5 s of this stream, far less than the ~80 s a backfill replays from before its gap
    // (as 200,000 ids are at 2,000 posts/s once a Recovery writes beside it).
    const { collector, sink } = startCollector(sim, { dedup: { maxEntries: 100 } });
    await clock.tickAsync(2 * 60_000);
    sim.fault({ kind: "http-status", status: 503, count: 3 }); // 5 + 10 + 20 s of waits
    sim.fault({ kind: "eof" }); // a ~35 s gap: backfill_minutes=2 replays ~85 s before it
    await clock.tickAsync(2 * 60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim);
    assert.ok(attempts.some((a) => a.status === 200 && a.query.backfill_minutes === "2"));
    const { backfilled, dedup } = collector.status();
    assert.ok(backfilled > 2_000, `${backfilled} backfilled`);
    // Everything replayed from before the gap was dropped: only the gap's ~700 posts are new.
    assert.ok(
      (dedup.duplicatesBySource.backfill ?? 0) > 1_500,
      JSON.stringify(dedup.duplicatesBySource),
    );
  });

  it("recovers a 20-minute gap with a Recovery stream beside the live one", async () => {
    const sim = createSimulator({ seed: 7, postsPerSecond: 5 });
    const { collector, sink, events } = startCollector(sim);
    await clock.tickAsync(10_000);
    const since = sim.now();
    await loseTwentyMinutes(sim);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const recoveries = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    assert.equal(recoveries.length, 1);
    assert.ok(recoveries[0].query.end_time !== undefined);
    assert.equal(recoveries[0].closeReason, "recovery-complete");
    const gapStart = Date.parse(recoveries[0].query.start_time);
    assert.ok(gapStart <= since + 10_000, "the window starts before the gap");
    const status = collector.status();
    assert.deepEqual(status.recoveries, { queued: 0, running: 0, done: 1, failed: 0 });
    assert.ok(status.recovered >= 20 * 60 * 5, `${status.recovered} recovered`);
    assert.ok(events.some((e) => e.type === "recovery-finished" && e.ok === true));
  });

  it("resumes a Recovery that drops part-way, writing what it replayed once", async () => {
    const sim = createSimulator({ seed: 7, postsPerSecond: 5 });
    // The first Recovery response is cut (as by a TCP reset) after 1,000 posts: its retry asks
    // from a second before the newest post read. 100 ids in the de-duplication window: a retry
    // from the window's start would write ~1,000 posts twice.
    let recoveryResponses = 0;
    const cutFetch = async (request: Request): Promise<Response> => {
      const response = await sim.fetch(request);
      const recovery = new URL(request.url).searchParams.has("start_time");
      if (!recovery || recoveryResponses++ > 0 || response.body === null) return response;
      let posts = 0;
      let partial = "";
      const decoder = new TextDecoder();
      const cut = new TransformStream<Uint8Array, Uint8Array>({
        transform(chunk, controller) {
          partial += decoder.decode(chunk, { stream: true });
          const lines = partial.split("\r\n");
          partial = lines.pop()!;
          for (const line of lines) {
            if (line !== "" && ++posts > 1_000) {
              controller.error(new TypeError("connection reset"));
              return;
            }
            controller.enqueue(new TextEncoder().encode(line + "\r\n"));
          }
        },
      });
      return new Response(response.body.pipeThrough(cut), {
        status: response.status,
        headers: response.headers,
      });
    };
    const { collector, sink } = startCollector(sim, {
      fetch: cutFetch,
      dedup: { maxEntries: 100 },
    });
    await clock.tickAsync(10_000);
    const since = sim.now();
    await loseTwentyMinutes(sim);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const recoveries = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    assert.equal(recoveries.length, 2);
    const [first, second] = recoveries.map((a) => Date.parse(a.query.start_time));
    // 1,000 posts at 5/s: the retry starts some 200 s into the window.
    assert.ok(second - first > 150_000, `resumed ${(second - first) / 1000} s into the window`);
    assert.equal(recoveries[1].query.end_time, recoveries[0].query.end_time);
    assert.deepEqual(collector.status().recoveries, { queued: 0, running: 0, done: 1, failed: 0 });
  });

  it("runs one Recovery when two redundant connections lose the same 20 minutes", async () => {
    const sim = createSimulator({ seed: 7, postsPerSecond: 5, maxConnections: 2 });
    const store = new MemoryWatermarkStore();
    const { collector, sink } = startCollector(sim, { connections: 2, watermarkStore: store });
    await clock.tickAsync(10_000);
    const since = sim.now();
    await loseTwentyMinutes(sim); // both connections drop at once
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const recoveries = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    assert.equal(recoveries.length, 1, "the second connection's identical window was dropped");
    assert.deepEqual(collector.status().recoveries, { queued: 0, running: 0, done: 1, failed: 0 });
    // No Recovery hold is left behind: the saved watermark followed the stream to the end.
    const saved = (await store.load(SAMPLE_URL)) ?? (await store.load("/2/tweets/sample/stream"));
    assert.ok(saved !== undefined, "a watermark was saved");
    assert.ok(saved.lastActivityMs >= until - 10_000, "the watermark was not held back");
  });

  it("recovers a 45-minute gap without writing its margin twice (beyond the dedup window)", async () => {
    const sim = createSimulator({ seed: 17, postsPerSecond: 5 });
    const { collector, sink, events } = startCollector(sim);
    await clock.tickAsync(60_000);
    const since = sim.now();
    sim.fault({ kind: "rate-limit", resetInMs: 45 * 60_000 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(47 * 60_000);
    const until = await finish(sim, () => collector.close());

    // The margin's posts were written before the gap and are 45 minutes old when the Recovery
    // replays them: the 30-minute window has forgotten them, the Recovery job has not.
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const recoveries = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    assert.equal(recoveries.length, 1);
    assert.ok(Date.parse(recoveries[0].query.start_time) <= since - 30_000, "a 30 s margin");
    // At 5 posts/s, the margin's 30 s replayed about 150 posts: each dropped as a duplicate.
    const duplicates = events.filter((e) => e.type === "duplicate" && e.source === "recovery");
    assert.ok(duplicates.length >= 100, `${duplicates.length} dropped as duplicates`);
    assert.equal(collector.status().recoveries.done, 1);
  });

  it("writes the live stream's first second once though the Recovery's end replays it", async () => {
    const sim = createSimulator({ seed: 21, postsPerSecond: 50 });
    // 100 ids: 2 s of this stream; the Recovery replays ~2,000 posts before its last second,
    // the one the live connection already delivered after it resumed.
    const { collector, sink } = startCollector(sim, { dedup: { maxEntries: 100 } });
    await clock.tickAsync(10_300);
    const since = sim.now();
    sim.fault({ kind: "http-status", status: 503, count: 1 });
    sim.fault({ kind: "full-buffer" }); // a Recovery, whatever the gap; resumed mid-second
    await clock.tickAsync(60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const [recovery] = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    const resumed = streamAttempts(sim).find((a) =>
      a.status === 200 && a.query.start_time === undefined && a.atMs > since
    );
    assert.ok(resumed !== undefined, "the live stream resumed");
    assert.ok(
      Date.parse(recovery.query.end_time) > resumed.atMs,
      "the Recovery's end (rounded up) lies after the live stream resumed",
    );
  });

  it("starts a later gap's Recovery where an earlier one ended, not inside it", async () => {
    const sim = createSimulator({ seed: 22, postsPerSecond: 50 });
    const { collector, sink } = startCollector(sim, { dedup: { maxEntries: 100 } });
    await clock.tickAsync(10_000);
    const since = sim.now();
    sim.fault({ kind: "rate-limit", resetInMs: 20 * 60_000 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(20 * 60_000 + 15_000); // resumed; the first Recovery is done
    // 10 s after resuming: the next gap's 30 s margin reaches 20 s into the first window.
    sim.fault({ kind: "rate-limit", resetInMs: 6 * 60_000 });
    sim.fault({ kind: "eof" });
    await clock.tickAsync(8 * 60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const windows = streamAttempts(sim)
      .filter((a) => a.query.start_time !== undefined && a.status === 200)
      .map((a) => ({ start: Date.parse(a.query.start_time), end: Date.parse(a.query.end_time) }));
    assert.equal(windows.length, 2, JSON.stringify(windows));
    assert.equal(windows[1].start, windows[0].end, "the second starts where the first ended");
    assert.deepEqual(collector.status().recoveries, { queued: 0, running: 0, done: 2, failed: 0 });
  });

  it("asks for a Recovery once its window's end is past, so a later window may start there", async () => {
    // Publish ticks of 130 ms: the posts created just before a whole second (a window's end,
    // rounded up) are published after it, as a loaded simulator (or X's indexing) does. A
    // server that ended a window asked for too soon at its end (the simulator did, until it
    // waited for the posts published after) lost 1 post here with a Recovery asked for at once.
    const sim = createSimulator({ seed: 8, postsPerSecond: 20, publishTickMs: 130 });
    const { collector, sink } = startCollector(sim);
    await clock.tickAsync(10_450);
    const since = sim.now();
    sim.fault({ kind: "full-buffer" }); // a Recovery ending at 11 s, in the future
    await clock.tickAsync(130);
    // The live stream drops again before the posts created up to 11 s are published, and stays
    // down past then: the next Recovery starts where the first ends.
    const live = sim.connections().find((c) => !c.recovery)!;
    sim.fault({ kind: "http-status", status: 503, count: 1 });
    sim.fault({ kind: "full-buffer", connectionId: live.id });
    await clock.tickAsync(60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const recoveries = streamAttempts(sim).filter((a) => a.query.start_time !== undefined);
    assert.equal(recoveries.length, 2);
    for (const r of recoveries) {
      assert.ok(
        r.atMs >= Date.parse(r.query.end_time) + RECOVERY_SETTLE_MS,
        `asked for at ${new Date(r.atMs).toISOString()}, ending ${r.query.end_time}`,
      );
    }
    assert.equal(recoveries[1].query.start_time, recoveries[0].query.end_time);
  });

  it("writes a backfill once where it replays the end of an earlier Recovery", async () => {
    const sim = createSimulator({ seed: 23, postsPerSecond: 50 });
    const { collector, sink } = startCollector(sim, { dedup: { maxEntries: 100 } });
    await clock.tickAsync(10_300);
    const since = sim.now();
    sim.fault({ kind: "http-status", status: 503, count: 1 });
    sim.fault({ kind: "full-buffer" }); // a Recovery, up to the live stream's resumption
    await clock.tickAsync(20_000);
    sim.fault({ kind: "http-status", status: 503, count: 1 });
    sim.fault({ kind: "eof" }); // a ~5 s gap: backfill_minutes=1 replays the Recovery's end
    await clock.tickAsync(60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim).filter((a) => a.status === 200);
    const recovery = attempts.find((a) => a.query.start_time !== undefined);
    const backfill = attempts.find((a) => a.query.backfill_minutes === "1");
    assert.ok(recovery !== undefined && backfill !== undefined, "a Recovery, then a backfill");
    assert.ok(
      backfill.atMs - 60_000 < Date.parse(recovery.query.end_time),
      "the backfill reaches back into the Recovery's window",
    );
  });

  it("plans a Recovery after a full-buffer disconnect (backfill is not possible then)", async () => {
    const sim = createSimulator({ seed: 8, postsPerSecond: 20 });
    const { collector, sink } = startCollector(sim);
    await clock.tickAsync(10_000);
    const since = sim.now();
    sim.fault({ kind: "http-status", status: 503, count: 1 });
    sim.fault({ kind: "full-buffer" });
    await clock.tickAsync(60_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim);
    assert.ok(attempts.some((a) => a.query.start_time !== undefined), "a Recovery ran");
    assert.ok(attempts.every((a) => a.query.backfill_minutes === undefined), "no backfill");
    assert.equal(collector.status().recoveries.done, 1);
  });

  it("recovers what a real slow reader lost when X dropped it without a word", async () => {
    const sim = createSimulator({
      seed: 9,
      postsPerSecond: 100,
      serverBufferPosts: 200,
      slowReaderNotice: false,
    });
    const sink = new MemoryPostSink({ delayMs: 20 }); // 50 posts/s: too slow for 100/s
    const { collector } = startCollector(sim, { queue: { maxItems: 50 } }, sink);
    const since = sim.now();
    await clock.tickAsync(20_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(5 * 60_000);
    await collector.close();
    sim.close();

    const dropped = sim.attempts().filter((a) => a.closeReason === "slow-reader");
    assert.ok(dropped.length >= 1, "X dropped the slow reader");
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    assert.ok(collector.status().recoveries.done >= 1);
  });

  it("loses nothing when one of two redundant connections dies", async () => {
    const sim = createSimulator({ seed: 10, postsPerSecond: 20, maxConnections: 2 });
    const { collector, sink } = startCollector(sim, { connections: 2 });
    await clock.tickAsync(10_000);
    const since = sim.now();
    assert.equal(sim.connections().length, 2);
    // Connection 0 dies and cannot come back for a while; connection 1 carries the stream.
    sim.fault({ kind: "http-status", status: 503, count: 3 });
    sim.fault({ kind: "reset", connectionId: sim.connections()[0].id });
    await clock.tickAsync(120_000);
    const carried = streamAttempts(sim);
    assert.ok(carried.length >= 6, `${carried.length} attempts`);
    assert.ok(
      carried.every((a) => a.query.backfill_minutes === undefined),
      "the stream was carried: no backfill",
    );
    // Then both drop at the same instant: the first to reconnect backfills, the other needs none.
    sim.fault({ kind: "maintenance" });
    await clock.tickAsync(30_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const after = streamAttempts(sim).slice(carried.length);
    assert.deepEqual(after.map((a) => a.query.backfill_minutes), ["1", undefined]);
    assert.equal(sim.report().verdict, "pass", JSON.stringify(sim.report().findings));
    const dedup = collector.status().dedup;
    assert.ok(dedup.duplicates > 1_000, `${dedup.duplicates} duplicates`);
    assert.deepEqual(Object.keys(dedup.duplicatesBySource).sort(), [
      "backfill",
      "connection-0",
      "connection-1",
    ]);
  });

  it("writes once the live posts a backfilled connection brings late, behind its replay", async () => {
    const sim = createSimulator({ seed: 10, postsPerSecond: 20, maxConnections: 2 });
    // A sink of 20 ms a post and a queue of 100 (a replay may fill half): the gap's ~500 posts
    // take 10 s to write, and the other connection writes ~200 live posts meanwhile, beyond a
    // window of 100 ids. The backfilled connection's live posts of those 10 s waited at X behind
    // its replay.
    const { collector, sink } = startCollector(
      sim,
      { connections: 2, dedup: { maxEntries: 100 }, queue: { maxItems: 100 } },
      new MemoryPostSink({ delayMs: 20 }),
    );
    await clock.tickAsync(10_000);
    const since = sim.now();
    // Both drop, and X refuses them for 15 s: the first back backfills the gap, the other,
    // carried by it from the backfill's start, asks for none and writes the live posts at once.
    sim.fault({ kind: "http-status", status: 503, count: 2 });
    sim.fault({ kind: "maintenance" });
    await clock.tickAsync(90_000);
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    const attempts = streamAttempts(sim).filter((a) => a.status === 200);
    assert.ok(attempts.some((a) => a.query.backfill_minutes !== undefined), "a backfill");
    assert.ok(collector.status().backfilled > 400, `${collector.status().backfilled} backfilled`);
  });

  it("resumes from the durable watermark after a kill and restart", async () => {
    const sim = createSimulator({ seed: 11, postsPerSecond: 10 });
    const { saved, store, freeze } = killableWatermarks();
    const dedup = { store: new MemoryDedupStore() }; // shared, as Redis would be
    const a = startCollector(sim, { watermarkStore: store, dedup });
    await clock.tickAsync(1_000);
    const since = sim.now();
    await clock.tickAsync(30_000);
    freeze(true); // the process dies: nothing it does from now on reaches the store
    await clock.tickAsync(10_000);
    await a.collector.close();
    const lastSaved = (await saved.load("/2/tweets/sample/stream"))!;
    assert.ok(lastSaved.lastActivityMs <= since + 31_000);
    await clock.tickAsync(60_000); // down for a minute
    const b = startCollector(sim, { watermarkStore: store, dedup });
    freeze(false);
    await clock.tickAsync(30_000);
    const until = await finish(sim, () => b.collector.close());

    assertExactlyOnce([...a.sink.posts, ...b.sink.posts], publishedIds(sim, since, until));
    const attempts = streamAttempts(sim);
    assert.equal(attempts.length, 2);
    assert.equal(attempts[0].query.backfill_minutes, undefined);
    assert.equal(attempts[1].query.backfill_minutes, "2", "70 s gap + 30 s margin");
    assert.ok(((await saved.load("/2/tweets/sample/stream"))!).lastActivityMs >= until);
  });

  it("re-plans a Recovery the process did not finish before it was killed", async () => {
    const sim = createSimulator({ seed: 12, postsPerSecond: 5 });
    const store = new MemoryWatermarkStore();
    const dedup = { store: new MemoryDedupStore() };
    // Someone else holds X's two Recovery slots (same credential) for two hours.
    await clock.tickAsync(5_000);
    const window = `start_time=${iso(sim.now() - 1_000)}&end_time=${iso(sim.now() + 7_200_000)}`;
    const others = await Promise.all([1, 2].map(async () =>
      new BodyReader(
        await sim.fetch(new Request(`${SAMPLE_URL}?${window}`, { headers: V2_HEADERS })),
      )
    ));
    const a = startCollector(sim, { watermarkStore: store, dedup });
    await clock.tickAsync(10_000);
    const since = sim.now();
    // A 20-minute gap: its Recovery cannot get a slot.
    sim.fault({ kind: "rate-limit", resetInMs: 20 * 60_000 });
    sim.fault({ kind: "eof", connectionId: sim.connections().find((c) => !c.recovery)!.id });
    await clock.tickAsync(19 * 60_000);
    // Its Recovery is asked for 10 s after the resumption (RECOVERY_SETTLE_MS) and refused; the
    // restart below comes 2 minutes after that, as X asks after a second 429 in a row.
    await clock.tickAsync(3 * 60_000 + RECOVERY_SETTLE_MS);
    assert.equal(a.collector.status().recoveries.done, 0, "the Recovery could not run");
    await a.collector.close(); // killed with its Recovery pending
    const saved = (await store.load("/2/tweets/sample/stream"))!;
    assert.ok(saved.lastActivityMs <= since, "the watermark stayed before the gap");

    await Promise.all(others.map((reader) => reader.cancel()));
    const b = startCollector(sim, { watermarkStore: store, dedup });
    await clock.tickAsync(60_000);
    // The only fault: the Recovery that found the slots taken (by design of this test).
    const until = await finish(sim, () => b.collector.close(), ["connections.too-many"]);

    assertExactlyOnce([...a.sink.posts, ...b.sink.posts], publishedIds(sim, since, until));
    assert.equal(b.collector.status().recoveries.done, 1);
    assert.ok(((await store.load("/2/tweets/sample/stream"))!).lastActivityMs >= until);
  });

  it("after a kill in the middle of a file write, the restart writes each post once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "holdfast-loss-"));
    try {
      const path = join(dir, "posts.ndjson");
      const sim = createSimulator({ seed: 13, postsPerSecond: 20 });
      const { store, freeze } = killableWatermarks();
      const disk = killableOpen();
      const first = await FileSink.open({ path, open: disk.open });
      const a = startCollector(sim, { watermarkStore: store, sinks: [first] });
      await clock.tickAsync(1_000);
      const since = sim.now();
      for (let s = 0; s < 30; s++) {
        await clock.tickAsync(1_000);
        await settleIo(); // real file writes keep up with fake time
      }
      // The process dies in the middle of its next write: half of it reaches the file, nothing
      // after it, and nothing reaches the watermark store. Its in-memory dedup window is gone.
      freeze(true);
      disk.killAtNextWrite();
      await clock.tickAsync(5_000);
      await disk.dead;
      await a.collector.close(); // (a dead process closes nothing: every write is dropped)
      const killed = await readFile(path, "utf8");
      assert.ok(!killed.endsWith("\n"), "the kill left a torn last line");

      await clock.tickAsync(20_000); // down for 20 s: the restart backfills 1 minute
      const second = await FileSink.open({ path });
      assert.ok(second.repairedBytes > 0);
      // Seeding reads the file (real I/O) before the first connect: wait for it in real time.
      const readBack = second.recentIds.bind(second);
      let reading: Promise<string[]> | undefined;
      second.recentIds = () => (reading = readBack());
      const b = startCollector(sim, { watermarkStore: store, sinks: [second] });
      freeze(false);
      for (let i = 0; i < 100 && reading === undefined; i++) await settleIo(1);
      await reading;
      await settleIo();
      const complete = killed.split("\n").length - 1; // the lines the repair kept
      assert.ok(complete > 0, "the first run wrote posts before the kill");
      assert.ok(
        b.collector.status().dedup.size >= complete,
        `the file's ${complete} ids were claimed at start (${b.collector.status().dedup.size})`,
      );
      for (let s = 0; s < 30; s++) {
        await clock.tickAsync(1_000);
        await settleIo();
      }
      const until = await finish(sim, () => b.collector.close());

      const text = await readFile(path, "utf8");
      assert.ok(text.endsWith("\n"));
      const posts = text.slice(0, -1).split("\n").map((line) => classifyLine(line) as PostMessage);
      assertExactlyOnce(posts, publishedIds(sim, since, until));
      const attempts = streamAttempts(sim);
      // 20 s down plus the 30 s margin: 1 minute, or 2 when the killed run's real file writes
      // (and so its watermark) lagged behind fake time on a loaded machine.
      const minutes = Number(attempts.at(-1)?.query.backfill_minutes);
      assert.ok(minutes === 1 || minutes === 2, `the restart replayed a margin (${minutes} min)`);
      const dedup = b.collector.status().dedup;
      assert.ok((dedup.duplicatesBySource.backfill ?? 0) > 0, "replayed copies were dropped");
      assert.equal(dedup.duplicatesBySource.restart, undefined, "seeding counts no duplicate");
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("loses nothing through a stall too short to detect, on both redundant connections", async () => {
    // A stall that ends is a pause of the network: X keeps the posts in its buffer and sends
    // them when it resumes. 10 s is below the 30 s stall timeout: the client cannot see it.
    const sim = createSimulator({ seed: 12, postsPerSecond: 20, maxConnections: 2 });
    const { collector, sink, events } = startCollector(sim, { connections: 2 });
    await clock.tickAsync(10_000);
    const since = sim.now();
    assert.equal(sim.connections().length, 2);
    sim.fault({ kind: "stall", durationMs: 10_000 });
    await clock.tickAsync(60_000);
    assert.equal(events.filter((e) => e.type === "disconnected").length, 0, "nothing dropped");
    const until = await finish(sim, () => collector.close());

    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
    assert.equal(streamAttempts(sim).length, 2, "no reconnect");
  });

  it("after a stall on both connections, reconnects only once X has seen the old ones close", async () => {
    // Over a real socket X sees a connection the client abandoned close a moment later; a
    // request sent meanwhile is counted with it and draws 429 TooManyConnections, whose wait
    // lasts until x-rate-limit-reset (minutes) and, through the connect gate, for both loops.
    const sim = createSimulator({ seed: 13, postsPerSecond: 20, maxConnections: 2 });
    const { collector, sink } = startCollector(sim, {
      connections: 2,
      fetch: lateCloseFetch(sim.fetch, 200),
    });
    await clock.tickAsync(10_000);
    const since = sim.now();
    assert.equal(sim.connections().length, 2);
    sim.fault({ kind: "stall" }); // silent for good: both are detected after 30 s
    await clock.tickAsync(60_000);
    assert.equal(sim.connections().length, 2, "both reconnected");
    const until = await finish(sim, () => collector.close());

    const attempts = streamAttempts(sim);
    assert.deepEqual(
      attempts.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.connectionIssue}`),
      [],
      "no request drew a refusal",
    );
    assert.equal(attempts.length, 4);
    assertExactlyOnce(sink.posts, publishedIds(sim, since, until));
  });
});
