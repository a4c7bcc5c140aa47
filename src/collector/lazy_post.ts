/**
 * A post as the collector's FIFO holds it: the line as UTF-8 bytes, the id, `created_at` and rule
 * tags, and neither the parsed JSON tree nor the line as a string.
 *
 * The tree costs about 2.4 times the line in memory (measured on the simulator's posts: 10,000
 * queued posts hold 26 MB of lines and 63 MB of parsed objects). The line as a string costs two
 * bytes per character once it holds one emoji or CJK character (96% of the simulator's posts), so
 * the same line is about half the size as UTF-8, and the bytes live outside the JavaScript heap.
 * That matters in a burst: when X's buffer delivers what every connection missed in a stall, the
 * queue fills faster than the sinks drain it, and on Node the garbage collector sizes its next
 * old-generation limit from what the queue holds at that moment. Queued strings made an 11-second
 * stall at 2,000 posts/s peak at 250-260 MB of heap (RSS 378 MB); queued bytes, 67-76 MB of heap
 * and 82-84 MB of external memory (RSS 257-259 MB) (`node --import tsx bench/burst.ts`).
 *
 * Sinks read `line`, decoded on each read (so a sink reads it once: the decoded string then lives
 * only as long as the sink needs it; keeping it on the post made the same burst peak 30-60 MB
 * higher); a sink that reads `json` gets it parsed on first access (once per post).
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";

const encoder = new TextEncoder();
// `ignoreBOM`: a line that starts with U+FEFF keeps it.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });

/** A queued post and the size of its line in UTF-8 bytes. */
export interface CompactPost {
  /** The post: `line` and `json` are own, enumerable getters (so `{ ...post }` and
   * `JSON.stringify` still see them); `line` is decoded on each read, `json` parsed on the
   * first and then kept. */
  readonly post: PostMessage;
  /** The line's size in UTF-8 bytes (what a sink writes, without the `\n`). */
  readonly lineBytes: number;
}

/**
 * `post` as the FIFO holds it: its line encoded as UTF-8 (decoded again, exactly, on each read
 * of `line`), without its parsed tree. A line that is not well-formed UTF-16 (a lone
 * surrogate, which no decoded stream holds) is kept as it is, since encoding would replace it.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * import { compactPost } from "./lazy_post.ts";
 * const post = classifyLine('{"data":{"id":"7","text":"caf\u00e9"}}') as PostMessage;
 * const { post: held, lineBytes } = compactPost(post);
 * assert.equal(lineBytes, post.line.length + 1, "é is two bytes in UTF-8");
 * assert.equal(held.line, post.line);
 * assert.deepEqual(held.json, post.json);
 * assert.equal(held.json, held.json, "parsed once");
 * ```
 */
export function compactPost(post: PostMessage): CompactPost {
  const { id, createdAt, ruleTags } = post;
  let line: string | undefined = post.line;
  let bytes: Uint8Array | undefined;
  let lineBytes: number;
  if (isWellFormed(line)) {
    bytes = encoder.encode(line);
    lineBytes = bytes.byteLength;
    line = undefined;
  } else lineBytes = encoder.encode(line).byteLength;
  let json: Record<string, unknown> | undefined;
  const held: PostMessage = {
    type: "post",
    get line(): string {
      return line ?? decoder.decode(bytes);
    },
    get json(): Record<string, unknown> {
      return json ??= JSON.parse(held.line) as Record<string, unknown>;
    },
    id,
    createdAt,
    ruleTags,
  };
  return { post: held, lineBytes };
}

/** `String.prototype.isWellFormed` (ES2024: Node 20, Deno, Bun), typed here for older libs. */
function isWellFormed(text: string): boolean {
  return (text as unknown as { isWellFormed(): boolean }).isWellFormed();
}
