/**
 * `holdfast stream`: its flags, and the pure translation of a command line into a
 * {@linkcode StreamConfig}.
 *
 * @module
 */
import type { BackoffOptions } from "../backoff_options.ts";
import { endpointFromUrl } from "../endpoints.ts";
import type { ConnectAuth } from "../client/connect_options.ts";
import type { BackfillSetting } from "../collector/collector_types.ts";
import type { FifoPolicy } from "../queue/bounded_fifo.ts";
import type { MeterCap } from "../meter/post_meter.ts";
import {
  type CommandSpec,
  type FlagSpec,
  flagValue,
  type ParsedFlags,
  parseFlags,
} from "./flags.ts";
import { formatDuration, parseDuration } from "./parse_duration.ts";
import { parseSink, SINK_ACCEPTS, type SinkSpec } from "./parse_sink.ts";
import {
  parseBackfill,
  parseBasic,
  parseCap,
  parseChoice,
  parseInteger,
  parseParam,
  parsePartitions,
  parseSize,
  parseSwitch,
  parseUrl,
} from "./parse_values.ts";
import { UsageError } from "./usage_error.ts";
import {
  HTTP_BACKOFF_INITIAL_MS,
  HTTP_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_MAX_MS,
  NETWORK_BACKOFF_STEP_MS,
  RATE_LIMIT_BACKOFF_INITIAL_MS,
  RATE_LIMIT_BACKOFF_MAX_MS,
} from "../x_limits.ts";

/** The formats of lifecycle events on stderr. */
export const LOG_FORMATS = ["text", "json"] as const;
/** A format of lifecycle events on stderr. */
export type LogFormat = typeof LOG_FORMATS[number];
const QUEUE_POLICIES: readonly FifoPolicy[] = ["block", "drop-oldest", "drop-newest"];

const f = (spec: FlagSpec): FlagSpec => spec;
/** Flags shared by `stream` and `demo`. @internal */
export const HEALTH_FLAGS: readonly FlagSpec[] = [
  f({
    name: "health-port",
    kind: "string",
    placeholder: "PORT",
    help: "Serve /healthz, /readyz, /status and /metrics on this port (0: a free port, printed)",
    default: "no health server",
  }),
  f({
    name: "health-host",
    kind: "string",
    placeholder: "HOST",
    help: "Interface the health server binds",
    default: "127.0.0.1",
  }),
];

const backoffFlag = (name: string, help: string, ms: number): FlagSpec =>
  f({ name, kind: "string", placeholder: "DURATION", help, default: formatDuration(ms) });

