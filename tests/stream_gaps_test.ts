import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { GapResponder } from "../src/collector/gap_responder.ts";
import { RecoveryJobs } from "../src/collector/recovery_jobs.ts";
import { RecoveryLedger } from "../src/collector/replay_ledger.ts";
import { StreamGaps } from "../src/collector/stream_gaps.ts";
import type { RecoveryWindow } from "../src/recovery/recovery_planner.ts";

const URL_V2 = "https://api.x.com/2/tweets/sample/stream";

/** Two redundant connections that both read up to 100 s, dropped, and reconnected at 130 s:
 * connection 1 with a backfill (it covers from 70 s), so connection 0 needs none. */
function twoReconnected(): StreamGaps {
  const gaps = new StreamGaps({
    product: "v2",
    backfill: "auto",
    partitions: [undefined, undefined],
  });
  for (const id of [0, 1]) {
    gaps.noteActivity(id, 100_000, 99_900);
    gaps.noteDisconnect(id, false);
  }
  assert.equal(gaps.planReconnect(1, 130_000).backfillMinutes, 2); // 30.1 s + 30 s of margin
  gaps.noteConnected(1, 130_000);
  assert.equal(gaps.planReconnect(0, 130_100).plan.kind, "none", "carried by the backfill");
  gaps.noteConnected(0, 130_100);
  return gaps;
}

describe("StreamGaps: a replay cut short, and a gap another connection closed", () => {
  it("measures a backfill cut short from the last post it replayed, not from when", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(1, 131_000, 110_000); // the replay got to posts created at 110 s
    gaps.noteActivity(1, 131_500); // a heartbeat in the middle of the replay
    gaps.noteDisconnect(1, false);
    const plan = gaps.planReconnect(1, 131_600);
    assert.equal(plan.gapStartMs, 110_000);
    assert.equal(plan.backfillMinutes, 1, "110 s to 130.1 s is in no one's output yet");
  });

  it("counts a heartbeat once the replay is over (no post for 20 s)", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(1, 131_000, 130_500); // caught up with the live stream
    gaps.noteActivity(1, 140_000);
    gaps.noteDisconnect(1, false);
    assert.equal(gaps.planReconnect(1, 140_100).plan.kind, "none", "connection 0 carries it");

    const idle = twoReconnected();
    idle.noteActivity(1, 131_000, 100_500); // the last post of a short replay
    idle.noteActivity(1, 151_000); // then only heartbeats: the replay is over
    idle.noteDisconnect(1, false);
    assert.equal(idle.planReconnect(1, 151_100).plan.kind, "none");
  });

  it("ends a Recovery where another connection took over the stream, and says so", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(1, 131_000, 110_000);
    gaps.noteDisconnect(1, true); // a full buffer in the middle of the replay
    const plan = gaps.planReconnect(1, 400_000);
    assert.equal(plan.carriedFromMs, 130_100);
    assert.deepEqual(plan.plan, { kind: "recovery", startMs: 80_000, endMs: 131_000 });
  });
});

