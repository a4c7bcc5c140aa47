import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { RecoveryLedger } from "../src/collector/replay_ledger.ts";

const MIN = 60_000;
const window = (startMs: number, endMs: number) => ({ kind: "recovery", startMs, endMs } as const);

describe("RecoveryLedger: Recovery windows that never replay a post twice", () => {
  it("aligns a window as X receives it (v2 to the second, PowerTrack to the minute)", () => {
    const v2 = new RecoveryLedger({ product: "v2" }).admit(undefined, window(1_500, 61_200))!;
    assert.deepEqual(v2.window, window(1_000, 62_000));
    const pt = new RecoveryLedger({ product: "powertrack" }).admit(
      undefined,
      window(1_500, 61_200),
    )!;
    assert.deepEqual(pt.window, window(0, 2 * MIN));
  });

  it("starts a window whose start lies inside an earlier one (queued, running or done) at its end", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    const a = ledger.admit(undefined, window(0, 20 * MIN))!;
    ledger.finished(undefined, a, true);
    const b = ledger.admit(undefined, window(20 * MIN - 20_000, 27 * MIN))!;
    assert.deepEqual(b.window, window(20 * MIN, 27 * MIN));
    // A third one reaching back over both starts after the later.
    const c = ledger.admit(undefined, window(10 * MIN, 30 * MIN))!;
    assert.deepEqual(c.window, window(27 * MIN, 30 * MIN));
  });

  it("ends a window where an earlier one that holds its end starts", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    ledger.admit(undefined, window(10 * MIN, 20 * MIN));
    assert.deepEqual(
      ledger.admit(undefined, window(5 * MIN, 20 * MIN))?.window,
      window(5 * MIN, 10 * MIN),
    );
  });

  it("drops a window the earlier ones cover entirely", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    ledger.admit(undefined, window(0, 20 * MIN));
    assert.equal(ledger.admit(undefined, window(5 * MIN, 20 * MIN)), undefined);
    assert.equal(ledger.admit(undefined, window(0, 19 * MIN)), undefined);
  });

  it("keeps partitions apart", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    ledger.admit(1, window(0, 20 * MIN));
    assert.deepEqual(ledger.admit(2, window(0, 20 * MIN))?.window, window(0, 20 * MIN));
  });

  it("forgets a window whose Recovery failed: a later gap there is recovered again", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    const a = ledger.admit(undefined, window(0, 20 * MIN))!;
    ledger.finished(undefined, a, false);
    assert.deepEqual(ledger.admit(undefined, window(0, 20 * MIN))?.window, window(0, 20 * MIN));
  });

  it("guards a job against what others write in its window while it is queued or running", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    const guard = ledger.admit(undefined, window(0, 20 * MIN), new Set(["margin"]))!;
    ledger.noteWritten(undefined, "live-in-window", 20 * MIN, undefined);
    ledger.noteWritten(undefined, "live-after", 20 * MIN + 1_000, undefined);
    ledger.noteWritten(2, "other-partition", MIN, undefined);
    assert.equal(guard.has("margin"), true);
    assert.equal(guard.has("live-in-window"), true);
    assert.equal(guard.has("live-after"), false, "a second past its end: never replayed");
    assert.equal(guard.has("other-partition"), false);
    ledger.finished(undefined, guard, true);
    ledger.noteWritten(undefined, "late", MIN, undefined);
    assert.equal(guard.has("late"), false, "a finished job notes nothing more");
  });

  it("keeps a job's own writes only around its end, for the window that starts there", () => {
    const ledger = new RecoveryLedger({ product: "v2" });
    const a = ledger.admit(undefined, window(0, 20 * MIN))!;
    ledger.noteWritten(undefined, "a-early", 10 * MIN, a);
    ledger.noteWritten(undefined, "a-end", 20 * MIN, a); // both windows hold this instant
    assert.equal(a.noted, 1, "its whole replay is not kept");
    ledger.finished(undefined, a, true);
    const b = ledger.admit(undefined, window(20 * MIN - 30_000, 30 * MIN))!;
    assert.equal(b.has("a-end"), true);
    assert.equal(b.has("a-early"), false);
    // A window that does not start at a's end inherits nothing from it.
    const c = ledger.admit(undefined, window(40 * MIN, 50 * MIN))!;
    assert.equal(c.has("a-end"), false);
  });
});
