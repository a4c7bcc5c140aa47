/**
 * Frames an X stream body (bytes) into lines (strings), one decode per chunk.
 *
 * @module
 */
import * as v from "valibot";
import { LineTooLongError } from "./errors/line_too_long_error.ts";
import { DEFAULT_MAX_LINE_BYTES } from "./x_limits.ts";

/** Options of {@linkcode LineSplitter}, {@linkcode LineBatchSplitter} and {@linkcode LineFramer}. */
export interface LineSplitterOptions {
  /** The longest line accepted, in bytes (without `\n` and a trailing `\r`).
   * @default {DEFAULT_MAX_LINE_BYTES} (512 KiB) */
  readonly maxLineBytes?: number;
}

const PositiveInteger = v.pipe(v.number(), v.integer(), v.minValue(1));

/**
 * Fills in the defaults of {@linkcode LineSplitterOptions} and validates them.
 * Throws `TypeError` (not a number) or `RangeError` (not a positive integer); the message names
 * `className`.
 *
 * @example
 * ```ts
 * import { resolveLineSplitterOptions } from "./line_splitter.ts";
 * console.assert(resolveLineSplitterOptions({}).maxLineBytes === 512 * 1024);
 * ```
 */
export function resolveLineSplitterOptions(
  options: LineSplitterOptions = {},
  className: "LineSplitter" | "LineBatchSplitter" | "LineFramer" = "LineSplitter",
): Required<LineSplitterOptions> {
  const maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  if (!v.is(PositiveInteger, maxLineBytes)) {
    const ErrorClass = typeof maxLineBytes === "number" ? RangeError : TypeError;
    throw new ErrorClass(
      `Cannot construct ${className} as 'maxLineBytes' must be a positive integer: current value is ${
        typeof maxLineBytes === "string" ? JSON.stringify(maxLineBytes) : String(maxLineBytes)
      }`,
    );
  }
  return { maxLineBytes };
}

const LF = 0x0a;
const CR = 0x0d;
const STREAM: TextDecodeOptions = { stream: true };
/** The most bytes decoded into one string (up to 64 KB of UTF-16: a young, regular V8 object). */
const DECODE_PIECE_BYTES = 32 * 1024;
/**
 * Whether `decode(bytes, { stream: true })` is this runtime's fast path (measured by
 * bench/throughput.ts on the bench corpus). Node 20: yes (its ICU path; the one-shot call is ~2x
 * slower on non-ASCII text). Deno 2: no (~2.8x slower than the one-shot call). Bun: equal.
 * Detected from the web-standard `navigator.userAgent` (`Deno/2.x`); no runtime API is called,
 * and a runtime without `navigator` (Node 20) keeps the stream path. Both paths decode alike.
 */
const STREAM_DECODE_IS_FAST: boolean = !navigatorUserAgent().startsWith("Deno/");

/**
 * Splits bytes into lines on `\n`, strips one trailing `\r`, and decodes UTF-8 correctly when a
 * character (or a `\r\n`) is split across chunks. An empty line (X's heartbeat) is emitted as `""`;
 * a final unterminated line is emitted at close when non-empty. Invalid UTF-8 becomes U+FFFD.
 * A line longer than `maxLineBytes` errors the stream with {@linkcode LineTooLongError}, checked
 * while the line accumulates, so at most about `maxLineBytes` are ever held.
 *
 * Each chunk is decoded once. Where the streaming `TextDecoder` is the fast path (Node, Bun) the
 * unterminated tail is kept decoded; elsewhere (Deno) it is kept as bytes and only the line that
 * straddles two chunks is assembled from bytes.
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
    super(new SplitterTransformer<string>(maxLineBytes, false));
  }
}

/**
 * {@linkcode LineSplitter} that enqueues, per chunk, one array of the complete lines it ended
 * (same framing, decoding, `\r` stripping and cap). One stream hop per chunk instead of per line:
 * on Node 20 a per-line hop costs ~1.5 µs, a quarter of a `JSON.parse`. A chunk that ends no line
 * enqueues nothing (never an empty array); an unterminated last line arrives at close as `[line]`.
 *
 * @example
 * ```ts
 * import { LineBatchSplitter } from "./line_splitter.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\r\n\r\n{"b":"🙂"}\r\n');
 * const body = new ReadableStream<Uint8Array>({
 *   start(c) { c.enqueue(bytes.subarray(0, 13)); c.enqueue(bytes.subarray(13)); c.close(); },
 * });
 * const batches: string[][] = [];
 * for await (const batch of body.pipeThrough(new LineBatchSplitter())) batches.push(batch);
 * console.assert(JSON.stringify(batches.flat()) === JSON.stringify(['{"a":1}', "", '{"b":"🙂"}']));
 * ```
 */
