/**
 * `createSimulator`: an in-process X streaming server for testing clients, faithful to X's wire
 * format and failure modes, with a judge of the client's reconnect behaviour.
 *
 * @module
 */
import type { Hono } from "hono";
import { buildApp } from "./app.ts";
import { type ConnectionInfo, connectionInfo } from "./connection_registry.ts";
import { createContext } from "./context.ts";
import { applyFault } from "./fault_controller.ts";
import type { Fault, FaultResult } from "./faults.ts";
import type { SimulatorOptions } from "./options.ts";
import { resolveSimulatorOptions } from "./resolve_options.ts";
import { type PublishedPost, Publisher } from "./publisher.ts";
import type { AttemptRecord } from "./recorder.ts";
import { buildReport, type ReportOptions, type SimulatorReport } from "./report.ts";
import type { StreamRule } from "./rules_store.ts";
import { ScenarioRunner } from "./scenario_runner.ts";
import { validateScenario } from "./scenario_schema.ts";
import type { ScenarioDefinition, ScenarioName } from "./scenario_types.ts";
import { isScenarioName, namedScenario, SCENARIO_NAMES } from "./scenarios.ts";

/** Which published posts `posts()` returns. */
export interface PostRange {
  /** Published at or after (epoch ms). */
  readonly sinceMs?: number;
  /** Published at or before (epoch ms). */
  readonly untilMs?: number;
  /** At most this many, oldest first. */
  readonly limit?: number;
}

/** A running simulator. */
export interface Simulator {
  /** The Hono app (serve it with any listener, or call `app.request`). */
  readonly app: Hono;
  /** When the simulator started (epoch ms, from its clock). */
  readonly startedAtMs: number;
  /** The name of the running scenario. */
  readonly scenario: string;
  /** Answers a request in-process (a `fetch` to inject into a client). */
  fetch(request: Request): Promise<Response>;
  /** The judge's report on the client (see `SimulatorReport`). */
  report(options?: ReportOptions): SimulatorReport;
  /** The live connections. */
  connections(): ConnectionInfo[];
  /** Every recorded connection attempt. */
  attempts(): AttemptRecord[];
  /** Publishes `count` posts now (default 1) to history and every live stream. */
  publish(count?: number): PublishedPost[];
  /** Published posts still in history (for loss checks). */
  posts(range?: PostRange): PublishedPost[];
  /** Causes a failure now. */
  fault(fault: Fault): FaultResult;
  /** Replaces the running scenario, starting now (its steps and `postsPerSecond`). */
  loadScenario(scenario: ScenarioName | ScenarioDefinition): void;
  /** The filtered stream's active rules. */
  rules(): StreamRule[];
  /** Changes the publishing rate. */
  setPostsPerSecond(postsPerSecond: number): void;
  /** Stops the publisher's timer (`publish()` still works). */
  pausePublishing(): void;
  /** Restarts the publisher's timer. */
  resumePublishing(): void;
  /** The simulator's clock (epoch ms). */
  now(): number;
  /** Time since start (ms). */
  elapsedMs(): number;
  /** Forgets recorded attempts, so the judge starts afresh. */
  clearRecords(): void;
  /** Ends every open stream (cleanly), stops publishing and clears every timer. */
  close(): void;
}

function resolveScenario(
  scenario: SimulatorOptions["scenario"],
  seed: number | undefined,
): ScenarioDefinition {
  if (scenario === undefined) return namedScenario("steady");
  if (typeof scenario === "string") {
    if (!isScenarioName(scenario)) {
      throw new RangeError(
        `Cannot construct Simulator as 'scenario' must be one of ${
          SCENARIO_NAMES.join(", ")
        }: current value is ${JSON.stringify(scenario)}`,
      );
    }
    return namedScenario(scenario, seed);
  }
  return validateScenario(scenario);
}

