/**
 * A post as the collector's FIFO holds it: the line, id, `created_at` and rule tags, without the
 * parsed JSON tree. The tree costs about 2.4 times the line in memory (measured on the
 * simulator's posts: 10,000 queued posts hold 26 MB of lines and 63 MB of parsed objects), and a
 * FIFO full of them keeps that much alive long enough for the garbage collector to promote it,
 * so a Recovery burst grew Node's heap by hundreds of MB. Sinks write `line`; a sink that reads
 * `json` gets it parsed again on first access (once per post).
 *
 * @module
 */
import type { PostMessage } from "../messages.ts";

/**
 * `post` without its parsed tree: `json` is an own, enumerable getter that parses `line` on
 * first access and then keeps the result (so `{ ...post }` and `JSON.stringify` still see it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { classifyLine } from "../classify_line.ts";
 * import type { PostMessage } from "../messages.ts";
 * import { withoutParsedJson } from "./lazy_post.ts";
 * const post = classifyLine('{"data":{"id":"7","text":"hi"}}') as PostMessage;
 * const light = withoutParsedJson(post);
 * assert.equal(light.line, post.line);
 * assert.deepEqual(light.json, post.json);
 * assert.equal(light.json, light.json, "parsed once");
 * ```
 */
export function withoutParsedJson(post: PostMessage): PostMessage {
  const { line, id, createdAt, ruleTags } = post;
  let json: Record<string, unknown> | undefined;
  return {
    type: "post",
    line,
    get json(): Record<string, unknown> {
      return json ??= JSON.parse(line) as Record<string, unknown>;
    },
    id,
    createdAt,
    ruleTags,
  };
}
