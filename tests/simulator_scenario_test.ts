import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createSimulator,
  namedScenario,
  parseScenario,
  SCENARIO_NAMES,
  validateScenario,
} from "../src/simulator/mod.ts";
import { resolveSimulatorOptions } from "../src/simulator/resolve_options.ts";
import { call, callJson, open, withSim } from "./helpers/simulator_harness.ts";

describe("simulator scenarios", () => {
  it("parseScenario reads the JSON format", () => {
    const scenario = parseScenario(JSON.stringify({
      name: "deploy-day",
      postsPerSecond: 50,
      seed: 7,
      repeatEveryMs: 600_000,
      steps: [
        {
          atMs: 10_000,
          fault: "operational-disconnect",
          disconnectType: "UpstreamOperationalDisconnect",
        },
        { atMs: 60_000, fault: "http-status", status: 503, count: 2 },
      ],
    }));
    assert.equal(scenario.name, "deploy-day");
    assert.deepEqual(scenario.steps[1], {
      atMs: 60_000,
      fault: "http-status",
      status: 503,
      count: 2,
    });
  });

  it("parseScenario names the wrong field", () => {
    const cases: [unknown, RegExp][] = [
      [{
        name: "x",
        steps: [{ atMs: 0, fault: "eof" }, { atMs: 5, fault: "http-status", status: 700 }],
      }, /steps\[1\]\.status must be an integer from 400 to 599 \(got 700\)/],
      [
        { name: "x", steps: [{ atMs: 0, fault: "explode" }] },
        /steps\[0\]\.fault must be one of operational-disconnect, eof/,
      ],
      [
        { name: "x", steps: [{ atMs: -1, fault: "eof" }] },
        /steps\[0\]\.atMs must be at least 0 \(got -1\)/,
      ],
      [
        { name: "x", steps: [{ atMs: 0, fault: "eof", colour: "red" }] },
        /steps\[0\]\.colour is not a known field for this fault/,
      ],
      [
        { name: "x", steps: [{ atMs: 0, fault: "stall", durationMs: "long" }] },
        /steps\[0\]\.durationMs must be a number \(got "long"\)/,
      ],
      [{ steps: [] }, /name is required \(missing\)/],
      [{ name: "x", steps: [], speed: 3 }, /speed is not a known scenario field/],
      [
        { name: "x", repeatEveryMs: 10, steps: [{ atMs: 20, fault: "eof" }] },
        /repeatEveryMs must be greater than the last step's atMs \(20\)/,
      ],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseScenario(JSON.stringify(input)),
        (error: Error) => error instanceof TypeError && message.test(error.message),
        String(message),
      );
    }
    assert.throws(() => parseScenario("{not json"), /Invalid scenario: not valid JSON/);
  });

  it("every named scenario is a valid definition that survives JSON", () => {
    for (const name of SCENARIO_NAMES) {
      const scenario = namedScenario(name, 3);
      assert.deepEqual(validateScenario(JSON.parse(JSON.stringify(scenario))), scenario, name);
    }
    const chaos = namedScenario("chaos", 3);
    assert.ok(chaos.steps.length >= 6);
    assert.deepEqual(namedScenario("chaos", 3), chaos, "the same seed gives the same chaos");
    assert.notDeepEqual(namedScenario("chaos", 4), chaos);
    assert.ok(new Set(chaos.steps.map((s) => s.fault)).size >= 4);
  });

  it("runs steps at their times and repeats them", async () => {
    const scenario = {
      name: "blips",
      repeatEveryMs: 20_000,
      steps: [{ atMs: 5_000, fault: "eof" as const }],
    };
    await withSim({ scenario }, async (sim, clock) => {
      assert.equal(sim.scenario, "blips");
      const first = await open(sim, "/2/tweets/sample/stream");
      await clock.tickAsync(4_999);
      assert.equal(first.state, "open");
      await clock.tickAsync(1);
      await first.done;
      assert.equal(first.state, "eof");
      const second = await open(sim, "/2/tweets/sample/stream");
      await clock.tickAsync(20_000);
      await second.done;
      assert.equal(sim.attempts()[1]?.closedAtMs, sim.startedAtMs + 25_000);
    });
  });

  it("a scenario's settings apply unless options say otherwise", async () => {
    // slow-reader: 2,000 posts/s into a 500-post buffer. A client that does not read is dropped.
    await withSim({ scenario: "slow-reader", postsPerSecond: undefined }, async (sim, clock) => {
      assert.equal(sim.report().scenario, "slow-reader");
      const response = await call(sim, "/2/tweets/sample/stream");
      await clock.tickAsync(1_000);
      assert.equal(sim.attempts()[0]?.closeReason, "slow-reader");
      await response.body?.cancel();
    });
    await withSim({ scenario: "slow-reader", postsPerSecond: 100 }, async (sim, clock) => {
      const response = await call(sim, "/2/tweets/sample/stream");
      await clock.tickAsync(1_000);
      assert.equal(sim.connections().length, 1, "100 posts fit the 500-post buffer");
      await response.body?.cancel();
    });
  });

  it("POST /_sim/scenario loads a built-in or a definition; /_sim/rate changes the rate", async () => {
    await withSim({}, async (sim, clock) => {
      const named = await callJson(sim, "/_sim/scenario", "POST", { name: "maintenance" });
      assert.deepEqual(await named.json(), { scenario: "maintenance" });
      const bad = await callJson(sim, "/_sim/scenario", "POST", {
        name: "x",
        steps: [{ atMs: 0, fault: "nope" }],
      });
      assert.equal(bad.status, 400);
      await callJson(sim, "/_sim/rate", "POST", { postsPerSecond: 10 });
      await clock.tickAsync(1_000);
      assert.equal(sim.posts().length, 10);
      const published = await (await callJson(sim, "/_sim/publish", "POST", { count: 2 }))
        .json() as { posts: unknown[] };
      assert.equal(published.posts.length, 2);
      await callJson(sim, "/_sim/pause", "POST", {});
      await clock.tickAsync(1_000);
      assert.equal(sim.posts().length, 12);
    });
  });

  it("buffers 30 s of the publishing rate per connection by default, at least 2,000 posts", () => {
    const buffer = (o: Parameters<typeof resolveSimulatorOptions>[0]) =>
      resolveSimulatorOptions(o, undefined).serverBufferPosts;
    assert.equal(buffer({ postsPerSecond: 2_000 }), 60_000);
    assert.equal(buffer({ postsPerSecond: 10 }), 2_000);
    assert.equal(buffer({ postsPerSecond: 2_000, serverBufferPosts: 500 }), 500);
    assert.equal(resolveSimulatorOptions({}, namedScenario("slow-reader")).serverBufferPosts, 500);
  });

  it("options are validated with std's message grammar", () => {
    assert.throws(() => createSimulator({ postsPerSecond: -1 }), {
      name: "RangeError",
      message:
        "Cannot construct Simulator as 'postsPerSecond' must be a number >= 0: current value is -1",
    });
    assert.throws(() => createSimulator({ serverBufferPosts: "10" as unknown as number }), {
      name: "TypeError",
      message:
        "Cannot construct Simulator as 'serverBufferPosts' must be an integer >= 1: current value is \"10\"",
    });
    assert.throws(
      () => createSimulator({ scenario: "calm" as never }),
      /'scenario' must be one of steady, chaos/,
    );
  });
});
