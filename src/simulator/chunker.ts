/**
 * Cuts the byte stream of a connection into chunks of seeded, arbitrary sizes, the way TCP and
 * proxies do: a chunk may end anywhere, in the middle of a line or of a multi-byte UTF-8
 * character. Lines are encoded lazily, one at a time, as the reader asks for bytes, so the
 * not-yet-sent posts stay cheap numbers in the connection's queue.
 *
 * @module
 */
import type { Random } from "./prng.ts";

/** One line on the wire (its `\r\n` included), and what it was. */
export interface Piece {
  readonly kind: "post" | "heartbeat" | "control";
  readonly bytes: Uint8Array;
}

/** Options of a {@linkcode ByteChunker}. */
export interface ByteChunkerOptions {
  readonly random: Random;
  /** Smallest chunk drawn (bytes). */
  readonly minBytes: number;
  /** Largest chunk drawn (bytes). */
  readonly maxBytes: number;
}

/** Assembles chunks of drawn sizes from a source of pieces. */
export class ByteChunker {
  readonly #options: ByteChunkerOptions;
  #pending: Piece | undefined;
  #offset = 0;

  /** Creates a chunker with nothing pending. */
  constructor(options: ByteChunkerOptions) {
    this.#options = options;
  }

  /** True while part of a line is waiting to be sent. */
  get hasPartial(): boolean {
    return this.#pending !== undefined;
  }

  /**
   * Builds the next chunk: up to a drawn size, from the piece in progress and then from `next()`.
   * Calls `completed(piece)` for each piece whose last byte is in the chunk. Returns `undefined`
   * when there is nothing to send.
   */
  take(next: () => Piece | undefined, completed: (piece: Piece) => void): Uint8Array | undefined {
    const { random, minBytes, maxBytes } = this.#options;
    // Squaring favours small chunks (more splits) while keeping large ones possible.
    const target = minBytes + Math.floor(random() ** 2 * (maxBytes - minBytes + 1));
    const parts: Uint8Array[] = [];
    let total = 0;
    while (total < target) {
      if (!this.#pending) {
        this.#pending = next();
        this.#offset = 0;
        if (!this.#pending) break;
      }
      const bytes = this.#pending.bytes;
      const n = Math.min(bytes.length - this.#offset, target - total);
      parts.push(bytes.subarray(this.#offset, this.#offset + n));
      this.#offset += n;
      total += n;
      if (this.#offset === bytes.length) {
        completed(this.#pending);
        this.#pending = undefined;
      }
    }
    return total === 0 ? undefined : concat(parts, total);
  }

  /** The rest of the line in progress (so a closing message starts on a line of its own). */
  takeRest(completed: (piece: Piece) => void): Uint8Array | undefined {
    if (!this.#pending) return undefined;
    const rest = this.#pending.bytes.slice(this.#offset);
    completed(this.#pending);
    this.#pending = undefined;
    return rest;
  }

  /** Forgets the line in progress (an abrupt reset loses it). */
  discard(): void {
    this.#pending = undefined;
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  // Always copy: a chunk handed to a reader must not share memory with later chunks.
  const out = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
