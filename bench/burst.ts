/**
 * The soak's worst memory burst in one minute (an investigation aid, not a test): the simulator
 * publishes 2,000 posts/s, every connection stalls for 11 s at 45 s (chaos seed 7 does this at
 * 536 s), and X's buffer then delivers the 22,000 posts each connection missed at once. The
 * collector runs in a child (`soak.ts --child`: 2 redundant connections, file sink); its memory
 * is traced every 250 ms, and the peak during the burst is printed beside the level before it.
 *
 *   node --import tsx bench/burst.ts [--connections=2] [--rate=2000] [--stall-at=45]
 *     [--stall-seconds=11] [--memory-trace=FILE]   (deno run -A bench/burst.ts, bun bench/burst.ts)
 *
 * Node 20 at b50d1c5, six runs: heap 20-50 MB before the stall, 190-255 MB at the burst's peak
 * (RSS 310-375 MB; ~190 MB of heap with one connection), 25-40 MB held after it. At 19fc446
 * (the lines of posts that wait held as UTF-8 bytes), three runs: heap 33-36 MB before, 89-98 MB
 * at the peak, 81-89 MB external (RSS 274-289 MB; bench/README.md has the table). Add
 * `--trace-gc` to the child's command (`childCommand` in runtime.ts) to see the
 * young-generation collections that promote the burst.
 *
 * @module
 */
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { BenchOptions } from "./options.ts";
import { childCommand } from "./runtime.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import { listen } from "../src/server/listen.ts";

const options = new BenchOptions("burst", process.argv.slice(2));
const connections = options.number("connections", 2, { min: 1, integer: true });
const rate = options.number("rate", 2000, { min: 1 });
const stallAtMs = options.number("stall-at", 45, { min: 1 }) * 1000;
const stallMs = options.number("stall-seconds", 11, { min: 1 }) * 1000;
const dir = await mkdtemp(join(tmpdir(), "holdfast-burst-"));
const trace = options.string("memory-trace", join(dir, "memory.txt"));

const sim = createSimulator({
  scenario: { name: "burst", steps: [{ atMs: stallAtMs, fault: "stall", durationMs: stallMs }] },
  seed: 7,
  postsPerSecond: rate,
  maxConnections: connections,
});
const server = await listen((request) => sim.fetch(request));
const soak = join(fileURLToPath(import.meta.url), "..", "soak.ts");
const { command, args } = childCommand(soak);
const child = spawn(command, [
  ...args,
  "--child",
  `--url=${server.url}/2/tweets/sample/stream`,
  `--file=${join(dir, "posts.ndjson")}`,
  `--connections=${connections}`,
  `--memory-trace=${trace}`,
], { stdio: ["pipe", "pipe", "inherit"], env: { ...process.env, NO_COLOR: "1" } });
createInterface({ input: child.stdout! }).on("line", () => {}); // ticks and samples: unused
const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
const log = (s: string): void => void process.stderr.write(`[burst] ${s}\n`);
log(
  `${rate} posts/s, ${connections} connection(s); every stream stalls at ${
    stallAtMs / 1000
  } s for ${stallMs / 1000} s`,
);

await new Promise((resolve) => setTimeout(resolve, stallAtMs + stallMs + 15_000));
child.stdin!.write("stop\n");
await exited;
sim.close();
await server.close();

// `ms rssMB heapMB externalMB` per line, from the child's start.
const rows = (await readFile(trace, "utf8")).trim().split("\n").map((line) =>
  line.split(" ").map(Number)
);
const within = (from: number, to: number) => rows.filter(([ms]) => ms >= from && ms < to);
const peak = (list: number[][], column: number): number =>
  Math.max(...list.map((row) => row[column]));
const before = within(stallAtMs - 15_000, stallAtMs);
const burst = within(stallAtMs + stallMs - 1000, stallAtMs + stallMs + 14_000);
log(
  `before the stall: RSS ${peak(before, 1)} MB, heap ${peak(before, 2)} MB at most; ` +
    `burst: RSS ${peak(burst, 1)} MB, heap ${peak(burst, 2)} MB, external ${
      peak(burst, 3)
    } MB at most`,
);
await rm(dir, { recursive: true, force: true });
if (options.string("memory-trace", "") !== "") log(`trace in ${trace}`);
