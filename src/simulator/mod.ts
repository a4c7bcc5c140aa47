/**
 * `holdfast/simulator`: an in-process X streaming server (v2 streams and Enterprise PowerTrack)
 * for testing any X streaming client: X's wire format, its failures on demand or by scenario,
 * and a judge of the client's reconnect behaviour. Web APIs only; runs as a fetch function in
 * tests and behind any listener (Deno, Bun, Node).
 *
 * @example
 * ```ts
 * import { createSimulator } from "./mod.ts";
 * const sim = createSimulator({ scenario: "steady", postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * const res = await sim.fetch(new Request("https://api.x.com/2/tweets/search/stream"));
 * console.assert(res.status === 401);
 * sim.close();
 * ```
 *
 * @module
 */
export { createSimulator, type PostRange, type Simulator } from "./simulator.ts";
export type { ResolvedSimulatorOptions, SimulatorOptions } from "./options.ts";
export { resolveSimulatorOptions } from "./resolve_options.ts";
export type {
  Finding,
  FindingRule,
  GapCheck,
  JudgeInput,
  Judgement,
  OutcomeClass,
} from "./judge_types.ts";
export { judge } from "./judge.ts";
export { classifyOutcome } from "./backoff_gaps.ts";
export type { ReportOptions, ReportSummary, SimulatorReport } from "./report.ts";
export type { AttemptOutcome, AttemptRecord } from "./recorder.ts";
export type { ConnectionInfo } from "./connection_registry.ts";
export type { BodyStats, CloseReason } from "./body_types.ts";
export type { ConnectFaultFields, Fault, FaultKind, FaultResult, FaultTarget } from "./faults.ts";
export { DISCONNECT_TYPES, FAULT_KINDS } from "./faults.ts";
export type { ScenarioDefinition, ScenarioName, ScenarioStep, StepOf } from "./scenario_types.ts";
export { parseScenario, validateScenario } from "./scenario_schema.ts";
export { isScenarioName, namedScenario, SCENARIO_NAMES } from "./scenarios.ts";
export type { PublishedPost } from "./publisher.ts";
export type { StreamRule } from "./rules_store.ts";
export type { BasicCredentials } from "./auth.ts";
export type { EndpointName } from "./stream_catalog.ts";
export type { ProblemHost } from "./problems.ts";
export type { DisconnectType } from "../messages.ts";
