/**
 * `holdfast demo`: its flags, and the pure translation of a command line into a
 * {@linkcode DemoConfig}.
 *
 * @module
 */
import { SCENARIO_NAMES } from "../simulator/scenarios.ts";
import { type CommandSpec, type FlagSpec, flagValue, parseFlags } from "./flags.ts";
import { parseDuration } from "./parse_duration.ts";
import { parseInteger, parseNumber } from "./parse_values.ts";
import { HEALTH_FLAGS } from "./stream_args.ts";

const f = (spec: FlagSpec): FlagSpec => spec;

/** The flags of `holdfast demo`. */
export const DEMO_COMMAND: CommandSpec = {
  name: "demo",
  usage: "holdfast demo [--duration DURATION] [flags]",
  description:
    "Runs the whole thing on this machine: the X simulator (chaos scenario) on a free port and the\n" +
    "holdfast collector against it, writing posts to a file and serving health on a port. Shows a\n" +
    "live status line until Ctrl-C or --duration, then a summary: posts published vs written,\n" +
    "duplicates dropped, lost, reconnects by class, and the simulator's judgement.\n" +
    "Durations: milliseconds (1500) or with a unit (250ms, 5s, 2m).",
  flags: [
    f({
      name: "duration",
      kind: "string",
      placeholder: "DURATION",
      help: "Stop after this long",
      default: "until Ctrl-C",
    }),
    f({
      name: "out",
      kind: "string",
      placeholder: "FILE",
      help: "Where posts are written",
      default: "a new file in the temp directory",
    }),
    ...HEALTH_FLAGS.map((flag) =>
      flag.name === "health-port"
        ? {
          ...flag,
          help: "Serve /healthz, /readyz, /status and /metrics on this port (0: a free one)",
          default: "0, printed",
        }
        : flag
    ),
    f({
      name: "scenario",
      kind: "string",
      placeholder: "NAME|FILE",
      help: `The simulator's scenario (${SCENARIO_NAMES.join(", ")}) or a JSON scenario file`,
      default: "chaos",
    }),
    f({
      name: "seed",
      kind: "string",
      placeholder: "S",
      help: "The simulator's seed",
      default: "7",
    }),
    f({
      name: "speed",
      kind: "string",
      placeholder: "N",
      help:
        "Run the scenario's faults N times as often (1: as written; chaos then waits 20-90 s between faults)",
      default: "6",
    }),
    f({
      name: "rate",
      kind: "string",
      placeholder: "N",
      help: "Posts published per second",
      default: "50",
    }),
    f({
      name: "connections",
      kind: "string",
      placeholder: "N",
      help: "Redundant connections (1-2; the simulator allows 2 when N is 2)",
      default: "1",
    }),
    f({
      name: "status-interval",
      kind: "string",
      placeholder: "DURATION",
      help: "How often the status line is printed when stdout is not a terminal",
      default: "5s",
    }),
  ],
};

/** Everything `holdfast demo` runs with. */
export interface DemoConfig {
  /** `--duration`, when given. */
  readonly durationMs: number | undefined;
  /** `--out`, when given. */
  readonly outPath: string | undefined;
  /** `--health-port`. */
  readonly healthPort: number;
  /** `--health-host`. */
  readonly healthHost: string;
  /** `--scenario`. */
  readonly scenario: string;
  /** `--seed`. */
  readonly seed: number;
  /** `--rate`. */
  readonly postsPerSecond: number;
  /** `--speed`. */
  readonly speed: number;
  /** `--connections`. */
  readonly connections: number;
  /** `--status-interval`. */
  readonly statusIntervalMs: number;
}

/**
 * Parses `holdfast demo`'s arguments. Throws a {@linkcode UsageError} for any bad flag.
 *
 * @example
 * ```ts
 * import { parseDemoArgs } from "./demo_args.ts";
 * const config = parseDemoArgs(["--duration", "10s"]);
 * console.assert(config.durationMs === 10_000 && config.scenario === "chaos");
 * ```
 */
export function parseDemoArgs(argv: readonly string[]): DemoConfig {
  const parsed = parseFlags(DEMO_COMMAND, argv);
  const get = (name: string): string | undefined =>
    flagValue(parsed, DEMO_COMMAND.flags.find((x) => x.name === name)!);
  const duration = get("duration");
  return {
    durationMs: duration === undefined ? undefined : parseDuration("--duration", duration),
    outPath: get("out"),
    healthPort: parseInteger("--health-port", get("health-port") ?? "0", 0, 65_535),
    healthHost: get("health-host") ?? "127.0.0.1",
    scenario: get("scenario") ?? "chaos",
    seed: parseInteger("--seed", get("seed") ?? "7", 0, Number.MAX_SAFE_INTEGER),
    postsPerSecond: parseNumber("--rate", get("rate") ?? "50", 0),
    speed: parseInteger("--speed", get("speed") ?? "6", 1, 100),
    connections: parseInteger("--connections", get("connections") ?? "1", 1, 2),
    statusIntervalMs: parseDuration("--status-interval", get("status-interval") ?? "5s"),
  };
}
