import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseDemoArgs } from "../src/cli/demo_args.ts";
import { formatEvent } from "../src/cli/event_log.ts";
import { type CommandSpec, renderHelp } from "../src/cli/flags.ts";
import { DEMO_COMMAND } from "../src/cli/demo_args.ts";
import { formatDuration, parseDuration } from "../src/cli/parse_duration.ts";
import { parseSink } from "../src/cli/parse_sink.ts";
import {
  parseBackfill,
  parseCap,
  parseInteger,
  parsePartitions,
  parseSize,
  parseSwitch,
} from "../src/cli/parse_values.ts";
import { parseRulesArgs, RULES_COMMAND } from "../src/cli/rules_args.ts";
import { describeXErrors } from "../src/cli/rules_api.ts";
import { parseRulesFile, planRulesSync } from "../src/cli/rules_sync.ts";
import { parseSimulateArgs, SIMULATE_COMMAND } from "../src/cli/simulate_args.ts";
import { speedUp } from "../src/cli/speed_up.ts";
import { countLoss } from "../src/cli/run_demo.ts";
import { namedScenario } from "../src/simulator/scenarios.ts";
import { validateScenario } from "../src/simulator/scenario_schema.ts";
import { formatStatusLine } from "../src/cli/status_line.ts";
import { parseStreamArgs, STREAM_COMMAND } from "../src/cli/stream_args.ts";
import { collectorOptionsFor } from "../src/cli/run_stream.ts";
import { UsageError } from "../src/cli/usage_error.ts";
import type { CollectorStatus } from "../src/collector/collector_types.ts";

const URL_FLAG = ["--url", "https://api.x.com/2/tweets/search/stream"];
const PT_URL =
  "https://gnip-stream.x.com/stream/powertrack/accounts/a/publishers/twitter/prod.json";

/** Asserts `fn` throws a UsageError (exit code 2) for `flag` whose message matches `message`. */
function assertUsage(fn: () => unknown, flag: string | undefined, message: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UsageError, `not a UsageError: ${error}`);
    assert.equal(error.exitCode, 2);
    assert.equal(error.flag, flag);
    assert.match(error.message, message);
    return true;
  });
}

describe("parseDuration", () => {
  it("reads plain milliseconds and 250ms, 5s, 2m, 1h, 1.5s", () => {
    const cases: [string, number][] = [
      ["1500", 1500],
      ["250ms", 250],
      ["5s", 5_000],
      ["2m", 120_000],
      ["1h", 3_600_000],
      ["1.5s", 1_500],
      [" 7s ", 7_000],
    ];
    for (const [text, ms] of cases) assert.equal(parseDuration("--stall-timeout", text), ms, text);
  });

  it("refuses anything else, naming the flag and the accepted forms", () => {
    for (const text of ["5x", "", "s", "-1", "0", "0ms", "1d", "5 s", "1e3"]) {
      assertUsage(
        () => parseDuration("--stall-timeout", text),
        "--stall-timeout",
        new RegExp(
          `^--stall-timeout must be a duration: milliseconds \\(1500\\) or with a unit \\(250ms, 5s, 2m\\), at least 1ms: got ${
            JSON.stringify(text).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
          }$`,
        ),
      );
    }
    assertUsage(
      () => parseDuration("--duration", "2147483648"),
      "--duration",
      /at most 2147483647ms/,
    );
    assertUsage(() => parseDuration("--duration", "600h"), "--duration", /at most/);
  });

  it("formatDuration shows milliseconds the way help and logs print them", () => {
    assert.deepEqual(
      [250, 1_000, 1_500, 320_000, 960_000, 60_000].map(formatDuration),
      ["250ms", "1s", "1.5s", "320s", "16m", "60s"],
    );
  });
});

