/**
 * A ladder of pipelines from the tight loop to holdfast's composition, one change per step, to
 * show where the time goes (`--ladder`). Bench only.
 *
 * @module
 */
import { Checker, type Contestant, type RunResult, sourceOf } from "../contestants.ts";
import { HeartbeatWatchdog } from "../../src/heartbeat_watchdog.ts";
import { classifyLine } from "../../src/classify_line.ts";
import { ProtoBatchLineSplitter, ProtoLineSplitter } from "./line_splitter_proto.ts";

interface Step {
  /** Watchdog on the byte chunks (a per-chunk pipeThrough). */
  watchdog: boolean;
  /** `inline`: decode + split in the reader loop (tight concat); `batch`: a TransformStream
   * emitting string[] per chunk; `line`: a TransformStream emitting one string per line. */
  split: "inline" | "batch" | "line";
  /** classifyLine instead of a bare JSON.parse. */
  classify: boolean;
}

function ladderStep(name: string, step: Step): Contestant {
  return {
    name,
    note: JSON.stringify(step),
    kind: "proto",
    async run(chunks, check): Promise<RunResult> {
      const checker = new Checker();
      let posts = 0;
      const handle = (s: string): void => {
        if (step.classify) {
          const m = classifyLine(s);
          if (m.type === "post") {
            posts++;
            if (check) checker.see(m.json);
          }
        } else if (s.length > 0) {
          const obj = JSON.parse(s);
          if (obj.data !== undefined) posts++;
          if (check) checker.see(obj);
        }
      };
      let body = sourceOf(chunks);
      if (step.watchdog) body = body.pipeThrough(new HeartbeatWatchdog<Uint8Array>());
      if (step.split === "inline") {
        const reader = body.getReader();
        const decoder = new TextDecoder();
        let buf = "";
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          buf += decoder.decode(value, { stream: true });
          let start = 0;
          let nl: number;
          while ((nl = buf.indexOf("\n", start)) !== -1) {
            const end = nl > start && buf.charCodeAt(nl - 1) === 13 ? nl - 1 : nl;
            handle(buf.slice(start, end));
            start = nl + 1;
          }
          if (start > 0) buf = buf.slice(start);
        }
      } else if (step.split === "batch") {
        const reader = body.pipeThrough(new ProtoBatchLineSplitter({ decode: "auto" })).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          for (let i = 0; i < value.length; i++) handle(value[i]);
        }
      } else {
        const reader = body.pipeThrough(new ProtoLineSplitter({ decode: "auto" })).getReader();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          handle(value);
        }
      }
      return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
    },
  };
}

/** The ladder, in order. */
export function ladderContestants(): Contestant[] {
  return [
    ladderStep("L1 tight loop + classifyLine", {
      watchdog: false,
      split: "inline",
      classify: true,
    }),
    ladderStep("L2 L1 + watchdog hop (per chunk)", {
      watchdog: true,
      split: "inline",
      classify: true,
    }),
    ladderStep("L3 batch splitter stage, no watchdog", {
      watchdog: false,
      split: "batch",
      classify: true,
    }),
    ladderStep("L4 L3 + watchdog hop", { watchdog: true, split: "batch", classify: true }),
    ladderStep("L5 per-line splitter stage + watchdog", {
      watchdog: true,
      split: "line",
      classify: true,
    }),
  ];
}
