/**
 * The named scenarios. Each is a {@linkcode ScenarioDefinition}, the same shape a JSON scenario
 * parses to, so any of them can be printed, edited and loaded back.
 *
 * - `steady`: posts and heartbeats, no failures.
 * - `chaos`: a seeded random mix of every reconnectable failure, one every 20-90 s, repeating
 *   every 10 minutes (usage caps and `InvalidRules`, which a good client stops on, are left out;
 *   connect faults lapse after 2 minutes, as outages end).
 * - `maintenance`: a maintenance disconnect every 5 minutes (PowerTrack's "closing for
 *   operational reasons"; v2's `operational-disconnect`).
 * - `rate-limited`: the first connect gets 429 and a 2-minute lock-out; every 429 drawn during it
 *   extends it.
 * - `slow-reader`: 2,000 posts/s into a 500-post server buffer, plus a full-buffer disconnect
 *   every 5 minutes: a client that processes in its read loop is dropped and loses posts.
 * - `flapping`: the next 10 connects are accepted, then dropped after 300 ms, before any
 *   heartbeat: a client that resets its backoff on every 200 hammers the server.
 * - `auth-failure`: every connect gets 401 (X's test of a good backoff: it must draw no 429).
 * - `stall`: 30 s after start, and every 5 minutes, the stream goes silent with the socket open.
 *
 * @module
 */
import type { DisconnectType } from "../messages.ts";
import { pick, type Random, randomInt, seededRandom } from "./prng.ts";
import type { ScenarioDefinition, ScenarioName, ScenarioStep } from "./scenario_types.ts";

/** The names of the built-in scenarios. */
export const SCENARIO_NAMES: readonly ScenarioName[] = [
  "steady",
  "chaos",
  "maintenance",
  "rate-limited",
  "slow-reader",
  "flapping",
  "auth-failure",
  "stall",
];

const RECONNECTABLE: readonly DisconnectType[] = [
  "OperationalDisconnect",
  "UpstreamOperationalDisconnect",
  "ForceDisconnect",
  "UpstreamUncleanDisconnect",
  "InternalError",
  "ClientApplicationStateDegraded",
];

/** Chaos connect faults lapse after 2 minutes: outages end, even for a client backing off longer. */
const CONNECT_FAULT_EXPIRY_MS = 120_000;

type Make = (random: Random) => Omit<ScenarioStep, "atMs">;

const CHAOS_FAULTS: readonly Make[] = [
  (r) => ({ fault: "operational-disconnect", disconnectType: pick(r, RECONNECTABLE) }),
  () => ({ fault: "eof" }),
  () => ({ fault: "reset" }),
  () => ({ fault: "stall" }),
  (r) => ({ fault: "stall", durationMs: randomInt(r, 5_000, 15_000) }),
  () => ({ fault: "full-buffer" }),
  () => ({ fault: "maintenance" }),
  () => ({ fault: "too-many-connections" }),
  (r) => ({
    fault: "http-status",
    status: pick(r, [500, 502, 503, 504]),
    count: randomInt(r, 1, 3),
    expiresInMs: CONNECT_FAULT_EXPIRY_MS,
  }),
  () => ({ fault: "auth-failure", count: 1, expiresInMs: CONNECT_FAULT_EXPIRY_MS }),
  (r) => ({
    fault: "rate-limit",
    resetInMs: randomInt(r, 60_000, 180_000),
    expiresInMs: CONNECT_FAULT_EXPIRY_MS,
  }),
  (r) => ({
    fault: "flap",
    count: randomInt(r, 1, 3),
    afterMs: randomInt(r, 50, 1_000),
    expiresInMs: CONNECT_FAULT_EXPIRY_MS,
  }),
];

const CHAOS_CYCLE_MS = 600_000;

function chaos(seed: number): ScenarioDefinition {
  const random = seededRandom(seed, "chaos");
  const steps: ScenarioStep[] = [];
  for (
    let at = randomInt(random, 20_000, 90_000);
    at < CHAOS_CYCLE_MS;
    at += randomInt(random, 20_000, 90_000)
  ) {
    steps.push({ atMs: at, ...pick(random, CHAOS_FAULTS)(random) } as ScenarioStep);
  }
  return {
    name: "chaos",
    description: "A seeded random mix of every reconnectable failure, one every 20-90 s.",
    repeatEveryMs: CHAOS_CYCLE_MS,
    steps,
  };
}

/** The definition of a named scenario (`seed` shapes `chaos`). */
export function namedScenario(name: ScenarioName, seed = 1): ScenarioDefinition {
  switch (name) {
    case "steady":
      return { name, description: "Posts and heartbeats, no failures.", steps: [] };
    case "chaos":
      return chaos(seed);
    case "maintenance":
      return {
        name,
        description: "A maintenance disconnect every 5 minutes.",
        repeatEveryMs: 300_000,
        steps: [{ atMs: 120_000, fault: "maintenance" }],
      };
    case "rate-limited":
      return {
        name,
        description: "The first connect gets 429 with a 2-minute lock-out.",
        steps: [{ atMs: 0, fault: "rate-limit", resetInMs: 120_000 }],
      };
    case "slow-reader":
      return {
        name,
        description:
          "2,000 posts/s into a 500-post server buffer, and a full-buffer disconnect every 5 minutes.",
        postsPerSecond: 2_000,
        serverBufferPosts: 500,
        repeatEveryMs: 300_000,
        steps: [{ atMs: 60_000, fault: "full-buffer" }],
      };
    case "flapping":
      return {
        name,
        description: "The next 10 connects are accepted, then dropped before any heartbeat.",
        steps: [{ atMs: 0, fault: "flap", count: 10, afterMs: 300 }],
      };
    case "auth-failure":
      return {
        name,
        description: "Every connect gets 401: a good backoff draws no 429.",
        steps: [{ atMs: 0, fault: "auth-failure", count: 1_000_000 }],
      };
    case "stall":
      return {
        name,
        description: "The stream goes silent (socket open) 30 s after start, and every 5 minutes.",
        repeatEveryMs: 300_000,
        steps: [{ atMs: 30_000, fault: "stall" }],
      };
  }
}

/** True for the name of a built-in scenario. */
export function isScenarioName(name: unknown): name is ScenarioName {
  return typeof name === "string" && (SCENARIO_NAMES as readonly string[]).includes(name);
}
