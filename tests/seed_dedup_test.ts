import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { MemoryDedupStore } from "../src/dedup/dedup_window.ts";
import { SEED_DEDUP_TIMEOUT_MS, seedDedup } from "../src/collector/seed_dedup.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import type { PostSink } from "../src/sinks/post_sink.ts";
import { installClock, type TestClock } from "./helpers/simulator_harness.ts";
import { startCollector } from "./helpers/collector_harness.ts";
import { MemoryPostSink } from "./helpers/memory_post_sink.ts";

let clock: TestClock;
beforeEach(() => {
  clock = installClock();
});
afterEach(() => clock.uninstall());

/** A memory sink that says it already holds `recentIds` (a stand-in for a file read back). */
function holding(recentIds: () => Promise<Iterable<string>>): MemoryPostSink & PostSink {
  return Object.assign(new MemoryPostSink(), { recentIds });
}

describe("seedDedup: the ids the sinks hold are claimed before the first connect", () => {
  it("claims every sink's ids silently: an id two sinks hold counts no duplicate", async () => {
    const store = new MemoryDedupStore();
    const errors: unknown[] = [];
    const seeded = await seedDedup({
      sinks: [
        new MemoryPostSink(), // no recentIds (stdout, Redis)
        holding(() => Promise.resolve(["1", "2", "3"])),
        holding(() => Promise.resolve(new Set(["3", "4"]))),
      ],
      store,
      window: store.window,
      maxIds: 100,
      onError: (_, error) => errors.push(error),
    });
    assert.equal(seeded, 4);
    assert.deepEqual(errors, []);
    assert.equal(store.window.stats().duplicates, 0);
    assert.equal(store.claim("3", "backfill"), false);
    assert.equal(store.claim("5", "backfill"), true);
  });

  it("keeps only the newest maxIds ids of a sink", async () => {
    const store = new MemoryDedupStore();
    const ids = Array.from({ length: 10 }, (_, i) => String(i));
    const seeded = await seedDedup({
      sinks: [holding(() => Promise.resolve(ids))],
      store,
      maxIds: 3,
      onError: () => {},
    });
    assert.equal(seeded, 3);
    assert.deepEqual(ids.filter((id) => store.window.has(id)), ["7", "8", "9"]);
  });

  it("reports a sink whose recentIds() fails and seeds the others", async () => {
    const store = new MemoryDedupStore();
    const errors: [number, string][] = [];
    const seeded = await seedDedup({
      sinks: [
        holding(() => Promise.reject(new Error("EACCES: permission denied"))),
        holding(() => {
          throw new Error("thrown, not rejected");
        }),
        holding(() => Promise.resolve(["9"])),
      ],
      store,
      maxIds: 100,
      onError: (index, error) => errors.push([index, error.message]),
    });
    assert.equal(seeded, 1);
    assert.deepEqual(errors, [[0, "EACCES: permission denied"], [1, "thrown, not rejected"]]);
  });

  it("gives up on a sink that does not answer within the timeout", async () => {
    const store = new MemoryDedupStore();
    const errors: string[] = [];
    let done = false;
    const seeding = seedDedup({
      sinks: [holding(() => new Promise(() => {}))],
      store,
      maxIds: 100,
      onError: (_, error) => errors.push(error.message),
    }).then((n) => {
      done = true;
      return n;
    });
    await clock.tickAsync(SEED_DEDUP_TIMEOUT_MS - 1);
    assert.equal(done, false);
    await clock.tickAsync(1);
    assert.equal(await seeding, 0);
    assert.deepEqual(errors, [`recentIds() did not answer within ${SEED_DEDUP_TIMEOUT_MS} ms`]);
    assert.equal(clock.countTimers(), 0);
  });

  it("ends at once when the collector closes while a sink is reading", async () => {
    const store = new MemoryDedupStore();
    const stop = new AbortController();
    const errors: unknown[] = [];
    const seeding = seedDedup({
      sinks: [holding(() => new Promise(() => {}))],
      store,
      maxIds: 100,
      signal: stop.signal,
      onError: (_, error) => errors.push(error),
    });
    stop.abort();
    assert.equal(await seeding, 0);
    assert.deepEqual(errors, []);
    assert.equal(clock.countTimers(), 0);
  });

  it("a collector whose sink cannot report its ids says so and streams anyway", async () => {
    const sim = createSimulator({ seed: 4, postsPerSecond: 10 });
    const sink = holding(() => Promise.reject(new Error("disk unreadable")));
    const { collector, events } = startCollector(sim, { sinks: [sink] });
    await clock.tickAsync(5_000);
    await collector.close();
    sim.close();
    const reported = events.find((e) => e.type === "callback-error");
    assert.ok(reported?.type === "callback-error" && reported.error instanceof Error);
    assert.equal(
      reported.error.message,
      "Sink 0 (memory) could not report the ids it holds, so it was skipped: disk unreadable",
    );
    assert.ok(sink.posts.length > 20, `${sink.posts.length} posts written`);
  });
});
