/**
 * Runs a scenario's steps at their times (from the moment the scenario is loaded), repeating
 * them if the scenario says so. Steps already due when loaded run at once.
 *
 * @module
 */
import type { Fault } from "./faults.ts";
import { type ScenarioDefinition, type ScenarioStep, stepToFault } from "./scenario_types.ts";

/** Applies a scenario's faults on time. */
export class ScenarioRunner {
  readonly #apply: (fault: Fault) => void;
  readonly #now: () => number;
  #steps: ScenarioStep[] = [];
  #repeatEveryMs: number | undefined;
  #index = 0;
  #cycleStartMs = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #name = "steady";

  /** Creates a runner with no scenario. */
  constructor(apply: (fault: Fault) => void, now: () => number) {
    this.#apply = apply;
    this.#now = now;
  }

  /** The name of the loaded scenario. */
  get name(): string {
    return this.#name;
  }

  /** Replaces the running scenario with `scenario`, starting now. */
  load(scenario: ScenarioDefinition): void {
    this.stop();
    this.#name = scenario.name;
    this.#steps = [...scenario.steps].sort((a, b) => a.atMs - b.atMs);
    this.#repeatEveryMs = scenario.repeatEveryMs;
    this.#index = 0;
    this.#cycleStartMs = this.#now();
    this.#run();
  }

  /** Stops running steps. */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    this.#timer = undefined;
    for (;;) {
      if (this.#index >= this.#steps.length) {
        if (this.#repeatEveryMs === undefined || this.#steps.length === 0) return;
        this.#cycleStartMs += this.#repeatEveryMs;
        this.#index = 0;
      }
      const step = this.#steps[this.#index] as ScenarioStep;
      const delay = this.#cycleStartMs + step.atMs - this.#now();
      if (delay > 0) {
        this.#timer = setTimeout(() => this.#run(), delay);
        return;
      }
      this.#index++;
      this.#apply(stepToFault(step));
    }
  }
}
