/**
 * Test helpers that attack chunk boundaries: feed a byte sequence in every possible split.
 *
 * @module
 */

/**
 * Yields `bytes` whole, then split in two at every byte boundary (including the empty ends),
 * then a few three-way splits (around the middle and at quarter points), each as fresh copies.
 *
 * @example
 * ```ts
 * import { everySplit } from "./every_split.ts";
 * const splits = [...everySplit(new Uint8Array([1, 2, 3]))];
 * console.assert(splits.every((s) => s.reduce((n, c) => n + c.length, 0) === 3));
 * ```
 */
export function* everySplit(bytes: Uint8Array): Generator<Uint8Array[]> {
  const n = bytes.length;
  yield [bytes.slice()];
  for (let i = 0; i <= n; i++) yield [bytes.slice(0, i), bytes.slice(i)];
  const cuts = new Set<string>();
  const quarter = Math.floor(n / 4);
  const half = Math.floor(n / 2);
  for (
    const [a, b] of [[quarter, half], [half - 1, half], [half, half + 1], [1, n - 1], [
      quarter,
      n - quarter,
    ]]
  ) {
    if (a < 0 || b > n || a > b || cuts.has(`${a},${b}`)) continue;
    cuts.add(`${a},${b}`);
    yield [bytes.slice(0, a), bytes.slice(a, b), bytes.slice(b)];
  }
}

/**
 * Yields `bytes` cut every `size` bytes (the last piece may be shorter).
 *
 * @example
 * ```ts
 * import { chunksOf } from "./every_split.ts";
 * console.assert([...chunksOf(new Uint8Array(5), 2)].length === 3);
 * ```
 */
export function* chunksOf(bytes: Uint8Array, size: number): Generator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.slice(i, i + size);
}

/**
 * A stream of `chunks`, pulled one at a time (nothing is read ahead of the consumer).
 *
 * @example
 * ```ts
 * import { readableOf } from "./every_split.ts";
 * const { value } = await readableOf([7]).getReader().read();
 * console.assert(value === 7);
 * ```
 */
export function readableOf<I>(chunks: Iterable<I>): ReadableStream<I> {
  const iterator = chunks[Symbol.iterator]();
  return new ReadableStream<I>({
    pull(controller) {
      const next = iterator.next();
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
  });
}

/**
 * Writes `chunks` (pulled one at a time) through `transform` and collects everything it emits.
 * Rejects with the stream's error.
 *
 * @example
 * ```ts
 * import { pipeChunks } from "./every_split.ts";
 * const out = await pipeChunks([1, 2], new TransformStream<number, number>());
 * console.assert(out.join() === "1,2");
 * ```
 */
export async function pipeChunks<I, O>(
  chunks: Iterable<I>,
  transform: TransformStream<I, O>,
): Promise<O[]> {
  const out: O[] = [];
  const reader = readableOf(chunks).pipeThrough(transform).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}
