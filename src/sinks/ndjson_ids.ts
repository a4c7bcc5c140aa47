/**
 * Reads post ids back from NDJSON bytes a sink wrote (one original stream line per line), for
 * `PostSink.recentIds` (`post_sink.ts`).
 *
 * @module
 */
import { classifyLine } from "../classify_line.ts";

const NEWLINE = 0x0a;

/**
 * The ids of the posts in `bytes`, in file order. Only complete lines count: text after the last
 * `\n` (a torn line) is ignored, and so is text before the first `\n` unless `atStart` says the
 * bytes begin at the start of the file (a tail read from the middle of a file begins inside a
 * line, possibly inside a UTF-8 character). Each line is classified as the stream's lines are
 * (`classifyLine`): v2 `data.id`, PowerTrack `id_str`/`id`; other lines are skipped.
 *
 * @example
 * ```ts
 * import { idsInNdjson } from "./ndjson_ids.ts";
 * const text = 'tail of an older line"}}\n{"data":{"id":"7","text":"a"}}\n{"data":{"id":"8","te';
 * const bytes = new TextEncoder().encode(text);
 * console.assert(idsInNdjson(bytes, false).join() === "7");
 * console.assert(idsInNdjson(new TextEncoder().encode('{"data":{"id":"1"}}\n'), true)[0] === "1");
 * ```
 */
export function idsInNdjson(bytes: Uint8Array, atStart: boolean): string[] {
  const end = bytes.lastIndexOf(NEWLINE);
  if (end < 0) return [];
  const start = atStart ? 0 : bytes.indexOf(NEWLINE) + 1;
  if (start > end) return [];
  const text = new TextDecoder().decode(bytes.subarray(start, end));
  const ids: string[] = [];
  for (const line of text.split("\n")) {
    const message = classifyLine(line);
    if (message.type === "post" && message.id !== undefined) ids.push(message.id);
  }
  return ids;
}