describe("parsePartitions", () => {
  it("reads ranges and lists, distinct and ascending", () => {
    assert.deepEqual(parsePartitions("--partitions", "1-4"), [1, 2, 3, 4]);
    assert.deepEqual(parsePartitions("--partitions", "1,3"), [1, 3]);
    assert.deepEqual(parsePartitions("--partitions", "3,1-2,3"), [1, 2, 3]);
    assert.deepEqual(parsePartitions("--partitions", "20"), [20]);
  });

  it("refuses 0, reversed ranges, past 20 and junk", () => {
    for (const text of ["0", "4-1", "21", "1-21", "a", "1-", "", "1,,2", "1.5"]) {
      assertUsage(
        () => parsePartitions("--partitions", text),
        "--partitions",
        /^--partitions must be partitions from 1 to 20 as a range or a list \(1-4, 1,3, 1-2,7\): got /,
      );
    }
  });
});

describe("parseSink", () => {
  it("reads file:PATH, redis://HOST:PORT/STREAM (with an optional DB), and stdout", () => {
    assert.deepEqual(parseSink("--sink", "file:out/posts.ndjson"), {
      kind: "file",
      path: "out/posts.ndjson",
    });
    assert.deepEqual(parseSink("--sink", "redis://127.0.0.1:6379/posts"), {
      kind: "redis",
      url: "redis://127.0.0.1:6379",
      stream: "posts",
    });
    assert.deepEqual(parseSink("--sink", "redis://127.0.0.1:6379/2/posts"), {
      kind: "redis",
      url: "redis://127.0.0.1:6379/2",
      stream: "posts",
    });
    assert.deepEqual(parseSink("--sink", "stdout"), { kind: "stdout" });
    assert.deepEqual(parseSink("--sink", "-"), { kind: "stdout" });
  });

  it("refuses other forms, saying what it accepts", () => {
    for (const text of ["file:", "posts.ndjson", "s3://bucket/x", "redis://127.0.0.1:6379"]) {
      assertUsage(
        () => parseSink("--sink", text),
        "--sink",
        /^--sink must be file:PATH, redis:\/\/HOST:PORT\/STREAM \(or \/DB\/STREAM\), or stdout: got /,
      );
    }
  });
});

describe("flag value parsers", () => {
  it("parseBackfill takes auto, off, 0 (off) and 1-5 minutes", () => {
    assert.equal(parseBackfill("--backfill", "auto"), "auto");
    assert.equal(parseBackfill("--backfill", "off"), "off");
    assert.equal(parseBackfill("--backfill", "0"), "off");
    assert.equal(parseBackfill("--backfill", "5"), 5);
    for (const text of ["6", "-1", "on", "2.5"]) {
      assertUsage(
        () => parseBackfill("--backfill", text),
        "--backfill",
        /must be auto, off, or minutes from 1 to 5: got/,
      );
    }
  });

  it("parseSize reads bytes, KB/MB/GB as powers of 1024 in any case, and refuses the rest", () => {
    const cases: [string, number][] = [
      ["65536", 65_536],
      ["512KB", 524_288],
      ["512k", 524_288],
      ["64MB", 67_108_864],
      ["64 MiB", 67_108_864],
      ["1gb", 1_073_741_824],
      ["1.5G", 1_610_612_736],
      ["100B", 100],
    ];
    for (const [text, bytes] of cases) assert.equal(parseSize("--rotate-size", text), bytes, text);
    for (const text of ["", "MB", "0", "0.5", "-5", "12XB", "1e6", "64 M B"]) {
      assertUsage(
        () => parseSize("--rotate-size", text),
        "--rotate-size",
        /must be a size of at least 1 byte, in bytes or with a unit \(65536, 512KB, 64MB, 1GB\): got /,
      );
    }
  });

  it("parseSwitch, parseCap and parseInteger", () => {
    assert.equal(parseSwitch("--recovery", "on"), true);
    assert.equal(parseSwitch("--recovery", "off"), false);
    assertUsage(() => parseSwitch("--recovery", "maybe"), "--recovery", /must be on or off/);
    assert.deepEqual(parseCap("--cap", "10m/monthly"), { limit: 10_000_000, period: "monthly" });
    assert.deepEqual(parseCap("--cap", "500k/daily"), { limit: 500_000, period: "daily" });
    assertUsage(() => parseCap("--cap", "10/weekly"), "--cap", /N\/daily or N\/monthly/);
    assertUsage(() => parseCap("--cap", "0/daily"), "--cap", /N\/daily or N\/monthly/);
    assert.equal(parseInteger("--port", "0", 0, 65_535), 0);
    assertUsage(
      () => parseInteger("--port", "65536", 0, 65_535),
      "--port",
      /^--port must be an integer from 0 to 65535: got "65536"$/,
    );
  });
});

