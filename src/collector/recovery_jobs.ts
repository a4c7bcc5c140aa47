/**
 * Recovery streams run beside the live stream: at most two at once (X's limit), the rest queued
 * in order. Each replays a time window and ends; its posts join the same FIFO as the live ones.
 *
 * @module
 */
import type { RecoveryWindow } from "../recovery/recovery_planner.ts";
import type { WrittenIds } from "./post_pipeline.ts";
import { MAX_CONCURRENT_RECOVERIES, MAX_RECOVERY_WINDOW_MS } from "../x_limits.ts";

/** One Recovery to run. */
export interface RecoveryJob {
  /** 1, 2, 3, ... in the order they were queued. */
  readonly id: number;
  /** The window to replay. */
  readonly window: RecoveryWindow;
  /** The partition it replays, `undefined` for an unpartitioned stream. */
  readonly partition: number | undefined;
  /** Ids in its window already written (its margin, written before the gap, and see
   * `ReplayGuard`): replaying them is a duplicate even after the de-duplication window forgot
   * them. Dropped with the job. */
  readonly written?: WrittenIds;
}

/** How a Recovery ended: `ok` when its stream replayed the window to its end. */
export interface RecoveryOutcome {
  readonly ok: boolean;
  /** Posts it delivered (before de-duplication). */
  readonly posts: number;
  /** How its loop ended (`"eof"`, `"closed"`, or a stop reason such as `"http-400"`). */
  readonly reason?: string;
}

/** Counters of {@linkcode RecoveryJobs}. */
export interface RecoveryCounts {
  readonly queued: number;
  readonly running: number;
  readonly done: number;
  readonly failed: number;
}

/**
 * Runs Recovery jobs through `run`, at most `maxConcurrent` at once. A window queued for a while
 * has its start moved up to stay within the 24 hours a Recovery can reach when it finally runs.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecoveryJobs } from "./recovery_jobs.ts";
 * const ran: number[] = [];
 * const jobs = new RecoveryJobs({
 *   now: () => 1_000_000,
 *   run: (job) => { ran.push(job.id); return Promise.resolve({ ok: true, posts: 0 }); },
 * });
 * for (let i = 0; i < 3; i++) jobs.enqueue({ kind: "recovery", startMs: 0, endMs: 1 }, undefined);
 * assert.equal(jobs.counts().running, 2); // the third waits
 * await jobs.idle();
 * assert.deepEqual(ran, [1, 2, 3]);
 * ```
 */
export class RecoveryJobs {
  readonly #run: (job: RecoveryJob) => Promise<RecoveryOutcome>;
  readonly #now: () => number;
  readonly #maxConcurrent: number;
  readonly #queue: RecoveryJob[] = [];
  readonly #running = new Set<Promise<void>>();
  #nextId = 1;
  #done = 0;
  #failed = 0;
  #stopped = false;

  /** `run` carries out one job and never rejects (a rejection counts as a failure). */
  constructor(options: {
    run: (job: RecoveryJob) => Promise<RecoveryOutcome>;
    now: () => number;
    maxConcurrent?: number;
  }) {
    this.#run = options.run;
    this.#now = options.now;
    this.#maxConcurrent = options.maxConcurrent ?? MAX_CONCURRENT_RECOVERIES;
  }

  /** Queues a Recovery of `window` (`written`: see {@linkcode RecoveryJob.written}); it starts
   * at once when fewer than two run. */
  enqueue(
    window: RecoveryWindow,
    partition: number | undefined,
    written?: WrittenIds,
  ): RecoveryJob | undefined {
    if (this.#stopped) return undefined;
    const job: RecoveryJob = {
      id: this.#nextId++,
      window,
      partition,
      ...(written === undefined ? {} : { written }),
    };
    this.#queue.push(job);
    this.#pump();
    return job;
  }

  /** The counters. */
  counts(): RecoveryCounts {
    return {
      queued: this.#queue.length,
      running: this.#running.size,
      done: this.#done,
      failed: this.#failed,
    };
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all([...this.#running]);
  }

  /** Drops the queued jobs; the running ones end when their loops are aborted. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < this.#maxConcurrent && this.#queue.length > 0) {
      const job = this.#clamp(this.#queue.shift()!);
      const running: Promise<void> = this.#run(job)
        .then((outcome) => outcome.ok, () => false)
        .then((ok) => {
          if (ok) this.#done++;
          else this.#failed++;
          this.#running.delete(running);
          this.#pump();
        });
      this.#running.add(running);
    }
  }

  #clamp(job: RecoveryJob): RecoveryJob {
    // A minute inside the limit, so the request stays valid even if sent a little later.
    const earliest = this.#now() - MAX_RECOVERY_WINDOW_MS + 60_000;
    if (job.window.startMs >= earliest) return job;
    return { ...job, window: { ...job.window, startMs: Math.min(earliest, job.window.endMs - 1) } };
  }
}
