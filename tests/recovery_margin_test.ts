import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RecentlyWritten } from "../src/collector/recovery_margin.ts";

describe("RecentlyWritten: the ids a replay's margin may bring back", () => {
  it("keeps the retention's ids from the newest, whatever the wall clock", () => {
    const recent = new RecentlyWritten({ retentionMs: 60_000 });
    recent.note(undefined, "a", 0);
    recent.note(undefined, "b", 30_000);
    recent.note(undefined, "c", 90_000); // "a" is now more than 60 s older than the newest
    assert.deepEqual([...recent.since(undefined, 0)], ["b", "c"]);
    assert.deepEqual([...recent.since(undefined, 31_000)], ["c"]);
  });

  it("keeps a replay's posts written after newer ones while within the retention", () => {
    const recent = new RecentlyWritten({ retentionMs: 60_000 });
    recent.note(undefined, "live", 100_000);
    recent.note(undefined, "recovery-end", 70_000); // a Recovery's last minute, written late
    recent.note(undefined, "recovery-old", 20_000); // its older posts: never kept
    assert.deepEqual([...recent.since(undefined, 0)], ["live", "recovery-end"]);
    assert.deepEqual([...recent.since(undefined, 80_000)], ["live"]);
  });

  it("holds at most maxEntries ids per partition, the oldest written going first", () => {
    const recent = new RecentlyWritten({ retentionMs: 60_000, maxEntries: 2 });
    for (const id of ["1", "2", "3"]) recent.note(1, id, Number(id));
    recent.note(2, "other", 1);
    assert.deepEqual([...recent.since(1, 0)], ["2", "3"]);
    assert.deepEqual([...recent.since(2, 0)], ["other"]);
    assert.deepEqual([...recent.since(3, 0)], []);
  });

  it("evicts the oldest time first: a Recovery's burst of older posts keeps the live ids", () => {
    const recent = new RecentlyWritten({ retentionMs: 180_000, maxEntries: 1_000 });
    for (let i = 0; i < 100; i++) recent.note(undefined, `live-${i}`, 200_000 + i * 10);
    // A Recovery then writes 1,000 posts of the two minutes before: 100 over the cap.
    for (let i = 0; i < 1_000; i++) recent.note(undefined, `old-${i}`, 80_000 + i * 120);
    const kept = recent.since(undefined, 0);
    assert.equal(kept.size, 1_000);
    for (let i = 0; i < 100; i++) assert.ok(kept.has(`live-${i}`), `live-${i} was evicted`);
    assert.equal(kept.has("old-0"), false);
    assert.equal(kept.has("old-999"), true);
  });

  it("holds the 90 s a Recovery's margin reaches back at 2,000 posts/s by default", () => {
    const recent = new RecentlyWritten();
    for (let i = 0; i < 400_000; i++) recent.note(undefined, String(i), i / 2); // 200 s
    assert.equal(recent.since(undefined, 200_000 - 90_000).size, 180_000);
  });
});
