/**
 * Chaos fuzz (investigation aid, not a test): the collector with redundant connections against
 * the in-process simulator's `chaos` scenario under FAKE time, for many seeds, checking that every
 * post published was written exactly once. Simulated minutes take real seconds, so many fault
 * sequences are tried where the soak (real time) tries one; a failing seed reproduces exactly.
 *
 *   node --import tsx bench/chaos_fuzz.ts [--seeds=1-20] [--minutes=20] [--rate=50] [--connections=2]
 *     [--tick=100] [--verbose=true]
 *
 * `--tick`: the simulator's publish tick, ms (one not dividing a second publishes the posts
 * created just before a whole second after it, as a loaded simulator does in real time).
 *
 * Prints one line per seed (published, written, twice, missing and the first missing ids' times)
 * and exits 2 when any seed lost or duplicated a post.
 *
 * @module
 */
import process from "node:process";
import FakeTimers from "@sinonjs/fake-timers";
import { createCollector } from "../src/collector/create_collector.ts";
import type { CollectorEvent } from "../src/collector/collector_types.ts";
import { createSimulator } from "../src/simulator/mod.ts";
import type { PostMessage } from "../src/messages.ts";
import type { PostSink, SinkPosition } from "../src/sinks/post_sink.ts";
import { BenchOptions } from "./options.ts";

const options = new BenchOptions("chaos_fuzz");
const [firstSeed, lastSeed] = options.range("seeds", "1-20");
const minutes = options.number("minutes", 20);
const rate = options.number("rate", 50);
const connections = options.number("connections", 2, { integer: true });
const tickMs = options.number("tick", 100, { integer: true });
const verbose = options.flag("verbose");

/** A sink that keeps only the ids it was given (at 2,000 posts/s whole posts fill the heap). */
class IdsSink implements PostSink {
  readonly ids: string[] = [];
  write(post: PostMessage): Promise<void> {
    this.ids.push(post.id ?? "");
    return Promise.resolve();
  }
  flush(): Promise<void> {
    return Promise.resolve();
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
  position(): SinkPosition {
    return { kind: "memory", posts: this.ids.length, bytes: 0 };
  }
}

/** Runs one seed; returns whether every post was written exactly once. */
async function runSeed(seed: number): Promise<boolean> {
  const clock = FakeTimers.install({
    now: Date.UTC(2025, 0, 1),
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
  const sim = createSimulator({
    seed,
    postsPerSecond: rate,
    scenario: "chaos",
    maxConnections: 2,
    publishTickMs: tickMs,
  });
  const sink = new IdsSink();
  const events: { at: string; event: CollectorEvent }[] = [];
  const collector = createCollector({
    url: "https://api.x.com/2/tweets/sample/stream",
    auth: { bearer: "test-token" },
    fetch: sim.fetch,
    sinks: [sink],
    connections,
    onEvent: (event) => {
      if (event.type !== "duplicate") events.push({ at: new Date().toISOString(), event });
    },
  });
  try {
    await clock.tickAsync(10_000);
    const since = sim.now();
    for (let t = 0; t < minutes * 60; t += 10) await clock.tickAsync(10_000);
    sim.pausePublishing();
    const until = sim.now();
    await clock.tickAsync(300_000);
    await collector.close();
    const expected = sim.posts({ sinceMs: since, untilMs: until }).map((p) => p.id);
    const counts = new Map<string, number>();
    for (const id of sink.ids) counts.set(id, (counts.get(id) ?? 0) + 1);
    const twice = [...counts.values()].filter((n) => n > 1).length;
    const missing = expected.filter((id) => !counts.has(id));
    const time = (id: string): string =>
      new Date(Number((BigInt(id) >> 22n) + 1288834974657n)).toISOString();
    const ok = twice === 0 && missing.length === 0;
    console.log(
      `seed ${seed}: published ${expected.length}, written ${sink.ids.length}, twice ${twice}, ` +
        `missing ${missing.length}, events ${
          JSON.stringify(
            events.reduce<Record<string, number>>((n, e) => {
              n[e.event.type] = (n[e.event.type] ?? 0) + 1;
              return n;
            }, {}),
          )
        }` +
        (missing.length > 0 ? ` (${time(missing[0])} .. ${time(missing.at(-1)!)})` : ""),
    );
    if (!ok && verbose) {
      for (const { at, event } of events) {
        if (event.type === "heartbeat") continue;
        console.log(at, JSON.stringify(event).slice(0, 400));
      }
    }
    return ok;
  } finally {
    sim.close();
    clock.uninstall();
  }
}

let failed = 0;
for (let seed = firstSeed; seed <= (lastSeed ?? firstSeed); seed++) {
  if (!(await runSeed(seed))) failed++;
}
console.log(`${failed} of ${(lastSeed ?? firstSeed) - firstSeed + 1} seeds failed`);
if (failed > 0) process.exitCode = 2;
