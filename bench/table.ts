/**
 * The result shapes of the throughput benchmark and the markdown table (one runtime or combined).
 *
 * @module
 */
import type { ChunkInfo, CorpusInfo } from "./corpus.ts";

// ---- results ----------------------------------------------------------------------------------

/** One contestant's numbers on one runtime. */
export interface ContestantResult {
  name: string;
  note: string;
  kind: "reference" | "holdfast" | "peer" | "proto";
  /** Elapsed (wall) ms of each timed run, in order. */
  runsMs: number[];
  /** Process CPU ms (user + system, all threads) of each timed run: robust to a busy machine. */
  cpuRunsMs: number[];
  medianMs: number;
  medianCpuMs: number;
  /** Posts per CPU second (median CPU time). */
  cpuPostsPerS: number;
  /** cpuPostsPerS divided by the best reference's. */
  cpuRatio: number;
  mbPerS: number;
  postsPerS: number;
  /** posts/s divided by the best reference's posts/s (filled after all ran). */
  ratio: number;
  /** The same ratio from each one's fastest run (the least disturbed on a busy machine). */
  bestRatio: number;
  /** Posts counted in the checked run and in every timed run (must equal the corpus's). */
  postsSeen: number[];
  /** Posts the checked run saw with U+FFFD in any field (the corpus has none). */
  replacementPosts: number;
  /** Checked run: sum of text UTF-16 units minus the corpus's (0 when every text is intact). */
  textUnitsDelta: number;
  correct: boolean;
  error?: string;
}

/** Everything one runtime wrote. */
export interface RuntimeReport {
  runtime: "node" | "deno" | "bun";
  version: string;
  corpus: CorpusInfo;
  chunking: ChunkInfo;
  runs: number;
  warmup: number;
  date: string;
  /** 1/5/15-minute load averages before and after (2 cores: above ~1 means others competed). */
  loadavg: { before: number[]; after: number[] };
  /** FNV-1a of the measured src/ files (empty when they could not be read). */
  sources: Record<string, string>;
  results: ContestantResult[];
}

/** The combined markdown table (one row per runtime × contestant). */
export function markdown(reports: readonly RuntimeReport[]): string {
  const rows = [
    "| runtime | contestant | posts/s | MB/s | % of tight loop | % of tight (CPU time) | " +
    "posts delivered (corpus) | U+FFFD posts | correct | ms median (min-max) |",
    "|---|---|--:|--:|--:|--:|---|--:|:-:|---|",
  ];
  const fmt = (n: number, d = 0): string => Number.isFinite(n) ? n.toFixed(d) : "-";
  for (const rep of reports) {
    for (const r of rep.results) {
      const seen = [...new Set(r.postsSeen)].join("/");
      const min = Math.min(...r.runsMs), max = Math.max(...r.runsMs);
      rows.push(
        `| ${rep.runtime} ${rep.version} | ${r.name}${r.kind === "reference" ? " ¹" : ""} | ` +
          `${fmt(r.postsPerS / 1000, 1)}k | ${fmt(r.mbPerS)} | ${fmt(r.ratio * 100)}% | ` +
          `${fmt(r.cpuRatio * 100)}% | ` +
          `${seen} (${rep.corpus.posts}) | ${r.replacementPosts} | ${
            r.correct ? "yes" : "**NO**"
          } | ` +
          `${r.runsMs.length ? `${fmt(r.medianMs)} (${fmt(min)}-${fmt(max)})` : r.error ?? "-"} |`,
      );
    }
  }
  return rows.join("\n");
}