describe("parseStreamArgs", () => {
  it("applies the defaults: stdout, auto backfill, recovery on, one connection, text logs", () => {
    const config = parseStreamArgs([...URL_FLAG, "--token", "T"]);
    assert.deepEqual(config.auth, { bearer: "T" });
    assert.deepEqual(config.sinks, [{ kind: "stdout" }]);
    assert.equal(config.backfill, "auto");
    assert.equal(config.recovery, true);
    assert.equal(config.connections, 1);
    assert.equal(config.partitions, undefined);
    assert.equal(config.healthPort, undefined);
    assert.equal(config.healthHost, "127.0.0.1");
    assert.equal(config.stallTimeoutMs, undefined);
    assert.deepEqual(config.backoff, {});
    assert.equal(config.logFormat, "text");
    assert.deepEqual(config.queue, {});
    assert.equal(
      collectorOptionsFor(config).tooManyConnections,
      undefined,
      "stale connections are listed, never ended, unless asked",
    );
    assert.deepEqual(parseStreamArgs([...URL_FLAG, "--token", "T", "--out", "a"]).sinks, [
      { kind: "file", path: "a" },
    ]);
  });

  it("reads every flag", () => {
    const config = parseStreamArgs([
      ...URL_FLAG,
      "--out=posts.ndjson",
      "--sink",
      "redis://127.0.0.1:6379/posts",
      "--health-port",
      "9464",
      "--health-host",
      "0.0.0.0",
      "--stall-timeout",
      "1500ms",
      "--backoff-network-step",
      "100ms",
      "--backoff-network-max",
      "2s",
      "--backoff-http-initial",
      "1s",
      "--backoff-http-max",
      "10s",
      "--backoff-429-initial",
      "5s",
      "--backoff-429-max",
      "1m",
      "--connect-budget",
      "10/1m",
      "--backfill",
      "3",
      "--recovery",
      "off",
      "--state",
      "state.json",
      "--connections",
      "2",
      "--partitions",
      "1-4",
      "--param",
      "tweet.fields=lang",
      "--queue-max",
      "500",
      "--queue-policy",
      "drop-oldest",
      "--queue-max-bytes",
      "64MB",
      "--rotate-size",
      "512MB",
      "--rotate-every",
      "1h",
      "--fsync-every",
      "2s",
      "--redis-maxlen",
      "50000",
      "--end-stale-connections",
      "--dedup-window",
      "10m",
      "--dedup-max",
      "500000",
      "--cap",
      "1m/monthly",
      "--pause-at-cap",
      "--webhook",
      "https://hooks.example/x",
      "--lag-alert",
      "2m",
      "--log-format",
      "json",
    ], { X_BEARER_TOKEN: "from-env" });
    assert.deepEqual(config.auth, { bearer: "from-env" });
    assert.deepEqual(config.sinks, [
      { kind: "redis", url: "redis://127.0.0.1:6379", stream: "posts", maxLen: 50_000 },
      {
        kind: "file",
        path: "posts.ndjson",
        rotateBytes: 536_870_912,
        rotateIntervalMs: 3_600_000,
        fsyncIntervalMs: 2_000,
      },
    ]);
    assert.equal(config.healthPort, 9464);
    assert.equal(config.healthHost, "0.0.0.0");
    assert.equal(config.stallTimeoutMs, 1500);
    assert.deepEqual(config.backoff, {
      networkStepMs: 100,
      networkMaxMs: 2_000,
      httpInitialMs: 1_000,
      httpMaxMs: 10_000,
      rateLimitInitialMs: 5_000,
      rateLimitMaxMs: 60_000,
      connectBudget: { requests: 10, windowMs: 60_000 },
    });
    assert.equal(config.backfill, 3);
    assert.equal(config.recovery, false);
    assert.equal(config.statePath, "state.json");
    assert.equal(config.connections, 2);
    assert.deepEqual(config.partitions, [1, 2, 3, 4]);
    assert.deepEqual(config.params, { "tweet.fields": "lang" });
    assert.deepEqual(config.queue, { maxItems: 500, maxBytes: 67_108_864, policy: "drop-oldest" });
    const options = collectorOptionsFor(config);
    assert.deepEqual(options.queue, config.queue);
    assert.deepEqual(options.tooManyConnections, { endStale: true });
    assert.equal(config.dedupMaxAgeMs, 600_000);
    assert.equal(config.dedupMaxEntries, 500_000);
    assert.deepEqual(options.dedup, { maxAgeMs: 600_000, maxEntries: 500_000 });
    assert.deepEqual(config.cap, { limit: 1_000_000, period: "monthly" });
    assert.equal(config.pauseAtCap, true);
    assert.equal(config.webhookUrl, "https://hooks.example/x");
    assert.equal(config.lagAlertMs, 120_000);
    assert.equal(config.logFormat, "json");
  });

  it("takes credentials from flags first, then X_BEARER_TOKEN / X_BASIC_AUTH by the URL's product", () => {
    const env = { X_BEARER_TOKEN: "env-token", X_BASIC_AUTH: "bob:pw" };
    assert.deepEqual(parseStreamArgs([...URL_FLAG, "--token", "flag"], env).auth, {
      bearer: "flag",
    });
    assert.deepEqual(parseStreamArgs([...URL_FLAG, "--basic", "al:ice:pw"], env).auth, {
      basic: { username: "al", password: "ice:pw" },
    });
    assert.deepEqual(parseStreamArgs(URL_FLAG, env).auth, { bearer: "env-token" });
    assert.deepEqual(parseStreamArgs(["--url", PT_URL], env).auth, {
      basic: { username: "bob", password: "pw" },
    });
    assert.deepEqual(parseStreamArgs(["--url", PT_URL], { X_BASIC_AUTH: "bob:pw" }).auth, {
      basic: { username: "bob", password: "pw" },
    });
    assert.equal(parseStreamArgs(["--url", "https://u:p@gnip.example/x"]).auth, undefined);
  });

  it("exits 2 for every bad flag, naming the flag and what it accepts", () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [[], "--url", /--url is required: the stream URL/],
      [
        ["--url", "api.x.com/stream", "--token", "T"],
        "--url",
        /must be an absolute http or https URL/,
      ],
      [[...URL_FLAG], "--token", /--token or --basic is required/],
      [
        [...URL_FLAG, "--token", "T", "--basic", "a:b"],
        "--token",
        /cannot be combined with --basic/,
      ],
      [[...URL_FLAG, "--basic", "nopassword"], "--basic", /must be user:pass/],
      [[...URL_FLAG, "--token"], "--token", /--token needs a value: TOKEN/],
      [[...URL_FLAG, "--token", "--out", "x"], "--token", /needs a value/],
      [[...URL_FLAG, "--token", "T", "--bogus"], "--bogus", /is not a flag of `holdfast stream`/],
      [[...URL_FLAG, "--token", "T", "extra"], undefined, /takes no arguments: unexpected "extra"/],
      [
        [...URL_FLAG, "--token", "T", "--out", "a", "--out", "b"],
        "--out",
        /may be given only once/,
      ],
      [[...URL_FLAG, "--token", "T", "--pause-at-cap=yes"], "--pause-at-cap", /takes no value/],
      [[...URL_FLAG, "--token", "T", "--pause-at-cap"], "--pause-at-cap", /needs --cap/],
      [
        [...URL_FLAG, "--token", "T", "--sink", "s3://x"],
        "--sink",
        /must be file:PATH, redis:\/\//,
      ],
      [
        [...URL_FLAG, "--token", "T", "--health-port", "70000"],
        "--health-port",
        /integer from 0 to 65535/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--stall-timeout", "soon"],
        "--stall-timeout",
        /250ms, 5s, 2m/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--backoff-network-step", "0"],
        "--backoff-network-step",
        /duration/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--backoff-network-max", "1x"],
        "--backoff-network-max",
        /duration/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--backoff-http-initial", "x"],
        "--backoff-http-initial",
        /duration/,
      ],
      [[...URL_FLAG, "--token", "T", "--backoff-http-max", "x"], "--backoff-http-max", /duration/],
      [
        [...URL_FLAG, "--token", "T", "--backoff-429-initial", "x"],
        "--backoff-429-initial",
        /duration/,
      ],
      [[...URL_FLAG, "--token", "T", "--backoff-429-max", "x"], "--backoff-429-max", /duration/],
      [
        [...URL_FLAG, "--token", "T", "--backoff-http-initial", "20s", "--backoff-http-max", "10s"],
        "--backoff-http-initial",
        /must not exceed --backoff-http-max \(10s\): got 20s > 10s/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--backoff-429-max", "10s"],
        "--backoff-429-max",
        /must not exceed --backoff-429-max \(10s\): got 60s > 10s/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--connect-budget", "lots"],
        "--connect-budget",
        /N\/DURATION \(50\/15m\) or off/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--backfill", "10"],
        "--backfill",
        /auto, off, or minutes from 1 to 5/,
      ],
      [[...URL_FLAG, "--token", "T", "--recovery", "sometimes"], "--recovery", /must be on or off/],
      [[...URL_FLAG, "--token", "T", "--connections", "0"], "--connections", /integer from 1 to 8/],
      [
        [...URL_FLAG, "--token", "T", "--partitions", "0-3"],
        "--partitions",
        /partitions from 1 to 20/,
      ],
      [[...URL_FLAG, "--token", "T", "--param", "novalue"], "--param", /must be KEY=VALUE/],
      [[...URL_FLAG, "--token", "T", "--queue-max", "-5"], "--queue-max", /an integer >= 1/],
      [[...URL_FLAG, "--token", "T", "--queue-max-bytes", "lots"], "--queue-max-bytes", /a size/],
      [
        ["--url", PT_URL, "--basic", "a:b", "--end-stale-connections"],
        "--end-stale-connections",
        /needs a v2 stream read with a bearer token \(X's connections API, \/2\/connections\): got a PowerTrack URL/,
      ],
      [
        [...URL_FLAG, "--basic", "a:b", "--end-stale-connections"],
        "--end-stale-connections",
        /got no bearer token/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--rotate-every", "1h"],
        "--rotate-every",
        /applies to file sinks \(--out FILE or --sink file:PATH\), and none was given/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--sink", "redis://h:6379/s", "--fsync-every", "1s"],
        "--fsync-every",
        /applies to file sinks/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--out", "f", "--rotate-size", "1TB"],
        "--rotate-size",
        /size/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--out", "f", "--rotate-every", "soon"],
        "--rotate-every",
        /duration/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--out", "f", "--redis-maxlen", "10"],
        "--redis-maxlen",
        /applies to Redis sinks \(--sink redis:\/\/HOST:PORT\/STREAM\), and none was given/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--sink", "redis://h:6379/s", "--redis-maxlen", "0"],
        "--redis-maxlen",
        /an integer >= 1/,
      ],
      [
        [...URL_FLAG, "--token", "T", "--queue-policy", "lifo"],
        "--queue-policy",
        /must be one of block, drop-oldest, drop-newest: got "lifo"/,
      ],
      [[...URL_FLAG, "--token", "T", "--dedup-window", "forever"], "--dedup-window", /duration/],
      [[...URL_FLAG, "--token", "T", "--dedup-max", "0"], "--dedup-max", /an integer >= 1/],
      [[...URL_FLAG, "--token", "T", "--cap", "lots"], "--cap", /N\/daily or N\/monthly/],
      [
        [...URL_FLAG, "--token", "T", "--webhook", "ftp://x"],
        "--webhook",
        /absolute http or https URL/,
      ],
      [[...URL_FLAG, "--token", "T", "--lag-alert", "x"], "--lag-alert", /duration/],
      [
        [...URL_FLAG, "--token", "T", "--log-format", "xml"],
        "--log-format",
        /one of text, json: got "xml"/,
      ],
    ];
    for (const [argv, flag, message] of cases) {
      assertUsage(() => parseStreamArgs(argv, {}), flag, message);
    }
  });

  it("never echoes a credential in a message", () => {
    assert.throws(
      () => parseStreamArgs(["--url", "https://api.x.com/x", "--basic", "secret-no-colon"]),
      (error: Error) => !error.message.includes("secret-no-colon"),
    );
  });
});

