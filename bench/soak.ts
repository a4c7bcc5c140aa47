/**
 * Soak benchmark (issue 4). Not a test: a measurement. The simulator's `chaos` scenario publishes
 * 2,000 posts/s for 10 minutes over a real loopback socket; a collector with two redundant
 * connections and a file sink runs in a CHILD process on the same runtime, so the RSS and CPU
 * reported are the client's alone. At the end the file's post ids are compared with the ids the
 * simulator published.
 *
 *   node --import tsx bench/soak.ts [--minutes=10]     (or: deno run -A bench/soak.ts, bun bench/soak.ts)
 *   bash bench/soak.sh --minutes=1                      (the three runtimes one after the other)
 *
 * Options: `--minutes=10` publishing window, `--rate=2000` posts/s, `--seed=7` (chaos faults and
 * posts), `--connections=2`, `--sample-seconds=1` RSS/CPU sampling (each second: the peak after
 * a burst lasts a few seconds, and 10-second samples caught it or not by chance),
 * `--warmup-minutes=` (default 4, or 40% of the window when shorter), `--live-seconds=30` (memory
 * held after a full collection, sampled this often after warm-up), `--drain-seconds=240` longest
 * wait after the window for the collector to catch up (a stall found late, a Recovery),
 * `--out=bench/results`,
 * `--keep-file` (keep the NDJSON file), `--heap-snapshots=DIR` (the child writes a V8 heap snapshot
 * after each full collection, at warm-up and at the end, for `bench/heap_diff.ts`; Node and Deno),
 * `--events=FILE` (the child writes every collector event but `duplicate`,
 * one JSON line `{ "at": ISO time, "event": ... }` each, to FILE), `--memory-trace=FILE` (the
 * child writes `ms rssMB heapMB externalMB` every 250 ms to FILE), `--object-counts=FILE` (Bun:
 * the child appends its live objects by type after each held-memory sample), `--combine` (only
 * print the table of the saved results).
 *
 * Roles: the parent runs the simulator (`createSimulator({ scenario: "chaos" })` served with
 * `listen`), spawns `bench/soak.ts --child`, and talks to it over stdin (`sample`, `stop`) and
 * stdout (one JSON object per line: `ready`, `tick` each second, `sample`, `final`).
 *
 * @module
 */
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import v8 from "node:v8";
import { BenchOptions } from "./options.ts";
import { childCommand, runtime } from "./runtime.ts";

// ---- options ----------------------------------------------------------------------------------

const options = new BenchOptions("soak", process.argv.slice(2));

const SELF = fileURLToPath(import.meta.url);
const ROOT = join(SELF, "..", "..");
const MB = 1024 * 1024;

// ---- messages between the two processes -------------------------------------------------------

