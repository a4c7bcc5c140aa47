/**
 * Every published post (or compliance event), in order, with its publish time and the rules it
 * matched: what backfill and Recovery replay, and what a loss check compares a client's output
 * with. Stored in columns of fixed-size blocks (12-24 bytes per post), so a long run at thousands
 * of posts per second stays small; bounded by age (`retentionMs`) and by count (`maxEntries`).
 *
 * @module
 */

const BLOCK_SIZE = 4096;
/** Four `Int32` per entry: three v2 rule indexes and one PowerTrack rule index (`-1`: none). */
const RULE_STRIDE = 4;

interface Block {
  readonly at: Float64Array;
  readonly rules: Int32Array;
}

/** Options of a {@linkcode History}. */
export interface HistoryOptions {
  /** Entries older than this (by publish time) are forgotten. */
  readonly retentionMs: number;
  /** At most this many entries are kept; the oldest go first. */
  readonly maxEntries: number;
}

/** An append-only, bounded log of published posts, addressed by sequence number. */
export class History {
  readonly #retentionMs: number;
  readonly #maxEntries: number;
  readonly #blocks: Block[] = [];
  #firstBlockNo = 0;
  #firstSeq = 0;
  #nextSeq = 0;

  /** Creates an empty history. */
  constructor(options: HistoryOptions) {
    this.#retentionMs = options.retentionMs;
    this.#maxEntries = options.maxEntries;
  }

  /** The oldest sequence number still kept. */
  get firstSeq(): number {
    return this.#firstSeq;
  }

  /** The sequence number the next entry will get (= how many were ever appended). */
  get nextSeq(): number {
    return this.#nextSeq;
  }

  /** Appends an entry published at `atMs` (never earlier than the previous one) and returns its sequence number. */
  append(atMs: number, r0 = -1, r1 = -1, r2 = -1, powertrackRule = -1): number {
    const seq = this.#nextSeq++;
    const index = seq % BLOCK_SIZE;
    if (index === 0) {
      this.#blocks.push({
        at: new Float64Array(BLOCK_SIZE),
        rules: new Int32Array(BLOCK_SIZE * RULE_STRIDE),
      });
    }
    const block = this.#blocks[this.#blocks.length - 1] as Block;
    block.at[index] = atMs;
    const at = index * RULE_STRIDE;
    block.rules[at] = r0;
    block.rules[at + 1] = r1;
    block.rules[at + 2] = r2;
    block.rules[at + 3] = powertrackRule;
    if (this.#nextSeq - this.#firstSeq > this.#maxEntries) {
      this.#dropBefore(this.#nextSeq - this.#maxEntries);
    }
    return seq;
  }

  /** True while `seq` is kept. */
  has(seq: number): boolean {
    return seq >= this.#firstSeq && seq < this.#nextSeq;
  }

  /** The publish time of a kept entry. */
  atMs(seq: number): number {
    const [block, index] = this.#locate(seq);
    return block.at[index] as number;
  }

  /** Rule index `slot` (0-2: v2 rules, 3: the PowerTrack rule) of a kept entry; `-1` when none. */
  rule(seq: number, slot: number): number {
    const [block, index] = this.#locate(seq);
    return block.rules[index * RULE_STRIDE + slot] as number;
  }

  /** The first kept sequence number published at or after `ms` (`nextSeq` when none). */
  seqAtOrAfter(ms: number): number {
    let lo = this.#firstSeq, hi = this.#nextSeq;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.atMs(mid) < ms) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forgets the entries older than the retention window. */
  prune(nowMs: number): void {
    this.#dropBefore(this.seqAtOrAfter(nowMs - this.#retentionMs));
  }

  #dropBefore(seq: number): void {
    this.#firstSeq = Math.max(this.#firstSeq, Math.min(seq, this.#nextSeq));
    const keepFrom = Math.floor(this.#firstSeq / BLOCK_SIZE);
    while (this.#firstBlockNo < keepFrom && this.#blocks.length > 1) {
      this.#blocks.shift();
      this.#firstBlockNo++;
    }
  }

  #locate(seq: number): [Block, number] {
    if (!this.has(seq)) throw new RangeError(`History no longer holds entry ${seq}`);
    const block = this.#blocks[Math.floor(seq / BLOCK_SIZE) - this.#firstBlockNo] as Block;
    return [block, seq % BLOCK_SIZE];
  }
}
