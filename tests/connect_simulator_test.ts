import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { connect } from "../src/client/connect.ts";
import { createSimulator, type ScenarioName } from "../src/simulator/mod.ts";

// Integration: the real connect loop against the in-process X simulator, judged by it. The
// unit tests (connect_test.ts) use their own fake fetch and do not depend on the simulator.

const SAMPLE_URL = "https://api.x.com/2/tweets/sample/stream";
const RUN_MS = 15 * 60_000;

let clock: TestClock;
beforeEach(() => {
  clock = installClock(Date.UTC(2026, 0, 1));
});
afterEach(() => clock.uninstall());

const scenarios: ScenarioName[] = [
  "steady",
  "chaos",
  "maintenance",
  "rate-limited",
  "slow-reader",
  "flapping",
  "auth-failure",
  "stall",
];

describe("connect against the simulator", () => {
  for (const scenario of scenarios) {
    it(`passes the simulator's judge in the '${scenario}' scenario`, async () => {
      const sim = createSimulator({ scenario, seed: 3, postsPerSecond: 2 });
      const client = connect({ url: SAMPLE_URL, auth: { bearer: "token" }, fetch: sim.fetch });
      const ids = new Set<string>();
      let posts = 0;
      const reading = (async () => {
        for await (const post of client) {
          posts++;
          if (post.id !== undefined) ids.add(post.id);
        }
      })();
      await clock.tickAsync(RUN_MS);
      const closing = client.close();
      await clock.tickAsync(0);
      await closing;
      await reading;
      sim.close();
      const report = sim.report();
      assert.equal(report.verdict, "pass", JSON.stringify(report.findings));
      if (scenario !== "auth-failure") assert.ok(posts > 1_000, `${posts} posts`);
      else assert.equal(posts, 0);
      assert.ok(ids.size > 0 || posts === 0);
      assert.equal(client.status().state, "stopped");
      assert.equal(clock.countTimers(), 0);
    });
  }
});
