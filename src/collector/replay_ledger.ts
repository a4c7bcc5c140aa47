/**
 * The Recovery windows of each partition, so that no post is replayed twice. A Recovery replays
 * hundreds of thousands of posts in seconds: when two replays overlap, or a replay's end reaches
 * past the moment the live stream resumed, the second copy comes more posts later than the
 * de-duplication window holds. The ledger trims a new window to start where the windows
 * already queued, running or done end, and gives each job a {@linkcode ReplayGuard}: the ids in
 * its window written by anyone else while it is queued or running, and its own last unit.
 *
 * @module
 */
import {
  alignRecoveryWindow,
  recoveryUnitMs,
  type RecoveryWindow,
} from "../recovery/recovery_planner.ts";
import type { WrittenIds } from "./post_pipeline.ts";

/** Covered windows kept per partition (the oldest go first). */
const MAX_COVERED_WINDOWS = 16;

/**
 * One Recovery job's view of the ids that were written already: its margin (written before its
 * gap), every id of its window written by another source while the job is queued or running
 * (the live stream's first seconds after it resumed, another replay), and what the window it
 * trimmed its start against wrote in the unit either side of its end (the instant both replay).
 */
export class ReplayGuard implements WrittenIds {
  /** The window the job replays, aligned to the product's unit. */
  readonly window: RecoveryWindow;
  /** Ids written, by anyone, within a unit of its end: kept after the job for the window that
   * starts there. */
  readonly tail = new Set<string>();
  readonly #margin: WrittenIds | undefined;
  readonly #inherited: readonly ReadonlySet<string>[];
  readonly #tailFromMs: number;
  readonly #toMs: number;
  readonly #seen = new Set<string>();

  /** A guard of `window` (aligned), `margin` the ids written before the gap, `inherited` the
   * tails of the windows that end where it starts. */
  constructor(
    window: RecoveryWindow,
    unitMs: number,
    margin: WrittenIds | undefined,
    inherited: readonly ReadonlySet<string>[],
  ) {
    this.window = window;
    this.#margin = margin;
    this.#inherited = inherited;
    // A unit either side of the end: X may compare `created_at` with the end to the unit.
    this.#tailFromMs = window.endMs - unitMs;
    this.#toMs = window.endMs + unitMs;
  }

  /** Whether the job's copy of `id` is a duplicate. */
  has(id: string): boolean {
    return this.#seen.has(id) || this.tail.has(id) || (this.#margin?.has(id) ?? false) ||
      this.#inherited.some((tail) => tail.has(id));
  }

  /** Ids noted so far (its tail and what others wrote in its window). */
  get noted(): number {
    return this.#seen.size + this.tail.size;
  }

  /** Post `id`, of time `atMs`, was written; `own` when by this job. */
  note(id: string, atMs: number, own: boolean): void {
    if (atMs >= this.#toMs) return;
    if (atMs >= this.#tailFromMs) this.tail.add(id);
    else if (!own && atMs >= this.window.startMs) this.#seen.add(id);
  }
}

interface Covered {
  readonly startMs: number;
  readonly endMs: number;
  /** Its job's tail (the ledger keeps no more of a guard once its job ended). */
  readonly tail: ReadonlySet<string>;
}

/**
 * Admits Recovery windows per partition and feeds their guards.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecoveryLedger } from "./replay_ledger.ts";
 * const ledger = new RecoveryLedger({ product: "v2" });
 * const a = ledger.admit(undefined, { kind: "recovery", startMs: 0, endMs: 600_000 })!;
 * // A later gap whose margin reaches back into the first window starts where it ends.
 * const b = ledger.admit(undefined, { kind: "recovery", startMs: 570_000, endMs: 900_400 })!;
 * assert.deepEqual(b.window, { kind: "recovery", startMs: 600_000, endMs: 901_000 });
 * ledger.noteWritten(undefined, "live-1", 900_700, undefined); // the live stream, resumed
 * assert.equal(b.has("live-1"), true); // b replays it again at its end: a duplicate
 * ledger.noteWritten(undefined, "a-last", 600_000, a); // a's last instant, b's first
 * assert.equal(b.has("a-last"), true);
 * assert.equal(ledger.admit(undefined, { kind: "recovery", startMs: 0, endMs: 900_000 }), undefined);
 * ```
 */
export class RecoveryLedger {
  readonly #product: "v2" | "powertrack";
  readonly #unitMs: number;
  readonly #covered = new Map<number | undefined, Covered[]>();
  readonly #active = new Map<number | undefined, Set<ReplayGuard>>();

  /** An empty ledger for `product` (its unit aligns the windows). */
  constructor(options: { product: "v2" | "powertrack" }) {
    this.#product = options.product;
    this.#unitMs = recoveryUnitMs(options.product);
  }

  /**
   * The guard of a Recovery of `window` for `partition`, its start moved to the end of any
   * window already admitted that holds it, and its end to the start of one that holds its end;
   * `undefined` when those cover all of it. `margin`: the ids written before the gap. (A window
   * admitted earlier that lies strictly inside it is replayed twice, and caught by the guards
   * only while both run.)
   */
  admit(
    partition: number | undefined,
    window: RecoveryWindow,
    margin?: WrittenIds,
  ): ReplayGuard | undefined {
    const aligned = alignRecoveryWindow(window, this.#product);
    const covered = this.#covered.get(partition) ?? [];
    let startMs = aligned.startMs;
    const inherited: Covered[] = [];
    for (let moved = true; moved;) {
      moved = false;
      for (const c of covered) {
        if (c.startMs > startMs || c.endMs < startMs) continue;
        if (c.endMs > startMs) {
          startMs = c.endMs;
          moved = true;
        }
        if (!inherited.includes(c)) inherited.push(c);
      }
    }
    // One that starts inside it and reaches its end takes that part (a connection that dropped
    // earlier planned a window reaching back further than the one queued first).
    let endMs = aligned.endMs;
    for (const c of covered) {
      if (c.startMs > startMs && c.startMs < endMs && c.endMs >= endMs) endMs = c.startMs;
    }
    if (startMs >= endMs) return undefined;
    const guard = new ReplayGuard(
      { kind: "recovery", startMs, endMs },
      this.#unitMs,
      margin,
      inherited.filter((c) => c.endMs === startMs).map((c) => c.tail),
    );
    covered.push({ startMs, endMs, tail: guard.tail });
    if (covered.length > MAX_COVERED_WINDOWS) covered.shift();
    this.#covered.set(partition, covered);
    let active = this.#active.get(partition);
    if (active === undefined) this.#active.set(partition, active = new Set());
    active.add(guard);
    return guard;
  }

  /** Post `id` of `partition`, of time `atMs` (`created_at`), was written by the job of
   * `source` (`undefined`, or anything not a guard, for another source). */
  noteWritten(
    partition: number | undefined,
    id: string,
    atMs: number,
    source: WrittenIds | undefined,
  ): void {
    const active = this.#active.get(partition);
    if (active === undefined) return;
    for (const guard of active) guard.note(id, atMs, guard === source);
  }

  /** The job of `guard` (its `written`) ended; unless `ok`, its window no longer counts as
   * covered (its loss is reported, and a later gap there is recovered again). */
  finished(partition: number | undefined, guard: WrittenIds | undefined, ok: boolean): void {
    if (!(guard instanceof ReplayGuard)) return;
    this.#active.get(partition)?.delete(guard);
    if (ok) return;
    const covered = this.#covered.get(partition) ?? [];
    const index = covered.findIndex((c) => c.tail === guard.tail);
    if (index >= 0) covered.splice(index, 1);
  }
}
