/**
 * Compares two V8 heap snapshots (investigation aid for the soak's memory criterion): the growth
 * of self size per node type and constructor from A to B, then B's largest objects and what holds
 * each of them.
 *
 *   node --import tsx bench/heap_diff.ts A.heapsnapshot B.heapsnapshot [--top=25]
 *
 * Snapshots come from `bench/soak.ts --heap-snapshots=DIR` (Node and Deno), or from any
 * `v8.writeHeapSnapshot`. Strings are grouped together (their text is not a type).
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import process from "node:process";

interface Snapshot {
  snapshot: {
    meta: {
      node_fields: string[];
      node_types: [string[], ...unknown[]];
      edge_fields: string[];
      edge_types: [string[], ...unknown[]];
    };
  };
  nodes: number[];
  edges: number[];
  strings: string[];
}

/** A parsed snapshot with accessors by node index. */
class Heap {
  readonly #s: Snapshot;
  readonly #n: number;
  readonly #f: Record<"type" | "name" | "self_size" | "edge_count", number>;
  constructor(s: Snapshot) {
    this.#s = s;
    const fields = s.snapshot.meta.node_fields;
    this.#n = fields.length;
    this.#f = {
      type: fields.indexOf("type"),
      name: fields.indexOf("name"),
      self_size: fields.indexOf("self_size"),
      edge_count: fields.indexOf("edge_count"),
    };
  }
  get count(): number {
    return this.#s.nodes.length / this.#n;
  }
  type(i: number): string {
    return this.#s.snapshot.meta.node_types[0][this.#s.nodes[i * this.#n + this.#f.type]];
  }
  name(i: number): string {
    return this.#s.strings[this.#s.nodes[i * this.#n + this.#f.name]];
  }
  size(i: number): number {
    return this.#s.nodes[i * this.#n + this.#f.self_size];
  }
  /** Calls `visit(from, to, edgeName)` for every edge. */
  edges(visit: (from: number, to: number, edge: string) => void): void {
    const s = this.#s;
    const fields = s.snapshot.meta.edge_fields;
    const width = fields.length;
    const [type, name, to] = ["type", "name_or_index", "to_node"].map((f) => fields.indexOf(f));
    const types = s.snapshot.meta.edge_types[0];
    let e = 0;
    for (let i = 0; i < this.count; i++) {
      const count = s.nodes[i * this.#n + this.#f.edge_count];
      for (let k = 0; k < count; k++, e += width) {
        const kind = types[s.edges[e + type]];
        const label = kind === "element" || kind === "hidden"
          ? `[${s.edges[e + name]}]`
          : s.strings[s.edges[e + name]];
        visit(i, s.edges[e + to] / this.#n, label);
      }
    }
  }
}

/** Self size and count per `type name` (strings together). */
function byKind(heap: Heap): Map<string, { count: number; bytes: number }> {
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < heap.count; i++) {
    const type = heap.type(i);
    const name = type.includes("string") || type === "number" ? "" : heap.name(i).slice(0, 60);
    const key = `${type} ${JSON.stringify(name)}`;
    const total = totals.get(key) ?? { count: 0, bytes: 0 };
    total.count++;
    total.bytes += heap.size(i);
    totals.set(key, total);
  }
  return totals;
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(2);

async function load(path: string): Promise<Heap> {
  return new Heap(JSON.parse(await readFile(path, "utf8")) as Snapshot);
}

const args = process.argv.slice(2);
const files = args.filter((a) => !a.startsWith("--"));
const top = Number(args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
if (files.length !== 2 || !(top > 0)) {
  console.error("usage: bench/heap_diff.ts A.heapsnapshot B.heapsnapshot [--top=25]");
  process.exit(2);
}
const [a, b] = [await load(files[0]), await load(files[1])];
const [kindsA, kindsB] = [byKind(a), byKind(b)];
const sum = (m: Map<string, { bytes: number }>): number =>
  [...m.values()].reduce((total, v) => total + v.bytes, 0);
console.log(`self size, MB: ${mb(sum(kindsA))} -> ${mb(sum(kindsB))}`);
console.log(`\ngrowth by kind (MB, count): top ${top}`);
const rows = [...new Set([...kindsA.keys(), ...kindsB.keys()])].map((key) => {
  const [x, y] = [kindsA.get(key), kindsB.get(key)];
  return {
    key,
    bytes: (y?.bytes ?? 0) - (x?.bytes ?? 0),
    count: (y?.count ?? 0) - (x?.count ?? 0),
  };
}).sort((p, q) => q.bytes - p.bytes).slice(0, top);
for (const r of rows) {
  console.log(`${mb(r.bytes).padStart(9)} ${String(r.count).padStart(9)}  ${r.key}`);
}

console.log(`\nlargest objects in B and what holds them: top ${top}`);
const largest = Array.from({ length: b.count }, (_, i) => i)
  .sort((p, q) => b.size(q) - b.size(p)).slice(0, top);
const holders = new Map<number, string[]>(largest.map((i) => [i, []]));
b.edges((from, to, edge) => {
  const list = holders.get(to);
  if (list !== undefined && list.length < 3) {
    list.push(`${b.type(from)} ${b.name(from).slice(0, 40)} .${edge}`);
  }
});
for (const i of largest) {
  console.log(
    `${mb(b.size(i)).padStart(9)}  ${b.type(i)} ${JSON.stringify(b.name(i).slice(0, 40))} <- ${
      holders.get(i)!.join(" | ")
    }`,
  );
}