describe("the other commands' arguments", () => {
  it("simulate reads port, host, scenario, seed, rate and server limits", () => {
    const config = parseSimulateArgs([
      "--port=8080",
      "--host",
      "0.0.0.0",
      "--scenario",
      "chaos",
      "--seed",
      "7",
      "--rate",
      "2.5",
      "--heartbeat-interval",
      "2s",
      "--max-connections",
      "2",
      "--buffer-posts",
      "100",
      "--token",
      "a",
      "--token",
      "b",
      "--basic",
      "u:p",
    ]);
    assert.equal(config.port, 8080);
    assert.equal(config.host, "0.0.0.0");
    assert.equal(config.scenario, "chaos");
    assert.deepEqual(config.options, {
      seed: 7,
      postsPerSecond: 2.5,
      heartbeatIntervalMs: 2_000,
      maxConnections: 2,
      serverBufferPosts: 100,
      bearerTokens: ["a", "b"],
      basicCredentials: [{ username: "u", password: "p" }],
    });
    assertUsage(() => parseSimulateArgs(["--port", "x"]), "--port", /integer from 0 to 65535/);
    assertUsage(() => parseSimulateArgs(["--rate", "-1"]), "--rate", /a number >= 0/);
    assertUsage(() => parseSimulateArgs(["--seed", "1.5"]), "--seed", /an integer >= 0/);
  });

  it("demo defaults to chaos, seed 7, 50 posts/s, a free health port, until Ctrl-C", () => {
    const config = parseDemoArgs([]);
    assert.equal(config.durationMs, undefined);
    assert.equal(config.scenario, "chaos");
    assert.equal(config.seed, 7);
    assert.equal(config.postsPerSecond, 50);
    assert.equal(config.healthPort, 0);
    assert.equal(config.connections, 1);
    assert.equal(config.statusIntervalMs, 5_000);
    assert.equal(config.speed, 6);
    assertUsage(() => parseDemoArgs(["--speed", "0"]), "--speed", /integer from 1 to 100/);
    assert.equal(parseDemoArgs(["--duration", "2m"]).durationMs, 120_000);
    assertUsage(() => parseDemoArgs(["--duration", "later"]), "--duration", /250ms, 5s, 2m/);
    assertUsage(() => parseDemoArgs(["--connections", "3"]), "--connections", /from 1 to 2/);
  });

  it("rules needs an action, its arguments and a token", () => {
    const env = { X_BEARER_TOKEN: "t" };
    const config = parseRulesArgs(["add", "cats", "dogs", "--tag", "pets", "--dry-run"], env);
    assert.equal(config.action, "add");
    assert.deepEqual(config.args, ["cats", "dogs"]);
    assert.equal(config.tag, "pets");
    assert.equal(config.dryRun, true);
    assert.equal(config.baseUrl.href, "https://api.x.com/");
    assertUsage(
      () => parseRulesArgs([], env),
      undefined,
      /needs an action: list, add, delete, sync/,
    );
    assertUsage(
      () => parseRulesArgs(["purge"], env),
      "rules ACTION",
      /one of list, add, delete, sync/,
    );
    assertUsage(() => parseRulesArgs(["sync"], env), "rules sync", /takes one FILE: got 0/);
    assertUsage(() => parseRulesArgs(["list", "x"], env), "rules list", /takes no arguments/);
    assertUsage(() => parseRulesArgs(["delete"], env), "rules delete", /one or more rule ids/);
    assertUsage(() => parseRulesArgs(["list", "--tag", "x"], env), "--tag", /rules add` only/);
    assertUsage(() => parseRulesArgs(["list"], {}), "--token", /X_BEARER_TOKEN/);
    assertUsage(() => parseRulesArgs(["list", "--url", "nope"], env), "--url", /absolute/);
  });
});

describe("speedUp", () => {
  it("divides the chaos scenario's fault times by the factor and keeps it valid", () => {
    const chaos = namedScenario("chaos", 7);
    const fast = speedUp(chaos, 6);
    assert.equal(fast.steps.length, chaos.steps.length);
    fast.steps.forEach((step, i) => {
      assert.equal(step.atMs, Math.round(chaos.steps[i].atMs / 6));
      assert.equal(step.fault, chaos.steps[i].fault);
    });
    assert.equal(fast.repeatEveryMs, 100_000);
    assert.doesNotThrow(() => validateScenario(fast));
    assert.equal(speedUp(chaos, 1), chaos);
  });
});

describe("the demo's loss count", () => {
  it("counts holes before the newest post written as lost, and later posts as not yet delivered", () => {
    const published = [10, 20, 30, 40, 50, 60].map((atMs, i) => ({ id: String(i + 1), atMs }));
    // Posts 2 and 4 never written (holes); 6 published after the newest written (5); 1 before connecting.
    assert.deepEqual(countLoss(published, new Set(["3", "5"]), 15), { lost: 2, undelivered: 1 });
    assert.deepEqual(countLoss(published, new Set(published.map((p) => p.id)), 0), {
      lost: 0,
      undelivered: 0,
    });
    assert.deepEqual(countLoss(published, new Set(), undefined), { lost: 0, undelivered: 6 });
  });
});

describe("help", () => {
  const commands: CommandSpec[] = [STREAM_COMMAND, SIMULATE_COMMAND, DEMO_COMMAND, RULES_COMMAND];
  for (const command of commands) {
    it(`\`holdfast ${command.name} --help\` lists every flag with its default`, () => {
      const text = renderHelp(command);
      assert.ok(text.startsWith(`Usage: ${command.usage}\n`));
      for (const flag of command.flags) {
        const line = text.split("\n").findIndex((l) =>
          l.trimStart().startsWith(`--${flag.name} `) || l.trim() === `--${flag.name}`
        );
        assert.ok(line >= 0, `--${flag.name} missing`);
        const row = text.split("\n").slice(line, line + 2).join(" ");
        assert.match(row, /\((?:[^)]*; )?(default: [^)]+|required)\)?/, `--${flag.name}: ${row}`);
      }
    });
  }
});

