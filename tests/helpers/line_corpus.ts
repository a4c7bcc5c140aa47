/**
 * A small stream body that attacks a line splitter: multi-byte characters (2-, 3- and 4-byte
 * UTF-8, a ZWJ-free flag, a surrogate-pair letter), `\r\n` and bare `\n` endings, heartbeats
 * (`\r\n` and bare `\n`), an escaped `\r` inside JSON, and an unterminated last line. Shared by
 * the tests of every splitter.
 *
 * @module
 */

/**
 * The body as text; {@linkcode LINE_CORPUS_LINES} is what a splitter must make of it.
 *
 * @example
 * ```ts
 * import { LINE_CORPUS, LINE_CORPUS_LINES } from "./line_corpus.ts";
 * console.assert(LINE_CORPUS.split("\n").length === LINE_CORPUS_LINES.length);
 * ```
 */
export const LINE_CORPUS: string = '{"data":{"id":"1","text":"héllo 🙂 wörld"}}\r\n' +
  "\r\n" + // heartbeat
  '{"data":{"id":"2","text":"東京で🎉🇯🇵"}}\n' + // bare \n
  "\r\n" +
  '{"data":{"id":"3","text":"𝕏 a\\r b"}}\r\n' +
  "\n" + // bare heartbeat
  '{"tail":"日本"}'; // unterminated

/**
 * The lines of {@linkcode LINE_CORPUS}, in order: heartbeats as `""`, no `\r`, the tail kept.
 *
 * @example
 * ```ts
 * import { LINE_CORPUS_LINES } from "./line_corpus.ts";
 * console.assert(LINE_CORPUS_LINES.filter((l) => l === "").length === 3);
 * ```
 */
export const LINE_CORPUS_LINES: readonly string[] = [
  '{"data":{"id":"1","text":"héllo 🙂 wörld"}}',
  "",
  '{"data":{"id":"2","text":"東京で🎉🇯🇵"}}',
  "",
  '{"data":{"id":"3","text":"𝕏 a\\r b"}}',
  "",
  '{"tail":"日本"}',
];
