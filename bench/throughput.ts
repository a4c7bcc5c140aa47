/**
 * Throughput benchmark (not a test): one realistic X v2 corpus, cut into random 1 to 64 KiB chunks
 * held in memory, pushed through each contestant in the same process; posts/s, MB/s and the share
 * of the best tight hand-written loop (the practical limit). Runs unchanged on Node, Deno and Bun.
 *
 *   npx deno run -A bench/throughput.ts [--mb=64] [--runs=5] [--warmup=1] [--seed=42]
 *   npx bun bench/throughput.ts
 *   node bench/.out/throughput.mjs        (bundled by bench/run_all.sh; tsx works too)
 *   Options: --only=name,name (exact name, else substring)  --out=bench/results  --no-write
 *   --quiet  --proto  --ladder  --gc  --cpuprofile=FILE (Node, Deno)
 *
 * Writes `<out>/<runtime>.json` and prints a markdown table.
 *
 * @module
 */
import { buildCorpus, chunkBody, fnv1a } from "./corpus.ts";
import {
  type Contestant,
  holdfastClientContestant,
  holdfastContestant,
  holdfastStreamsContestant,
  type RunResult,
  tightConcat,
  tightLastNewline,
  twitterApiV2Contestant,
  xdkContestant,
} from "./contestants.ts";
import { BenchOptions } from "./options.ts";
import { protoContestants } from "./proto/contestants.ts";
import { ladderContestants } from "./proto/ladder.ts";
import { type ContestantResult, markdown, type RuntimeReport } from "./table.ts";

// ---- runtime ----------------------------------------------------------------------------------

// deno-lint-ignore no-explicit-any
const g = globalThis as any;
const runtime: "node" | "deno" | "bun" = g.Deno?.version?.deno
  ? "deno"
  : g.Bun?.version
  ? "bun"
  : "node";
const runtimeVersion: string = runtime === "deno"
  ? g.Deno.version.deno
  : runtime === "bun"
  ? g.Bun.version
  : g.process.versions.node;
const options = new BenchOptions("throughput");
const MB = options.number("mb", 64);
const RUNS = options.number("runs", 5, { integer: true });
const WARMUP = options.number("warmup", 1, { integer: true, min: 0 });
const SEED = options.number("seed", 42, { integer: true, min: 0 });
const ONLY = options.string("only", "").split(",").filter((s) => s !== "");
const OUT = options.string("out", "bench/results");
const WRITE = !options.flag("no-write");
const QUIET = options.flag("quiet");
const PROTO = options.flag("proto");
/** Force a full GC before each timed run (off by default: on Node 20 it made the next run ~40%
 * slower, as the shrunken heap has to grow again). */
const FORCE_GC = options.flag("gc");
const LADDER = options.flag("ladder");
/** Node only: write a V8 CPU profile of the timed rounds (not the corpus build) to this file. */
const CPUPROFILE = options.string("cpuprofile", "");

function gc(): void {
  if (typeof g.gc === "function") g.gc();
  else if (runtime === "bun") g.Bun.gc(true);
}
const log = (s: string): void => {
  if (!QUIET) console.error(s);
};
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---- main -------------------------------------------------------------------------------------

