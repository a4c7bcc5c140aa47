/**
 * Prototype pipelines (bench only) that show where holdfast's time goes and how its stages could
 * get faster. Enabled with `--proto`; they never count as the reference or as peers.
 *
 * @module
 */
import { Checker, type Contestant, type RunResult, sourceOf } from "../contestants.ts";
import { HeartbeatWatchdog } from "../../src/heartbeat_watchdog.ts";
import { classifyLine } from "../../src/classify_line.ts";
import { ProtoBatchLineSplitter, type ProtoSplitterOptions } from "./line_splitter_proto.ts";
import { LineSplitter } from "../../src/line_splitter.ts";

const done = (check: boolean, checker: Checker, posts: number): RunResult =>
  check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };

/** Per-line pipeline (like holdfast) with a given line stream. */
function perLine(
  name: string,
  note: string,
  lines: () => TransformStream<Uint8Array, string>,
): Contestant {
  return {
    name,
    note,
    kind: "proto",
    async run(chunks, check) {
      const reader = sourceOf(chunks).pipeThrough(new HeartbeatWatchdog<Uint8Array>())
        .pipeThrough(lines()).getReader();
      const checker = new Checker();
      let posts = 0;
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        const m = classifyLine(value);
        if (m.type === "post") {
          posts++;
          if (check) checker.see(m.json);
        }
      }
      return done(check, checker, posts);
    },
  };
}

/** Batched pipeline: one `string[]` per chunk, classifyLine in a plain loop. */
function batched(
  name: string,
  note: string,
  splitter: () => TransformStream<Uint8Array, string[]>,
): Contestant {
  return {
    name,
    note,
    kind: "proto",
    async run(chunks, check) {
      const reader = sourceOf(chunks).pipeThrough(new HeartbeatWatchdog<Uint8Array>())
        .pipeThrough(splitter()).getReader();
      const checker = new Checker();
      let posts = 0;
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        for (let i = 0; i < value.length; i++) {
          const m = classifyLine(value[i]);
          if (m.type === "post") {
            posts++;
            if (check) checker.see(m.json);
          }
        }
      }
      return done(check, checker, posts);
    },
  };
}

/** Per-line through an async generator over the batches (an alternative per-line API). */
function generator(name: string, note: string, options: ProtoSplitterOptions): Contestant {
  async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
    const reader = body.pipeThrough(new ProtoBatchLineSplitter(options)).getReader();
    for (;;) {
      const { done: end, value } = await reader.read();
      if (end) return;
      for (let i = 0; i < value.length; i++) yield value[i];
    }
  }
  return {
    name,
    note,
    kind: "proto",
    async run(chunks, check) {
      const checker = new Checker();
      let posts = 0;
      for await (
        const line of lines(sourceOf(chunks).pipeThrough(new HeartbeatWatchdog<Uint8Array>()))
      ) {
        const m = classifyLine(line);
        if (m.type === "post") {
          posts++;
          if (check) checker.see(m.json);
        }
      }
      return done(check, checker, posts);
    },
  };
}

/** The prototype contestants. */
export function protoContestants(): Contestant[] {
  const knob = (options: ProtoSplitterOptions) => () => new ProtoBatchLineSplitter(options);
  return [
    perLine(
      "proto: per-line LineSplitter",
      "watchdog → src's per-line LineSplitter (one stream hop per line) + reader loop + classifyLine",
      () => new LineSplitter(),
    ),
    batched(
      "proto: batch splitter (stream decode)",
      "string[] per chunk; always decode(x, {stream:true})",
      knob({ decode: "stream" }),
    ),
    batched(
      "proto: batch splitter (whole decode)",
      "string[] per chunk; always decode(x)",
      knob({ decode: "whole" }),
    ),
    generator(
      "proto: async generator of lines",
      "batch splitter + `for await` over an async generator yielding each line",
      { decode: "auto" },
    ),
  ];
}