/** The flags of `holdfast stream`. */
export const STREAM_COMMAND: CommandSpec = {
  name: "stream",
  usage: "holdfast stream --url URL [--token T | --basic user:pass] [flags]",
  description:
    "Connects to an X stream (v2 or Enterprise PowerTrack) and keeps it connected by X's rules,\n" +
    "writing every post once, as the original JSON line, to the sinks (default: stdout).\n" +
    "Lifecycle events go to stderr. SIGINT/SIGTERM close the connection, flush the sinks and exit 0.\n" +
    "Durations: milliseconds (1500) or with a unit (250ms, 5s, 2m).",
  flags: [
    f({ name: "url", kind: "string", placeholder: "URL", required: true, help: "The stream URL" }),
    f({
      name: "token",
      kind: "string",
      placeholder: "TOKEN",
      env: "X_BEARER_TOKEN",
      help: "v2 bearer token",
    }),
    f({
      name: "basic",
      kind: "string",
      placeholder: "USER:PASS",
      env: "X_BASIC_AUTH",
      help: "PowerTrack HTTP Basic credentials",
    }),
    f({
      name: "out",
      kind: "string",
      placeholder: "FILE",
      help: "Append one post per line to FILE (same as --sink file:FILE)",
      default: "stdout",
    }),
    f({
      name: "sink",
      kind: "string",
      placeholder: "SINK",
      multiple: true,
      help: `Where posts go: ${SINK_ACCEPTS}`,
      default: "stdout",
    }),
    ...HEALTH_FLAGS,
    f({
      name: "stall-timeout",
      kind: "string",
      placeholder: "DURATION",
      help: "Silence after which the connection counts as stalled and is replaced",
      default: "30s (v2), 20s (PowerTrack)",
    }),
    backoffFlag(
      "backoff-network-step",
      "Network errors: wait grows by this per failure",
      NETWORK_BACKOFF_STEP_MS,
    ),
    backoffFlag("backoff-network-max", "Network errors: longest wait", NETWORK_BACKOFF_MAX_MS),
    backoffFlag(
      "backoff-http-initial",
      "HTTP errors: first wait, doubling",
      HTTP_BACKOFF_INITIAL_MS,
    ),
    backoffFlag("backoff-http-max", "HTTP errors: longest wait", HTTP_BACKOFF_MAX_MS),
    backoffFlag(
      "backoff-429-initial",
      "HTTP 429: first wait, doubling",
      RATE_LIMIT_BACKOFF_INITIAL_MS,
    ),
    backoffFlag("backoff-429-max", "HTTP 429: longest wait", RATE_LIMIT_BACKOFF_MAX_MS),
    f({
      name: "connect-budget",
      kind: "string",
      placeholder: "N/DURATION",
      help:
        "At most N connect requests per DURATION while X has not reported its own count (off: no budget)",
      default: "50/15m",
    }),
    f({
      name: "backfill",
      kind: "string",
      placeholder: "auto|off|N",
      help: "Backfill on reconnect: auto (follow the gap), off, or N minutes (1-5)",
      default: "auto",
    }),
    f({
      name: "recovery",
      kind: "string",
      placeholder: "on|off",
      help: "Run Recovery streams for gaps longer than backfill reaches",
      default: "on",
    }),
    f({
      name: "state",
      kind: "string",
      placeholder: "FILE",
      help: "Watermark file: a restart resumes (backfills) from where the last run stopped",
      default: "in memory",
    }),
    f({
      name: "connections",
      kind: "string",
      placeholder: "N",
      help: "Redundant connections per partition (1-8), de-duplicated",
      default: "1",
    }),
    f({
      name: "partitions",
      kind: "string",
      placeholder: "LIST",
      help: "Partitions to read, as ranges and lists (1-4, 1,3); one loop each",
      default: "none",
    }),
    f({
      name: "param",
      kind: "string",
      placeholder: "KEY=VALUE",
      multiple: true,
      help: "Extra query parameter on the stream URL (tweet.fields=lang)",
    }),
    f({
      name: "queue-max",
      kind: "string",
      placeholder: "N",
      help: "Posts the queue between reading and the sinks holds",
      default: "10000",
    }),
    f({
      name: "queue-max-bytes",
      kind: "string",
      placeholder: "SIZE",
      help: "Bytes of posts (UTF-8 lines) the queue holds (64MB, 1GB)",
      default: "no byte limit",
    }),
    f({
      name: "queue-policy",
      kind: "string",
      placeholder: "POLICY",
      help: "When the queue is full: block (stop reading), drop-oldest, drop-newest",
      default: "block",
    }),
    f({
      name: "rotate-size",
      kind: "string",
      placeholder: "SIZE",
      help: "File sinks: start a new file when the current one reaches SIZE (512MB, 1GB)",
      default: "never",
    }),
    f({
      name: "rotate-every",
      kind: "string",
      placeholder: "DURATION",
      help: "File sinks: start a new file when the current one has been open this long (1h)",
      default: "never",
    }),
    f({
      name: "fsync-every",
      kind: "string",
      placeholder: "DURATION",
      help: "File sinks: fsync written posts at least this often (always at shutdown)",
      default: "5s",
    }),
    f({
      name: "redis-maxlen",
      kind: "string",
      placeholder: "N",
      help: "Redis sinks: trim the stream to about N entries (XADD MAXLEN ~ N)",
      default: "1000000",
    }),
    f({
      name: "dedup-window",
      kind: "string",
      placeholder: "DURATION",
      help: "How long a post id is remembered for de-duplication",
      default: "30m",
    }),
    f({
      name: "dedup-max",
      kind: "string",
      placeholder: "N",
      help: "Most post ids remembered for de-duplication (the oldest go first)",
      default: "200000",
    }),
    f({
      name: "cap",
      kind: "string",
      placeholder: "N/PERIOD",
      help: "Meter posts against your plan's cap (10m/monthly, 10000/daily)",
      default: "no meter",
    }),
    f({
      name: "pause-at-cap",
      kind: "boolean",
      help: "Disconnect cleanly when --cap is reached",
    }),
    f({
      name: "end-stale-connections",
      kind: "boolean",
      help: "On TooManyConnections, end the account's connections that are not this collector's " +
        "(v2: DELETE /2/connections; without it they are only listed in the alert)",
    }),
    f({
      name: "webhook",
      kind: "string",
      placeholder: "URL",
      help: "POST alerts as JSON to this URL (rate-limited)",
      default: "alerts on stderr only",
    }),
    f({
      name: "lag-alert",
      kind: "string",
      placeholder: "DURATION",
      help: "Alert when the newest post is older than this (when given, /readyz also warns)",
      default: "60s",
    }),
    f({
      name: "log-format",
      kind: "string",
      placeholder: "text|json",
      help: "Format of lifecycle events on stderr",
      default: "text",
    }),
  ],
};