async function load(): Promise<Contestant[]> {
  const all: Contestant[] = [tightConcat, tightLastNewline];
  const loaders: [string, () => Promise<Contestant>][] = [
    ["holdfast", holdfastContestant],
    ["holdfast TransformStreams", holdfastStreamsContestant],
    ["holdfast connect()", holdfastClientContestant],
    ["@xdevplatform/xdk", xdkContestant],
    ["twitter-api-v2", twitterApiV2Contestant],
  ];
  for (const [name, loader] of loaders) {
    try {
      all.push(await loader());
    } catch (e) {
      log(`! cannot load ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (PROTO) all.push(...protoContestants());
  if (LADDER) all.push(...ladderContestants());
  if (ONLY.length === 0) return all;
  // An exact name selects only that contestant; anything else matches as a substring.
  const match = (c: Contestant, o: string): boolean =>
    all.some((x) => x.name === o) ? c.name === o : c.name.includes(o);
  return all.filter((c) => ONLY.some((o) => match(c, o)));
}

/** Starts the V8 profiler through `node:inspector`; the returned function stops it and writes
 * the profile (summarise it with `node bench/.out/profile_summary.mjs <file>`). */
async function startProfile(): Promise<() => Promise<void>> {
  const inspector = await import("node:inspector");
  const session = new inspector.Session();
  session.connect();
  // deno-lint-ignore no-explicit-any
  const post = (method: string, params?: object): Promise<any> =>
    new Promise((resolve, reject) =>
      session.post(method, params, (err, res) => (err ? reject(err) : resolve(res)))
    );
  await post("Profiler.enable");
  await post("Profiler.setSamplingInterval", { interval: 100 });
  await post("Profiler.start");
  return async () => {
    const { profile } = await post("Profiler.stop");
    const fs = await import("node:fs/promises");
    await fs.writeFile(CPUPROFILE, JSON.stringify(profile));
    session.disconnect();
    log(`wrote ${CPUPROFILE}`);
  };
}

/** Process CPU time in ms (user + system; all three runtimes have `process.cpuUsage`). */
function cpuMs(): number {
  const u = g.process?.cpuUsage?.();
  return u === undefined ? NaN : (u.user + u.system) / 1000;
}

/** FNV-1a of holdfast's measured sources (read from the working directory, the repo root). */
async function sourceHashes(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  try {
    const fs = await import("node:fs/promises");
    for (
      const f of [
        "src/line_splitter.ts",
        "src/heartbeat_watchdog.ts",
        "src/classify_line.ts",
        "src/client/run_attempt.ts",
      ]
    ) {
      out[f] = fnv1a(new Uint8Array(await fs.readFile(f)));
    }
  } catch {
    // Not run from the repository root: the hashes are informative only.
  }
  return out;
}

async function loadavg(): Promise<number[]> {
  try {
    const os = await import("node:os");
    return os.loadavg().map((x: number) => Math.round(x * 100) / 100);
  } catch {
    return [];
  }
}

async function timed(
  c: Contestant,
  chunks: readonly Uint8Array[],
): Promise<[number, number, RunResult]> {
  if (FORCE_GC) gc();
  const c0 = cpuMs();
  const t0 = performance.now();
  const r = await c.run(chunks, false);
  const wall = performance.now() - t0;
  return [wall, cpuMs() - c0, r];
}

async function main(): Promise<void> {
  const loadBefore = await loadavg();
  const t0 = performance.now();
  const { body, info: corpus } = buildCorpus(Math.round(MB * 1e6), SEED);
  const { chunks, info: chunking } = chunkBody(body, SEED + 1);
  log(
    `${runtime} ${runtimeVersion}: corpus ${
      (corpus.bytes / 1e6).toFixed(1)
    } MB, ${corpus.posts} posts ` +
      `(${corpus.minLineBytes}-${corpus.maxLineBytes} B, mean ${corpus.meanLineBytes}), ` +
      `${corpus.heartbeats} heartbeats, ${chunking.chunks} chunks (${chunking.endInsideChar} end ` +
      `inside a character), hash ${corpus.hash}, built in ${
        ((performance.now() - t0) / 1000).toFixed(1)
      } s`,
  );
  const contestants = await load();
  const results = new Map<Contestant, ContestantResult>();
  for (const c of contestants) {
    const r: ContestantResult = {
      name: c.name,
      note: c.note,
      kind: c.kind,
      runsMs: [],
      cpuRunsMs: [],
      medianMs: NaN,
      medianCpuMs: NaN,
      cpuPostsPerS: NaN,
      cpuRatio: NaN,
      mbPerS: NaN,
      postsPerS: NaN,
      ratio: NaN,
      bestRatio: NaN,
      postsSeen: [],
      replacementPosts: 0,
      textUnitsDelta: 0,
      correct: false,
    };
    results.set(c, r);
    try {
      // Checked run (untimed; also the first warm-up).
      const checked = await c.run(chunks, true);
      r.postsSeen.push(checked.posts);
      r.replacementPosts = checked.replacementPosts;
      r.textUnitsDelta = checked.textUnits - corpus.textUnits;
      for (let w = 0; w < WARMUP; w++) await c.run(chunks, false);
    } catch (e) {
      r.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      log(`! ${c.name}: ${r.error}`);
    }
  }
  const profiler = CPUPROFILE ? await startProfile() : undefined;
  // Timed runs, round-robin (rotating the order) so drift on a shared machine hits everyone alike.
  const live = contestants.filter((c) => results.get(c)!.error === undefined);
  for (let round = 0; round < RUNS; round++) {
    for (let k = 0; k < live.length; k++) {
      const c = live[(k + round) % live.length];
      const r = results.get(c)!;
      try {
        const [ms, cpu, res] = await timed(c, chunks);
        r.runsMs.push(ms);
        r.cpuRunsMs.push(cpu);
        r.postsSeen.push(res.posts);
      } catch (e) {
        r.error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    log(`  round ${round + 1}/${RUNS} done`);
  }
  if (profiler !== undefined) await profiler();
  for (const r of results.values()) {
    if (r.runsMs.length === 0) continue;
    r.medianMs = median(r.runsMs);
    r.mbPerS = corpus.bytes / 1e6 / (r.medianMs / 1000);
    r.postsPerS = median(r.postsSeen.slice(1)) / (r.medianMs / 1000);
    r.medianCpuMs = median(r.cpuRunsMs);
    r.cpuPostsPerS = median(r.postsSeen.slice(1)) / (r.medianCpuMs / 1000);
    r.correct = r.error === undefined && r.postsSeen.every((n) => n === corpus.posts) &&
      r.replacementPosts === 0 && r.textUnitsDelta === 0;
  }
  const refs = [...results.values()].filter((r) => r.kind === "reference" && r.runsMs.length > 0);
  const best = Math.max(...refs.map((r) => r.postsPerS));
  const bestCpu = Math.max(...refs.map((r) => r.cpuPostsPerS));
  const fastestRef = Math.min(...refs.map((r) => Math.min(...r.runsMs)));
  for (const r of results.values()) {
    r.ratio = r.postsPerS / best;
    r.bestRatio = fastestRef / Math.min(...r.runsMs) *
      (median(r.postsSeen.slice(1)) / corpus.posts);
    r.cpuRatio = r.cpuPostsPerS / bestCpu;
  }

  const report: RuntimeReport = {
    runtime,
    version: runtimeVersion,
    corpus,
    chunking,
    runs: RUNS,
    warmup: WARMUP,
    date: new Date().toISOString(),
    loadavg: { before: loadBefore, after: await loadavg() },
    sources: await sourceHashes(),
    results: [...results.values()],
  };
  console.log(markdown([report]));
  if (WRITE) {
    const fs = await import("node:fs/promises");
    await fs.mkdir(OUT, { recursive: true });
    await fs.writeFile(`${OUT}/${runtime}.json`, JSON.stringify(report, null, 2) + "\n");
    log(`wrote ${OUT}/${runtime}.json`);
  }
}

main().then(
  () => exit(0),
  (e) => {
    console.error(e);
    exit(1);
  },
);

function exit(code: number): void {
  // Exit explicitly: a contestant's leftover timer must not keep the process alive.
  if (runtime === "deno") g.Deno.exit(code);
  else g.process.exit(code);
}
