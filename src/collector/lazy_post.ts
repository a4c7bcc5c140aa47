/**
 * Posts as the collector's FIFO holds them: the line, id, `created_at` and rule tags, without the
 * parsed JSON tree; and, for a post queued deep behind others, the line as UTF-8 bytes.
 *
 * The tree costs about 2.4 times the line in memory (measured on the simulator's posts: 10,000
 * queued posts hold 26 MB of lines and 63 MB of parsed objects). The line as a string costs two
 * bytes per character once it holds one emoji or CJK character (96% of the simulator's posts), so
 * the same line is about half the size as UTF-8, and the bytes live outside the JavaScript heap.
 * That matters in a burst: when X's buffer delivers what every connection missed in a stall, the
 * queue fills faster than the sinks drain it, and on Node the garbage collector sets its next
 * old-generation limit from what the queue holds at that moment. With queued strings, an
 * 11-second stall at 2,000 posts/s peaked at 250-260 MB of heap (RSS 378 MB); with queued bytes,
 * at 91-97 MB of heap and 86-91 MB of external memory (RSS 284-286 MB)
 * (`node --import tsx bench/burst.ts`). Encoding and decoding every post costs CPU, so only the
 * posts that wait, queued behind `COMPACT_QUEUE_DEPTH` others, are held as bytes.
 *
 * A held post's `line` is decoded on each read, so a sink reads it once: the decoded string then
 * lives only as long as the sink needs it (keeping it on the post made the same burst peak at
 * 125-150 MB of heap). A sink that reads `json` gets it parsed on first access (once per post).
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";

const encoder = new TextEncoder();
// `ignoreBOM`: a line that starts with U+FEFF keeps it.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
/** Where a line is encoded only to be measured, reused: 64 KiB fits a line of 21,845 units. */
const scratch = new Uint8Array(64 * 1024);

/** A post as the FIFO holds it, and the size of its line in UTF-8 bytes. */
export interface QueuedLine {
  /** The post: `json` (and, held as bytes, `line`) are own, enumerable getters, so
   * `{ ...post }` and `JSON.stringify` still see them; `json` is parsed on first access and then
   * kept. */
  readonly post: PostMessage;
  /** The line's size in UTF-8 bytes (what a sink writes, without the `\n`). */
  readonly lineBytes: number;
}

/**
 * `post` without its parsed tree, its line kept as it is, and the line's size in UTF-8 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * import { withoutParsedJson } from "./lazy_post.ts";
 * const post = classifyLine('{"data":{"id":"7","text":"caf\u00e9"}}') as PostMessage;
 * const { post: light, lineBytes } = withoutParsedJson(post);
 * assert.equal(lineBytes, post.line.length + 1, "é is two bytes in UTF-8");
 * assert.equal(light.line, post.line);
 * assert.deepEqual(light.json, post.json);
 * assert.equal(light.json, light.json, "parsed once");
 * ```
 */
export function withoutParsedJson(post: PostMessage): QueuedLine {
  const { line, id, createdAt, ruleTags } = post;
  let json: Record<string, unknown> | undefined;
  const light: PostMessage = {
    type: "post",
    line,
    get json(): Record<string, unknown> {
      return json ??= JSON.parse(line) as Record<string, unknown>;
    },
    id,
    createdAt,
    ruleTags,
  };
  return { post: light, lineBytes: utf8Length(line) };
}

/**
 * `post` without its parsed tree, its line held as UTF-8 bytes and decoded again, exactly, on
 * each read of `line`. A line that is not well-formed UTF-16 (a lone surrogate, which no decoded
 * stream holds) is kept as a string, since encoding would replace it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * import { compactPost } from "./lazy_post.ts";
 * const post = classifyLine('{"data":{"id":"7","text":"\u4e2d"}}') as PostMessage;
 * const { post: held, lineBytes } = compactPost(post);
 * assert.equal(lineBytes, post.line.length + 2, "中 is three bytes in UTF-8");
 * assert.equal(held.line, post.line);
 * assert.deepEqual(held.json, post.json);
 * ```
 */
export function compactPost(post: PostMessage): QueuedLine {
  const { line: text, id, createdAt, ruleTags } = post;
  if (!isWellFormed(text)) return withoutParsedJson(post);
  const bytes = encoder.encode(text);
  let json: Record<string, unknown> | undefined;
  const held: PostMessage = {
    type: "post",
    get line(): string {
      return decoder.decode(bytes);
    },
    get json(): Record<string, unknown> {
      return json ??= JSON.parse(held.line) as Record<string, unknown>;
    },
    id,
    createdAt,
    ruleTags,
  };
  return { post: held, lineBytes: bytes.byteLength };
}

/** The UTF-8 size of `text` as an encoder writes it (a lone surrogate as U+FFFD), without
 * keeping the bytes. */
function utf8Length(text: string): number {
  if (text.length * 3 > scratch.length) return encoder.encode(text).byteLength;
  return encoder.encodeInto(text, scratch).written;
}

/** `String.prototype.isWellFormed` (ES2024: Node 20, Deno, Bun), typed here for older libs. */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