/** Everything `holdfast stream` runs with. */
export interface StreamConfig {
  /** The stream URL. */
  readonly url: URL;
  /** Credentials (`undefined` when the URL carries them). */
  readonly auth: ConnectAuth | undefined;
  /** The outputs, in order. */
  readonly sinks: readonly SinkSpec[];
  /** The health server's port, when one is wanted. */
  readonly healthPort: number | undefined;
  /** The health server's interface. */
  readonly healthHost: string;
  /** The stall timeout, when given. */
  readonly stallTimeoutMs: number | undefined;
  /** The backoff curves given (the rest are X's defaults). */
  readonly backoff: BackoffOptions;
  /** `--backfill`. */
  readonly backfill: BackfillSetting;
  /** `--recovery`. */
  readonly recovery: boolean;
  /** `--state`. */
  readonly statePath: string | undefined;
  /** `--connections`. */
  readonly connections: number;
  /** `--partitions`. */
  readonly partitions: readonly number[] | undefined;
  /** `--param`s. */
  readonly params: Readonly<Record<string, string>>;
  /** `--queue-max`, `--queue-max-bytes`, `--queue-policy`. */
  readonly queue: {
    readonly maxItems?: number;
    readonly maxBytes?: number;
    readonly policy?: FifoPolicy;
  };
  /** `--end-stale-connections`. */
  readonly endStaleConnections: boolean;
  /** `--dedup-window`. */
  readonly dedupMaxAgeMs: number | undefined;
  /** `--dedup-max`. */
  readonly dedupMaxEntries: number | undefined;
  /** `--cap`. */
  readonly cap: MeterCap | undefined;
  /** `--pause-at-cap`. */
  readonly pauseAtCap: boolean;
  /** `--webhook`. */
  readonly webhookUrl: string | undefined;
  /** `--lag-alert`. */
  readonly lagAlertMs: number | undefined;
  /** `--log-format`. */
  readonly logFormat: LogFormat;
}

const flag = (name: string): FlagSpec => STREAM_COMMAND.flags.find((x) => x.name === name)!;

/**
 * Parses `holdfast stream`'s arguments (after `stream`) with the environment's credentials.
 * Throws a {@linkcode UsageError} for any bad flag.
 *
 * @example
 * ```ts
 * import { parseStreamArgs } from "./stream_args.ts";
 * const config = parseStreamArgs(
 *   ["--url", "http://127.0.0.1:8080/2/tweets/sample/stream", "--stall-timeout", "1500ms"],
 *   { X_BEARER_TOKEN: "t" },
 * );
 * console.assert(config.stallTimeoutMs === 1500 && config.sinks[0].kind === "stdout");
 * ```
 */
export function parseStreamArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): StreamConfig {
  return streamConfigFrom(parseFlags(STREAM_COMMAND, argv), env);
}

/**
 * Builds a {@linkcode StreamConfig} from flags already parsed by {@linkcode parseFlags}.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * import { STREAM_COMMAND, streamConfigFrom } from "./stream_args.ts";
 * const parsed = parseFlags(STREAM_COMMAND, ["--url", "https://api.x.com/2/tweets/sample/stream", "--token", "t"]);
 * console.assert(streamConfigFrom(parsed, {}).backfill === "auto");
 * ```
 */
