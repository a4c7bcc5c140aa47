/**
 * Frames an X stream body (bytes) into lines (strings), one decode per chunk.
 *
 * @module
 */
import * as v from "valibot";
import { LineTooLongError } from "./errors/line_too_long_error.ts";
import { DEFAULT_MAX_LINE_BYTES } from "./x_limits.ts";

/** Options of {@linkcode LineSplitter}. */
export interface LineSplitterOptions {
  /** The longest line accepted, in bytes (without `\n` and a trailing `\r`).
   * @default {DEFAULT_MAX_LINE_BYTES} (512 KiB) */
  readonly maxLineBytes?: number;
}

const PositiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * Fills in the defaults of {@linkcode LineSplitterOptions} and validates them.
 * Throws `TypeError` (not a number) or `RangeError` (not a positive integer).
 *
 * @example
 * ```ts
 * import { resolveLineSplitterOptions } from "./line_splitter.ts";
 * console.assert(resolveLineSplitterOptions({}).maxLineBytes === 512 * 1024);
 * ```
 */
export function resolveLineSplitterOptions(
  options: LineSplitterOptions = {},
): Required<LineSplitterOptions> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!v.is(PositiveInteger, maxLineBytes)) {
    const ErrorClass = typeof maxLineBytes === "number" ? RangeError : TypeError;
    throw new ErrorClass(
      `Cannot construct LineSplitter as 'maxLineBytes' must be a positive integer: current value is ${
        typeof maxLineBytes === "string" ? JSON.stringify(maxLineBytes) : String(maxLineBytes)
      }`,
    );
  }
  return { maxLineBytes };
}

const LF = 0x0a;
const CR = 0x0d;
const STREAM: TextDecodeOptions = { stream: true };

/**
 * Splits bytes into lines on `\n`, strips one trailing `\r`, and decodes UTF-8 correctly when a
 * character (or a `\r\n`) is split across chunks. An empty line (X's heartbeat) is emitted as `""`;
 * a final unterminated line is emitted at close when non-empty. Invalid UTF-8 becomes U+FFFD.
 * A line longer than `maxLineBytes` errors the stream with {@linkcode LineTooLongError}, checked
 * while the line accumulates, so at most about `maxLineBytes` are ever held.
 *
 * Each chunk is decoded once up to its last `\n`; only the unterminated tail is kept as bytes.
 *
 * @example
 * ```ts
 * import { LineSplitter } from "./line_splitter.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\r\n\r\n{"b":"🙂"}\r\n');
 * const body = new ReadableStream<Uint8Array>({
 *   start(c) { c.enqueue(bytes.subarray(0, 13)); c.enqueue(bytes.subarray(13)); c.close(); },
 * });
 * const lines: string[] = [];
 * for await (const line of body.pipeThrough(new LineSplitter())) lines.push(line);
 * console.assert(JSON.stringify(lines) === JSON.stringify(['{"a":1}', "", '{"b":"🙂"}']));
 * ```
 */
export class LineSplitter extends TransformStream<Uint8Array, string> {
  /** Creates a splitter; throws `TypeError`/`RangeError` on invalid options. */
  constructor(options: LineSplitterOptions = {}) {
    const { maxLineBytes } = resolveLineSplitterOptions(options);
    super(new SplitterTransformer(maxLineBytes));
  }
}

/** Holds the splitter state; a separate object because `start` would run before `#fields` exist. */
class SplitterTransformer implements Transformer<Uint8Array, string> {
  readonly #max: number;
  readonly #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  /** Bytes of the unterminated line, in arrival order (a list, so small chunks never re-copy). */
  #parts: Uint8Array[] = [];
  #pendingBytes = 0;

  constructor(maxLineBytes: number) {
    this.#max = maxLineBytes;
  }

  transform(chunk: Uint8Array, controller: TransformStreamDefaultController<string>): void {
    const last = chunk.lastIndexOf(LF);
    if (last === -1) return this.#hold(chunk, false, controller);
    // Fast path: nothing before the last `\n` can exceed the cap when all of it fits.
    if (this.#pendingBytes + last > this.#max) {
      const bad = this.#findOversized(chunk, last);
      if (bad !== undefined) {
        if (bad.start > 0) this.#emit(chunk, bad.start - 1, controller);
        return this.#fail(bad.bytes, controller);
      }
    }
    this.#emit(chunk, last, controller);
    if (last + 1 < chunk.length) this.#hold(chunk.slice(last + 1), true, controller);
  }

