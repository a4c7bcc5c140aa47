/**
 * The collector in one page: two redundant connections to a stream that keeps breaking, every
 * post written once to a file, a watermark a restart resumes from, and a health server. It runs
 * against holdfast's X simulator over a real loopback socket (no account, no network).
 *
 *     node --import tsx examples/collect.ts    # or: deno run -A examples/collect.ts / bun examples/collect.ts
 *
 * For the real X, drop the simulator and pass `url: "https://api.x.com/2/tweets/search/stream"`
 * and `auth: { bearer: process.env.X_BEARER_TOKEN }`.
 *
 * @module
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectorHealthOptions, createCollector } from "../mod.ts";
import { FileSink, FileWatermarkStore } from "../src/storage/file_entry.ts";
import { createHealthApp, listen } from "../src/server/mod.ts";
import { createSimulator } from "../src/simulator/mod.ts";

/** What {@linkcode collect} measured. */
export interface CollectResult {
  /** Posts the simulator published while the collector ran. */
  readonly published: number;
  /** Distinct post ids in the output file, and lines in it. */
  readonly unique: number;
  readonly lines: number;
  /** Duplicates the collector dropped (the second connection's copies, backfills). */
  readonly duplicates: number;
  /** What `/readyz` answered while the stream was up. */
  readonly readyStatus: number;
}

/** Runs the collector against a breaking simulated stream: `faults` faults `stepMs` apart. */
export async function collect(faults = 3, stepMs = 700): Promise<CollectResult> {
  const dir = await mkdtemp(join(tmpdir(), "holdfast-example-"));
  const sim = createSimulator({ seed: 3, postsPerSecond: 40, maxConnections: 2 });
  // The sample stream carries every post (the filtered stream only what matches its rules).
  const x = await listen(sim.app.fetch, { port: 0 });
  const collector = createCollector({
    url: `${x.url}/2/tweets/sample/stream`,
    auth: { bearer: "simulated-token" },
    connections: 2, // one may die: the other carries the stream, with no gap
    sinks: [await FileSink.open({ path: join(dir, "posts.ndjson") })],
    watermarkStore: new FileWatermarkStore({ path: join(dir, "watermark.json") }),
    backoff: { networkStepMs: 50, httpInitialMs: 100 }, // short waits, for the example only
  });
  const health = await listen(createHealthApp(collectorHealthOptions(collector)).fetch, {
    port: 0,
  });
  try {
    const since = sim.now();
    await sleep(stepMs);
    const readyStatus = (await fetch(`${health.url}/readyz`)).status;
    for (let i = 0; i < faults; i++) {
      sim.fault({ kind: i % 2 ? "reset" : "operational-disconnect" }); // both connections drop
      await sleep(stepMs);
    }
    sim.pausePublishing();
    const until = sim.now();
    await sleep(stepMs); // let the last reconnect's backfill arrive
    await collector.close();
    const lines = (await readFile(join(dir, "posts.ndjson"), "utf8")).split("\n").slice(0, -1);
    const ids = new Set(
      lines.map((line) => (JSON.parse(line) as { data: { id: string } }).data.id),
    );
    return {
      published: sim.posts({ sinceMs: since, untilMs: until }).length,
      unique: ids.size,
      lines: lines.length,
      duplicates: collector.status().dedup.duplicates,
      readyStatus,
    };
  } finally {
    await collector.close();
    await health.close();
    sim.close();
    await x.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const node = (globalThis as { process?: { argv: string[] } }).process;
const isMain = (import.meta as { main?: boolean }).main ??
  (node !== undefined && import.meta.url === new URL(`file://${node.argv[1]}`).href);
if (isMain) console.log(await collect());
