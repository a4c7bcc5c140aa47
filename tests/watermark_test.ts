import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import {
  compareSnowflakeIds,
  MemoryWatermarkStore,
  type Watermark,
  type WatermarkStore,
  WatermarkTracker,
} from "../src/storage/watermark.ts";
import { FileWatermarkStore } from "../src/storage/file_watermark_store.ts";

const T0 = Date.parse("2025-01-01T00:00:00Z");

/** A store that records every save. */
class RecordingStore extends MemoryWatermarkStore {
  readonly saves: Watermark[] = [];
  override save(w: Watermark): Promise<void> {
    this.saves.push(w);
    return super.save(w);
  }
}

describe("compareSnowflakeIds", () => {
  it("compareSnowflakeIds orders ids beyond 2^53 by length, then text", () => {
    assert.ok(compareSnowflakeIds("1790000000000000010", "1790000000000000009") > 0);
    assert.ok(compareSnowflakeIds("999999999999999999", "1000000000000000000") < 0);
    assert.equal(compareSnowflakeIds("9007199254740993", "9007199254740993"), 0);
    assert.ok(compareSnowflakeIds("9007199254740993", "9007199254740992") > 0);
  });
});

describe("WatermarkTracker", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock(T0);
  });
  afterEach(() => clock.uninstall());

  it("WatermarkTracker keeps the newest post id whatever order posts arrive in", () => {
    const tracker = new WatermarkTracker({ store: new MemoryWatermarkStore(), streamKey: "s" });
    assert.equal(tracker.current(), undefined);
    tracker.observePost({ id: "1790000000000000009", createdAt: "2025-01-01T00:00:00Z" });
    tracker.observePost({ id: "1790000000000000010", createdAt: "2025-01-01T00:00:01Z" });
    tracker.observePost({ id: "999999999999999999", createdAt: "2024-01-01T00:00:00Z" });
    tracker.observePost({ id: undefined });
    assert.deepEqual(tracker.current(), {
      streamKey: "s",
      lastActivityMs: T0,
      newestPostId: "1790000000000000010",
      newestPostAtMs: Date.parse("2025-01-01T00:00:01Z"),
      updatedAtMs: T0,
    });
    void tracker.flush();
  });

  it("WatermarkTracker saves at most once per interval while posts flow, and not at all when idle", async () => {
    const store = new RecordingStore();
    const tracker = new WatermarkTracker({
      store,
      streamKey: "s",
      partition: 2,
      saveIntervalMs: 1000,
    });
    for (let i = 0; i < 25; i++) {
      tracker.observePost({ id: String(1790000000000000000n + BigInt(i)) });
      await clock.tickAsync(100);
    }
    assert.equal(store.saves.length, 2, "saved at 1 s and 2 s");
    assert.deepEqual(store.saves[0], {
      streamKey: "s",
      partition: 2,
      lastActivityMs: T0 + 900,
      newestPostId: "1790000000000000009",
      updatedAtMs: T0 + 1000,
    });
    await clock.tickAsync(10_000);
    assert.equal(store.saves.length, 3, "the last changes saved once");
    assert.equal(store.saves[2].newestPostId, "1790000000000000024");
    await clock.tickAsync(10_000);
    assert.equal(store.saves.length, 3);
    assert.equal(clock.countTimers(), 0);
  });

  it("WatermarkTracker records heartbeats as activity", async () => {
    const store = new MemoryWatermarkStore();
    const tracker = new WatermarkTracker({ store, streamKey: "s" });
    tracker.observeHeartbeat();
    await clock.tickAsync(20_000);
    tracker.observeHeartbeat();
    await tracker.flush();
    assert.deepEqual(await store.load("s"), {
      streamKey: "s",
      lastActivityMs: T0 + 20_000,
      updatedAtMs: T0 + 20_000,
    });
  });

  it("WatermarkTracker flush saves at once, cancels the timer, and skips when nothing changed", async () => {
    const store = new RecordingStore();
    const tracker = new WatermarkTracker({ store, streamKey: "s" });
    tracker.observePost({ id: "5" });
    await tracker.flush();
    assert.equal(store.saves.length, 1);
    assert.equal(clock.countTimers(), 0);
    await tracker.flush();
    assert.equal(store.saves.length, 1);
  });

  it("WatermarkTracker load resumes from the saved watermark so the newest id never goes back", async () => {
    const store = new MemoryWatermarkStore();
    await store.save({
      streamKey: "s",
      lastActivityMs: T0 - 60_000,
      newestPostId: "1790000000000000500",
      newestPostAtMs: T0 - 61_000,
      updatedAtMs: T0 - 59_000,
    });
    const tracker = new WatermarkTracker({ store, streamKey: "s" });
    assert.equal((await tracker.load())?.newestPostId, "1790000000000000500");
    tracker.observePost({ id: "1790000000000000400" }); // a backfilled, older post
    await tracker.flush();
    const saved = await store.load("s");
    assert.equal(saved?.newestPostId, "1790000000000000500");
    assert.equal(saved?.newestPostAtMs, T0 - 61_000);
    assert.equal(saved?.lastActivityMs, T0);
  });

  it("WatermarkTracker reports failed scheduled saves to onError, retries them, and flush rejects", async () => {
    let fail = true;
    const store: WatermarkStore = {
      load: () => Promise.resolve(undefined),
      save: () => fail ? Promise.reject(new Error("disk full")) : Promise.resolve(),
    };
    const errors: unknown[] = [];
    const tracker = new WatermarkTracker({ store, streamKey: "s", onError: (e) => errors.push(e) });
    tracker.observeHeartbeat();
    await clock.tickAsync(1000);
    assert.deepEqual(errors.map((e) => (e as Error).message), ["disk full"]);
    await assert.rejects(tracker.flush(), /disk full/);
    fail = false;
    await tracker.flush();
  });

  it("WatermarkTracker refuses invalid options with the std message grammar", () => {
    const store = new MemoryWatermarkStore();
    assert.throws(() => new WatermarkTracker({ store, streamKey: "" }), {
      name: "RangeError",
      message:
        `Cannot construct WatermarkTracker as 'streamKey' must not be empty: current value is ""`,
    });
    assert.throws(() => new WatermarkTracker({ store, streamKey: "s", saveIntervalMs: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct WatermarkTracker as 'saveIntervalMs' must be a positive integer: current value is 0",
    });
  });
});

