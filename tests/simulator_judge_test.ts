import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Simulator } from "../src/simulator/mod.ts";
import { startCurveClient } from "./helpers/simulator_curve_client.ts";
import { BodyReader, call, withSim } from "./helpers/simulator_harness.ts";

const SAMPLE = "/2/tweets/sample/stream";

/** One connect attempt by a test client; a 200 is read in the background. */
async function attempt(
  sim: Simulator,
  headers: Record<string, string> = {},
): Promise<{ status: number; reader?: BodyReader }> {
  const response = await call(sim, SAMPLE, { headers });
  if (response.status !== 200) {
    await response.body?.cancel();
    return { status: response.status };
  }
  return { status: 200, reader: new BodyReader(response) };
}

const rules = (sim: Simulator, options = {}) => sim.report(options).findings.map((f) => f.rule);

describe("simulator judge", () => {
  it("flags a client that reconnects at once after 503s", async () => {
    await withSim({}, async (sim, clock) => {
      sim.fault({ kind: "http-status", status: 503, count: 5 });
      let last;
      for (let i = 0; i < 6; i++) {
        last = await attempt(sim);
        await clock.tickAsync(100);
      }
      await last?.reader?.cancel();
      const report = sim.report({ requireClosed: true });
      assert.equal(report.verdict, "fail");
      const http = report.findings.filter((f) => f.rule === "backoff.http");
      assert.equal(http.length, 5);
      assert.match(http[0]?.message ?? "", /at least 5000 ms/);
      assert.deepEqual(report.gaps.map((g) => g.requiredMs), [
        5_000,
        10_000,
        20_000,
        40_000,
        80_000,
      ]);
    });
  });

  it("passes a client that follows X's curves and closes its connection", async () => {
    await withSim({}, async (sim, clock) => {
      sim.fault({ kind: "http-status", status: 503, count: 3 });
      for (const waitMs of [5_000, 10_000, 20_000]) {
        assert.equal((await attempt(sim)).status, 503);
        await clock.tickAsync(waitMs);
      }
      const ok = await attempt(sim);
      await clock.tickAsync(20_000);
      sim.fault({ kind: "operational-disconnect" });
      await ok.reader?.done;
      const again = await attempt(sim); // after an established connection drops: at once is right
      await clock.tickAsync(1_000);
      await again.reader?.cancel();
      const report = sim.report({ requireClosed: true });
      assert.deepEqual(report.findings, []);
      assert.equal(report.verdict, "pass");
      assert.ok(report.gaps.every((g) => g.ok));
    });
  });

  it("an established connection still open resets the curves for the next failure", async () => {
    await withSim({ maxConnections: 2 }, async (sim, clock) => {
      sim.fault({ kind: "http-status", status: 503, count: 3 });
      for (const waitMs of [5_000, 10_000, 20_000]) {
        assert.equal((await attempt(sim)).status, 503);
        await clock.tickAsync(waitMs);
      }
      const first = await attempt(sim); // connected, and stays so
      await clock.tickAsync(25_000); // a heartbeat: established
      sim.fault({ kind: "http-status", status: 503, count: 1 });
      assert.equal((await attempt(sim)).status, 503); // a redundant connection's first failure
      await clock.tickAsync(5_000);
      const second = await attempt(sim);
      assert.equal(second.status, 200);
      await first.reader?.cancel();
      await second.reader?.cancel();
      assert.deepEqual(rules(sim).filter((r) => r.startsWith("backoff.")), []);
    });
  });

  it("a client hammering with a bad token draws 429s; one backing off on the HTTP curve draws none", async () => {
    await withSim({ scenario: "auth-failure" }, async (sim, clock) => {
      for (let i = 0; i < 55; i++) {
        await attempt(sim);
        await clock.tickAsync(1_000);
      }
      const report = sim.report();
      assert.equal(report.verdict, "fail");
      assert.equal(report.summary.rateLimitDrawn, 5);
      assert.ok(rules(sim).includes("rate-limit.drawn"));
      assert.ok(rules(sim).includes("backoff.http"));
    });
    await withSim({ scenario: "auth-failure" }, async (sim, clock) => {
      for (let i = 0, wait = 5_000; i < 12; i++, wait = Math.min(wait * 2, 320_000)) {
        assert.equal((await attempt(sim)).status, 401);
        await clock.tickAsync(wait);
      }
      assert.equal(sim.report().verdict, "pass");
      assert.equal(sim.report().summary.rateLimitDrawn, 0);
    });
  });

  it("after a flap (accepted, dropped before any heartbeat) waits must grow by 250 ms", async () => {
    await withSim({ scenario: "flapping" }, async (sim, clock) => {
      for (let i = 0; i < 3; i++) {
        const flap = await attempt(sim);
        await clock.tickAsync(300);
        await flap.reader?.done;
      }
      assert.deepEqual(rules(sim).filter((r) => r === "backoff.network").length, 2);
      sim.clearRecords();
      for (const waitMs of [250, 500, 750]) {
        const flap = await attempt(sim);
        await clock.tickAsync(300);
        await flap.reader?.done;
        await clock.tickAsync(waitMs);
      }
      assert.deepEqual(rules(sim), []);
    });
  });

  it("a 429 must be followed by 60 s or more and never before x-rate-limit-reset", async () => {
    await withSim({}, async (sim, clock) => {
      sim.fault({ kind: "rate-limit", resetInMs: 180_000 });
      assert.equal((await attempt(sim)).status, 429);
      await clock.tickAsync(61_000);
      assert.equal((await attempt(sim)).status, 429);
      const found = rules(sim);
      assert.ok(found.includes("backoff.rate-limit-reset"));
      assert.ok(found.includes("rate-limit.drawn"), "the second 429 was the client's own doing");
      assert.ok(!found.includes("backoff.rate-limit"));
    });
  });

  it("flags a request repeated after a status X will never accept, and a reconnect during a usage cap", async () => {
    await withSim({}, async (sim, clock) => {
      for (let i = 0; i < 2; i++) {
        assert.equal((await call(sim, "/2/tweets/firehose/stream?partition=0")).status, 400);
        await clock.tickAsync(10_000);
      }
      const fixed = await call(sim, "/2/tweets/firehose/stream?partition=1");
      assert.equal(fixed.status, 200, "a corrected request is fine");
      sim.fault({ kind: "usage-cap" });
      await fixed.body?.cancel();
      await clock.tickAsync(60_000);
      await call(sim, "/2/tweets/firehose/stream?partition=1");
      const found = sim.report().findings;
      assert.deepEqual(
        found.filter((f) => f.rule === "http.fatal-retried").map((f) => f.attemptId),
        [2],
      );
      assert.equal(found.find((f) => f.rule === "usage-cap.retried")?.severity, "warning");
    });
  });

  it("flags requests without a versioned User-Agent, including a runtime's default", async () => {
    await withSim({}, async (sim) => {
      for (const agent of ["", "Deno/2.9.6", "my-client/2.0.1 (+https://example.com)"]) {
        const response = await sim.fetch(
          new Request(`https://api.x.com${SAMPLE}`, {
            headers: agent
              ? { authorization: "Bearer t", "user-agent": agent }
              : { authorization: "Bearer t" },
          }),
        );
        await response.body?.cancel();
      }
      const finding = sim.report().findings.find((f) => f.rule === "user-agent.version");
      assert.match(finding?.message ?? "", /^2 attempt/);
      assert.equal(sim.attempts()[0]?.headers.authorization, "Bearer <redacted>");
    });
  });

  it("connections left open are a warning, or an error when the client should have stopped", async () => {
    await withSim({}, async (sim) => {
      const open = await attempt(sim);
      assert.equal(sim.report().verdict, "pass");
      assert.equal(sim.report().findings[0]?.severity, "warning");
      assert.equal(sim.report({ requireClosed: true }).verdict, "fail");
      await open.reader?.cancel();
      const served = await (await call(sim, "/_sim/report?requireClosed=true")).json() as {
        verdict: string;
      };
      assert.equal(served.verdict, "pass");
    });
  });

  it("a client that follows X's curves passes the judge under seeded chaos", async () => {
    for (const seed of [1, 5, 9]) {
      await withSim({ scenario: "chaos", seed, postsPerSecond: 2 }, async (sim, clock) => {
        const client = startCurveClient(
          sim,
          "https://api.x.com/2/tweets/sample/stream?backfill_minutes=1",
        );
        await clock.tickAsync(20 * 60_000);
        const stopping = client.stop();
        await clock.tickAsync(400_000);
        await stopping;
        const report = sim.report({ requireClosed: true });
        assert.deepEqual(report.findings, [], `seed ${seed}`);
        assert.ok(report.summary.attempts > 5, `seed ${seed}: ${report.summary.attempts} attempts`);
        assert.ok(client.ids.size > 0);
      });
    }
  });
});
