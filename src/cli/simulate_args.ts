/**
 * `holdfast simulate`: its flags, and the pure translation of a command line into a
 * {@linkcode SimulateConfig}.
 *
 * @module
 */
import type { SimulatorOptions } from "../simulator/options.ts";
import { SCENARIO_NAMES } from "../simulator/scenarios.ts";
import { type CommandSpec, type FlagSpec, flagValue, parseFlags } from "./flags.ts";
import { parseDuration } from "./parse_duration.ts";
import { parseBasic, parseInteger, parseNumber } from "./parse_values.ts";

const f = (spec: FlagSpec): FlagSpec => spec;

/** The flags of `holdfast simulate`. */
export const SIMULATE_COMMAND: CommandSpec = {
  name: "simulate",
  usage: "holdfast simulate [--port N] [--scenario NAME|FILE] [--seed S] [flags]",
  description:
    "Runs holdfast's X streaming simulator over HTTP: v2 streams, rules, /2/connections and\n" +
    "PowerTrack, X's failures by scenario or on demand (POST /_sim/fault), and a judge of the\n" +
    "client's reconnects (GET /_sim/report). Prints its URL; stops on SIGINT/SIGTERM.\n" +
    `Scenarios: ${SCENARIO_NAMES.join(", ")},\nor a JSON scenario file. ` +
    "Durations: milliseconds (1500) or with a unit (250ms, 5s, 2m).",
  flags: [
    f({
      name: "port",
      kind: "string",
      placeholder: "PORT",
      help: "TCP port (0: a free port)",
      default: "0",
    }),
    f({
      name: "host",
      kind: "string",
      placeholder: "HOST",
      help: "Interface to bind",
      default: "127.0.0.1",
    }),
    f({
      name: "scenario",
      kind: "string",
      placeholder: "NAME|FILE",
      help: "A built-in scenario or a JSON scenario file",
      default: "steady",
    }),
    f({
      name: "seed",
      kind: "string",
      placeholder: "S",
      help: "Seed of every random choice",
      default: "the scenario's, else 1",
    }),
    f({
      name: "rate",
      kind: "string",
      placeholder: "N",
      help: "Posts published per second",
      default: "the scenario's, else 10",
    }),
    f({
      name: "heartbeat-interval",
      kind: "string",
      placeholder: "DURATION",
      help: "Heartbeat interval of every stream",
      default: "20s (v2), 10s (PowerTrack)",
    }),
    f({
      name: "max-connections",
      kind: "string",
      placeholder: "N",
      help: "Live connections allowed per credential and stream",
      default: "1",
    }),
    f({
      name: "buffer-posts",
      kind: "string",
      placeholder: "N",
      help: "Posts queued per connection before it is dropped as a slow reader",
      default: "30 s of --rate, at least 2000",
    }),
    f({
      name: "token",
      kind: "string",
      placeholder: "TOKEN",
      multiple: true,
      help: "Accept only these v2 bearer tokens",
      default: "any",
    }),
    f({
      name: "basic",
      kind: "string",
      placeholder: "USER:PASS",
      multiple: true,
      help: "Accept only these PowerTrack credentials",
      default: "any",
    }),
    f({
      name: "report",
      kind: "string",
      placeholder: "FILE",
      help: "On exit, write the judge's report as JSON to FILE",
      default: "none; a summary goes to stderr",
    }),
  ],
};

/** Everything `holdfast simulate` runs with. */
export interface SimulateConfig {
  /** `--port`. */
  readonly port: number;
  /** `--host`. */
  readonly host: string;
  /** `--scenario`: a built-in name or a file path (read when the command runs). */
  readonly scenario: string;
  /** `--report`. */
  readonly reportPath: string | undefined;
  /** Options for `createSimulator` (but `scenario`). */
  readonly options: Omit<SimulatorOptions, "scenario">;
}

/**
 * Parses `holdfast simulate`'s arguments. Throws a {@linkcode UsageError} for any bad flag.
 *
 * @example
 * ```ts
 * import { parseSimulateArgs } from "./simulate_args.ts";
 * const config = parseSimulateArgs(["--port", "0", "--scenario", "chaos", "--seed", "7"]);
 * console.assert(config.scenario === "chaos" && config.options.seed === 7);
 * ```
 */
export function parseSimulateArgs(argv: readonly string[]): SimulateConfig {
  const parsed = parseFlags(SIMULATE_COMMAND, argv);
  const get = (name: string): string | undefined =>
    flagValue(parsed, SIMULATE_COMMAND.flags.find((x) => x.name === name)!);
  const int = (name: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    const text = get(name);
    return text === undefined ? undefined : parseInteger(`--${name}`, text, min, max);
  };
  const rate = get("rate");
  const heartbeat = get("heartbeat-interval");
  const tokens = parsed.strings.get("token");
  const basics = parsed.strings.get("basic");
  const options: Omit<SimulatorOptions, "scenario"> = {
    ...(int("seed", 0) === undefined ? {} : { seed: int("seed", 0) }),
    ...(rate === undefined ? {} : { postsPerSecond: parseNumber("--rate", rate, 0) }),
    ...(heartbeat === undefined
      ? {}
      : { heartbeatIntervalMs: parseDuration("--heartbeat-interval", heartbeat) }),
    ...(int("max-connections", 1) === undefined
      ? {}
      : { maxConnections: int("max-connections", 1) }),
    ...(int("buffer-posts", 1) === undefined ? {} : { serverBufferPosts: int("buffer-posts", 1) }),
    ...(tokens === undefined ? {} : { bearerTokens: tokens }),
    ...(basics === undefined
      ? {}
      : { basicCredentials: basics.map((b) => parseBasic("--basic", b)) }),
  };
  return {
    port: int("port", 0, 65_535) ?? 0,
    host: get("host") ?? "127.0.0.1",
    scenario: get("scenario") ?? "steady",
    reportPath: get("report"),
    options,
  };
}
