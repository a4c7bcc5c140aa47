/**
 * Runs a scenario faster: its fault times (and repeat period) divided by a factor, so that a demo
 * shows in minutes what the scenario spreads over ten.
 *
 * @module
 */
import type { ScenarioDefinition } from "../simulator/scenario_types.ts";

/**
 * `scenario` with every step's `atMs` and `repeatEveryMs` divided by `factor` (at least 1 ms
 * apart). Durations inside faults (a stall's `durationMs`, a lock-out's `resetInMs`) are kept:
 * they are what the client must live through.
 *
 * @example
 * ```ts
 * import { speedUp } from "./speed_up.ts";
 * const fast = speedUp({ name: "x", repeatEveryMs: 600_000, steps: [{ atMs: 60_000, fault: "eof" }] }, 6);
 * console.assert(fast.steps[0].atMs === 10_000 && fast.repeatEveryMs === 100_000);
 * ```
 */
export function speedUp(scenario: ScenarioDefinition, factor: number): ScenarioDefinition {
  if (factor === 1) return scenario;
  const steps = scenario.steps.map((step) => ({
    ...step,
    atMs: Math.max(1, Math.round(step.atMs / factor)),
  }));
  const lastAtMs = steps.reduce((max, step) => Math.max(max, step.atMs), 0);
  return {
    ...scenario,
    steps,
    ...(scenario.repeatEveryMs === undefined
      ? {}
      : { repeatEveryMs: Math.max(lastAtMs + 1, Math.round(scenario.repeatEveryMs / factor)) }),
  };
}
