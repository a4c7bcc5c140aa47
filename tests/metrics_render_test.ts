import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { makeStatus, NOW, ZERO } from "./helpers/client_status_fixture.ts";
import { type ExtraMetric, renderMetrics } from "../src/server/metrics.ts";

const KNOWN = makeStatus({
  attempts: 3,
  attemptsByClass: { ...ZERO, immediate: 1, network: 1 },
  lastActivityMs: NOW - 1_500,
  counts: { posts: 120, heartbeats: 7, disconnects: 2, malformed: 1, bytes: 204_800 },
  newestPostAtMs: NOW - 2_250,
  rateLimit: { limit: 50, remaining: 47, resetAtMs: NOW + 600_000 },
});

const GOLDEN = `# HELP holdfast_up 1 while the process serves metrics.
# TYPE holdfast_up gauge
holdfast_up 1
# HELP holdfast_scrape_errors Problems met building this scrape (a failing status or extra source, an invalid extra metric).
# TYPE holdfast_scrape_errors gauge
holdfast_scrape_errors 0
# HELP holdfast_connection_state 1 for the state the connection is in, 0 for the others.
# TYPE holdfast_connection_state gauge
holdfast_connection_state{state="idle"} 0
holdfast_connection_state{state="connecting"} 0
holdfast_connection_state{state="connected"} 1
holdfast_connection_state{state="waiting"} 0
holdfast_connection_state{state="stopped"} 0
# HELP holdfast_connected 1 while the stream connection is open, else 0.
# TYPE holdfast_connected gauge
holdfast_connected 1
# HELP holdfast_connect_attempts_total Connection attempts made.
# TYPE holdfast_connect_attempts_total counter
holdfast_connect_attempts_total 3
# HELP holdfast_failures_total Failed connection attempts by backoff class.
# TYPE holdfast_failures_total counter
holdfast_failures_total{class="immediate"} 1
holdfast_failures_total{class="network"} 1
holdfast_failures_total{class="http"} 0
holdfast_failures_total{class="rate-limit"} 0
holdfast_failures_total{class="budget"} 0
# HELP holdfast_posts_total Posts delivered.
# TYPE holdfast_posts_total counter
holdfast_posts_total 120
# HELP holdfast_heartbeats_total Keep-alive heartbeats received.
# TYPE holdfast_heartbeats_total counter
holdfast_heartbeats_total 7
# HELP holdfast_disconnects_total Connections that ended.
# TYPE holdfast_disconnects_total counter
holdfast_disconnects_total 2
# HELP holdfast_malformed_lines_total Lines that were not valid JSON messages.
# TYPE holdfast_malformed_lines_total counter
holdfast_malformed_lines_total 1
# HELP holdfast_bytes_total Bytes received from the stream.
# TYPE holdfast_bytes_total counter
holdfast_bytes_total 204800
# HELP holdfast_last_activity_seconds Seconds since the last byte (data or heartbeat) arrived.
# TYPE holdfast_last_activity_seconds gauge
holdfast_last_activity_seconds 1.5
# HELP holdfast_newest_post_lag_seconds Age of the newest post delivered (now minus its created_at), in seconds.
# TYPE holdfast_newest_post_lag_seconds gauge
holdfast_newest_post_lag_seconds 2.25
# HELP holdfast_next_retry_seconds Seconds until the next connection attempt, while waiting.
# TYPE holdfast_next_retry_seconds gauge
# HELP holdfast_rate_limit_remaining x-rate-limit-remaining of the latest response.
# TYPE holdfast_rate_limit_remaining gauge
holdfast_rate_limit_remaining 47
# HELP holdfast_rate_limit_limit x-rate-limit-limit of the latest response.
# TYPE holdfast_rate_limit_limit gauge
holdfast_rate_limit_limit 50
# HELP holdfast_rate_limit_reset_timestamp_seconds x-rate-limit-reset of the latest response, as a UNIX time in seconds.
# TYPE holdfast_rate_limit_reset_timestamp_seconds gauge
holdfast_rate_limit_reset_timestamp_seconds 1735733400
# HELP holdfast_queue_depth Posts waiting in the queue.
# TYPE holdfast_queue_depth gauge
holdfast_queue_depth 4
# HELP holdfast_dedup_dropped_total Duplicates dropped, by source.
# TYPE holdfast_dedup_dropped_total counter
holdfast_dedup_dropped_total{source="stream"} 3
holdfast_dedup_dropped_total{source="backfill"} 9
`;