describe("rules sync planning", () => {
  it("deletes what the file lacks, adds what the server lacks, and re-adds a changed tag", () => {
    const plan = planRulesSync(
      [
        { id: "1", value: "cats", tag: "pets" },
        { id: "2", value: "dogs" },
        { id: "3", value: "birds", tag: "old" },
      ],
      [{ value: "cats", tag: "pets" }, { value: "birds", tag: "new" }, { value: "fish" }],
    );
    assert.deepEqual(plan.keep.map((r) => r.id), ["1"]);
    assert.deepEqual(plan.remove.map((r) => r.id), ["2", "3"]);
    assert.deepEqual(plan.add, [{ value: "birds", tag: "new" }, { value: "fish" }]);
  });

  it("refuses a rules file that is not an array of {value, tag?}", () => {
    const cases: [string, RegExp][] = [
      ["{", /not JSON/],
      ['{"value":"x"}', /the top level is not an array/],
      ['[{"tag":"x"}]', /\[0\]\.value must be a non-empty string/],
      ['[{"value":"x","tag":3}]', /\[0\]\.tag must be a string/],
      ['[{"value":"x","id":"1"}]', /unknown field id/],
      ['[{"value":"x"},{"value":"x"}]', /\[1\]\.value repeats "x"/],
    ];
    for (const [text, message] of cases) {
      assertUsage(() => parseRulesFile(text, "r.json"), "rules sync r.json", message);
    }
  });

  it("puts X's errors into one line each", () => {
    assert.deepEqual(
      describeXErrors(200, {
        errors: [
          { value: "cats", id: "12", title: "DuplicateRule", type: "about:blank" },
          { value: "(x", title: "UnprocessableEntity", details: ["unbalanced parentheses"] },
        ],
      }),
      [
        'DuplicateRule: "cats" (existing id 12)',
        'UnprocessableEntity: "(x" - unbalanced parentheses',
      ],
    );
    assert.deepEqual(describeXErrors(401, { title: "Unauthorized", detail: "Unauthorized" }), [
      "HTTP 401 Unauthorized: Unauthorized",
    ]);
    assert.deepEqual(describeXErrors(200, { data: [] }), []);
  });
});

