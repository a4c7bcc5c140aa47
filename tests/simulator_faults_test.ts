import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Simulator } from "../src/simulator/mod.ts";
import {
  BodyReader,
  call,
  callJson,
  open,
  PT_HEADERS,
  PT_URL,
  withSim,
} from "./helpers/simulator_harness.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;
const SAMPLE = "/2/tweets/sample/stream";

describe("simulator faults", () => {
  it("operational-disconnect sends the problem line after the line in progress, then ends cleanly", async () => {
    await withSim({ maxChunkBytes: 16 }, async (sim, clock) => {
      const reader = await open(sim, SAMPLE);
      sim.publish(2);
      await clock.tickAsync(0);
      const result = sim.fault({
        kind: "operational-disconnect",
        disconnectType: "UpstreamOperationalDisconnect",
      });
      assert.equal(result.connections, 1);
      await reader.done;
      assert.equal(reader.state, "eof");
      const last = reader.messages().at(-1) as Json;
      assert.deepEqual(last, {
        errors: [{
          title: "operational-disconnect",
          disconnect_type: "UpstreamOperationalDisconnect",
          detail: "This stream has been disconnected upstream for operational reasons.",
          type: "https://api.x.com/2/problems/operational-disconnect",
        }],
      });
      assert.equal(sim.attempts()[0]?.closeReason, "operational-disconnect");
    });
  });

  it("eof ends the body with no message (PowerTrack's zero-byte chunk)", async () => {
    await withSim({}, async (sim) => {
      const reader = await open(sim, SAMPLE);
      sim.fault({ kind: "eof" });
      await reader.done;
      assert.equal(reader.state, "eof");
      assert.equal(reader.bytes().length, 0);
    });
  });

  it("stall keeps the socket open and silent; with durationMs it resumes", async () => {
    await withSim({}, async (sim, clock) => {
      const silent = await open(sim, SAMPLE);
      sim.fault({ kind: "stall" });
      sim.publish(3);
      await clock.tickAsync(120_000);
      assert.equal(silent.state, "open");
      assert.equal(silent.bytes().length, 0);
      assert.equal(sim.connections()[0]?.state, "stalled");
      await silent.cancel();
      assert.equal(sim.attempts()[0]?.faultAtClose, "stall");
      assert.equal(sim.attempts()[0]?.stats?.postsDropped, 3);
      const brief = await open(sim, SAMPLE);
      sim.fault({ kind: "stall", durationMs: 30_000 });
      await clock.tickAsync(40_000);
      assert.equal(brief.lines().length, 0);
      await clock.tickAsync(10_000);
      assert.deepEqual(brief.lines(), [""], "heartbeats resume 20 s after the stall ends");
      await brief.cancel();
    });
  });

  it("reset makes the client's next read fail", async () => {
    await withSim({}, async (sim) => {
      const reader = await open(sim, SAMPLE);
      sim.fault({ kind: "reset" });
      await reader.done;
      assert.equal(reader.state, "error");
      assert.ok(reader.error instanceof TypeError);
      assert.equal(sim.connections().length, 0);
    });
  });

  it("http-status fails the next count connects; auth-failure answers 401 or 403", async () => {
    await withSim({}, async (sim) => {
      sim.fault({ kind: "http-status", status: 503, count: 2 });
      for (let i = 0; i < 2; i++) {
        const response = await call(sim, SAMPLE);
        assert.equal(response.status, 503);
        assert.deepEqual(await response.json(), {
          title: "Service Unavailable",
          detail: "Service Unavailable",
          type: "about:blank",
          status: 503,
        });
      }
      sim.fault({ kind: "auth-failure" });
      assert.equal((await call(sim, SAMPLE)).status, 401);
      sim.fault({ kind: "auth-failure", status: 403 });
      const forbidden = await call(sim, SAMPLE);
      assert.equal(forbidden.status, 403);
      assert.equal(
        (await forbidden.json() as Json).type,
        "https://api.x.com/2/problems/client-forbidden",
      );
      const ok = await call(sim, SAMPLE);
      assert.equal(ok.status, 200);
      await ok.body?.cancel();
      assert.deepEqual(sim.attempts().map((a) => a.injected), [true, true, true, true, false]);
    });
  });

  it("rate-limit answers 429 with a reset and locks the credential out until then", async () => {
    await withSim({}, async (sim, clock) => {
      sim.fault({ kind: "rate-limit", resetInMs: 120_000 });
      const first = await call(sim, SAMPLE);
      assert.equal(first.status, 429);
      const reset = Number(first.headers.get("x-rate-limit-reset"));
      assert.equal(reset, Math.ceil((sim.now() + 120_000) / 1000));
      await clock.tickAsync(60_000);
      const early = await call(sim, SAMPLE);
      assert.equal(early.status, 429);
      assert.equal(
        Number(early.headers.get("x-rate-limit-reset")),
        reset + 60,
        "a 429 during the lock-out extends it",
      );
      await clock.tickAsync(121_000);
      const later = await call(sim, SAMPLE);
      assert.equal(later.status, 200);
      await later.body?.cancel();
    });
  });

  it("usage-cap sends the usage-capped problem and closes; connects then get 429 usage-capped", async () => {
    await withSim({}, async (sim, clock) => {
      const reader = await open(sim, SAMPLE);
      sim.fault({ kind: "usage-cap", period: "Daily", durationMs: 60_000 });
      await reader.done;
      const problem = (reader.messages().at(-1) as Json).errors[0];
      assert.equal(problem.type, "https://api.x.com/2/problems/usage-capped");
      assert.equal(problem.period, "Daily");
      const capped = await call(sim, SAMPLE);
      assert.equal(capped.status, 429);
      assert.equal((await capped.json() as Json).title, "UsageCapExceeded");
      await clock.tickAsync(60_000);
      const after = await call(sim, SAMPLE);
      assert.equal(after.status, 200);
      await after.body?.cancel();
    });
  });

  it("PowerTrack maintenance, full-buffer and too-many-connections messages end with a clean EOF", async () => {
    await withSim({ serverBufferPosts: 500 }, async (sim) => {
      const expected: [Parameters<Simulator["fault"]>[0], string, RegExp][] = [
        [{ kind: "maintenance" }, "info", /^X is closing for operational reasons$/],
        [
          { kind: "full-buffer" },
          "error",
          /^Force closing connection to https:\/\/gnip-stream\.x\.com\/.+ because it reached the maximum allowed backup \(buffer size is 500\)$/,
        ],
        [
          { kind: "too-many-connections" },
          "error",
          /^Forced Disconnect: Too many connections\. \(Allowed Connections = 1\)$/,
        ],
      ];
      for (const [fault, level, text] of expected) {
        const reader = await open(sim, PT_URL, PT_HEADERS);
        sim.fault(fault);
        await reader.done;
        assert.equal(reader.state, "eof");
        const message = (reader.messages().at(-1) as Json)[level];
        assert.match(message.message, text);
        assert.match(message.sent, /^\d{4}-\d\d-\d\dT.*Z$/);
      }
    });
  });

  it("flap accepts the connect, then drops it before any heartbeat", async () => {
    await withSim({}, async (sim, clock) => {
      sim.fault({ kind: "flap", count: 1, afterMs: 300 });
      const reader = await open(sim, SAMPLE);
      sim.publish(2);
      await clock.tickAsync(300);
      await reader.done;
      assert.equal(reader.state, "eof");
      assert.equal(reader.bytes().length, 0);
      assert.equal(sim.attempts()[0]?.closeReason, "flap");
      assert.equal(sim.attempts()[0]?.established, false);
    });
  });

  it("a slow reader overflows the server buffer: SlowReader, close, posts lost, no backfill on the next connect", async () => {
    await withSim({ serverBufferPosts: 20 }, async (sim, clock) => {
      const response = await call(sim, SAMPLE);
      sim.publish(25);
      assert.equal(sim.connections().length, 0, "dropped at once");
      const reader = new BodyReader(response);
      await reader.done;
      assert.equal(reader.state, "eof");
      const messages = reader.messages() as Json[];
      assert.equal(messages.at(-1)?.errors[0].disconnect_type, "SlowReader");
      assert.ok(messages.length < 21, `${messages.length - 1} posts reached the client`);
      const record = sim.attempts()[0];
      assert.equal(record?.closeReason, "slow-reader");
      assert.equal((record?.stats?.postsDropped ?? 0) + (record?.stats?.postsDelivered ?? 0), 20);
      await clock.tickAsync(1_000);
      const next = await open(sim, `${SAMPLE}?backfill_minutes=1`);
      await clock.tickAsync(0);
      assert.equal(next.messages().length, 0);
      assert.equal(sim.attempts()[1]?.backfillIgnored, true);
      await next.cancel();
    });
  });

  it("a PowerTrack slow reader gets the full-buffer message; slowReaderNotice: false closes silently", async () => {
    await withSim({ serverBufferPosts: 10 }, async (sim) => {
      const response = await sim.fetch(new Request(PT_URL, { headers: PT_HEADERS }));
      sim.publish(15);
      const reader = new BodyReader(response);
      await reader.done;
      assert.match((reader.messages().at(-1) as Json).error.message, /buffer size is 10\)$/);
    });
    await withSim({ serverBufferPosts: 10, slowReaderNotice: false }, async (sim) => {
      const response = await call(sim, SAMPLE);
      sim.publish(15);
      const reader = new BodyReader(response);
      await reader.done;
      assert.ok((reader.messages() as Json[]).every((m) => m.data !== undefined));
    });
  });

  it("an aborted request ends its connection and clears its timers", async () => {
    await withSim({}, async (sim, clock) => {
      const controller = new AbortController();
      const response = await sim.fetch(
        new Request(`https://api.x.com${SAMPLE}`, {
          signal: controller.signal,
          headers: { authorization: "Bearer t", "user-agent": "t/1.0.0" },
        }),
      );
      const reader = new BodyReader(response);
      controller.abort();
      await reader.done;
      assert.equal(reader.state, "error");
      assert.equal(sim.connections().length, 0);
      assert.equal(sim.attempts()[0]?.closeReason, "client-abort");
      assert.equal(clock.countTimers(), 0, "no heartbeat timer left");
      await assert.rejects(
        sim.fetch(new Request(`https://api.x.com${SAMPLE}`, { signal: controller.signal })),
      );
    });
  });

  it("POST /_sim/fault applies faults and names the wrong field of an invalid one", async () => {
    await withSim({}, async (sim) => {
      const reader = await open(sim, SAMPLE);
      const applied = await callJson(sim, "/_sim/fault", "POST", { kind: "eof" });
      assert.deepEqual(await applied.json(), {
        kind: "eof",
        connections: 1,
        pendingConnectFaults: 0,
      });
      await reader.done;
      const queued = await (await callJson(sim, "/_sim/fault", "POST", {
        fault: "http-status",
        status: 502,
        count: 3,
      })).json() as Json;
      assert.equal(queued.pendingConnectFaults, 3);
      const invalid = await callJson(sim, "/_sim/fault", "POST", {
        kind: "http-status",
        status: 700,
      });
      assert.equal(invalid.status, 400);
      assert.match(
        (await invalid.json() as Json).detail,
        /status must be an integer from 400 to 599 \(got 700\)/,
      );
      sim.fault({ kind: "clear" });
      assert.equal(sim.fault({ kind: "clear" }).pendingConnectFaults, 0);
    });
  });
});