describe("GapResponder: a Recovery another connection's stream lets run", () => {
  function responderWith(gaps: StreamGaps, now: () => number) {
    const ran: RecoveryWindow[] = [];
    const jobs = new RecoveryJobs({
      now,
      run: (job) => {
        ran.push(job.window);
        return Promise.resolve({ ok: true, posts: 0 });
      },
    });
    const responder = new GapResponder({
      gaps,
      jobs,
      ledger: new RecoveryLedger({ product: "v2" }),
      product: "v2",
      recovery: true,
      now,
      partitionOf: () => undefined,
      onBackfill: () => {},
      onNoBackfill: () => {},
      onRecoveryQueued: () => {},
      raise: () => {},
    });
    return { responder, ran };
  }

  it("queues it at once, up to where the other connection carries the stream", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(1, 131_000, 110_000);
    gaps.noteDisconnect(1, true);
    const { responder, ran } = responderWith(gaps, () => 400_000);
    const url = responder.beforeConnect(1, new URL(URL_V2));
    assert.equal(url.search, "", "the live reconnect asks for nothing");
    assert.deepEqual(ran, [{ kind: "recovery", startMs: 80_000, endMs: 131_000 }]);
  });

  it("queues it when the connection drops, not when it is back", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(1, 131_000, 110_000);
    gaps.noteDisconnect(1, true); // a full buffer in the middle of the replay
    let now = 131_100;
    const { responder, ran } = responderWith(gaps, () => now);
    responder.disconnected(1);
    assert.deepEqual(ran, [{ kind: "recovery", startMs: 80_000, endMs: 131_000 }]);
    now = 400_000; // minutes later (a connect budget), the connection is back: nothing is owed
    const url = responder.beforeConnect(1, new URL(URL_V2));
    assert.equal(url.search, "");
    assert.equal(ran.length, 1);
  });

  it("leaves a drop no other connection carries to the reconnect", () => {
    const gaps = twoReconnected();
    gaps.noteActivity(0, 131_000, 130_900);
    gaps.noteDisconnect(0, false);
    gaps.noteActivity(1, 131_000, 110_000);
    gaps.noteDisconnect(1, true);
    const { responder, ran } = responderWith(gaps, () => 131_100);
    responder.disconnected(1);
    assert.deepEqual(ran, []);
    const url = responder.beforeConnect(1, new URL(URL_V2));
    assert.equal(url.search, "", "a full buffer: a Recovery, once the live stream is back");
  });

  it("runs a Recovery that waited for this connection once another one is back", () => {
    const gaps = new StreamGaps({
      product: "v2",
      backfill: "auto",
      partitions: [undefined, undefined],
    });
    gaps.noteActivity(1, 100_000, 99_900);
    gaps.noteDisconnect(1, true); // lost to a full buffer
    gaps.noteActivity(0, 105_000, 104_900);
    gaps.noteDisconnect(0, true); // and the other, 5 s later
    let now = 110_000;
    const { responder, ran } = responderWith(gaps, () => now);
    responder.beforeConnect(1, new URL(URL_V2)); // planned; waits for the live stream
    gaps.noteDisconnect(1, false); // that attempt failed
    assert.deepEqual(ran, []);
    now = 120_000;
    responder.beforeConnect(0, new URL(URL_V2));
    gaps.noteConnected(0, 120_000);
    // Connection 0 is back: its own Recovery is queued, and connection 1's, which it carries
    // now (not when connection 1 is back, which backoff may hold for minutes).
    responder.connected(0, 120_000);
    assert.deepEqual(ran, [
      { kind: "recovery", startMs: 74_000, endMs: 120_000 },
      { kind: "recovery", startMs: 69_000, endMs: 74_000 },
    ]);
    now = 900_000;
    responder.beforeConnect(1, new URL(URL_V2)); // nothing more
    assert.equal(ran.length, 2);
  });

  it("drops a waiting Recovery that another connection's backfill replays whole", () => {
    const gaps = new StreamGaps({
      product: "v2",
      backfill: "auto",
      partitions: [undefined, undefined],
    });
    gaps.noteConnected(0, 0);
    gaps.noteConnected(1, 0);
    gaps.noteActivity(0, 100_000, 99_900);
    gaps.noteActivity(1, 100_000, 99_900);
    gaps.noteLagged(1);
    gaps.noteDisconnect(1, false, true); // a sudden stop while it lagged: counts as a full buffer
    gaps.noteDisconnect(0, false); // a plain drop: backfill is possible on this one
    let now = 190_000;
    const { responder, ran } = responderWith(gaps, () => now);
    const first = responder.beforeConnect(1, new URL(URL_V2)); // a Recovery, waiting for the live stream
    assert.equal(first.searchParams.get("backfill_minutes"), null);
    now = 195_000;
    const url = responder.beforeConnect(0, new URL(URL_V2));
    assert.equal(url.searchParams.get("backfill_minutes"), "3"); // 95 s + 30 s of margin
    gaps.noteConnected(0, 195_000);
    responder.connected(0, 195_000);
    // Its backfill replays from 15 s: connection 1's window (from 69 s) would be a second copy.
    assert.deepEqual(ran, []);
    now = 200_000;
    const again = responder.beforeConnect(1, new URL(URL_V2)); // connection 1 is back too
    assert.equal(again.searchParams.get("backfill_minutes"), null);
    assert.deepEqual(ran, []);
  });
});
