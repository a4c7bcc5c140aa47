import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createSimulator, type Simulator } from "../src/simulator/mod.ts";
import { call, callJson } from "./helpers/simulator_harness.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;
const RULES = "/2/tweets/search/stream/rules";

async function withSim(body: (sim: Simulator) => Promise<void>): Promise<void> {
  const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
  try {
    await body(sim);
  } finally {
    sim.close();
  }
}

async function post(sim: Simulator, body: unknown, query = ""): Promise<[number, Json]> {
  const response = await callJson(sim, RULES + query, "POST", body);
  return [response.status, await response.json() as Json];
}

describe("simulator rules", () => {
  it("adds, lists and deletes rules in X's response shapes", async () => {
    await withSim(async (sim) => {
      const [status, added] = await post(sim, {
        add: [{ value: "cat has:images", tag: "cats" }, { value: "dog" }],
      });
      assert.equal(status, 201);
      assert.equal(added.data.length, 2);
      assert.deepEqual(added.meta.summary, { created: 2, not_created: 0, valid: 2, invalid: 0 });
      assert.match(added.meta.sent, /Z$/);
      const list = await (await call(sim, RULES)).json() as Json;
      assert.deepEqual(list.data.map((r: Json) => [r.value, r.tag]), [["cat has:images", "cats"], [
        "dog",
        undefined,
      ]]);
      assert.equal(list.meta.result_count, 2);
      const [deleteStatus, deleted] = await post(sim, { delete: { ids: [added.data[0].id] } });
      assert.equal(deleteStatus, 200);
      assert.deepEqual(deleted.meta.summary, { deleted: 1, not_deleted: 0 });
      const byId = await (await call(sim, `${RULES}?ids=${added.data[1].id}`)).json() as Json;
      assert.equal(byId.data.length, 1);
      assert.deepEqual(sim.rules().map((r) => r.value), ["dog"]);
      const [, gone] = await post(sim, { delete: { ids: ["123"] } });
      assert.deepEqual(gone.meta.summary, { deleted: 0, not_deleted: 1 });
      assert.equal(gone.errors[0].errors[0].message, "Rule does not exist");
      await post(sim, { delete: { values: ["dog"] } });
      const none = await (await call(sim, RULES)).json() as Json;
      assert.deepEqual(Object.keys(none), ["meta"]);
      assert.equal(none.meta.result_count, 0);
    });
  });

  it("dry_run validates and changes nothing", async () => {
    await withSim(async (sim) => {
      const [status, body] = await post(
        sim,
        { add: [{ value: "from:XDevelopers" }] },
        "?dry_run=true",
      );
      assert.equal(status, 200);
      assert.equal(body.meta.summary.created, 1);
      assert.deepEqual(sim.rules(), []);
      const [, invalid] = await post(sim, { add: [{ value: "(unbalanced" }] }, "?dry_run=true");
      assert.equal(invalid.errors[0].title, "UnprocessableEntity");
    });
  });

  it("rejects invalid and duplicate rules with X's problem entries", async () => {
    await withSim(async (sim) => {
      await post(sim, { add: [{ value: "crystal" }] });
      const [, duplicate] = await post(sim, { add: [{ value: "crystal" }, { value: "ruby" }] });
      const existing = sim.rules()[0]?.id;
      assert.deepEqual(duplicate.errors, [{
        value: "crystal",
        id: existing,
        title: "DuplicateRule",
        type: "https://api.x.com/2/problems/duplicate-rules",
      }]);
      assert.deepEqual(duplicate.meta.summary, {
        created: 1,
        not_created: 1,
        valid: 1,
        invalid: 1,
      });
      const [status, tooLong] = await post(sim, {
        add: [{ value: "x".repeat(513) }, { value: "fine" }],
      });
      assert.equal(status, 200);
      assert.equal(tooLong.errors[0].title, "UnprocessableEntity");
      assert.equal(tooLong.errors[0].type, "https://api.x.com/2/problems/invalid-rules");
      assert.match(tooLong.errors[0].details[0], /512/);
      assert.equal(tooLong.meta.summary.created, 0, "an invalid rule rejects the whole batch");
      const [, negation] = await post(sim, { add: [{ value: "-cats -dogs" }] });
      assert.match(negation.errors[0].details[0], /non-negation/);
    });
  });

  it("answers malformed requests with 400 invalid-request problems, and 401 without a token", async () => {
    await withSim(async (sim) => {
      const notJson = await call(sim, RULES, { method: "POST", body: "{add:" });
      assert.equal(notJson.status, 400);
      assert.equal(
        (await notJson.json() as Json).type,
        "https://api.x.com/2/problems/invalid-request",
      );
      const [emptyStatus, empty] = await post(sim, { add: [{ value: "" }] });
      assert.equal(emptyStatus, 400);
      assert.deepEqual(Object.keys(empty.errors[0].parameters), ["add[0].value"]);
      assert.match(empty.errors[0].message, /add\[0\]\.value must not be empty/);
      const [bothStatus] = await post(sim, { add: [{ value: "a" }], delete: { ids: ["1"] } });
      assert.equal(bothStatus, 400);
      const [dryStatus] = await post(sim, { add: [{ value: "a" }] }, "?dry_run=maybe");
      assert.equal(dryStatus, 400);
      const anonymous = await sim.fetch(new Request(`https://api.x.com${RULES}`));
      assert.equal(anonymous.status, 401);
    });
  });

  it("refuses rules beyond the cap", async () => {
    const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0, maxRules: 2 });
    try {
      const [, body] = await post(sim, { add: [{ value: "a" }, { value: "b" }, { value: "c" }] });
      assert.equal(body.errors[0].title, "RulesCapExceeded");
      assert.deepEqual(sim.rules(), []);
    } finally {
      sim.close();
    }
  });
});