/** What the child reports about itself: its own RSS and CPU (via `node:process`). */
interface Sample {
  readonly type: "sample";
  /** Child clock, epoch ms. */
  readonly atMs: number;
  readonly rss: number;
  readonly heapUsed: number;
  /** Memory of ArrayBuffers and other objects outside the JS heap (fetch bodies, chunks). */
  readonly external: number;
  /** `process.cpuUsage()`, µs since the child started. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  readonly written: number;
}

/** A sample taken right after a full garbage collection: the memory the collector still holds. */
interface Live extends Omit<Sample, "type"> {
  readonly type: "live";
  /** Whether a full collection could be forced (`--expose-gc` on Node and Deno, `Bun.gc`). */
  readonly collected: boolean;
}

interface Tick {
  readonly type: "tick";
  readonly atMs: number;
  readonly written: number;
  readonly duplicates: number;
  readonly queueDepth: number;
  readonly recoveriesActive: number;
}

interface Final {
  readonly type: "final";
  readonly status: Record<string, unknown>;
  readonly events: Record<string, number>;
  readonly sample: Sample;
}

type ChildMessage = { type: "ready" } | Tick | Sample | Live | Final | {
  type: "error";
  message: string;
};

// ---- child: the collector ---------------------------------------------------------------------

async function child(): Promise<void> {
  const url = options.string("url", "");
  const file = options.string("file", "");
  const connections = options.number("connections", 2);
  const sampleMs = options.number("sample-seconds", 1) * 1000;
  const out = (message: ChildMessage): void => {
    process.stdout.write(`${JSON.stringify(message)}\n`);
  };
  // Imported here: the parent never needs them, and a missing collector fails only the child.
  const { createCollector } = await import("../src/collector/create_collector.ts");
  const { FileSink } = await import("../src/sinks/file_sink.ts");
  const sink = await FileSink.open({ path: file });
  const events: Record<string, number> = {};
  const eventsFile = options.string("events", "");
  const eventLog = eventsFile === "" ? undefined : createWriteStream(eventsFile, { flags: "w" });
  const collector = createCollector({
    url,
    auth: { bearer: "soak-benchmark" },
    connections,
    sinks: [sink],
    onEvent(event) {
      const key = event.type === "disconnected" && "cause" in event
        ? `disconnected:${(event as { cause: { kind: string } }).cause.kind}`
        : event.type;
      events[key] = (events[key] ?? 0) + 1;
      // Every event but `duplicate` (one per post of the redundant connection: only counted).
      if (event.type !== "duplicate") {
        eventLog?.write(`${JSON.stringify({ at: new Date().toISOString(), event }, eventJson)}\n`);
      }
    },
  });
  const sample = (): Sample => {
    const { rss, heapUsed, external } = process.memoryUsage();
    const cpu = process.cpuUsage();
    return {
      type: "sample",
      atMs: Date.now(),
      rss,
      heapUsed,
      external,
      cpuUserUs: cpu.user,
      cpuSystemUs: cpu.system,
      written: collector.status().written,
    };
  };
  const tick = (): Tick => {
    const status = collector.status();
    return {
      type: "tick",
      atMs: Date.now(),
      written: status.written,
      duplicates: status.dedup.duplicates,
      queueDepth: status.queue.depth,
      recoveriesActive: status.recoveries.queued + status.recoveries.running,
    };
  };
  const ticker = setInterval(() => out(tick()), 1000);
  const memoryTrace = traceMemory(options.string("memory-trace", ""));
  const sampler = setInterval(() => out(sample()), sampleMs);
  out({ type: "ready" });
  out(sample());
  const snapshots = options.string("heap-snapshots", "");
  const objectCounts = options.string("object-counts", "");
  let snapshotCount = 0;
  let stopping = false;
  const lines = createInterface({ input: process.stdin });
  lines.on("line", (line) => {
    const command = line.trim();
    if (command === "sample") out(sample());
    if (command === "live" || command === "live snapshot") {
      // Twice, a second apart: V8 frees dead ArrayBuffers' memory (external) in the background
      // after a collection, so one collection alone can still count them.
      collectGarbage();
      setTimeout(() => {
        const collected = collectGarbage();
        const live: Live = { ...sample(), type: "live", collected };
        if (snapshots !== "" && command === "live snapshot") {
          writeSnapshot(snapshots, ++snapshotCount);
        }
        countObjects(objectCounts, live.atMs).catch((error: unknown) => {
          process.stderr.write(`object counts: ${String(error)}\n`);
        });
        out(live);
      }, 1000);
    }
    if (command !== "stop" || stopping) return;
    stopping = true;
    clearInterval(ticker);
    clearInterval(sampler);
    memoryTrace();
    void (async () => {
      const last = sample();
      await collector.close();
      if (eventLog !== undefined) await new Promise<void>((resolve) => eventLog.end(resolve));
      out({
        type: "final",
        status: collector.status() as unknown as Record<string, unknown>,
        events,
        sample: last,
      });
      lines.close();
      process.stdin.pause();
      process.exit(0);
    })().catch((error: unknown) => {
      out({
        type: "error",
        message: error instanceof Error ? error.stack ?? error.message : String(error),
      });
      process.exit(1);
    });
  });
}

/**
 * Investigation aid: every 250 ms, one line `ms rssMB heapMB externalMB` to FILE (nothing when
 * FILE is ""). Shows the sawtooth that 10-second samples alias: memory in flight, garbage not yet
 * collected, and when the collections come. Returns the function that stops it.
 */
function traceMemory(file: string): () => void {
  if (file === "") return () => {};
  const stream = createWriteStream(file, { flags: "w" });
  const t0 = Date.now();
  const mb = (n: number): string => (n / MB).toFixed(1);
  const timer = setInterval(() => {
    const { rss, heapUsed, external } = process.memoryUsage();
    stream.write(`${Date.now() - t0} ${mb(rss)} ${mb(heapUsed)} ${mb(external)}\n`);
  }, 250);
  return () => {
    clearInterval(timer);
    stream.end();
  };
}

/**
 * Investigation aid (Bun, whose heap snapshots `heap_diff.ts` cannot read): appends to FILE one
 * JSON line `{ "atMs", "heapSize", "heapCapacity", "extraMemorySize", "objectCount", "counts" }`
 * with JavaScriptCore's heap (`bun:jsc` `heapStats()`: its size, capacity, the memory outside
 * cells that objects report to it, and its live objects, by type in `counts`), after the
 * collections of a held-memory sample. Nothing when FILE is "" or the runtime is not Bun.
 */
async function countObjects(file: string, atMs: number): Promise<void> {
  if (file === "" || runtime().name !== "bun") return;
  // Built at run time: Node's and Deno's type checkers do not know the module.
  const jsc = await import(["bun", "jsc"].join(":")) as {
    heapStats(): {
      heapSize: number;
      heapCapacity: number;
      extraMemorySize: number;
      objectCount: number;
      objectTypeCounts: Record<string, number>;
    };
  };
  const { appendFile } = await import("node:fs/promises");
  const { heapSize, heapCapacity, extraMemorySize, objectCount, objectTypeCounts } = jsc
    .heapStats();
  const line = {
    atMs,
    heapSize,
    heapCapacity,
    extraMemorySize,
    objectCount,
    counts: objectTypeCounts,
  };
  await appendFile(file, `${JSON.stringify(line)}\n`);
}

/** Writes `DIR/<runtime>-<n>.heapsnapshot` (investigation aid; blocks the child while it writes). */
function writeSnapshot(dir: string, n: number): void {
  const path = join(dir, `${runtime().name}-${n}.heapsnapshot`);
  v8.writeHeapSnapshot(path);
}

/** Whether a run passed: nothing lost, extra or written twice, memory flat, and no error from the
 * simulator's judge of X's rules (results saved before the judge counted are judged here too). */
function passed(result: SoakResult): boolean {
  return result.pass && result.judge.errors === 0;
}

/** JSON.stringify replacer for events: errors as their message, bigints as strings. */
function eventJson(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (typeof value === "bigint") return value.toString();
  return value;
}

// ---- parent: simulator, child process, verdict -------------------------------------------------

/** Forces a full garbage collection where the runtime allows it; `false` where it does not. */
function collectGarbage(): boolean {
  const g = globalThis as unknown as { gc?: () => void; Bun?: { gc(force: boolean): void } };
  if (g.Bun !== undefined) g.Bun.gc(true);
  else if (g.gc !== undefined) g.gc();
  else return false;
  return true;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Growth from the first half of `values` to the last half (the middle one, for an odd count,
 * in the last), % : of their largest (`"max"`) or of their smallest (`"min"`). */
function halvesGrowth(
  values: readonly number[],
  of: "max" | "min" = "max",
): { first: number; last: number; growthPercent: number } {
  const pick = of === "max" ? (v: number[]) => Math.max(0, ...v) : (v: number[]) => Math.min(...v);
  const half = Math.floor(values.length / 2);
  const first = pick(values.slice(0, Math.max(1, half)));
  const last = pick(values.slice(half));
  const growthPercent = first > 0 && Number.isFinite(last) ? (last / first - 1) * 100 : 0;
  return { first, last, growthPercent };
}

/** Least-squares slope of `ys` over `xs`. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Ids of the file's posts, in file order (the `data.id` of each NDJSON line). Splits on bytes
 * itself: `node:readline` on Deno and Bun also breaks lines at characters a post may carry raw. */
async function idsInFile(path: string): Promise<{ ids: string[]; bad: number }> {
  const ids: string[] = [];
  const decoder = new TextDecoder();
  let bad = 0;
  const line = (bytes: Uint8Array): void => {
    if (bytes.length === 0) return;
    try {
      const id = (JSON.parse(decoder.decode(bytes)) as { data?: { id?: unknown } }).data?.id;
      if (typeof id === "string") ids.push(id);
      else bad++;
    } catch {
      bad++;
    }
  };
  let carry: Uint8Array = new Uint8Array(0);
  for await (const piece of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const chunk = piece as Uint8Array;
    let start = 0;
    let nl: number;
    while ((nl = chunk.indexOf(0x0a, start)) !== -1) {
      if (carry.length > 0) {
        const joined = new Uint8Array(carry.length + nl - start);
        joined.set(carry);
        joined.set(chunk.subarray(start, nl), carry.length);
        carry = new Uint8Array(0);
        line(joined);
      } else line(chunk.subarray(start, nl));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      const joined = new Uint8Array(carry.length + rest.length);
      joined.set(carry);
      joined.set(rest, carry.length);
      carry = joined;
    }
  }
  line(carry);
  return { ids, bad };
}

interface SoakResult {
  runtime: string;
  version: string;
  minutes: number;
  postsPerSecond: number;
  connections: number;
  seed: number;
  startedAt: string;
  windowSeconds: number;
  drainSeconds: number;
  published: number;
  /** Lines in the file (posts written by the sinks). */
  written: number;
  writtenUnique: number;
  /** Lines whose id the file already had (the collector should write none). */
  duplicatesInFile: number;
  /** The collector's de-duplication count (copies dropped before the sinks). */
  duplicatesDropped: number;
  lost: number;
  extra: number;
  unreadableLines: number;
  lostIdsSample: string[];
  rss: {
    warmupSeconds: number;
    atWarmupMB: number;
    peakMB: number;
    peakAfterWarmupMB: number;
    finalMB: number;
    /** Least-squares slope after warm-up. */
    slopeMBPerMin: number;
    /** Peak of the last half of the post-warm-up samples over the peak of the first half. */
    growthPercent: number;
    /** Right after a full garbage collection, at the end of warm-up and once the collector has
     * caught up after the window: JS heap + external (`held`) and RSS (absent from results saved
     * before it was measured). */
    live?: {
      collected: boolean;
      heldAtWarmupMB: number;
      heldAtEndMB: number;
      rssAtWarmupMB: number;
      rssAtEndMB: number;
      /** `held`'s two parts: JS heap used and external memory, MB. */
      heapAtWarmupMB?: number;
      heapAtEndMB?: number;
      externalAtWarmupMB?: number;
      externalAtEndMB?: number;
      /** `held` at each sample: warm-up, every `--live-seconds` after, the end. */
      heldMB?: number[];
      /** The most held in the first and in the last half of the samples in the window. */
      firstHalfMaxMB?: number;
      lastHalfMaxMB?: number;
      /** Last half's maximum over the first half's, %. */
      maxGrowthPercent?: number;
      /** The least held in the first and in the last half of the samples in the window (what
       * stays held whatever is in flight: a leak raises it). */
      firstHalfMinMB?: number;
      lastHalfMinMB?: number;
      /** Last half's least over the first half's, of `held`, % (older results: the maxima's, or
       * end over warm-up). */
      growthPercent: number;
    };
    /** With three chaos cycles or more in the window: the last full cycle against the second
     * (1-based numbers in `compared`), the judge of `flat` then. */
    cycles?: {
      cycleSeconds: number;
      compared: [number, number];
      rssPeakMB: [number, number];
      rssPeakGrowthPercent: number;
      leastHeldMB: [number, number];
      leastHeldGrowthPercent: number;
      /** Held at rest within 10% of the least held in the earlier cycle compared. */
      atRestOk: boolean;
    };
    flat: boolean;
    samples: { s: number; rssMB: number; heapMB: number; externalMB: number }[];
  };
  cpu: {
    /** Child CPU seconds (user + system) over the window, and as a share of one core. */
    childSeconds: number;
    childPercentOfCore: number;
    /** The parent (simulator + server), for scale. */
    parentSeconds: number;
    loadAverage: number[];
  };
  collector: Record<string, unknown>;
  events: Record<string, number>;
  judge: {
    verdict: string;
    errors: number;
    warnings: number;
    rules: Record<string, number>;
    /** The first findings, as the judge words them. */
    findings: { rule: string; severity: string; message: string }[];
  };
  pass: boolean;
}

async function parent(): Promise<void> {
  const rt = runtime();
  const minutes = options.number("minutes", 10);
  const rate = options.number("rate", 2000);
  const seed = options.number("seed", 7);
  const connections = options.number("connections", 2);
  const sampleSeconds = options.number("sample-seconds", 1);
  // Warm: the bounded structures are full and at their steady size. At 2,000 posts/s the
  // de-duplication window (200k ids) fills in 100 s and the margin memory (300k ids) in 150 s; the
  // window's Map takes its lasting, larger table once its ids were replaced, V8's at 150 s,
  // JavaScriptCore's at 200 s, every id replaced (+13.6 MB: bench/dedup_window_memory.ts). At 3
  // minutes, Bun's first held sample came before that, and every later one after it.
  const warmupMinutes = options.number("warmup-minutes", Math.min(4, minutes * 0.4));
  const liveSeconds = options.number("live-seconds", 30);
  const drainSeconds = options.number("drain-seconds", 240);
  const outDir = options.string("out", join(ROOT, "bench", "results"));
  const keepFile = options.flag("keep-file");
  const eventsFile = options.string("events", "");
  const log = (s: string): void => void process.stderr.write(`[soak ${rt.name}] ${s}\n`);

  const { createSimulator, namedScenario } = await import("../src/simulator/mod.ts");
  const { listen } = await import("../src/server/listen.ts");
  const sim = createSimulator({
    scenario: "chaos",
    seed,
    postsPerSecond: rate,
    maxConnections: connections,
    // Every post of the window stays in its history (the ids compared at the end; 2,000,000 by
    // default, under 17 minutes at 2,000 posts/s), with 10 minutes to spare.
    maxHistoryPosts: Math.max(2_000_000, Math.ceil(rate * (minutes + 10) * 60)),
  });
  sim.pausePublishing();
  const server = await listen((request) => sim.fetch(request));
  const dir = await mkdtemp(join(tmpdir(), "holdfast-soak-"));
  const file = join(dir, "posts.ndjson");
  const url = `${server.url}/2/tweets/sample/stream`;
  log(`simulator on ${server.url} (chaos, seed ${seed}, ${rate} posts/s); file ${file}`);

  const snapshotDir = options.string("heap-snapshots", "");
  if (snapshotDir !== "") await mkdir(snapshotDir, { recursive: true });
  const memoryTraceFile = options.string("memory-trace", "");
  const objectCountsFile = options.string("object-counts", "");
  const { command, args } = childCommand(SELF);
  const proc = spawn(command, [
    ...args,
    "--child",
    `--url=${url}`,
    `--file=${file}`,
    `--connections=${connections}`,
    `--sample-seconds=${sampleSeconds}`,
    ...(eventsFile === "" ? [] : [`--events=${eventsFile}`]),
    ...(snapshotDir === "" ? [] : [`--heap-snapshots=${snapshotDir}`]),
    ...(memoryTraceFile === "" ? [] : [`--memory-trace=${memoryTraceFile}`]),
    ...(objectCountsFile === "" ? [] : [`--object-counts=${objectCountsFile}`]),
  ], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const samples: Sample[] = [];
  let lastTick: Tick | undefined;
  let final: Final | undefined;
  let ready = false;
  let failure: string | undefined;
  const waiters: { want: (m: ChildMessage) => boolean; resolve: (m: ChildMessage) => void }[] = [];
  createInterface({ input: proc.stdout! }).on("line", (line) => {
    let message: ChildMessage;
    try {
      message = JSON.parse(line) as ChildMessage;
    } catch {
      log(`child: ${line}`);
      return;
    }
    if (message.type === "ready") ready = true;
    if (message.type === "tick") lastTick = message;
    if (message.type === "sample") samples.push(message);
    if (message.type === "final") final = message;
    if (message.type === "error") failure = message.message;
    for (const w of waiters.splice(0)) {
      if (w.want(message)) w.resolve(message);
      else waiters.push(w);
    }
  });
  const next = (want: (m: ChildMessage) => boolean, timeoutMs: number): Promise<ChildMessage> =>
    Promise.race([
      new Promise<ChildMessage>((resolve) => waiters.push({ want, resolve })),
      sleep(timeoutMs).then(() => {
        throw new Error(`soak: the child did not answer within ${timeoutMs} ms`);
      }),
      exited.then((code) => {
        throw new Error(`soak: the child exited (code ${code})${failure ? `: ${failure}` : ""}`);
      }),
    ]);
  const send = (command: string): void => void proc.stdin!.write(`${command}\n`);
  const askSample = async (): Promise<Sample> => {
    const reply = next((m) => m.type === "sample", 30_000);
    send("sample");
    return await reply as Sample;
  };
  const askLive = async (snapshot = false): Promise<Live> => {
    const reply = next((m) => m.type === "live", 180_000);
    send(snapshot && snapshotDir !== "" ? "live snapshot" : "live");
    const live = await reply as Live;
    lives.push(live);
    return live;
  };
  // After a full collection, once warm: at the end of warm-up, every `--live-seconds` after, and
  // at the end.
  const lives: Live[] = [];
  let liveAtWarmup: Live | undefined;

  try {
    await next((m) => m.type === "ready", 60_000);
    // Publishing starts once every connection is up: nothing published is owed before that.
    const connectBy = Date.now() + 60_000;
    while (sim.connections().length < connections && Date.now() < connectBy) await sleep(100);
    log(`${sim.connections().length} connection(s) up; publishing for ${minutes} min`);
    const parentCpu0 = process.cpuUsage();
    const first = await askSample();
    const t0 = sim.now();
    sim.resumePublishing();
    const windowMs = minutes * 60_000;
    for (let elapsed = 0; elapsed < windowMs;) {
      const warmupLeftMs = warmupMinutes * 60_000 - elapsed;
      const stepMs = Math.min(
        liveAtWarmup === undefined ? 60_000 : liveSeconds * 1000,
        windowMs - elapsed,
        warmupLeftMs > 0 ? warmupLeftMs : Infinity,
      );
      await Promise.race([sleep(stepMs), exited]);
      if (ready && proc.exitCode !== null) throw new Error(`soak: the child exited: ${failure}`);
      elapsed = sim.now() - t0;
      // The memory the collector holds once warm: after a full collection, so garbage that the
      // collector has not reclaimed yet does not count.
      if (liveAtWarmup === undefined && elapsed >= warmupMinutes * 60_000) {
        liveAtWarmup = await askLive(true);
      } else if (liveAtWarmup !== undefined && elapsed < windowMs) await askLive();
      const s = samples[samples.length - 1];
      log(
        `${(elapsed / 60_000).toFixed(1)} min: published ${sim.posts({ sinceMs: t0 }).length}, ` +
          `written ${lastTick?.written}, duplicates ${lastTick?.duplicates}, ` +
          `RSS ${(s.rss / MB).toFixed(0)} MB`,
      );
    }
    sim.pausePublishing();
    const t1 = sim.now();
    const last = await askSample();
    const parentCpu = process.cpuUsage(parentCpu0);
    const published = sim.posts({ sinceMs: t0, untilMs: t1 });
    // Let the collector catch up: a stall found late, a backfill or a Recovery still running.
    const drainStart = Date.now();
    while (Date.now() - drainStart < drainSeconds * 1000) {
      const tick = lastTick;
      if (
        tick !== undefined && tick.atMs > drainStart && tick.written >= published.length &&
        tick.queueDepth === 0 && tick.recoveriesActive === 0
      ) break;
      await sleep(1000);
    }
    const drainedSeconds = (Date.now() - drainStart) / 1000;
    // What the collector still holds once it has caught up and gone quiet (a backfilled
    // connection may still be replaying duplicates after every post was written): its dedup
    // window, margins, buffers. A leak shows as growth over what it held at warm-up; a burst in
    // flight does not.
    const quietBy = Date.now() + 60_000;
    for (let quietTicks = 0, seen = -1; quietTicks < 5 && Date.now() < quietBy;) {
      await sleep(1000);
      const tick = lastTick;
      const reading = tick === undefined ? -1 : tick.written + tick.duplicates;
      quietTicks = reading === seen && tick?.queueDepth === 0 ? quietTicks + 1 : 0;
      seen = reading;
    }
    const liveAtEnd = await askLive(true);
    log(`window over: ${published.length} published; drained for ${drainedSeconds.toFixed(0)} s`);
    const finalReply = next((m) => m.type === "final", 120_000);
    send("stop");
    await finalReply;
    await Promise.race([exited, sleep(10_000)]);

    if (eventsFile !== "") {
      // The simulator's side, next to the child's events: every attempt it answered.
      await writeFile(`${eventsFile}.attempts.json`, JSON.stringify(sim.attempts(), null, 1));
    }
    // ---- compare ids
    const { ids, bad } = await idsInFile(file);
    const publishedIds = new Set(published.map((p) => p.id));
    const seen = new Set<string>();
    let duplicatesInFile = 0;
    let extra = 0;
    for (const id of ids) {
      if (seen.has(id)) duplicatesInFile++;
      else seen.add(id);
    }
    for (const id of seen) if (!publishedIds.has(id)) extra++;
    const lostIds: string[] = [];
    for (const id of publishedIds) if (!seen.has(id)) lostIds.push(id);
    if (lostIds.length > 0) {
      // Snowflake time: ms = (id >> 22) + 1288834974657.
      const times = lostIds.map((id) => Number((BigInt(id) >> 22n) + 1288834974657n));
      const iso = (ms: number): string => new Date(ms).toISOString();
      log(
        `lost ${lostIds.length}: published ${iso(times.reduce((a, b) => Math.min(a, b)))} .. ${
          iso(times.reduce((a, b) => Math.max(a, b)))
        } (window from ${iso(t0)})`,
      );
    }
    // Posts published outside the window are not extra: none are (publishing was paused).
    const allPublished = new Set(sim.posts().map((p) => p.id));
    let neverPublished = 0;
    for (const id of seen) if (!allPublished.has(id)) neverPublished++;

    // ---- RSS and CPU over the window
    const inWindow = samples.filter((s) => s.atMs >= first.atMs && s.atMs <= last.atMs);
    const secondsOf = (s: { atMs: number }): number => (s.atMs - first.atMs) / 1000;
    const warmupSeconds = warmupMinutes * 60;
    const afterWarmup = inWindow.filter((s) => secondsOf(s) >= warmupSeconds);
    const mb = (n: number): number => Math.round((n / MB) * 10) / 10;
    const peak = (list: readonly Sample[]): number => Math.max(0, ...list.map((s) => s.rss));
    const { growthPercent } = halvesGrowth(afterWarmup.map((s) => s.rss));
    const slopeMBPerMin = slope(
      afterWarmup.map((s) => secondsOf(s) / 60),
      afterWarmup.map((s) => s.rss / MB),
    );
    // Flat: the RSS peaks of the last half are within 10% of the first half's, and so is the
    // least memory the collector held (JS heap + external after a full collection; RSS keeps
    // pages the runtime has not returned) in the last half of the samples taken in the window
    // after warm-up. The least, not the most: what is in flight at a sample (a queue full of a
    // Recovery's posts, a replay's id set, network buffers) depends on which of chaos's faults is
    // under way, and the two halves of the window see different faults; a leak raises every
    // sample after it, the least too. The maxima are reported beside it.
    const held = (s: Live): number => s.heapUsed + s.external;
    const windowHeld = lives.slice(0, -1).map(held); // the last is after the window, at rest
    const {
      first: heldFirstHalfMax,
      last: heldLastHalfMax,
      growthPercent: heldMaxGrowthPercent,
    } = halvesGrowth(windowHeld, "max");
    const {
      first: heldFirstHalfMin,
      last: heldLastHalfMin,
      growthPercent: liveGrowthPercent,
    } = halvesGrowth(windowHeld, "min");
    // And at rest, once the collector caught up and went quiet with its bounded structures still
    // full, it holds no more than the least it held in the first half (10% slack).
    const atRestOk = held(liveAtEnd) <= heldFirstHalfMin * 1.1;
    // Like with like, once the window holds three chaos cycles or more: the scenario repeats its
    // faults every cycle, so the last full cycle is compared with the second (the first holds the
    // warm-up), on the RSS peak and on the least held, and at rest with the second's least.
    const windowSeconds = (t1 - t0) / 1000;
    const cycleSeconds = (namedScenario("chaos", seed).repeatEveryMs ?? 0) / 1000;
    const fullCycles = cycleSeconds > 0 ? Math.floor(windowSeconds / cycleSeconds + 0.01) : 0;
    let cycles: SoakResult["rss"]["cycles"];
    if (fullCycles >= 3) {
      const inCycle = (k: number) => (s: { atMs: number }): boolean =>
        secondsOf(s) >= k * cycleSeconds && secondsOf(s) < (k + 1) * cycleSeconds;
      const leastHeld = (k: number): number =>
        Math.min(...lives.slice(0, -1).filter(inCycle(k)).map(held));
      const [a, b] = [1, fullCycles - 1];
      const growth = (from: number, to: number): number => Math.round((to / from - 1) * 1000) / 10;
      const rssA = peak(inWindow.filter(inCycle(a)));
      const rssB = peak(inWindow.filter(inCycle(b)));
      const heldA = leastHeld(a);
      const heldB = leastHeld(b);
      cycles = {
        cycleSeconds,
        compared: [a + 1, b + 1],
        rssPeakMB: [mb(rssA), mb(rssB)],
        rssPeakGrowthPercent: growth(rssA, rssB),
        leastHeldMB: [mb(heldA), mb(heldB)],
        leastHeldGrowthPercent: growth(heldA, heldB),
        atRestOk: held(liveAtEnd) <= heldA * 1.1,
      };
    }
    const flat = cycles === undefined
      ? growthPercent <= 10 && liveGrowthPercent <= 10 && atRestOk
      : cycles.rssPeakGrowthPercent <= 10 && cycles.leastHeldGrowthPercent <= 10 &&
        cycles.atRestOk;
    const childCpuSeconds =
      (last.cpuUserUs + last.cpuSystemUs - first.cpuUserUs - first.cpuSystemUs) / 1e6;

    const report = sim.report();
    const rules: Record<string, number> = {};
    for (const f of report.findings) rules[f.rule] = (rules[f.rule] ?? 0) + 1;
    const status = final?.status ?? {};
    const dedup = status["dedup"] as { duplicates?: number } | undefined;
    const result: SoakResult = {
      runtime: rt.name,
      version: rt.version,
      minutes,
      postsPerSecond: rate,
      connections,
      seed,
      startedAt: new Date(t0).toISOString(),
      windowSeconds,
      drainSeconds: Math.round(drainedSeconds),
      published: published.length,
      written: ids.length,
      writtenUnique: seen.size,
      duplicatesInFile,
      duplicatesDropped: dedup?.duplicates ?? -1,
      lost: lostIds.length,
      extra: Math.max(extra, neverPublished),
      unreadableLines: bad,
      lostIdsSample: lostIds.slice(0, 20),
      rss: {
        warmupSeconds,
        atWarmupMB: mb(afterWarmup[0]?.rss ?? 0),
        peakMB: mb(peak(inWindow)),
        peakAfterWarmupMB: mb(peak(afterWarmup)),
        finalMB: mb(last.rss),
        slopeMBPerMin: Math.round(slopeMBPerMin * 100) / 100,
        growthPercent: Math.round(growthPercent * 10) / 10,
        live: {
          collected: liveAtEnd.collected,
          heldAtWarmupMB: mb(liveAtWarmup === undefined ? 0 : held(liveAtWarmup)),
          heldAtEndMB: mb(held(liveAtEnd)),
          rssAtWarmupMB: mb(liveAtWarmup?.rss ?? 0),
          rssAtEndMB: mb(liveAtEnd.rss),
          heapAtWarmupMB: mb(liveAtWarmup?.heapUsed ?? 0),
          heapAtEndMB: mb(liveAtEnd.heapUsed),
          externalAtWarmupMB: mb(liveAtWarmup?.external ?? 0),
          externalAtEndMB: mb(liveAtEnd.external),
          heldMB: lives.map((l) => mb(held(l))),
          firstHalfMaxMB: mb(heldFirstHalfMax),
          lastHalfMaxMB: mb(heldLastHalfMax),
          maxGrowthPercent: Math.round(heldMaxGrowthPercent * 10) / 10,
          firstHalfMinMB: mb(heldFirstHalfMin),
          lastHalfMinMB: mb(heldLastHalfMin),
          growthPercent: Math.round(liveGrowthPercent * 10) / 10,
        },
        ...(cycles === undefined ? {} : { cycles }),
        flat,
        samples: inWindow.map((s) => ({
          s: Math.round(secondsOf(s)),
          rssMB: mb(s.rss),
          heapMB: mb(s.heapUsed),
          externalMB: mb(s.external ?? 0),
        })),
      },
      cpu: {
        childSeconds: Math.round(childCpuSeconds * 10) / 10,
        childPercentOfCore: Math.round((childCpuSeconds / windowSeconds) * 1000) / 10,
        parentSeconds: Math.round(((parentCpu.user + parentCpu.system) / 1e6) * 10) / 10,
        loadAverage: (await import("node:os")).loadavg().map((n) => Math.round(n * 100) / 100),
      },
      collector: pick(status, [
        "written",
        "backfilled",
        "recovered",
        "recoveries",
        "dedup",
        "queue",
        "lagMs",
      ]),
      events: final?.events ?? {},
      judge: {
        verdict: report.verdict,
        errors: report.findings.filter((f) => f.severity === "error").length,
        warnings: report.findings.filter((f) => f.severity === "warning").length,
        rules,
        findings: report.findings.slice(0, 10).map(({ rule, severity, message }) => ({
          rule,
          severity,
          message,
        })),
      },
      pass: lostIds.length === 0 && extra === 0 && duplicatesInFile === 0 && flat &&
        report.findings.every((f) => f.severity !== "error"),
    };
    await mkdir(outDir, { recursive: true });
    await writeFile(
      join(outDir, `soak-${rt.name}.json`),
      `${JSON.stringify(result, null, 2)}\n`,
    );
    process.stdout.write(`${table([result])}\n`);
    log(`wrote ${join(outDir, `soak-${rt.name}.json`)}`);
    if (!passed(result)) process.exitCode = 2;
  } finally {
    if (proc.exitCode === null) proc.kill();
    sim.close();
    await server.close();
    if (!keepFile) await rm(dir, { recursive: true, force: true });
    else log(`kept ${file} (${((await stat(file)).size / MB).toFixed(0)} MB)`);
  }
}

function pick(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) if (key in record) out[key] = record[key];
  return out;
}

/** The results as one Markdown table. */
function table(results: readonly SoakResult[]): string {
  const rows = results.map((r) =>
    [
      `${r.runtime} ${r.version}`,
      `${r.minutes} min @ ${r.postsPerSecond}/s, ${r.connections} conn`,
      r.published,
      `${r.written} (${r.writtenUnique})`,
      r.duplicatesDropped,
      r.duplicatesInFile,
      r.lost === 0 ? "0" : `**${r.lost}**`,
      r.extra === 0 ? "0" : `**${r.extra}**`,
      `${r.rss.atWarmupMB} / ${r.rss.peakAfterWarmupMB} / ${r.rss.finalMB}`,
      `${r.rss.growthPercent}% (${r.rss.slopeMBPerMin} MB/min)`,
      r.rss.live === undefined
        ? "-"
        : r.rss.live.firstHalfMaxMB === undefined
        ? `${r.rss.live.heldAtWarmupMB} -> ${r.rss.live.heldAtEndMB} (${r.rss.live.growthPercent}%)`
        : r.rss.live.firstHalfMinMB === undefined
        ? `most ${r.rss.live.firstHalfMaxMB} -> ${r.rss.live.lastHalfMaxMB} (${r.rss.live.growthPercent}%)`
        : `least ${r.rss.live.firstHalfMinMB} -> ${r.rss.live.lastHalfMinMB} (${r.rss.live.growthPercent}%); ` +
          `most ${r.rss.live.firstHalfMaxMB} -> ${r.rss.live.lastHalfMaxMB} (${r.rss.live.maxGrowthPercent}%); ` +
          `at rest ${r.rss.live.heldAtEndMB}` + (r.rss.cycles === undefined ? "" : (() => {
            const c = r.rss.cycles;
            return `; cycle ${c.compared[0]} -> ${c.compared[1]}: RSS peak ${c.rssPeakMB[0]} -> ` +
              `${c.rssPeakMB[1]} (${c.rssPeakGrowthPercent}%), least held ${c.leastHeldMB[0]} -> ` +
              `${c.leastHeldMB[1]} (${c.leastHeldGrowthPercent}%)`;
          })()),
      `${r.cpu.childPercentOfCore}% (${r.cpu.childSeconds} s)`,
      `${r.judge.verdict} (${r.judge.errors} err, ${r.judge.warnings} warn)`,
      passed(r) ? "PASS" : "**FAIL**",
    ].join(" | ")
  );
  return [
    "| runtime | run | published | written (unique) | duplicates dropped | duplicates in file | lost | extra | RSS MB after warm-up / peak / end | peak growth after warm-up | memory held after full GC, MB: first half -> last half | client CPU (% of a core) | simulator judge | result |",
    "|---|---|--:|--:|--:|--:|--:|--:|---|---|---|---|---|:-:|",
    ...rows.map((row) => `| ${row} |`),
  ].join("\n");
}

/** Prints (and saves as soak.md) the table of every saved `soak-<runtime>.json`. */
async function combine(): Promise<void> {
  const outDir = options.string("out", join(ROOT, "bench", "results"));
  const names = (await readdir(outDir)).filter((n) => /^soak-\w+\.json$/.test(n)).sort();
  const order = ["node", "deno", "bun"];
  const results = (await Promise.all(
    names.map(async (n) => JSON.parse(await readFile(join(outDir, n), "utf8")) as SoakResult),
  )).sort((a, b) => order.indexOf(a.runtime) - order.indexOf(b.runtime));
  const text = [
    `Soak: simulator \`chaos\` (seed ${results[0]?.seed}), ${
      results[0]?.postsPerSecond
    } posts/s, ` +
    `collector with ${
      results[0]?.connections
    } redundant connections in a child process, file sink. ` +
    "RSS/CPU are the child's (the collector's); peak growth compares the peak of the last half of " +
    "the post-warm-up samples with the first half; memory held is the JS heap + external memory " +
    "right after a full GC, forced at the end of warm-up (once the de-duplication window and the " +
    "margin memory are full, and the window has turned over once: its Map keeps a larger table " +
    "from then on), every 30 s after, and once the collector has caught up after the " +
    "window and gone quiet (at rest); its growth compares the least held in the last half of the " +
    "samples in the window with the first half's (a leak raises every sample after it; what is " +
    "in flight depends on which of chaos's faults is under way, so the most held is reported " +
    "but not judged). Flat: the RSS peaks and the least held grow <= 10%, and at rest the collector " +
    "holds at most 10% more than the least it held in the first half; with three chaos cycles or " +
    "more in the window (30 minutes), like with like: the last full cycle's RSS peak and least " +
    "held against the second cycle's, and at rest against the second cycle's least. " +
    "lost = published - written unique; extra = written ids never published. PASS: nothing " +
    "lost, extra or written twice, memory flat, and no error from the simulator's judge of X's " +
    "rules (a warning is reported, not failed).",
    "",
    table(results),
    "",
  ].join("\n");
  await writeFile(join(outDir, "soak.md"), text);
  process.stdout.write(text);
  if (results.some((r) => !passed(r))) process.exitCode = 2;
}

if (options.flag("child")) {
  await child();
} else if (options.flag("combine")) {
  await combine();
} else {
  await parent();
  // The measurement is over, whatever a runtime still holds open (Deno's parent lingered on a
  // closed listener's keep-alive socket and held up the next runtime of soak.sh).
  process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
}
