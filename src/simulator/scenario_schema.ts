/**
 * The JSON scenario format, validated with clear errors that name the field.
 *
 * ```json
 * {
 *   "name": "deploy-day",
 *   "postsPerSecond": 50,
 *   "seed": 7,
 *   "repeatEveryMs": 600000,
 *   "steps": [
 *     { "atMs": 10000, "fault": "operational-disconnect", "disconnectType": "UpstreamOperationalDisconnect" },
 *     { "atMs": 60000, "fault": "http-status", "status": 503, "count": 2 },
 *     { "atMs": 120000, "fault": "stall", "durationMs": 45000 }
 *   ]
 * }
 * ```
 *
 * Top-level fields: `name` (required), `description`, `postsPerSecond`, `seed`,
 * `serverBufferPosts`, `maxConnections`, `repeatEveryMs` (must exceed every step's `atMs`), and
 * `steps` (required). Each step has `atMs` (ms from the scenario's start), `fault` (a fault kind)
 * and that fault's fields (see `Fault`): `disconnectType`, `durationMs`, `status`, `count`,
 * `period`, `resetInMs`, `afterMs`, `endpoint`, `connectionId`, `expiresInMs`.
 *
 * @module
 */
import * as v from "valibot";
import { checkFault, describeProblems, type FieldProblem, toProblem } from "./fault_schema.ts";
import type { ScenarioDefinition, ScenarioStep } from "./scenario_types.ts";

const int = (min: number) =>
  v.pipe(
    v.number("must be a number"),
    v.integer("must be an integer"),
    v.minValue(min, `must be at least ${min}`),
  );

const ScenarioSchema = v.strictObject({
  name: v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty")),
  description: v.optional(v.string("must be a string")),
  postsPerSecond: v.optional(
    v.pipe(v.number("must be a number"), v.minValue(0, "must be at least 0")),
  ),
  seed: v.optional(int(0)),
  serverBufferPosts: v.optional(int(1)),
  maxConnections: v.optional(int(1)),
  repeatEveryMs: v.optional(int(1)),
  steps: v.array(
    v.looseObject({ atMs: int(0), fault: v.string("must be a fault kind") }, "must be an object"),
    "must be an array of steps",
  ),
}, "is not a known scenario field");

/**
 * Validates a scenario object (already parsed from JSON, or written in TypeScript).
 * Throws a `TypeError` listing every problem with its field path.
 */
export function validateScenario(input: unknown): ScenarioDefinition {
  const result = v.safeParse(ScenarioSchema, input);
  if (!result.success) {
    throw new TypeError(
      `Invalid scenario: ${describeProblems(result.issues.map((i) => toProblem(i, "")))}`,
    );
  }
  const problems: FieldProblem[] = [];
  const steps: ScenarioStep[] = [];
  result.output.steps.forEach((raw, index) => {
    const { atMs, fault, ...rest } = raw as
      & { atMs: number; fault: string }
      & Record<string, unknown>;
    const checked = checkFault({ kind: fault, ...rest }, `steps[${index}]`, { kind: "fault" });
    if ("problems" in checked) problems.push(...checked.problems);
    else {
      const { kind, ...fields } = checked.fault;
      steps.push({ atMs, fault: kind, ...fields } as ScenarioStep);
    }
  });
  const repeat = result.output.repeatEveryMs;
  const last = Math.max(0, ...steps.map((s) => s.atMs));
  if (repeat !== undefined && repeat <= last) {
    problems.push({
      path: "repeatEveryMs",
      message: `must be greater than the last step's atMs (${last}) (got ${repeat})`,
    });
  }
  if (problems.length > 0) throw new TypeError(`Invalid scenario: ${describeProblems(problems)}`);
  return { ...result.output, steps } as ScenarioDefinition;
}

/**
 * Parses a JSON scenario (format above). Throws a `TypeError` naming each wrong field, e.g.
 * `Invalid scenario: steps[1].status must be an integer from 400 to 599 (got 700)`.
 *
 * @example
 * ```ts
 * import { parseScenario } from "./scenario_schema.ts";
 * const scenario = parseScenario(`{"name":"blip","steps":[{"atMs":5000,"fault":"eof"}]}`);
 * console.assert(scenario.steps[0]?.fault === "eof");
 * ```
 */
export function parseScenario(jsonText: string): ScenarioDefinition {
  let value: unknown;
  try {
    value = JSON.parse(jsonText);
  } catch (error) {
    throw new TypeError(`Invalid scenario: not valid JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  return validateScenario(value);
}