describe("event log and status line", () => {
  it("logs lifecycle events as text or JSON, skips heartbeats, and drops credentials", () => {
    const event = {
      type: "disconnected",
      atMs: Date.UTC(2025, 0, 1),
      connectionId: 0,
      established: false,
      cause: {
        kind: "http",
        status: 503,
        headers: new Headers({ authorization: "Bearer s3cret", "x-rate-limit-remaining": "4" }),
        body: undefined,
        connectionIssue: undefined,
      },
    } as const;
    assert.equal(
      formatEvent(event, "text"),
      "2025-01-01T00:00:00.000Z disconnected conn=0 by HTTP 503 (never established)\n",
    );
    const json = formatEvent(event, "json")!;
    assert.ok(!json.includes("s3cret"));
    assert.deepEqual(JSON.parse(json).cause.headers, { "x-rate-limit-remaining": "4" });
    assert.equal(JSON.parse(json).event, "disconnected");
    assert.equal(formatEvent({ type: "heartbeat", atMs: 0, connectionId: 0 }, "json"), undefined);
  });

  it("the demo's status line shows state, rate, reconnects by class, backfilled and duplicates", () => {
    const byClass = { immediate: 2, network: 1, http: 1, "rate-limit": 0, budget: 0 };
    const status = {
      connections: [{ state: "connected", attemptsByClass: byClass }, {
        state: "waiting",
        attemptsByClass: byClass,
      }],
      written: 900,
      backfilled: 40,
      recovered: 5,
      dedup: { duplicates: 38 },
    } as unknown as CollectorStatus;
    assert.equal(
      formatStatusLine(status, 50),
      "connected 1/2 | 50.0 posts/s | written 900 | reconnects: immediate 4, network 2, http 2, " +
        "rate-limit 0, budget 0 | backfilled 40 | recovered 5 | duplicates dropped 38",
    );
  });
});