export function streamConfigFrom(
  parsed: ParsedFlags,
  env: Readonly<Record<string, string | undefined>>,
): StreamConfig {
  const get = (name: string): string | undefined => flagValue(parsed, flag(name), {});
  const urlText = get("url");
  if (urlText === undefined) {
    throw new UsageError(
      "--url",
      "is required: the stream URL, e.g. https://api.x.com/2/tweets/search/stream",
    );
  }
  const url = parseUrl("--url", urlText);
  const duration = (name: string): number | undefined => {
    const text = get(name);
    return text === undefined ? undefined : parseDuration(`--${name}`, text);
  };
  const sinks = withSinkOptions(
    [
      ...(parsed.strings.get("sink") ?? []).map((text) => parseSink("--sink", text)),
      ...(get("out") === undefined ? [] : [parseSink("--out", `file:${get("out")}`)]),
    ],
    get,
    duration,
  );
  const healthPort = get("health-port");
  const queueMax = get("queue-max");
  const queueMaxBytes = get("queue-max-bytes");
  const dedupMax = get("dedup-max");
  const queuePolicy = get("queue-policy");
  const webhook = get("webhook");
  const partitions = get("partitions");
  const cap = get("cap");
  if (parsed.booleans.has("pause-at-cap") && cap === undefined) {
    throw new UsageError("--pause-at-cap", "needs --cap N/daily|monthly (the cap to pause at)");
  }
  const auth = resolveStreamAuth(parsed, env, url);
  const endStale = parsed.booleans.has("end-stale-connections");
  const powertrack = endpointFromUrl(url).product === "powertrack";
  if (endStale && (powertrack || auth === undefined || !("bearer" in auth))) {
    throw new UsageError(
      "--end-stale-connections",
      "needs a v2 stream read with a bearer token (X's connections API, /2/connections): " +
        (powertrack ? "got a PowerTrack URL" : "got no bearer token"),
    );
  }
  return {
    url,
    auth,
    sinks: sinks.length > 0 ? sinks : [{ kind: "stdout" }],
    healthPort: healthPort === undefined
      ? undefined
      : parseInteger("--health-port", healthPort, 0, 65_535),
    healthHost: get("health-host") ?? "127.0.0.1",
    stallTimeoutMs: duration("stall-timeout"),
    backoff: parseBackoff(get, duration),
    backfill: parseBackfill("--backfill", get("backfill") ?? "auto"),
    recovery: parseSwitch("--recovery", get("recovery") ?? "on"),
    statePath: get("state"),
    connections: parseInteger("--connections", get("connections") ?? "1", 1, 8),
    partitions: partitions === undefined ? undefined : parsePartitions("--partitions", partitions),
    params: Object.fromEntries(
      (parsed.strings.get("param") ?? []).map((p) => parseParam("--param", p)),
    ),
    queue: {
      ...(queueMax === undefined
        ? {}
        : { maxItems: parseInteger("--queue-max", queueMax, 1, Number.MAX_SAFE_INTEGER) }),
      ...(queueMaxBytes === undefined
        ? {}
        : { maxBytes: parseSize("--queue-max-bytes", queueMaxBytes) }),
      ...(queuePolicy === undefined
        ? {}
        : { policy: parseChoice("--queue-policy", queuePolicy, QUEUE_POLICIES) }),
    },
    dedupMaxAgeMs: duration("dedup-window"),
    dedupMaxEntries: dedupMax === undefined
      ? undefined
      : parseInteger("--dedup-max", dedupMax, 1, Number.MAX_SAFE_INTEGER),
    cap: cap === undefined ? undefined : parseCap("--cap", cap),
    pauseAtCap: parsed.booleans.has("pause-at-cap"),
    endStaleConnections: endStale,
    webhookUrl: webhook === undefined ? undefined : parseUrl("--webhook", webhook).href,
    lagAlertMs: duration("lag-alert"),
    logFormat: parseChoice("--log-format", get("log-format") ?? "text", LOG_FORMATS),
  };
}

/** Gives the file sinks `--rotate-size`, `--rotate-every` and `--fsync-every`, and the Redis
 * sinks `--redis-maxlen`; each of those flags without a sink of its kind is a usage error. */
function withSinkOptions(
  sinks: readonly SinkSpec[],
  get: (name: string) => string | undefined,
  duration: (name: string) => number | undefined,
): SinkSpec[] {
  requireSink(sinks, "file", ["rotate-size", "rotate-every", "fsync-every"], get);
  requireSink(sinks, "redis", ["redis-maxlen"], get);
  const rotateSize = get("rotate-size");
  const rotateEvery = duration("rotate-every");
  const fsyncEvery = duration("fsync-every");
  const redisMaxLen = get("redis-maxlen");
  return sinks.map((sink) => {
    if (sink.kind === "file") {
      return {
        ...sink,
        ...(rotateSize === undefined
          ? {}
          : { rotateBytes: parseSize("--rotate-size", rotateSize) }),
        ...(rotateEvery === undefined ? {} : { rotateIntervalMs: rotateEvery }),
        ...(fsyncEvery === undefined ? {} : { fsyncIntervalMs: fsyncEvery }),
      };
    }
    if (sink.kind === "redis" && redisMaxLen !== undefined) {
      return {
        ...sink,
        maxLen: parseInteger("--redis-maxlen", redisMaxLen, 1, Number.MAX_SAFE_INTEGER),
      };
    }
    return sink;
  });
}

