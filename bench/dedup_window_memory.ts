/**
 * The de-duplication window's memory as it fills and turns over (an investigation aid, not a
 * test): a `DedupWindow` of 200,000 ids is fed the ids of 2,000 posts a second, each seen twice
 * (two redundant connections), on a simulated clock; every 25 simulated seconds the memory held
 * after a full collection is printed. No network, no simulator: the window alone, as the soak's
 * collector holds it.
 *
 *   node --expose-gc --import tsx bench/dedup_window_memory.ts [--rate=2000] [--seconds=600]
 *   NO_COLOR=1 npx deno run -A --v8-flags=--expose-gc bench/dedup_window_memory.ts
 *   node_modules/.bin/bun bench/dedup_window_memory.ts
 *
 * What it showed (200,000 ids at 2,000 posts/s: full at 100 s, every id replaced by 200 s), MB:
 * | runtime | 100 s | 150 s | 175 s | 200 s on |
 * | Node 20 (heap + external) | 29.3 | 36.4 | 36.4 | 36.4-36.6 |
 * | Deno 2.9 | 25.9 | 33.3 | 33.3 | 33.3 |
 * | Bun 1.4.5 | 25.5 | 25.4 | 25.4 | 39.1 |
 * - Each engine's `Map` takes a larger table once enough of its ids were deleted and replaced:
 *   V8's at 150 s, JavaScriptCore's at 200 s, once every id it held is gone. A bare `Map` with
 *   the same turnover does the same on Bun (20.8 -> 34.4 MB at 200 s). Then it stays. That is why
 *   the soak's warm-up lasts 4 minutes, past the window's first full turnover.
 * - With the arrival order in arrays pushed at the end and sliced off the front (425cdb3 and
 *   earlier), each runtime went up and down by 2.4 MB with each slice (Node 36.0-38.7, Deno
 *   32.9-35.3, Bun 39.4-41.8 from 200 s on); the ring holds flat.
 *
 * @module
 */
import { BenchOptions } from "./options.ts";
import { runtime } from "./runtime.ts";
import { DedupWindow } from "../src/dedup/dedup_window.ts";

const options = new BenchOptions("dedup_window_memory");
const rate = options.number("rate", 2000, { min: 1, integer: true });
const seconds = options.number("seconds", 600, { min: 1, integer: true });

/** Heap (+ external on V8) held after a full collection, MB; throws where none can be forced. */
async function heldMB(): Promise<number> {
  const g = globalThis as unknown as {
    gc?: () => void;
    Bun?: { gc(force: boolean): void };
  };
  if (g.Bun !== undefined) {
    g.Bun.gc(true);
    // Built at run time: Node's and Deno's type checkers do not know the module.
    const jsc = await import(["bun", "jsc"].join(":")) as { heapStats(): { heapSize: number } };
    return jsc.heapStats().heapSize / 1e6;
  }
  if (g.gc === undefined) {
    throw new Error(
      "no way to force a full collection: run Node with --expose-gc, Deno with " +
        "--v8-flags=--expose-gc",
    );
  }
  g.gc();
  const { default: process } = await import("node:process");
  const usage = process.memoryUsage();
  return (usage.heapUsed + usage.external) / 1e6;
}

let nowMs = 1_790_000_000_000;
const window = new DedupWindow({ now: () => nowMs });
let next = 1_800_000_000_000_000_000n;
const started = performance.now();
const rows: string[] = [];
for (let second = 0; second <= seconds; second++) {
  for (let i = 0; i < rate; i++) {
    const id = String(next++);
    window.seen(id, "connection-0");
    window.seen(id, "connection-1");
  }
  nowMs += 1000;
  if (second % 25 === 0) rows.push(`${second}s ${(await heldMB()).toFixed(1)}`);
}
const { name, version } = runtime();
console.log(`${name} ${version}: MB held after a full collection, by simulated second`);
console.log(rows.join("\n"));
console.log(`(${Math.round(performance.now() - started)} ms, collections included)`);
