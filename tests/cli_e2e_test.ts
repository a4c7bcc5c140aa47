/**
 * End-to-end: the `holdfast` CLI as a child process on this test's runtime, against the simulator
 * served from the test process over a real loopback socket.
 */
import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { appendFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type CliProcess,
  pollUntil,
  runCli,
  RUNTIME,
  type ServedSimulator,
  serveSimulator,
  startCli,
} from "./helpers/cli_process.ts";

const SLOW = { timeout: 30_000 };

interface LoggedEvent {
  readonly time: string;
  readonly event: string;
  readonly [key: string]: unknown;
}

function events(cli: CliProcess): LoggedEvent[] {
  return cli.stderr().split("\n").filter((line) => line.startsWith("{")).map((line) =>
    JSON.parse(line) as LoggedEvent
  );
}

async function postFault(served: ServedSimulator, fault: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${served.url}/_sim/fault`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(fault),
  });
  assert.equal(res.status, 200, await res.text());
}

describe(`holdfast stream on ${RUNTIME} against the simulator over loopback`, () => {
  let served: ServedSimulator;
  let cli: CliProcess;
  let dir: string;
  let out: string;
  let stallFaultAtMs = 0;

  const accepted = () => served.sim.attempts().filter((a) => a.status === 200);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "holdfast-cli-e2e-"));
    out = join(dir, "posts.ndjson");
    served = await serveSimulator({ seed: 3, postsPerSecond: 40, complianceEventsPerSecond: 0 });
    cli = startCli([
      "stream",
      "--url",
      `${served.url}/2/tweets/sample/stream`,
      "--out",
      out,
      "--health-port",
      "0",
      "--stall-timeout",
      "1500ms",
      "--backoff-network-step",
      "50ms",
      "--backoff-http-initial",
      "400ms",
      "--backoff-http-max",
      "1s",
      "--backoff-429-initial",
      "300ms",
      "--backoff-429-max",
      "1s",
      "--log-format",
      "json",
    ], { X_BEARER_TOKEN: "e2e-token", X_BASIC_AUTH: undefined });
  });

  after(async () => {
    cli.signal("SIGKILL");
    await cli.exited;
    await served.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("connects, and its health server answers /healthz and /readyz", SLOW, async () => {
    await cli.waitFor(/"event":"connected"/);
    // Established: posts have reached the file (the sink flushes every second).
    await pollUntil("posts in the file", async () => {
      const content = await readFile(out, "utf8").catch(() => "");
      return content.length > 0;
    });
    const health = events(cli).find((e) => e.event === "health");
    assert.ok(health, "no health event on stderr");
    const res = await fetch(`${health.url}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "pass" });
    const ready = await pollUntil("/readyz 200", async () => {
      const r = await fetch(`${health.url}/readyz`);
      const body = await r.json();
      return r.status === 200 ? body : undefined;
    });
    assert.equal(ready.status, "pass");
    const status = await fetch(`${health.url}/status`);
    assert.equal(status.status, 200);
    assert.equal(typeof (await status.json()), "object");
    const metrics = await fetch(`${health.url}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^holdfast_/m);
  });

  it("reconnects at once after an operational disconnect", SLOW, async () => {
    const before = accepted().length;
    const faultAtMs = Date.now();
    await postFault(served, { kind: "operational-disconnect" });
    const next = await pollUntil("a new accepted connection", () => accepted()[before]);
    assert.ok(next.atMs - faultAtMs < 1_500, `reconnected after ${next.atMs - faultAtMs} ms`);
    const retry = events(cli).filter((e) => e.event === "retry-scheduled").at(-1);
    assert.equal(retry?.backoffClass, "immediate");
    assert.equal(retry?.delayMs, 0);
  });

  it("waits on the HTTP backoff after a 503", SLOW, async () => {
    const before = accepted().length;
    await postFault(served, { kind: "http-status", status: 503, count: 1 });
    await postFault(served, { kind: "operational-disconnect" });
    const next = await pollUntil("a connection after the 503", () => accepted()[before], 8_000);
    const refused = served.sim.attempts().find((a) => a.status === 503);
    assert.ok(refused, "the simulator answered no 503");
    assert.ok(next.atMs - refused.atMs >= 390, `waited only ${next.atMs - refused.atMs} ms`);
    const retry = events(cli).filter((e) => e.event === "retry-scheduled").at(-1);
    assert.equal(retry?.backoffClass, "http");
    assert.equal(retry?.delayMs, 400);
  });

  it(
    "writes every post byte-exact as sent, once, and loses none across the reconnects",
    SLOW,
    async () => {
      const sinceMs = accepted()[0].atMs + 200;
      // The posts published while connected (and across the reconnects above), older than 500 ms.
      const wanted = await pollUntil("40 posts published", () => {
        const posts = served.sim.posts({ sinceMs, untilMs: Date.now() - 500 });
        return posts.length >= 40 ? posts : undefined;
      });
      const text = await pollUntil("every post in the file", async () => {
        const content = await readFile(out, "utf8");
        return wanted.every((post) => content.includes(`"id":"${post.id}"`)) ? content : undefined;
      }, 5_000);
      const lines = text.split("\n");
      assert.equal(lines.pop(), "", "the file does not end with a newline");
      const sent = new Set(served.sentLines());
      for (const line of lines) {
        assert.ok(
          sent.has(line),
          `not sent byte for byte: ${line.slice(0, 80)}`,
        );
      }
      assert.equal(new Set(lines).size, lines.length, "a post was written twice");
    },
  );

  it("replaces a stalled connection after the stall timeout", SLOW, async () => {
    const before = served.sim.attempts().length;
    stallFaultAtMs = Date.now();
    await postFault(served, { kind: "stall" });
    const stall = await pollUntil(
      "a stall event",
      () => events(cli).find((e) => e.event === "stall"),
      6_000,
    );
    assert.ok((stall.silentMs as number) >= 1_500);
    const next = await pollUntil("an attempt after the stall", () => served.sim.attempts()[before]);
    assert.ok(
      next.atMs - stallFaultAtMs >= 1_400,
      `reconnected after ${next.atMs - stallFaultAtMs} ms`,
    );
  });

  it("on SIGTERM closes the connection, leaves a complete file and exits 0", SLOW, async () => {
    cli.signal("SIGTERM");
    const started = Date.now();
    const code = await Promise.race([
      cli.exited,
      new Promise((resolve) => setTimeout(() => resolve("still running"), 3_000)),
    ]);
    assert.equal(code, 0, cli.stderr());
    assert.ok(Date.now() - started < 3_000);
    const bytes = await readFile(out);
    assert.equal(bytes.at(-1), 0x0a);
    const connections = await pollUntil("no open connection", async () => {
      const list = await (await fetch(`${served.url}/_sim/connections`)).json();
      return Array.isArray(list) && list.length === 0 ? list : undefined;
    }, 3_000);
    assert.deepEqual(connections, []);
  });
});

describe(`holdfast stream on ${RUNTIME} killed and restarted from its state file`, () => {
  it(
    "after SIGKILL mid-stream and a restart, the file holds every post once and whole lines",
    SLOW,
    async () => {
      const served = await serveSimulator({
        seed: 21,
        postsPerSecond: 40,
        complianceEventsPerSecond: 0,
      });
      const dir = await mkdtemp(join(tmpdir(), "holdfast-cli-kill-"));
      const out = join(dir, "posts.ndjson");
      const state = join(dir, "state.json");
      const args = [
        "stream",
        "--url",
        `${served.url}/2/tweets/sample/stream`,
        "--out",
        out,
        "--state",
        state,
        "--log-format",
        "json",
      ];
      const env = { X_BEARER_TOKEN: "e2e-token", X_BASIC_AUTH: undefined };
      const accepted = () => served.sim.attempts().filter((a) => a.status === 200);
      let first: CliProcess | undefined;
      let second: CliProcess | undefined;
      try {
        first = startCli(args, env);
        await first.waitFor(/"event":"connected"/);
        const sinceMs = accepted()[0].atMs + 200;
        // Posts in the file and a watermark saved after them: the process is mid-stream.
        await pollUntil("posts in the file and a saved watermark", async () => {
          const text = await readFile(out, "utf8").catch(() => "");
          const saved = await readFile(state, "utf8").catch(() => "");
          return text.split("\n").length > 40 && saved.length > 0;
        });
        first.signal("SIGKILL");
        assert.equal(await first.exited, "SIGKILL");
        // A kill in the middle of a write leaves the start of a line: the restart repairs it.
        const torn = served.sentLines().find((line) => line.startsWith('{"data"'))!.slice(0, 30);
        await appendFile(out, torn);

        second = startCli(args, env);
        await second.waitFor(/"event":"connected"/);
        const repaired = events(second).find((e) => e.event === "file-repaired");
        assert.equal(repaired?.bytes, torn.length, second.stderr());
        const restart = accepted().at(-1)!;
        assert.ok(Number(restart.query.backfill_minutes) >= 1, "the restart backfilled");
        // Every post published up to a second after the restart, from the start of the first run.
        await pollUntil("a second after the restart", () => Date.now() > restart.atMs + 1_100);
        const wanted = served.sim.posts({ sinceMs, untilMs: restart.atMs + 1_000 });
        await pollUntil("the restart to catch up", async () => {
          const content = await readFile(out, "utf8");
          return wanted.every((post) => content.includes(`"id":"${post.id}"`));
        }, 8_000);
        second.signal("SIGTERM");
        assert.equal(await second.exited, 0, second.stderr());

        const text = await readFile(out, "utf8");
        assert.ok(text.endsWith("\n"), "the file does not end with a newline");
        const lines = text.slice(0, -1).split("\n");
        const sent = new Set(served.sentLines());
        const ids = lines.map((line) => {
          assert.ok(sent.has(line), `not a line sent: ${line.slice(0, 80)}`);
          return (JSON.parse(line) as { data: { id: string } }).data.id;
        });
        const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
        assert.deepEqual(twice, [], `${twice.length} posts written twice`);
        const missing = wanted.filter((post) => !ids.includes(post.id));
        assert.deepEqual(missing, [], `${missing.length} of ${wanted.length} posts missing`);
        assert.ok(wanted.length > 40, `${wanted.length} posts published`);
      } finally {
        first?.signal("SIGKILL");
        second?.signal("SIGKILL");
        await Promise.all([first?.exited, second?.exited]);
        await served.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});

describe(`holdfast command line on ${RUNTIME}`, () => {
  it("bad flags exit 2 with a message naming the flag and what it accepts", SLOW, async () => {
    const url = "http://127.0.0.1:9/2/tweets/sample/stream";
    const cases: [string[], RegExp][] = [
      [
        ["stream", "--url", url, "--token", "t", "--stall-timeout", "5x"],
        /--stall-timeout .*250ms, 5s, 2m/,
      ],
      [
        ["stream", "--url", url, "--token", "t", "--bogus"],
        /--bogus is not a flag of `holdfast stream`/,
      ],
      [
        ["rules", "sync", "--url", "http://127.0.0.1:9", "--token", "t"],
        /rules sync takes one FILE/,
      ],
    ];
    const results = await Promise.all(
      cases.map(([args]) => runCli(args, { X_BEARER_TOKEN: undefined })),
    );
    results.forEach((result, i) => {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, cases[i][1]);
    });
  });

  it(
    "--version prints the version and `stream --help` lists every flag with its default",
    SLOW,
    async () => {
      const [version, help] = await Promise.all([
        runCli(["--version"]),
        runCli(["stream", "--help"]),
      ]);
      assert.equal(version.code, 0);
      assert.match(version.stdout, /^holdfast \d+\.\d+\.\d+/);
      assert.equal(help.code, 0);
      for (
        const flag of ["--url", "--stall-timeout", "--backoff-429-max", "--sink", "--partitions"]
      ) {
        assert.match(help.stdout, new RegExp(`${flag} `));
      }
      assert.match(
        help.stdout,
        /--backoff-http-initial DURATION\s+HTTP errors: first wait, doubling \(default: 5s\)/,
      );
    },
  );

  it(
    "`simulate` prints its URL, serves X's routes, and stops on SIGINT with its judgement",
    SLOW,
    async () => {
      const cli = startCli(["simulate", "--port", "0", "--scenario", "steady", "--seed", "5"]);
      try {
        const [url] = await cli.waitFor(/^http:\/\/127\.0\.0\.1:\d+$/m, 10_000, "stdout");
        const unauthorized = await fetch(`${url}/2/tweets/sample/stream`, {
          headers: { "user-agent": "holdfast-e2e/1.0.0" },
        });
        assert.equal(unauthorized.status, 401);
        await unauthorized.body?.cancel();
        const report = await (await fetch(`${url}/_sim/report`)).json();
        assert.equal(report.seed, 5);
        assert.equal(report.scenario, "steady");
        cli.signal("SIGINT");
        assert.equal(await cli.exited, 0, cli.stderr());
        assert.match(cli.stderr(), /stopping on SIGINT/);
        assert.match(cli.stderr(), /judgement: pass/);
      } finally {
        cli.signal("SIGKILL");
      }
    },
  );

  it(
    "`demo --duration` runs the collector against the simulator and ends with a summary",
    SLOW,
    async () => {
      const dir = await mkdtemp(join(tmpdir(), "holdfast-cli-demo-"));
      try {
        const out = join(dir, "demo.ndjson");
        const demo = await runCli(["demo", "--duration", "2500ms", "--out", out, "--rate", "40"]);
        assert.equal(demo.code, 0, demo.stderr);
        assert.ok(demo.stdout.includes(`posts file:  ${out}`), demo.stdout);
        assert.match(demo.stdout, /health: +http:\/\/127\.0\.0\.1:\d+\/readyz/);
        assert.match(demo.stdout, /lost: +0 /);
        assert.match(demo.stdout, /judgement: pass/);
        const written = Number(/posts written to .*: (\d+)/.exec(demo.stdout)?.[1]);
        const text = await readFile(out, "utf8");
        assert.ok(written > 0 && text.endsWith("\n"), demo.stdout);
        assert.equal(text.split("\n").length - 1, written);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it(
    "`rules sync --dry-run` changes nothing and `rules sync` makes the rules equal the file",
    SLOW,
    async () => {
      const served = await serveSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
      const dir = await mkdtemp(join(tmpdir(), "holdfast-cli-rules-"));
      try {
        const seed = await fetch(`${served.url}/2/tweets/search/stream/rules`, {
          method: "POST",
          headers: { authorization: "Bearer t", "content-type": "application/json" },
          body: JSON.stringify({ add: [{ value: "old rule" }, { value: "cats", tag: "pets" }] }),
        });
        assert.equal(seed.status, 201);
        const file = join(dir, "rules.json");
        const wanted = [{ value: "cats", tag: "pets" }, { value: "dogs has:media", tag: "dogs" }];
        await writeFile(file, JSON.stringify(wanted));
        const base = ["rules", "sync", file, "--url", served.url];
        const rulesNow = () =>
          served.sim.rules().map((r) => ({ value: r.value, tag: r.tag })).sort((a, b) =>
            a.value.localeCompare(b.value)
          );
        const beforeSync = rulesNow();

        const dry = await runCli([...base, "--dry-run"], { X_BEARER_TOKEN: "t" });
        assert.equal(dry.code, 0, dry.stderr);
        assert.match(dry.stdout, /- delete \d+ {2}"old rule"/);
        assert.match(dry.stdout, /\+ add {4}"dogs has:media" {2}tag=dogs/);
        assert.deepEqual(rulesNow(), beforeSync);

        const real = await runCli(base, { X_BEARER_TOKEN: "t" });
        assert.equal(real.code, 0, real.stderr);
        assert.deepEqual(rulesNow(), wanted);
      } finally {
        await served.close();
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