describe("renderMetrics", () => {
  it("writes a known status and extras exactly (golden text)", () => {
    const text = renderMetrics([KNOWN], [
      {
        name: "holdfast_queue_depth",
        help: "Posts waiting in the queue.",
        type: "gauge",
        value: 4,
      },
      {
        name: "holdfast_dedup_dropped_total",
        help: "Duplicates dropped, by source.",
        type: "counter",
        value: 3,
        labels: { source: "stream" },
      },
      {
        name: "holdfast_dedup_dropped_total",
        help: "Duplicates dropped, by source.",
        type: "counter",
        value: 9,
        labels: { source: "backfill" },
      },
    ], NOW);
    assert.equal(text, GOLDEN);
  });

  it("labels every per-connection sample with `connection` when there are several", () => {
    const waiting = makeStatus({
      state: "waiting",
      connectedAtMs: undefined,
      nextRetryAtMs: NOW + 2_500,
    });
    const text = renderMetrics([KNOWN, waiting], [], NOW);
    assert.match(text, /^holdfast_up 1$/m);
    assert.match(text, /^holdfast_connection_state\{connection="0",state="connected"\} 1$/m);
    assert.match(text, /^holdfast_connection_state\{connection="1",state="waiting"\} 1$/m);
    assert.match(text, /^holdfast_connected\{connection="1"\} 0$/m);
    assert.match(text, /^holdfast_failures_total\{connection="0",class="network"\} 1$/m);
    assert.match(text, /^holdfast_next_retry_seconds\{connection="1"\} 2.5$/m);
    assert.doesNotMatch(text, /^holdfast_next_retry_seconds\{connection="0"\}/m);
    const samples = text.split("\n").filter((line) => line !== "" && !line.startsWith("#"));
    const unlabelled = samples.filter((line) => !line.includes('connection="'));
    assert.deepEqual(unlabelled, ["holdfast_up 1", "holdfast_scrape_errors 0"]);
    // One HELP/TYPE pair per family even with two connections.
    assert.equal(text.match(/^# TYPE holdfast_posts_total counter$/gm)?.length, 1);
  });

  it("leaves out samples whose value is unknown instead of writing NaN", () => {
    const idle = makeStatus({ state: "idle", connectedAtMs: undefined, lastActivityMs: undefined });
    const text = renderMetrics([idle], [], NOW);
    assert.doesNotMatch(text, /NaN/);
    assert.doesNotMatch(text, /^holdfast_last_activity_seconds /m);
    assert.doesNotMatch(text, /^holdfast_rate_limit_remaining /m);
    assert.match(text, /^# TYPE holdfast_last_activity_seconds gauge$/m);
  });

  it("skips invalid extras (bad name, holdfast name, bad type, negative counter, null) and counts them", () => {
    const text = renderMetrics(
      [KNOWN],
      [
        { name: "bad-name", help: "h", type: "gauge", value: 1 },
        {
          name: "holdfast_posts_total",
          help: "h",
          type: "counter",
          value: 1,
          labels: { source: "x" },
        },
        { name: "ok_gauge", help: "h", type: "histogram" as "gauge", value: 1 },
        { name: "ok_total", help: "h", type: "counter", value: -1 },
        null as unknown as ExtraMetric,
        {
          name: "null_labels",
          help: "h",
          type: "gauge",
          value: 1,
          labels: null as unknown as undefined,
        },
        { name: "fine", help: "Fine.", type: "gauge", value: 7 },
      ],
      NOW,
      1,
    );
    assert.match(text, /^holdfast_scrape_errors 7$/m);
    assert.match(text, /^fine 7$/m);
    assert.doesNotMatch(text, /bad-name|source="x"|ok_gauge|ok_total|null_labels/);
  });

  it("skips a status figure that cannot be written (a negative counter) instead of failing the scrape", () => {
    const counts = { posts: -1, heartbeats: 0, disconnects: 0, malformed: 0, bytes: 0 };
    const text = renderMetrics([makeStatus({ counts })], [], NOW);
    assert.match(text, /^holdfast_scrape_errors 1$/m);
    assert.doesNotMatch(text, /^holdfast_posts_total /m);
    assert.match(text, /^holdfast_heartbeats_total 0$/m);
  });

  it("writes only the process metrics when there is no status", () => {
    const text = renderMetrics([], [], NOW);
    assert.match(text, /^holdfast_up 1$/m);
    assert.doesNotMatch(text, /^holdfast_connected /m);
  });
});
