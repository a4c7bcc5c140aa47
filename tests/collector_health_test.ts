import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { collectorHealthOptions } from "../src/collector/collector_health.ts";
import type { Collector, CollectorStatus } from "../src/collector/collector_types.ts";
import { createHealthApp } from "../src/server/health_app.ts";
import { makeStatus, NOW } from "./helpers/client_status_fixture.ts";

const STATUS: CollectorStatus = {
  connections: [
    makeStatus({ url: "https://ann:hunter2@api.x.com/2/tweets/search/stream?access_token=abc" }),
    makeStatus({ newestPostAtMs: NOW - 4_000 }),
  ],
  written: 1_200,
  backfilled: 40,
  recovered: 300,
  recoveries: { queued: 1, running: 2, done: 3, failed: 1 },
  dedup: {
    size: 900,
    duplicates: 75,
    duplicatesBySource: { "connection-1": 70, recovery: 5 },
    evicted: 4,
  },
  queue: {
    depth: 12,
    bytes: 24_576,
    queued: 1_300,
    taken: 1_288,
    droppedOldest: 6,
    droppedNewest: 0,
    blockedWaits: 0,
    peakDepth: 80,
    peakBytes: 163_840,
    closed: false,
  },
  lagMs: 2_500,
  meter: {
    period: "monthly",
    periodStartMs: Date.parse("2025-01-01T00:00:00Z"),
    periodEndMs: Date.parse("2025-02-01T00:00:00Z"),
    count: 8_000,
    byTag: { cats: 5_000, "": 3_000 },
    cap: { limit: 10_000, period: "monthly" },
    fraction: 0.8,
    thresholdsCrossed: [0.5, 0.8],
    capped: false,
  },
  sinks: [
    { kind: "file", posts: 1_200, bytes: 2_400_000, detail: { path: "/data/posts.jsonl" } },
    { kind: "redis", posts: 1_190, bytes: 2_380_000, duplicates: 10 },
  ],
  watermark: {
    streamKey: "/2/tweets/search/stream",
    lastActivityMs: NOW - 1_000,
    newestPostId: "1880000000000000000",
    newestPostAtMs: NOW - 2_500,
    updatedAtMs: NOW - 500,
  },
  paused: false,
};

/** A plain object implementing Collector, with a status that the test can change. */
function fakeCollector(status: CollectorStatus): Collector & { current: CollectorStatus } {
  const collector = {
    current: status,
    status: () => collector.current,
    subscribe: () => () => {},
    close: () => Promise.resolve(),
    closed: Promise.resolve(),
  };
  return collector;
}

function appFor(collector: Collector, lagAlertMs?: number) {
  return createHealthApp(collectorHealthOptions(collector, { now: () => NOW, lagAlertMs }));
}

