/**
 * `--sink` values: where the posts go.
 *
 * @module
 */
import { parseRedisSinkUrl } from "../sinks/redis_sink.ts";
import { shown, UsageError } from "./usage_error.ts";

/** One output, as given on the command line. */
export type SinkSpec =
  | { readonly kind: "stdout" }
  | {
    readonly kind: "file";
    readonly path: string;
    /** `--rotate-size`, `--rotate-every`, `--fsync-every` (the file sink's defaults when absent). */
    readonly rotateBytes?: number;
    readonly rotateIntervalMs?: number;
    readonly fsyncIntervalMs?: number;
  }
  | {
    readonly kind: "redis";
    readonly url: string;
    readonly stream: string;
    /** `--redis-maxlen` (the Redis sink's default when absent). */
    readonly maxLen?: number;
  };

/** What `--sink` accepts, for messages and help. */
export const SINK_ACCEPTS = "file:PATH, redis://HOST:PORT/STREAM (or /DB/STREAM), or stdout";

/**
 * Reads one `--sink` value: `file:PATH`, `redis://HOST:PORT/STREAM`, `rediss://...`, or
 * `stdout` (also `-`).
 *
 * @example
 * ```ts
 * import { parseSink } from "./parse_sink.ts";
 * console.assert(parseSink("--sink", "file:posts.ndjson").kind === "file");
 * const redis = parseSink("--sink", "redis://127.0.0.1:6379/posts");
 * console.assert(redis.kind === "redis" && redis.stream === "posts");
 * console.assert(parseSink("--sink", "-").kind === "stdout");
 * ```
 */
export function parseSink(flag: string, text: string): SinkSpec {
  if (text === "stdout" || text === "-") return { kind: "stdout" };
  if (text.startsWith("file:")) {
    const path = text.slice("file:".length);
    if (path.length === 0) {
      throw new UsageError(flag, `must be ${SINK_ACCEPTS}: got ${shown(text)}`);
    }
    return { kind: "file", path };
  }
  if (/^rediss?:\/\//.test(text)) {
    try {
      const { url, stream } = parseRedisSinkUrl(text);
      return { kind: "redis", url, stream };
    } catch {
      throw new UsageError(
        flag,
        `must be ${SINK_ACCEPTS}: got a Redis URL without a stream name (redis://HOST:PORT/STREAM)`,
      );
    }
  }
  throw new UsageError(flag, `must be ${SINK_ACCEPTS}: got ${shown(text)}`);
}