/**
 * Creates a simulator. All timers use the global `setTimeout`, and time comes from `now`, so
 * `@sinonjs/fake-timers` can drive a whole run.
 *
 * @example
 * ```ts
 * import { createSimulator } from "./mod.ts";
 * const sim = createSimulator({ seed: 7, postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * const res = await sim.fetch(new Request("https://api.x.com/2/tweets/sample/stream", {
 *   headers: { authorization: "Bearer any-token", "user-agent": "my-client/1.0.0" },
 * }));
 * console.assert(res.status === 200);
 * sim.publish(1);
 * const reader = res.body!.getReader();
 * const { value } = await reader.read();
 * console.assert(value !== undefined && value.length > 0);
 * await reader.cancel();
 * sim.close();
 * console.assert(sim.report().verdict === "pass");
 * ```
 */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  const definition = resolveScenario(options.scenario, options.seed);
  const ctx = createContext(resolveSimulatorOptions(options, definition));
  const publisher = new Publisher(ctx);
  const runner = new ScenarioRunner((fault) => applyFault(ctx, fault), ctx.now);
  let paused = false;
  const syncPublisher = (): void => {
    const wanted = !paused && !ctx.closed &&
      (publisher.postsPerSecond > 0 || ctx.options.complianceEventsPerSecond > 0);
    if (wanted) publisher.start();
    else publisher.stop();
  };
  const sim: Simulator = {
    app: undefined as unknown as Hono,
    startedAtMs: ctx.startedAtMs,
    get scenario() {
      return runner.name;
    },
    async fetch(request) {
      if (request.signal?.aborted) {
        throw request.signal.reason ?? new DOMException("The operation was aborted.", "AbortError");
      }
      return await app.fetch(request);
    },
    report: (reportOptions) => buildReport(ctx, runner.name, reportOptions),
    connections: () => ctx.registry.all().map(connectionInfo),
    attempts: () => ctx.recorder.list(),
    publish: (count = 1) => publisher.publish(count).map((seq) => publisher.describe(seq)),
    posts(range = {}) {
      const history = ctx.histories.posts;
      const out: PublishedPost[] = [];
      const limit = range.limit ?? Infinity;
      for (
        let seq = history.seqAtOrAfter(range.sinceMs ?? -Infinity);
        seq < history.nextSeq && out.length < limit;
        seq++
      ) {
        if (range.untilMs !== undefined && history.atMs(seq) > range.untilMs) break;
        out.push(publisher.describe(seq));
      }
      return out;
    },
    fault: (fault) => applyFault(ctx, fault),
    loadScenario(scenario) {
      const next = resolveScenario(scenario, ctx.options.seed);
      if (next.postsPerSecond !== undefined && options.postsPerSecond === undefined) {
        publisher.setPostsPerSecond(next.postsPerSecond);
      }
      runner.load(next);
      syncPublisher();
    },
    rules: () => ctx.rules.list(),
    setPostsPerSecond(postsPerSecond) {
      if (!Number.isFinite(postsPerSecond) || postsPerSecond < 0) {
        throw new RangeError(
          `'postsPerSecond' must be a number >= 0: current value is ${postsPerSecond}`,
        );
      }
      publisher.setPostsPerSecond(postsPerSecond);
      syncPublisher();
    },
    pausePublishing() {
      paused = true;
      syncPublisher();
    },
    resumePublishing() {
      paused = false;
      syncPublisher();
    },
    now: () => ctx.now(),
    elapsedMs: () => ctx.now() - ctx.startedAtMs,
    clearRecords: () => ctx.recorder.clear(),
    close() {
      if (ctx.closed) return;
      ctx.closed = true;
      publisher.stop();
      runner.stop();
      for (const connection of ctx.registry.all()) {
        connection.body.endWith(undefined, "simulator-closed");
      }
      ctx.timers.clearAll();
      ctx.graceTimers.clear();
    },
  };
  const app = buildApp(ctx, sim);
  (sim as { app: Hono }).app = app;
  syncPublisher();
  runner.load(definition);
  return sim;
}
