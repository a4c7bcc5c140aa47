import assert from "node:assert/strict";
import { describe, it } from "node:test";

import { call, open, PT_HEADERS, PT_URL, withSim } from "./helpers/simulator_harness.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

describe("simulator limits", () => {
  it("the 51st connect in 15 minutes gets X's 429 with rate-limit headers, and each 429 extends the lock-out", async () => {
    await withSim({}, async (sim, clock) => {
      const resetAt = String(Math.ceil((sim.now() + 15 * 60_000) / 1000));
      for (let i = 1; i <= 50; i++) {
        const reader = await open(sim, "/2/tweets/sample/stream");
        await reader.cancel();
        await clock.tickAsync(1_000);
      }
      const last = sim.attempts()[49];
      assert.deepEqual(last?.rateLimit?.remaining, 0);
      const limited = await call(sim, "/2/tweets/sample/stream");
      assert.equal(limited.status, 429);
      assert.deepEqual(await limited.json(), {
        title: "Too Many Requests",
        detail: "Too Many Requests",
        type: "about:blank",
        status: 429,
      });
      assert.equal(limited.headers.get("x-rate-limit-limit"), "50");
      assert.equal(limited.headers.get("x-rate-limit-remaining"), "0");
      assert.equal(limited.headers.get("x-rate-limit-reset"), resetAt);
      const again = await call(sim, "/2/tweets/sample/stream");
      assert.equal(again.headers.get("x-rate-limit-reset"), String(Number(resetAt) + 60));
      await clock.tickAsync(16 * 60_000);
      const fresh = await call(sim, "/2/tweets/sample/stream");
      assert.equal(fresh.status, 200);
      assert.equal(fresh.headers.get("x-rate-limit-remaining"), "49");
      await fresh.body?.cancel();
      assert.equal(sim.report().summary.rateLimitDrawn, 2);
    });
  });

  it("a second v2 connection gets 429 TooManyConnections; maxConnections 2 allows redundancy", async () => {
    await withSim({}, async (sim) => {
      const first = await open(sim, "/2/tweets/search/stream");
      const second = await call(sim, "/2/tweets/search/stream");
      assert.equal(second.status, 429);
      assert.ok(second.headers.has("x-rate-limit-reset"));
      assert.deepEqual(await second.json(), {
        title: "ConnectionException",
        detail: "This stream is currently at the maximum allowed connection limit.",
        connection_issue: "TooManyConnections",
        type: "https://api.x.com/2/problems/streaming-connection",
      });
      await first.cancel();
      assert.equal((await call(sim, "/2/tweets/search/stream")).status, 200);
    });
    await withSim({ maxConnections: 2 }, async (sim) => {
      await open(sim, "/2/tweets/search/stream");
      await open(sim, "/2/tweets/search/stream");
      assert.equal((await call(sim, "/2/tweets/search/stream")).status, 429);
      assert.equal(sim.connections().length, 2);
    });
  });

  it("PowerTrack tolerates an extra connection for the grace period, then drops the newest", async () => {
    await withSim({}, async (sim, clock) => {
      const older = await open(sim, PT_URL, PT_HEADERS);
      const newer = await open(sim, PT_URL, PT_HEADERS);
      await clock.tickAsync(59_999);
      assert.equal(newer.state, "open");
      await clock.tickAsync(1);
      await newer.done;
      assert.equal(newer.state, "eof");
      const message = newer.messages().at(-1) as Json;
      assert.equal(
        message.error.message,
        "Forced Disconnect: Too many connections. (Allowed Connections = 1)",
      );
      assert.match(message.error.sent, /Z$/);
      assert.equal(older.state, "open");
      assert.equal(sim.connections().length, 1);
      const findings = sim.report().findings.map((f) => f.rule);
      assert.ok(findings.includes("connections.too-many"));
      await older.cancel();
    });
  });

  it("an extra PowerTrack connection closed within the grace period is only a warning", async () => {
    await withSim({}, async (sim, clock) => {
      const older = await open(sim, PT_URL, PT_HEADERS);
      const newer = await open(sim, PT_URL, PT_HEADERS);
      await clock.tickAsync(5_000);
      await older.cancel();
      await clock.tickAsync(60_000);
      assert.equal(newer.state, "open");
      const overlap = sim.report().findings.find((f) => f.rule === "connections.overlap");
      assert.equal(overlap?.severity, "warning");
      await newer.cancel();
    });
  });

  it("GET /2/connections lists live connections; DELETE ends them by endpoint, id or all", async () => {
    await withSim({ clientIp: "203.0.113.7" }, async (sim) => {
      const filtered = await open(sim, "/2/tweets/search/stream");
      const sample = await open(sim, "/2/tweets/sample/stream");
      const firehose = await open(sim, "/2/tweets/firehose/stream?partition=3");
      const listed = await (await call(sim, "/2/connections")).json() as Json;
      assert.equal(listed.meta.result_count, 3);
      assert.deepEqual(listed.data.map((c: Json) => c.endpoint_name).sort(), [
        "filter_stream",
        "firehose_stream",
        "sample_stream",
      ]);
      assert.ok(
        listed.data.every((c: Json) =>
          c.client_ip === "203.0.113.7" && /Z$/.test(c.connected_at) && c.id
        ),
      );
      const byEndpoint =
        await (await call(sim, "/2/connections/filter_stream", { method: "DELETE" }))
          .json() as Json;
      assert.equal(byEndpoint.data.successful_kills, 1);
      await filtered.done;
      assert.equal(
        (filtered.messages().at(-1) as Json).errors[0].disconnect_type,
        "ForceDisconnect",
      );
      const firehoseId = listed.data.find((c: Json) => c.endpoint_name === "firehose_stream").id;
      await call(sim, `/2/connections/${firehoseId}`, { method: "DELETE" });
      await firehose.done;
      const all = await (await call(sim, "/2/connections/all", { method: "DELETE" }))
        .json() as Json;
      assert.deepEqual(all.data.results.map((r: Json) => r.success), [true]);
      await sample.done;
      assert.equal(sample.state, "eof");
      const inactive = await (await call(sim, "/2/connections?status=inactive")).json() as Json;
      assert.equal(inactive.meta.result_count, 3);
      assert.ok(inactive.data.every((c: Json) => c.disconnect_reason === "operator_disconnect"));
      const unknown = await (await call(sim, "/2/connections", {
        method: "DELETE",
        body: JSON.stringify({ uuids: ["nope"] }),
      })).json() as Json;
      assert.deepEqual(unknown.data, {
        successful_kills: 0,
        failed_kills: 1,
        results: [{ uuid: "nope", success: false, error_message: "Connection not found" }],
      });
    });
  });

  it("at most 2 recoveries run at once per credential", async () => {
    await withSim({ postsPerSecond: 1 }, async (sim, clock) => {
      await clock.tickAsync(60 * 60_000);
      const start = new Date(sim.now() - 50 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      const end = new Date(sim.now() + 10 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      const url = `/2/tweets/sample/stream?start_time=${start}&end_time=${end}`;
      const one = await open(sim, url);
      const two = await open(sim, url);
      const three = await call(sim, url);
      assert.equal(three.status, 429);
      await one.cancel();
      await two.cancel();
    });
  });
});