export class LineBatchSplitter extends TransformStream<Uint8Array, string[]> {
  /** Creates a batch splitter; throws `TypeError`/`RangeError` on invalid options. */
  constructor(options: LineSplitterOptions = {}) {
    const { maxLineBytes } = resolveLineSplitterOptions(options, "LineBatchSplitter");
    super(new SplitterTransformer<string[]>(maxLineBytes, true));
  }
}

/**
 * The splitter without a stream: {@linkcode LineSplitter}'s framing, decoding, `\r` stripping and
 * cap, fed one chunk at a time by a caller that reads the body itself (no stream hop at all).
 * `push` returns the complete lines a chunk ended; when a line is over the cap it returns the
 * lines before it and sets {@linkcode LineFramer.failure}, after which the framer takes nothing.
 *
 * @example
 * ```ts
 * import { LineFramer } from "./line_splitter.ts";
 * const bytes = new TextEncoder().encode('{"a":1}\r\n\r\n{"b":"🙂"}');
 * const framer = new LineFramer();
 * const lines = [...framer.push(bytes.subarray(0, 13)), ...framer.push(bytes.subarray(13))];
 * lines.push(...framer.end());
 * console.assert(JSON.stringify(lines) === JSON.stringify(['{"a":1}', "", '{"b":"🙂"}']));
 * console.assert(new LineFramer({ maxLineBytes: 2 }).push(new Uint8Array(3)).length === 0);
 * ```
 */
export class LineFramer {
  readonly #max: number;
  readonly #decoder = new TextDecoder("utf-8", { fatal: false, ignoreBOM: true });
  /** The unterminated line, decoded so far (stream decoding; the decoder keeps a split character). */
  #pendingText = "";
  /** Bytes of the unterminated line, in arrival order (one-shot decoding; a list, so small chunks
   * never re-copy). */
  #parts: Uint8Array[] = [];
  /** Bytes of the unterminated line (either form), and its last byte. */
  #pendingBytes = 0;
  #pendingLastByte = LF;
  #failure: LineTooLongError | undefined;

  /** Creates a framer; throws `TypeError`/`RangeError` on invalid options. */
  constructor(options: LineSplitterOptions = {}) {
    this.#max = resolveLineSplitterOptions(options, "LineFramer").maxLineBytes;
  }

  /** Set once a line went over the cap (the lines before it were returned); then stays set. */
  get failure(): LineTooLongError | undefined {
    return this.#failure;
  }

