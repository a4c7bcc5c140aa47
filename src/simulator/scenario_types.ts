/**
 * The shape of a scenario: settings plus timed fault steps. The same shape is written in JSON
 * (see `parseScenario` and this folder's README) and in TypeScript.
 *
 * @module
 */
import type { Fault } from "./faults.ts";

/** The named scenarios of `scenarios.ts`. */
export type ScenarioName =
  | "steady"
  | "chaos"
  | "maintenance"
  | "rate-limited"
  | "slow-reader"
  | "flapping"
  | "auth-failure"
  | "stall";

/** A fault written as a step: `kind` is called `fault`, and `atMs` says when (see {@linkcode ScenarioStep}). */
export type StepOf<F> = F extends { readonly kind: infer K }
  ? Omit<F, "kind"> & { readonly fault: K; readonly atMs: number }
  : never;

/**
 * One timed step: `{ "atMs": 10000, "fault": "operational-disconnect", "disconnectType": "UpstreamOperationalDisconnect" }`.
 * `atMs` counts from the scenario's start (the simulator's creation, or `loadScenario`).
 */
export type ScenarioStep = StepOf<Fault>;

/** A scenario: settings and timed steps. */
export interface ScenarioDefinition {
  /** A name for reports. */
  readonly name: string;
  /** A sentence saying what it exercises. */
  readonly description?: string;
  /** Posts per second (explicit simulator options win). */
  readonly postsPerSecond?: number;
  /** The seed (explicit simulator options win). */
  readonly seed?: number;
  /** The server-side buffer per connection, in posts (explicit options win). */
  readonly serverBufferPosts?: number;
  /** Live connections allowed per credential and stream (explicit options win). */
  readonly maxConnections?: number;
  /** After the last step, start again from the first, this long after the previous start. */
  readonly repeatEveryMs?: number;
  /** The steps, in any order (they run by `atMs`). */
  readonly steps: readonly ScenarioStep[];
}

/** The fault a step causes. */
export function stepToFault(step: ScenarioStep): Fault {
  const { fault, atMs: _atMs, ...rest } = step as { fault: Fault["kind"]; atMs: number };
  return { kind: fault, ...rest } as Fault;
}