describe("collectorHealthOptions", () => {
  it("/status shows the collector's figures beside its connections, without a credential", async () => {
    const res = await appFor(fakeCollector(STATUS)).request("/status");
    assert.equal(res.status, 200);
    const text = await res.text();
    assert.ok(!text.includes("hunter2") && !text.includes("abc"), text);
    const body = JSON.parse(text);
    assert.equal(body.state, "connected");
    assert.equal(body.connected, 2);
    assert.equal(body.connections.length, 2);
    assert.equal(body.written, 1_200);
    assert.equal(body.backfilled, 40);
    assert.equal(body.recovered, 300);
    assert.deepEqual(body.recoveries, { queued: 1, running: 2, done: 3, failed: 1 });
    assert.deepEqual(body.dedup, {
      remembered: 900,
      duplicates: 75,
      bySource: { "connection-1": 70, recovery: 5 },
      evicted: 4,
    });
    assert.equal(body.queue.depth, 12);
    assert.equal(body.queue.bytes, 24_576);
    assert.equal(body.queue.dropped, 6);
    assert.equal(body.lagMs, 2_500);
    assert.equal(body.meter.count, 8_000);
    assert.equal(body.meter.fraction, 0.8);
    assert.equal(body.meter.periodEnd, "2025-02-01T00:00:00.000Z");
    assert.deepEqual(body.sinks.map((s: { kind: string; posts: number }) => [s.kind, s.posts]), [
      ["file", 1_200],
      ["redis", 1_190],
    ]);
    assert.equal(body.sinks[0].detail.path, "/data/posts.jsonl");
    assert.equal(body.watermark.newestPostId, "1880000000000000000");
    assert.equal(body.watermark.lastActivity, "2025-01-01T11:59:59.000Z");
    assert.equal(body.paused, false);
  });

  it("/metrics has the collector's series beside the connections'", async () => {
    const res = await appFor(fakeCollector(STATUS)).request("/metrics");
    const text = await res.text();
    const expected = [
      "holdfast_written_total 1200",
      "holdfast_backfilled_total 40",
      "holdfast_recovered_total 300",
      "holdfast_recoveries_queued 1",
      "holdfast_recoveries_running 2",
      'holdfast_recoveries_total{result="done"} 3',
      'holdfast_recoveries_total{result="failed"} 1',
      "holdfast_queue_depth 12",
      "holdfast_queue_bytes 24576",
      'holdfast_queue_dropped_total{policy="drop-oldest"} 6',
      'holdfast_queue_dropped_total{policy="drop-newest"} 0',
      'holdfast_duplicates_total{source="connection-1"} 70',
      'holdfast_duplicates_total{source="recovery"} 5',
      "holdfast_dedup_ids 900",
      "holdfast_lag_seconds 2.5",
      'holdfast_meter_posts{period="monthly"} 8000',
      'holdfast_meter_cap_posts{period="monthly"} 10000',
      'holdfast_meter_cap_fraction{period="monthly"} 0.8',
      "holdfast_meter_capped 0",
      'holdfast_sink_posts_total{sink="0",kind="file"} 1200',
      'holdfast_sink_bytes_total{sink="1",kind="redis"} 2380000',
      "holdfast_paused 0",
      'holdfast_connected{connection="1"} 1',
      "holdfast_scrape_errors 0",
    ];
    for (const line of expected) assert.ok(text.includes(`${line}\n`), `missing ${line}`);
    assert.match(text, /# TYPE holdfast_written_total counter\n/);
    assert.match(text, /# TYPE holdfast_queue_depth gauge\n/);
    assert.ok(!text.includes("hunter2"));
  });

  it("/metrics leaves out the figures a collector does not have yet", async () => {
    const bare = fakeCollector({
      ...STATUS,
      lagMs: undefined,
      meter: undefined,
      watermark: undefined,
      sinks: [],
      dedup: { ...STATUS.dedup, duplicatesBySource: {} },
    });
    const text = await (await appFor(bare).request("/metrics")).text();
    assert.ok(!text.includes("holdfast_lag_seconds"));
    assert.ok(!text.includes("holdfast_meter_posts"));
    assert.ok(!text.includes("holdfast_sink_posts_total"));
    assert.ok(text.includes("holdfast_duplicates_total 0\n"));
    assert.ok(text.includes("holdfast_scrape_errors 0\n"));
    const body = await (await appFor(bare).request("/status")).json();
    assert.equal(body.lagMs, null);
    assert.equal(body.meter, null);
    assert.equal(body.watermark, null);
  });

  it("/readyz follows the connections: pass, warn when one is down, fail when all are", async () => {
    const collector = fakeCollector(STATUS);
    const app = appFor(collector);
    const ready = await app.request("/readyz");
    assert.equal(ready.status, 200);
    assert.equal((await ready.json()).status, "pass");

    const down = makeStatus({ state: "waiting", connectedAtMs: undefined, nextRetryAtMs: NOW });
    collector.current = { ...STATUS, connections: [STATUS.connections[0], down] };
    const partly = await app.request("/readyz");
    assert.equal(partly.status, 200);
    const warn = await partly.json();
    assert.equal(warn.status, "warn");
    assert.match(warn.output, /^connection 1: waiting to reconnect/);

    collector.current = { ...STATUS, connections: [down, down], paused: true };
    const none = await app.request("/readyz");
    assert.equal(none.status, 503);
    assert.equal((await none.json()).status, "fail");
    assert.equal((await (await app.request("/status")).json()).paused, true);
  });

  it("/readyz warns when the newest post lags past lagAlertMs", async () => {
    const late = fakeCollector({
      ...STATUS,
      connections: [makeStatus({ newestPostAtMs: NOW - 120_000 })],
    });
    const body = await (await appFor(late, 60_000).request("/readyz")).json();
    assert.equal(body.status, "warn");
    assert.match(body.output, /newest post is 120000 ms old/);
  });

  it("collectorHealthOptions refuses invalid options, naming the option", () => {
    const collector = fakeCollector(STATUS);
    assert.throws(() => collectorHealthOptions(collector, { lagAlertMs: 0 }), {
      name: "RangeError",
      message:
        "Cannot serve collector health as 'lagAlertMs' must be a positive integer: current value is 0",
    });
    assert.throws(() => collectorHealthOptions({} as Collector), {
      name: "TypeError",
      message:
        "Cannot serve collector health as 'collector' must be a Collector: current value has no status()",
    });
  });
});
