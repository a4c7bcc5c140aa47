/**
 * `--scenario NAME|FILE`: a built-in scenario name, or a JSON scenario file read from disk.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseScenario } from "../simulator/scenario_schema.ts";
import type { ScenarioDefinition, ScenarioName } from "../simulator/scenario_types.ts";
import { isScenarioName, SCENARIO_NAMES } from "../simulator/scenarios.ts";
import { UsageError } from "./usage_error.ts";

/**
 * Resolves `--scenario`: a built-in name as is, otherwise the JSON file it names. Throws a
 * {@linkcode UsageError} that says what the flag accepts and why the file was refused.
 *
 * @example
 * ```ts
 * import { loadScenario } from "./load_scenario.ts";
 * console.assert(await loadScenario("--scenario", "chaos") === "chaos");
 * ```
 */
export async function loadScenario(
  flag: string,
  value: string,
): Promise<ScenarioName | ScenarioDefinition> {
  if (isScenarioName(value)) return value;
  const accepts = `must be a scenario (${SCENARIO_NAMES.join(", ")}) or a JSON scenario file`;
  let text: string;
  try {
    text = await readFile(value, "utf8");
  } catch {
    throw new UsageError(flag, `${accepts}: ${JSON.stringify(value)} is neither`);
  }
  try {
    return parseScenario(text);
  } catch (error) {
    throw new UsageError(flag, `${accepts}: ${value}: ${(error as Error).message}`);
  }
}
