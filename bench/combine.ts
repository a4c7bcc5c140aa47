/**
 * Prints one table from the per-runtime results of bench/throughput.ts, and the verdict against
 * the target (holdfast >= 90% of the tight loop, and faster than every peer, on every runtime).
 *
 *   node bench/.out/combine.mjs [bench/results]
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { markdown, type RuntimeReport } from "./table.ts";

const dir = process.argv[2] ?? "bench/results";
const reports: RuntimeReport[] = [];
for (const rt of ["node", "deno", "bun"]) {
  try {
    reports.push(JSON.parse(await readFile(`${dir}/${rt}.json`, "utf8")));
  } catch {
    console.error(`(no ${dir}/${rt}.json)`);
  }
}
const first = reports[0];
if (first === undefined) process.exit(1);
const c = first.corpus, k = first.chunking;
console.log(
  `Corpus: ${
    (c.bytes / 1e6).toFixed(1)
  } MB, ${c.posts} posts (${c.minLineBytes}-${c.maxLineBytes} B, ` +
    `mean ${c.meanLineBytes} B, ${(100 * c.nonAsciiPosts / c.posts).toFixed(1)}% non-ASCII, ` +
    `${(100 * c.emojiPosts / c.posts).toFixed(1)}% with emoji), ${c.heartbeats} heartbeats, ` +
    `seed ${c.seed}; ${k.chunks} chunks of ${k.minChunk}-${k.maxChunk} B, ${k.endInsideChar} ending ` +
    `inside a UTF-8 character, ${k.endBetweenCrLf} between \\r and \\n. Corpus hash per runtime: ` +
    reports.map((r) => `${r.runtime} ${r.corpus.hash}`).join(", ") +
    `. Medians of ${first.runs} timed runs after ${first.warmup} warm-up + 1 checked run. ` +
    `Load average before/after: ` +
    reports.map((r) => `${r.runtime} ${r.loadavg.before[0]}/${r.loadavg.after[0]}`).join(", ") +
    ` (2 cores). holdfast sources (FNV-1a): ` +
    Object.entries(first.sources).map(([f, h]) => `${f} ${h}`).join(", ") + ".\n",
);
console.log(markdown(reports));
console.log(
  "\n¹ reference: the better of the two tight loops is 100%. posts/s counts the posts each " +
    'contestant delivered; "correct" needs every run to deliver all posts, no U+FFFD, and the ' +
    "same total text length as the corpus.\n",
);
let ok = true;
const pc = (x: number): string => `${(100 * x).toFixed(0)}%`;
for (const r of reports) {
  const h = r.results.find((x) => x.name === "holdfast");
  if (h === undefined) continue;
  const peers = r.results.filter((x) => x.kind === "peer");
  const vs = peers.map((p) =>
    `${(h.postsPerS / p.postsPerS).toFixed(2)}x ${p.name} (CPU ${
      (h.cpuPostsPerS / p.cpuPostsPerS).toFixed(2)
    }x)`
  ).join(", ");
  const pass = h.correct && h.ratio >= 0.9 && peers.every((p) => h.postsPerS > p.postsPerS);
  const noisy = Math.abs(h.ratio - h.cpuRatio) > 0.1 ? " [wall and CPU disagree: noisy run]" : "";
  ok &&= pass;
  console.log(
    `${r.runtime}: holdfast ${pc(h.ratio)} of the tight loop (CPU time: ${pc(h.cpuRatio)}); ${vs}` +
      ` -> ${pass ? "PASS" : "FAIL"}${noisy}`,
  );
}
console.log(
  "(target: holdfast >= 90% of the tight loop and faster than every peer, wall-clock medians)",
);
process.exitCode = ok ? 0 : 2;
