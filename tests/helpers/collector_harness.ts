/**
 * Shared helpers for the collector tests: a collector wired to the in-process simulator with a
 * memory sink, and the loss check (every post published in a window written exactly once).
 */
import assert from "node:assert/strict";
import { createCollector } from "../../src/collector/create_collector.ts";
import type {
  Collector,
  CollectorEvent,
  CollectorOptions,
} from "../../src/collector/collector_types.ts";
import type { PostMessage } from "../../src/messages.ts";
import type { Simulator } from "../../src/simulator/mod.ts";
import type { AttemptRecord } from "../../src/simulator/recorder.ts";
import { MemoryPostSink } from "./memory_post_sink.ts";

export const SAMPLE_URL = "https://api.x.com/2/tweets/sample/stream";
/** A stream of two partitions: reading both gives every post. */
export const SAMPLE10_URL = "https://api.x.com/2/tweets/sample10/stream";

/** A collector under test, its sink and the events it emitted. */
export interface Harness {
  readonly collector: Collector;
  readonly sink: MemoryPostSink;
  readonly events: CollectorEvent[];
}

/** Starts a collector on `sim` with a memory sink; `options` override the defaults. */
export function startCollector(
  sim: Simulator,
  options: Partial<CollectorOptions> = {},
  sink: MemoryPostSink = new MemoryPostSink(),
): Harness {
  const events: CollectorEvent[] = [];
  const collector = createCollector({
    url: SAMPLE_URL,
    auth: { bearer: "test-token" },
    fetch: sim.fetch,
    sinks: [sink],
    onEvent: (event) => void events.push(event),
    ...options,
  });
  return { collector, sink, events };
}

/** Ids of posts `sim` published from `sinceMs` to `untilMs` (inclusive). */
export function publishedIds(sim: Simulator, sinceMs: number, untilMs: number): string[] {
  return sim.posts({ sinceMs, untilMs }).map((post) => post.id);
}

/**
 * Asserts that every id in `expected` was written exactly once across `posts`, and that nothing
 * was written twice at all.
 */
export function assertExactlyOnce(
  posts: readonly PostMessage[],
  expected: readonly string[],
): void {
  const counts = new Map<string, number>();
  for (const post of posts) counts.set(post.id ?? "", (counts.get(post.id ?? "") ?? 0) + 1);
  const twice = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
  assert.deepEqual(twice, [], `${twice.length} posts written more than once`);
  const missing = expected.filter((id) => !counts.has(id));
  assert.deepEqual(
    missing.slice(0, 5),
    [],
    `${missing.length} of ${expected.length} published posts missing from the output`,
  );
  assert.ok(expected.length > 0, "the window published posts");
}

/** Stream attempts (no rules, connections or control calls). */
export function streamAttempts(sim: Simulator): AttemptRecord[] {
  return sim.attempts().filter((a) => a.path.endsWith("/stream") || a.path.endsWith(".json"));
}