const SINK_FLAGS_NEED: Record<"file" | "redis", string> = {
  file: "file sinks (--out FILE or --sink file:PATH)",
  redis: "Redis sinks (--sink redis://HOST:PORT/STREAM)",
};

/** Throws when one of `flags` is given but no sink of `kind` is. */
function requireSink(
  sinks: readonly SinkSpec[],
  kind: "file" | "redis",
  flags: readonly string[],
  get: (name: string) => string | undefined,
): void {
  const given = flags.find((name) => get(name) !== undefined);
  if (given !== undefined && !sinks.some((sink) => sink.kind === kind)) {
    throw new UsageError(`--${given}`, `applies to ${SINK_FLAGS_NEED[kind]}, and none was given`);
  }
}

function parseBackoff(
  get: (name: string) => string | undefined,
  duration: (name: string) => number | undefined,
): BackoffOptions {
  const backoff: BackoffOptions = {};
  const pairs = [
    ["backoff-network-step", "networkStepMs", "backoff-network-max", "networkMaxMs"],
    ["backoff-http-initial", "httpInitialMs", "backoff-http-max", "httpMaxMs"],
    ["backoff-429-initial", "rateLimitInitialMs", "backoff-429-max", "rateLimitMaxMs"],
  ] as const;
  const defaults: Record<string, number> = {
    networkStepMs: NETWORK_BACKOFF_STEP_MS,
    networkMaxMs: NETWORK_BACKOFF_MAX_MS,
    httpInitialMs: HTTP_BACKOFF_INITIAL_MS,
    httpMaxMs: HTTP_BACKOFF_MAX_MS,
    rateLimitInitialMs: RATE_LIMIT_BACKOFF_INITIAL_MS,
    rateLimitMaxMs: RATE_LIMIT_BACKOFF_MAX_MS,
  };
  for (const [lowFlag, lowKey, highFlag, highKey] of pairs) {
    const low = duration(lowFlag);
    const high = duration(highFlag);
    if (low !== undefined) backoff[lowKey] = low;
    if (high !== undefined) backoff[highKey] = high;
    if ((low ?? defaults[lowKey]) > (high ?? defaults[highKey])) {
      throw new UsageError(
        `--${low !== undefined ? lowFlag : highFlag}`,
        `must not exceed --${highFlag} (${formatDuration(high ?? defaults[highKey])}): got ${
          formatDuration(low ?? defaults[lowKey])
        } > ${formatDuration(high ?? defaults[highKey])}`,
      );
    }
  }
  const budget = get("connect-budget");
  if (budget !== undefined) backoff.connectBudget = parseConnectBudget(budget);
  return backoff;
}

function parseConnectBudget(text: string): { requests: number; windowMs: number } | false {
  if (text === "off") return false;
  const slash = text.indexOf("/");
  if (slash < 1) {
    throw new UsageError(
      "--connect-budget",
      `must be N/DURATION (50/15m) or off: got ${JSON.stringify(text)}`,
    );
  }
  return {
    requests: parseInteger("--connect-budget", text.slice(0, slash), 1, Number.MAX_SAFE_INTEGER),
    windowMs: parseDuration("--connect-budget", text.slice(slash + 1)),
  };
}

/** Picks the credentials: flags first, then the environment (by the URL's product when both are set). */
function resolveStreamAuth(
  parsed: ParsedFlags,
  env: Readonly<Record<string, string | undefined>>,
  url: URL,
): ConnectAuth | undefined {
  const tokenFlag = flagValue(parsed, flag("token"), {});
  const basicFlag = flagValue(parsed, flag("basic"), {});
  if (tokenFlag !== undefined && basicFlag !== undefined) {
    throw new UsageError(
      "--token",
      "cannot be combined with --basic: give a v2 bearer token OR PowerTrack user:pass",
    );
  }
  if (tokenFlag !== undefined) return { bearer: tokenFlag };
  if (basicFlag !== undefined) return { basic: parseBasic("--basic", basicFlag) };
  if (url.username !== "") return undefined;
  const token = flagValue(parsed, flag("token"), env);
  const basic = flagValue(parsed, flag("basic"), env);
  const powertrack = url.pathname.includes("/stream/powertrack/");
  if (basic !== undefined && (powertrack || token === undefined)) {
    return { basic: parseBasic("X_BASIC_AUTH", basic) };
  }
  if (token !== undefined) return { bearer: token };
  throw new UsageError(
    "--token",
    "or --basic is required: a v2 bearer token (--token T or X_BEARER_TOKEN) or PowerTrack user:pass (--basic or X_BASIC_AUTH)",
  );
}
