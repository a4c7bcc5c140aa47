/**
 * Summarises a V8 `.cpuprofile` (from `throughput.ts --cpuprofile=FILE` on Node): self time per
 * function, and self time grouped into buckets (JSON.parse/classify, decode, split, streams, GC).
 *
 *   node bench/.out/profile_summary.mjs FILE [top=30]
 *
 * @module
 */
import { readFileSync } from "node:fs";

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
const file = process.argv[2];
const top = Number(process.argv[3] ?? 30);
const p = JSON.parse(readFileSync(file, "utf8")) as {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
};
const byId = new Map(p.nodes.map((n) => [n.id, n]));
const self = new Map<number, number>();
let total = 0;
for (let i = 0; i < p.samples.length; i++) {
  const d = p.timeDeltas[i] ?? 0;
  total += d;
  self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + d);
}
const fns = new Map<string, number>();
for (const [id, t] of self) {
  const cf = byId.get(id)!.callFrame;
  const where = cf.url === ""
    ? ""
    : ` ${cf.url.split("/").slice(-2).join("/")}:${cf.lineNumber + 1}`;
  const key = `${cf.functionName || "(anonymous)"}${where}`;
  fns.set(key, (fns.get(key) ?? 0) + t);
}
/** Coarse buckets: where the time goes. */
const BUCKETS: [string, RegExp][] = [
  ["profiler itself", /inspector/],
  ["JSON.parse + classifyLine", /^(classifyLine|tagsOf|post|idOf|str|isObject|line|parse) /],
  ["TextDecoder", /^decode( |$)|^op_encoding_decode/],
  ["WHATWG streams (runtime internals)", /webstreams|ext:deno_web|streams/],
  ["garbage collector", /^\(garbage collector\)/],
];
const buckets = new Map<string, number>();
for (const [k, t] of fns) {
  const b = BUCKETS.find(([, re]) => re.test(k))?.[0] ?? "other";
  buckets.set(b, (buckets.get(b) ?? 0) + t);
}

const pct = (t: number): string => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
console.log(`total sampled: ${(total / 1000).toFixed(0)} ms`);
for (const [b, t] of [...buckets].sort((x, y) => y[1] - x[1])) {
  console.log(`${pct(t)} ${(t / 1000).toFixed(0).padStart(6)} ms  [${b}]`);
}
console.log("---");
for (const [k, t] of [...fns].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`${pct(t)} ${(t / 1000).toFixed(0).padStart(6)} ms  ${k}`);
}