  flush(controller: TransformStreamDefaultController<string>): void {
    if (this.#pendingBytes === 0) return;
    const line = stripCR(this.#decode(this.#takePending(0)));
    if (line !== "") controller.enqueue(line);
  }

  /** Keeps bytes of a line that has no `\n` yet; refuses it once it is surely too long. */
  #hold(
    bytes: Uint8Array,
    owned: boolean,
    controller: TransformStreamDefaultController<string>,
  ): void {
    if (bytes.length === 0) return;
    const held = this.#pendingBytes + bytes.length;
    // A last byte `\r` may be the start of `\r\n`, which is not counted.
    const lineBytes = bytes[bytes.length - 1] === CR ? held - 1 : held;
    if (lineBytes > this.#max) return this.#fail(lineBytes, controller);
    // Copy unless the bytes are ours already: the source may reuse its buffer.
    this.#parts.push(owned ? bytes : bytes.slice());
    this.#pendingBytes = held;
  }

  /** Emits the lines of the pending bytes plus `chunk[0, end)` (which ends before a `\n`). */
  #emit(
    chunk: Uint8Array,
    end: number,
    controller: TransformStreamDefaultController<string>,
  ): void {
    let from = 0;
    if (this.#pendingBytes > 0) {
      // Only the line that straddles the chunks is assembled from bytes; the rest is decoded in place.
      from = chunk.indexOf(LF);
      controller.enqueue(stripCR(this.#decode(this.#takePending(from, chunk))));
      if (from === end) return;
      from++;
    }
    const lines = this.#decode(chunk.subarray(from, end)).split("\n");
    for (let i = 0; i < lines.length; i++) controller.enqueue(stripCR(lines[i]));
  }

  /** Decodes bytes that end before a `\n` (or at the end of the body). */
  #decode(bytes: Uint8Array): string {
    // `stream: true` decodes about 1.8x faster on Node 20 (same speed on Deno and Bun). The decoder
    // can then keep only a truncated (invalid) sequence: flush it as U+FFFD, as a one-shot decode
    // would, unless the last byte is ASCII (the common case).
    const text = this.#decoder.decode(bytes, STREAM);
    return bytes.length > 0 && bytes[bytes.length - 1] >= 0x80
      ? text + this.#decoder.decode()
      : text;
  }

  /** The first line of `pending + chunk[0, last]` over the cap: its start in `chunk`, its size. */
  #findOversized(chunk: Uint8Array, last: number): { start: number; bytes: number } | undefined {
    let start = 0;
    let carried = this.#pendingBytes;
    const parts = this.#parts;
    const tail = parts.length > 0 ? parts[parts.length - 1] : undefined;
    while (start <= last) {
      const end = chunk.indexOf(LF, start);
      const beforeLF = end > start ? chunk[end - 1] : carried > 0 ? tail?.[tail.length - 1] : LF;
      const bytes = carried + end - start - (beforeLF === CR ? 1 : 0);
      if (bytes > this.#max) return { start, bytes };
      carried = 0;
      start = end + 1;
    }
    return undefined;
  }

  /** Concatenates the pending parts and `chunk[0, end)`, and clears the pending state. */
  #takePending(end: number, chunk?: Uint8Array): Uint8Array {
    const parts = this.#parts;
    const out = parts.length === 1 && end === 0
      ? parts[0]
      : new Uint8Array(this.#pendingBytes + end);
    if (out !== parts[0]) {
      let offset = 0;
      for (const part of parts) {
        out.set(part, offset);
        offset += part.length;
      }
      if (chunk !== undefined && end > 0) out.set(chunk.subarray(0, end), offset);
    }
    this.#parts = [];
    this.#pendingBytes = 0;
    return out;
  }

  #fail(bytes: number, controller: TransformStreamDefaultController<string>): void {
    this.#parts = [];
    this.#pendingBytes = 0;
    controller.error(new LineTooLongError(this.#max, bytes));
  }
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}
