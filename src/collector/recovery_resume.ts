/**
 * Where a Recovery stream that dropped part-way resumes. Asked again from its window's start,
 * it would replay everything it wrote already, hundreds of thousands of posts at a high rate,
 * more than the de-duplication window holds once the live stream wrote its share meanwhile (a
 * 30-minute soak wrote 18,177 posts a third time this way). It resumes instead a unit (a second
 * for v2, a minute for PowerTrack) before the unit of the newest post it read, and the ids it
 * read in those two units are known: their second copies are duplicates.
 *
 * @module
 */

/**
 * The resume point of one Recovery job, and the ids its earlier attempts read from there on.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { RecoveryResume } from "./recovery_resume.ts";
 * const resume = new RecoveryResume({ startMs: 0, unitMs: 1_000 });
 * resume.note("a", 4_200);
 * resume.note("b", 9_100);
 * resume.note("c", 10_300);
 * assert.equal(resume.fromMs, 9_000); // the unit before the newest post's
 * assert.equal(resume.has("b"), true); // read again after the resume: a duplicate
 * assert.equal(resume.has("a"), false); // before the resume point: not replayed
 * ```
 */
export class RecoveryResume {
  readonly #startMs: number;
  readonly #unitMs: number;
  #unit = -Infinity;
  #current = new Set<string>();
  #previous = new Set<string>();

  /** A job whose window starts at `startMs`, replayed in units of `unitMs`. */
  constructor(options: { startMs: number; unitMs: number }) {
    this.#startMs = options.startMs;
    this.#unitMs = options.unitMs;
  }

  /** Where the next attempt starts: the window's start until a post was read. */
  get fromMs(): number {
    return Math.max(this.#startMs, (this.#unit - 1) * this.#unitMs);
  }

  /** Whether an earlier attempt read `id` at or after {@linkcode fromMs}. Ask before
   * {@linkcode note} for the same post. */
  has(id: string): boolean {
    return this.#current.has(id) || this.#previous.has(id);
  }

  /** Post `id`, created at `createdAtMs`, was read (an unparsable time is ignored). */
  note(id: string, createdAtMs: number): void {
    if (Number.isNaN(createdAtMs)) return;
    const unit = Math.floor(createdAtMs / this.#unitMs);
    if (unit > this.#unit) {
      this.#previous = unit === this.#unit + 1 ? this.#current : new Set();
      this.#current = new Set();
      this.#unit = unit;
    }
    if (unit === this.#unit) this.#current.add(id);
    else if (unit === this.#unit - 1) this.#previous.add(id);
  }
}
