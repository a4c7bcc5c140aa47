import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { DedupWindow, MemoryDedupStore } from "../src/dedup/dedup_window.ts";

function clock(startMs = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = startMs;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

describe("DedupWindow", () => {
  it("DedupWindow tells the first copy of an id from copies delivered by other sources", () => {
    const dedup = new DedupWindow();
    assert.equal(dedup.seen("1790000000000000001", "connection-0"), false);
    assert.equal(dedup.seen("1790000000000000001", "connection-1"), true);
    assert.equal(dedup.seen("1790000000000000001", "backfill"), true);
    assert.equal(dedup.seen("1790000000000000002", "backfill"), false);
    assert.equal(dedup.has("1790000000000000001"), true);
    assert.equal(dedup.has("1790000000000000003"), false);
    assert.equal(dedup.size, 2);
  });

  it("DedupWindow counts duplicates per source that delivered the later copy", () => {
    const dedup = new DedupWindow();
    for (const id of ["1", "2", "3"]) dedup.seen(id, "connection-0");
    dedup.seen("1", "connection-1");
    dedup.seen("2", "connection-1");
    dedup.seen("3", "recovery");
    dedup.seen("3");
    assert.deepEqual(dedup.stats(), {
      size: 3,
      duplicates: 4,
      duplicatesBySource: { "connection-1": 2, recovery: 1, default: 1 },
      evicted: 0,
    });
  });

  it("DedupWindow forgets the oldest id once maxEntries is reached", () => {
    const dedup = new DedupWindow({ maxEntries: 3 });
    for (const id of ["1", "2", "3", "4"]) assert.equal(dedup.seen(id), false);
    assert.equal(dedup.size, 3);
    assert.equal(dedup.has("1"), false);
    assert.equal(dedup.seen("1"), false, "an evicted id counts as new");
    assert.equal(dedup.seen("4"), true);
    assert.equal(dedup.stats().evicted, 2);
  });

  it("DedupWindow forgets ids older than maxAgeMs, collecting them when new ids arrive", () => {
    const c = clock();
    const dedup = new DedupWindow({ maxAgeMs: 60_000, now: c.now });
    dedup.seen("old-1");
    dedup.seen("old-2");
    c.advance(30_000);
    dedup.seen("young");
    c.advance(30_000); // old-* are 60 s old now: expired
    assert.equal(dedup.has("old-1"), false);
    assert.equal(dedup.has("young"), true);
    assert.equal(dedup.seen("new"), false);
    assert.equal(dedup.size, 2, "old-1 and old-2 were collected from the head");
    assert.equal(dedup.stats().evicted, 2);
    c.advance(29_999);
    assert.equal(dedup.seen("young"), true, "still within its 60 s");
  });

  it("DedupWindow treats an expired id that was not yet collected as a first copy", () => {
    const c = clock();
    const dedup = new DedupWindow({ maxAgeMs: 1000, now: c.now });
    dedup.seen("a");
    c.advance(1000);
    assert.equal(dedup.seen("a", "backfill"), false);
    assert.equal(dedup.stats().duplicates, 0);
    assert.equal(dedup.size, 1);
  });

  it("DedupWindow never holds more than maxEntries ids, however many pass", () => {
    const dedup = new DedupWindow({ maxEntries: 1000 });
    let duplicates = 0;
    for (let i = 0; i < 200_000; i++) {
      if (dedup.seen(String(1_790_000_000_000_000_000n + BigInt(i)))) duplicates++;
      assert.ok(dedup.size <= 1000);
    }
    assert.equal(duplicates, 0);
    assert.equal(dedup.stats().evicted, 199_000);
  });

  it("DedupWindow forgets an id on request, and its old place never evicts it when seen again", () => {
    const c = clock();
    const dedup = new DedupWindow({ maxEntries: 3, maxAgeMs: 60_000, now: c.now });
    dedup.seen("a");
    c.advance(30_000);
    assert.equal(dedup.forget("a"), true);
    assert.equal(dedup.forget("a"), false, "already forgotten");
    assert.equal(dedup.has("a"), false);
    assert.equal(dedup.seen("a", "recovery"), false, "a first copy again");
    c.advance(30_000); // a's first place is 60 s old now; its new place is 30 s old
    assert.equal(dedup.seen("a", "connection-1"), true, "a is still remembered");
    dedup.seen("b");
    dedup.seen("c");
    assert.equal(dedup.size, 3);
    dedup.seen("d"); // full: the oldest live id (a, at its new place) goes
    assert.equal(dedup.size, 3, "never more than maxEntries, stale places skipped");
    assert.deepEqual(["a", "b", "c", "d"].map((id) => dedup.has(id)), [false, true, true, true]);
    assert.equal(dedup.stats().evicted, 1, "a forgotten id is not counted as evicted");
  });

  it("DedupWindow expires ids in arrival order while they wrap around its ring and it grows", () => {
    const c = clock();
    const dedup = new DedupWindow({ maxAgeMs: 10_000, now: c.now });
    // 1,000 ids live at a time, 5,000 in all: the oldest slots are reused, again and again.
    for (let i = 0; i < 5000; i++) {
      assert.equal(dedup.seen(`id${i}`), false);
      c.advance(10);
    }
    assert.equal(dedup.has("id4000"), false, "seen 10 s ago");
    assert.equal(dedup.has("id4001"), true);
    assert.equal(dedup.size, 999);
    // 3,000 more at once: the ring grows while its oldest id is not in its first slot.
    for (let i = 0; i < 3000; i++) dedup.seen(`new${i}`);
    c.advance(10);
    assert.equal(dedup.has("id4001"), false, "each id kept its own time through the growth");
    assert.deepEqual([dedup.has("id4002"), dedup.has("id4999"), dedup.has("new0")], [
      true,
      true,
      true,
    ]);
    assert.equal(dedup.size, 998 + 3000);
    assert.equal(dedup.seen("id4999", "connection-1"), true);
    c.advance(10_000);
    assert.equal(dedup.has("new2999"), false);
    assert.equal(dedup.size, 0);
    assert.equal(dedup.stats().evicted, 8000);
  });

  it("DedupWindow keeps ids after forgetting many, their old slots still in its ring", () => {
    const dedup = new DedupWindow({ maxEntries: 3000 });
    for (let i = 0; i < 2000; i++) dedup.seen(`x${i}`);
    for (let i = 0; i < 2000; i++) dedup.forget(`x${i}`);
    for (let i = 0; i < 2000; i++) dedup.seen(`x${i}`);
    for (let i = 0; i < 2000; i++) dedup.seen(`y${i}`); // evicts 1000 x at their new places
    assert.equal(dedup.size, 3000);
    assert.equal(dedup.has("x999"), false);
    assert.equal(dedup.has("x1000"), true);
    assert.equal(dedup.has("y1999"), true);
  });

  it("DedupWindow refuses invalid options with the std message grammar", () => {
    assert.throws(() => new DedupWindow({ maxEntries: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct DedupWindow as 'maxEntries' must be a positive integer: current value is 0",
    });
    assert.throws(() => new DedupWindow({ maxAgeMs: 1.5 }), {
      name: "RangeError",
      message:
        "Cannot construct DedupWindow as 'maxAgeMs' must be a positive integer: current value is 1.5",
    });
    assert.throws(() => new DedupWindow({ maxAgeMs: NaN }), { name: "RangeError" });
    assert.throws(() => new DedupWindow({ maxEntries: "5" as unknown as number }), {
      name: "TypeError",
      message:
        `Cannot construct DedupWindow as 'maxEntries' must be a positive integer: current value is "5"`,
    });
    assert.throws(() => new DedupWindow({ now: 5 as unknown as () => number }), {
      name: "TypeError",
      message: "Cannot construct DedupWindow as 'now' must be a function: current value is 5",
    });
  });
});

describe("MemoryDedupStore", () => {
  it("MemoryDedupStore grants the first claim of an id and refuses the rest", async () => {
    const window = new DedupWindow();
    const store = new MemoryDedupStore(window);
    assert.equal(await store.claim("9", "connection-0"), true);
    assert.equal(await store.claim("9", "connection-1"), false);
    assert.equal(store.window, window);
    assert.deepEqual(window.stats().duplicatesBySource, { "connection-1": 1 });
  });

  it("MemoryDedupStore release lets the next claim of the id win", () => {
    const store = new MemoryDedupStore();
    assert.equal(store.claim("7", "connection-0"), true);
    store.release("7");
    assert.equal(store.claim("7", "recovery"), true);
    assert.equal(store.claim("7", "connection-1"), false);
  });

  it("MemoryDedupStore builds its own window from options", () => {
    const store = new MemoryDedupStore({ maxEntries: 1 });
    store.claim("a", "s");
    store.claim("b", "s");
    assert.equal(store.claim("a", "s"), true, "a was evicted by the 1-entry window");
  });
});
