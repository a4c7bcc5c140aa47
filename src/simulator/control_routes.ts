/**
 * The simulator's own HTTP control API, under `/_sim/`, so a client under test in another
 * process (or another language) can be driven and judged:
 *
 * | Method and path | Does |
 * |---|---|
 * | `GET /_sim/report[?requireClosed=true]` | the judge's report (`SimulatorReport`) |
 * | `GET /_sim/attempts` | every recorded connection attempt |
 * | `GET /_sim/connections` | live connections (simulator view, with buffers and counters) |
 * | `GET /_sim/posts?sinceMs=&untilMs=&limit=` | published posts (id, time, rules) for loss checks; limit 1000 by default |
 * | `POST /_sim/fault` | applies a fault: `{"kind":"stall","durationMs":30000}` (`"fault"` is accepted for `"kind"`) |
 * | `POST /_sim/publish` | publishes `{"count":n}` posts now (default 1) |
 * | `POST /_sim/scenario` | loads `{"name":"chaos"}` (a built-in) or a full scenario definition |
 * | `POST /_sim/rate` | sets `{"postsPerSecond":n}` |
 * | `POST /_sim/pause`, `POST /_sim/resume` | stops or restarts the publisher |
 * | `POST /_sim/clear-records` | forgets recorded attempts (the judge starts afresh) |
 *
 * @module
 */
import type { Hono } from "hono";
import { checkFault, describeProblems } from "./fault_schema.ts";
import type { Fault } from "./faults.ts";
import { jsonResponse, readJson } from "./http.ts";
import { isScenarioName, SCENARIO_NAMES } from "./scenarios.ts";
import type { Simulator } from "./simulator.ts";

const bad = (message: string) =>
  jsonResponse(
    { title: "Invalid Request", detail: message, type: "about:blank", status: 400 },
    400,
  );

function optionalNumber(text: string | undefined): number | undefined {
  return text === undefined || text === "" || !Number.isFinite(Number(text))
    ? undefined
    : Number(text);
}

/** Mounts the `/_sim/` routes, acting on `sim`. */
export function mountControlRoutes(app: Hono, sim: Simulator): void {
  app.get(
    "/_sim/report",
    (c) => jsonResponse(sim.report({ requireClosed: c.req.query("requireClosed") === "true" })),
  );
  app.get("/_sim/attempts", () => jsonResponse(sim.attempts()));
  app.get("/_sim/connections", () => jsonResponse(sim.connections()));
  app.get("/_sim/posts", (c) => {
    const limit = optionalNumber(c.req.query("limit")) ?? 1000;
    return jsonResponse(sim.posts({
      sinceMs: optionalNumber(c.req.query("sinceMs")),
      untilMs: optionalNumber(c.req.query("untilMs")),
      limit: Math.max(0, Math.min(limit, 100_000)),
    }));
  });
  app.post("/_sim/fault", async (c) => {
    const body = await readJson(c.req.raw);
    if (!body || typeof body.value !== "object" || body.value === null) {
      return bad("The body must be a JSON fault object");
    }
    const { fault: alias, ...rest } = body.value as Record<string, unknown>;
    const checked = checkFault(alias === undefined ? rest : { kind: alias, ...rest });
    if ("problems" in checked) return bad(`Invalid fault: ${describeProblems(checked.problems)}`);
    return jsonResponse(sim.fault(checked.fault as Fault));
  });
  app.post("/_sim/publish", async (c) => {
    const body = await readJson(c.req.raw);
    const count = (body?.value as { count?: unknown } | undefined)?.count ?? 1;
    if (!Number.isSafeInteger(count) || (count as number) < 0 || (count as number) > 100_000) {
      return bad("`count` must be an integer from 0 to 100000");
    }
    return jsonResponse({ posts: sim.publish(count as number) });
  });
  app.post("/_sim/scenario", async (c) => {
    const body = await readJson(c.req.raw);
    const value = body?.value as Record<string, unknown> | undefined;
    if (!value || typeof value !== "object") {
      return bad('The body must be a scenario object or {"name": ...}');
    }
    try {
      const keys = Object.keys(value);
      if (keys.length === 1 && keys[0] === "name") {
        if (!isScenarioName(value.name)) {
          return bad(`Unknown scenario; the built-ins are ${SCENARIO_NAMES.join(", ")}`);
        }
        sim.loadScenario(value.name);
      } else sim.loadScenario(value as never);
    } catch (error) {
      return bad((error as Error).message);
    }
    return jsonResponse({ scenario: sim.scenario });
  });
  app.post("/_sim/rate", async (c) => {
    const rate = ((await readJson(c.req.raw))?.value as { postsPerSecond?: unknown } | undefined)
      ?.postsPerSecond;
    if (typeof rate !== "number" || !Number.isFinite(rate) || rate < 0) {
      return bad("`postsPerSecond` must be a number >= 0");
    }
    sim.setPostsPerSecond(rate);
    return jsonResponse({ postsPerSecond: rate });
  });
  app.post("/_sim/pause", () => {
    sim.pausePublishing();
    return jsonResponse({ publishing: false });
  });
  app.post("/_sim/resume", () => {
    sim.resumePublishing();
    return jsonResponse({ publishing: true });
  });
  app.post("/_sim/clear-records", () => {
    sim.clearRecords();
    return jsonResponse({ cleared: true });
  });
}