  /** The lines `chunk` completes (often none: then an empty array). `chunk` may be reused after. */
  push(chunk: Uint8Array): string[] {
    const out: string[] = [];
    if (this.#failure !== undefined) return out;
    const last = chunk.lastIndexOf(LF);
    if (last === -1) {
      this.#hold(chunk);
      return out;
    }
    // Fast path: nothing before the last `\n` can exceed the cap when all of it fits.
    if (this.#pendingBytes + last > this.#max) {
      const bad = this.#findOversized(chunk, last);
      if (bad !== undefined) {
        if (bad.start > 0) this.#emit(chunk, bad.start - 1, out);
        this.#fail(bad.bytes);
        return out;
      }
    }
    // A large chunk (a burst: X's buffer after a stall, a backfill) is decoded a piece at a time,
    // each cut after a `\n`: a text that big would be a large object, allocated straight into
    // the old generation (V8: over 128 KB; a byte can become two UTF-16 bytes) and kept by every
    // line sliced from it until a full collection.
    let from = 0;
    while (last - from > DECODE_PIECE_BYTES) {
      let cut = chunk.lastIndexOf(LF, from + DECODE_PIECE_BYTES);
      if (cut < from) cut = chunk.indexOf(LF, from + DECODE_PIECE_BYTES);
      if (cut === last) break;
      this.#emit(chunk.subarray(from), cut - from, out);
      from = cut + 1;
    }
    this.#emit(from === 0 ? chunk : chunk.subarray(from), last - from, out);
    if (last + 1 < chunk.length) this.#hold(chunk.subarray(last + 1));
    return out;
  }

  /** The body ended: the unterminated last line, if it is not empty (`[]` or `[line]`). */
  end(): string[] {
    if (this.#pendingBytes === 0 || this.#failure !== undefined) return [];
    const line = stripCR(
      STREAM_DECODE_IS_FAST
        ? this.#takePendingText() + this.#decoder.decode()
        : this.#decoder.decode(this.#takePending(0)),
    );
    return line === "" ? [] : [line];
  }

  /** Keeps a line that has no `\n` yet (decoded, or as bytes); refuses it once it is surely too
   * long. */
  #hold(bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    const held = this.#pendingBytes + bytes.length;
    const lastByte = bytes[bytes.length - 1];
    // A last byte `\r` may be the start of `\r\n`, which is not counted.
    const lineBytes = lastByte === CR ? held - 1 : held;
    if (lineBytes > this.#max) return this.#fail(lineBytes);
    // The stream decoder keeps a character split at the end for the next call.
    if (STREAM_DECODE_IS_FAST) this.#pendingText += this.#decoder.decode(bytes, STREAM);
    // A copy: the source may reuse its buffer.
    else this.#parts.push(bytes.slice());
    this.#pendingBytes = held;
    this.#pendingLastByte = lastByte;
  }

  /** Appends to `out` the lines of the pending bytes plus `chunk[0, end)` (which ends before a
   * `\n`). */
  #emit(chunk: Uint8Array, end: number, out: string[]): void {
    if (STREAM_DECODE_IS_FAST) {
      // Decoded through the `\n`, so a truncated character before it becomes U+FFFD there: every
      // line of `text` ends with `\n`. The pending text joins only the first line (joining the
      // whole text would copy it).
      const text = this.#decoder.decode(chunk.subarray(0, end + 1), STREAM);
      let start = 0;
      let nl: number;
      if (this.#pendingBytes > 0) {
        nl = text.indexOf("\n");
        out.push(stripCR(this.#takePendingText() + text.slice(0, nl)));
        start = nl + 1;
      }
      while ((nl = text.indexOf("\n", start)) !== -1) {
        out.push(cutCR(text, start, nl));
        start = nl + 1;
      }
      return;
    }
    let from = 0;
    if (this.#pendingBytes > 0) {
      // Only the line that straddles the chunks is assembled from bytes; the rest is decoded in place.
      from = chunk.indexOf(LF);
      out.push(stripCR(this.#decoder.decode(this.#takePending(from, chunk))));
      from++;
    }
    if (from <= end) {
      // An indexOf loop, not split("\n"): no array of all lines, and 2-4x faster on V8.
      const text = this.#decoder.decode(chunk.subarray(from, end));
      let start = 0;
      let nl: number;
      while ((nl = text.indexOf("\n", start)) !== -1) {
        out.push(cutCR(text, start, nl));
        start = nl + 1;
      }
      out.push(cutCR(text, start, text.length));
    }
  }

  /** The first line of `pending + chunk[0, last]` over the cap: its start in `chunk`, its size. */
  #findOversized(chunk: Uint8Array, last: number): { start: number; bytes: number } | undefined {
    let start = 0;
    let carried = this.#pendingBytes;
    while (start <= last) {
      const end = chunk.indexOf(LF, start);
      const beforeLF = end > start ? chunk[end - 1] : carried > 0 ? this.#pendingLastByte : LF;
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

  /** The pending text (stream decoding), and clears the pending state. */
  #takePendingText(): string {
    const text = this.#pendingText;
    this.#pendingText = "";
    this.#pendingBytes = 0;
    return text;
  }

  #fail(bytes: number): void {
    this.#parts = [];
    this.#pendingText = "";
    this.#pendingBytes = 0;
    this.#failure = new LineTooLongError(this.#max, bytes);
  }
}

/** A {@linkcode LineFramer} as a transformer (a separate object: `start` runs before `#fields`). */
class SplitterTransformer<O extends string | string[]> implements Transformer<Uint8Array, O> {
  readonly #framer: LineFramer;
  /** Enqueue one `string[]` per chunk instead of one `string` per line. */
  readonly #batch: boolean;

  constructor(maxLineBytes: number, batch: boolean) {
    this.#framer = new LineFramer({ maxLineBytes });
    this.#batch = batch;
  }

  transform(chunk: Uint8Array, controller: TransformStreamDefaultController<O>): void {
    this.#out(this.#framer.push(chunk), controller);
  }

  flush(controller: TransformStreamDefaultController<O>): void {
    this.#out(this.#framer.end(), controller);
  }

  #out(lines: string[], controller: TransformStreamDefaultController<O>): void {
    if (lines.length > 0) {
      if (this.#batch) controller.enqueue(lines as O);
      else for (const line of lines) controller.enqueue(line as O);
    }
    const failure = this.#framer.failure;
    if (failure !== undefined) controller.error(failure);
  }
}

function stripCR(line: string): string {
  return line.charCodeAt(line.length - 1) === CR ? line.slice(0, -1) : line;
}

/** `text[start, end)` without one trailing `\r`. */
function cutCR(text: string, start: number, end: number): string {
  if (end > start && text.charCodeAt(end - 1) === CR) end--;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** `navigator.userAgent`, or `""` where the runtime has none. */
function navigatorUserAgent(): string {
  const nav = (globalThis as Record<string, unknown>)["navigator"] as
    | { userAgent?: unknown }
    | undefined;
  return typeof nav?.userAgent === "string" ? nav.userAgent : "";
}