describe("FileWatermarkStore", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "holdfast-watermark-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const mark = (streamKey: string, n: number): Watermark => ({
    streamKey,
    lastActivityMs: T0 + n,
    newestPostId: String(1790000000000000000n + BigInt(n)),
    newestPostAtMs: T0 + n - 500,
    updatedAtMs: T0 + n + 1,
  });

  it("FileWatermarkStore round-trips watermarks of several streams through one file", async () => {
    const path = join(dir, "nested", "watermarks.json");
    const store = new FileWatermarkStore({ path });
    assert.equal(await store.load("filtered"), undefined, "a missing file holds nothing");
    await store.save(mark("filtered", 1));
    await store.save({ ...mark("firehose", 2), partition: 3 });
    await store.save(mark("filtered", 4));
    const reopened = new FileWatermarkStore({ path });
    assert.deepEqual(await reopened.load("filtered"), mark("filtered", 4));
    assert.deepEqual(await reopened.load("firehose"), { ...mark("firehose", 2), partition: 3 });
    const json = JSON.parse(await readFile(path, "utf8"));
    assert.equal(json.version, 1);
    assert.deepEqual(Object.keys(json.watermarks).sort(), ["filtered", "firehose"]);
  });

  it("FileWatermarkStore replaces the file whole: readers never see a partial file and no temp file stays", async () => {
    const path = join(dir, "watermarks.json");
    const store = new FileWatermarkStore({ path });
    await store.save(mark("s", 0));
    const saves = Array.from({ length: 50 }, (_, i) => store.save(mark(`stream-${i % 5}`, i)));
    let reads = 0;
    let settled = false;
    const all = Promise.all(saves).finally(() => settled = true);
    while (!settled) {
      JSON.parse(await readFile(path, "utf8")); // throws if a write were in place and half done
      reads++;
    }
    await all;
    assert.ok(reads > 0);
    assert.deepEqual(await readdir(dir), ["watermarks.json"]);
    assert.deepEqual(await new FileWatermarkStore({ path }).load("stream-4"), mark("stream-4", 49));
  });

  it("FileWatermarkStore refuses a corrupt file with an error naming it, and leaves it untouched", async () => {
    const path = join(dir, "watermarks.json");
    const garbage = '{"version":1,"watermarks":{"s":{"streamKey":"s","lastActivityMs":';
    await writeFile(path, garbage);
    const store = new FileWatermarkStore({ path });
    await assert.rejects(store.load("s"), (error: Error) => {
      assert.ok(error.message.startsWith(`Watermark file ${path} is corrupt (not JSON: `));
      assert.match(error.message, /left untouched/);
      return true;
    });
    await assert.rejects(
      store.save(mark("s", 1)),
      new RegExp(`Watermark file .*watermarks\\.json is corrupt`),
    );
    assert.equal(await readFile(path, "utf8"), garbage);
    assert.deepEqual(await readdir(dir), ["watermarks.json"]);
  });

  it("FileWatermarkStore names the bad field of a file that is JSON but not watermarks", async () => {
    const path = join(dir, "watermarks.json");
    const wrong = JSON.stringify({
      version: 1,
      watermarks: { s: { streamKey: "s", lastActivityMs: "soon" } },
    });
    await writeFile(path, wrong);
    await assert.rejects(
      new FileWatermarkStore({ path }).load("s"),
      /is corrupt \(watermarks\.s\.lastActivityMs: /,
    );
    assert.equal(await readFile(path, "utf8"), wrong);
  });

  it("FileWatermarkStore moves a corrupt file aside only when asked, and starts afresh", async () => {
    const path = join(dir, "watermarks.json");
    await writeFile(path, "not json");
    const store = new FileWatermarkStore({
      path,
      onCorrupt: "move-aside",
      now: () => Date.parse("2025-06-07T08:09:10.123Z"),
    });
    assert.equal(await store.load("s"), undefined);
    await store.save(mark("s", 1));
    assert.deepEqual((await readdir(dir)).sort(), [
      "watermarks.json",
      "watermarks.json.corrupt-2025-06-07T08-09-10-123Z",
    ]);
    assert.equal(await readFile(`${path}.corrupt-2025-06-07T08-09-10-123Z`, "utf8"), "not json");
  });

  it("FileWatermarkStore works as the tracker's store", async () => {
    const path = join(dir, "watermarks.json");
    const tracker = new WatermarkTracker({
      store: new FileWatermarkStore({ path }),
      streamKey: "s",
    });
    tracker.observePost({ id: "1790000000000000001", createdAt: "2025-01-01T00:00:00Z" });
    await tracker.flush();
    const saved = await new FileWatermarkStore({ path }).load("s");
    assert.equal(saved?.newestPostId, "1790000000000000001");
  });

  it("FileWatermarkStore refuses invalid options with the std message grammar", () => {
    assert.throws(() => new FileWatermarkStore({ path: "x", onCorrupt: "delete" as "throw" }), {
      name: "RangeError",
      message:
        `Cannot construct FileWatermarkStore as 'onCorrupt' must be "throw" or "move-aside": current value is "delete"`,
    });
  });
});
