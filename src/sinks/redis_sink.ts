/**
 * A Redis Streams sink for collectors that outgrow one machine: `XADD` with an entry id derived
 * from the post, approximate `MAXLEN`, and de-duplication shared through Redis, so collectors on
 * several machines holding redundant connections write each post once.
 * A runtime file: it uses the `redis` npm client (TCP sockets), so it lives behind its own export.
 *
 * @module
 */
import { createClient } from "redis";
import * as v from "valibot";
import { invalidOption, nonEmptyString, positiveInteger } from "../options_error.ts";
import type { PostMessage } from "../messages.ts";
import type { PostSink, SinkPosition } from "./post_sink.ts";

/** Options of {@linkcode RedisSink}. */
export interface RedisSinkOptions {
  /** The server, `redis://HOST:PORT` (optionally `/DB`). */
  readonly url: string;
  /** The stream key posts are added to. */
  readonly stream: string;
  /** `XADD ... MAXLEN ~ maxLen`: the stream is trimmed approximately to this many entries. @default {1000000} */
  readonly maxLen?: number;
  /** How long a post id is remembered for shared de-duplication, in seconds. @default {86400} */
  readonly dedupTtlSeconds?: number;
  /** Prefix of the de-duplication keys. @default {"holdfast:seen:"} */
  readonly dedupKeyPrefix?: string;
  /** How many `XADD`s may be in flight at once (they are pipelined in order). @default {256} */
  readonly maxInFlight?: number;
}

/** What the Lua script answered for one post. */
const ADDED_WITH_POST_ID = 1;
const ADDED_WITH_AUTO_ID = 2;
const DUPLICATE = 0;

// One round trip, atomic: claim the post id (SET NX EX), then XADD with the id derived from the
// post. A post older than the stream's newest entry (backfill, recovery) cannot take its derived
// id, since Redis ids only grow: it is added with an automatic id instead, never dropped.
const ADD_SCRIPT = `
if ARGV[4] ~= '' then
  if not redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[3]) then return ${DUPLICATE} end
end
if ARGV[1] ~= '*' then
  local r = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], ARGV[1], 'id', ARGV[4], 'post', ARGV[5])
  if type(r) ~= 'table' or not r.err then return ${ADDED_WITH_POST_ID} end
end
redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[2], '*', 'id', ARGV[4], 'post', ARGV[5])
return ${ADDED_WITH_AUTO_ID}
`;

/** The part of the `redis` client this sink uses (keeps its deep generic types out of the API). */
interface RedisCommands {
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
}

const TWITTER_EPOCH_MS = 1_288_834_974_657n;

/**
 * The Redis stream entry id for a post: a snowflake id `S` becomes `<ms>-<seq>` with
 * `ms = (S >> 22) + 1288834974657` (the post's creation time) and `seq = S & 0x3FFFFF`, so entries
 * are ordered by post and the same post always maps to the same entry id. Non-numeric ids give `*`.
 *
 * @example
 * ```ts
 * import { streamEntryIdFor } from "./redis_sink.ts";
 * console.assert(streamEntryIdFor("1460323737035677698") === "1637003285069-1384450");
 * ```
 */
export function streamEntryIdFor(postId: string | undefined): string {
  if (postId === undefined || !/^\d{1,20}$/.test(postId)) return "*";
  const snowflake = BigInt(postId);
  return `${(snowflake >> 22n) + TWITTER_EPOCH_MS}-${snowflake & 0x3fffffn}`;
}

/**
 * Reads a sink URL of the form `redis://HOST:PORT/STREAM` (or `redis://HOST:PORT/DB/STREAM`).
 *
 * @example
 * ```ts
 * import { parseRedisSinkUrl } from "./redis_sink.ts";
 * const { url, stream } = parseRedisSinkUrl("redis://127.0.0.1:6379/posts");
 * console.assert(url === "redis://127.0.0.1:6379" && stream === "posts");
 * ```
 */
export function parseRedisSinkUrl(sinkUrl: string): { url: string; stream: string } {
  let parsed: URL;
  try {
    parsed = new URL(sinkUrl);
  } catch {
    throw new TypeError(
      `Invalid Redis sink URL: expected redis://HOST:PORT/STREAM, got ${JSON.stringify(sinkUrl)}`,
    );
  }
  if (parsed.protocol !== "redis:" && parsed.protocol !== "rediss:") {
    throw new TypeError(
      `Invalid Redis sink URL: expected redis://HOST:PORT/STREAM, got ${JSON.stringify(sinkUrl)}`,
    );
  }
  const segments = parsed.pathname.split("/").filter((s) => s.length > 0).map(decodeURIComponent);
  const stream = segments.pop();
  if (!stream || segments.length > 1 || (segments.length === 1 && !/^\d+$/.test(segments[0]))) {
    throw new TypeError(
      `Invalid Redis sink URL: expected redis://HOST:PORT/STREAM or redis://HOST:PORT/DB/STREAM, got ${
        JSON.stringify(sinkUrl)
      }`,
    );
  }
  parsed.pathname = segments.length === 1 ? `/${segments[0]}` : "";
  return { url: parsed.toString().replace(/\/$/, ""), stream };
}

/**
 * Adds each post to a Redis stream as fields `id` (the post id) and `post` (the original line).
 * A post id already claimed by any collector sharing the server (within `dedupTtlSeconds`) is
 * counted as a duplicate and not added.
 *
 * @example
 * ```ts ignore
 * import { RedisSink } from "holdfast/redis";
 * const sink = await RedisSink.connect({ url: "redis://127.0.0.1:6379", stream: "posts" });
 * // for await (const post of client) await sink.write(post);
 * await sink.close();
 * ```
 */
export class RedisSink implements PostSink {
  #client: RedisCommands;
  #options: Required<RedisSinkOptions>;
  #inFlight = new Set<Promise<void>>();
  #failure: unknown;
  #posts = 0;
  #bytes = 0;
  #duplicates = 0;
  #autoIds = 0;
  #closed = false;

  private constructor(
    client: RedisCommands,
    options: Required<RedisSinkOptions>,
  ) {
    this.#client = client;
    this.#options = options;
  }

  /** Validates the options and connects. Rejects with a clear error if the server is unreachable. */
  static async connect(options: RedisSinkOptions): Promise<RedisSink> {
    const resolved = resolve(options);
    let connected = false;
    const client = createClient({
      url: resolved.url,
      socket: {
        connectTimeout: 5_000,
        // Before the first connection succeeds, fail at once (a clear error beats a silent retry
        // loop); afterwards, reconnect on X's network curve: +250 ms per attempt, at most 16 s.
        reconnectStrategy: (retries: number, cause: Error) =>
          connected ? Math.min((retries + 1) * 250, 16_000) : cause,
      },
    });
    let lastError: unknown;
    client.on("error", (error: unknown) => {
      lastError = error;
    });
    try {
      await client.connect();
      connected = true;
    } catch (error) {
      client.destroy();
      throw new Error(
        `Cannot connect to Redis at ${redactUrl(resolved.url)}: ${describe(error ?? lastError)}`,
        {
          cause: error,
        },
      );
    }
    return new RedisSink(client as unknown as RedisCommands, resolved);
  }

  /** Adds the post (pipelined; at most `maxInFlight` outstanding). */
  async write(post: PostMessage): Promise<void> {
    if (this.#closed) throw new TypeError("Cannot write to a closed RedisSink");
    if (this.#failure !== undefined) throw this.#failure;
    const id = post.id ?? "";
    const line = post.line; // read once: a queued post's line is decoded on each read
    const size = line.length + 1;
    const add = this.#client.eval(ADD_SCRIPT, {
      keys: [this.#options.stream, this.#options.dedupKeyPrefix + id],
      arguments: [
        streamEntryIdFor(post.id),
        String(this.#options.maxLen),
        String(this.#options.dedupTtlSeconds),
        id,
        line,
      ],
    }).then((reply: unknown) => {
      if (reply === DUPLICATE) {
        this.#duplicates++;
        return;
      }
      if (reply === ADDED_WITH_AUTO_ID) this.#autoIds++;
      this.#posts++;
      this.#bytes += size;
    }, (error: unknown) => {
      this.#failure ??= error;
    });
    const tracked: Promise<void> = add.finally(() => this.#inFlight.delete(tracked));
    this.#inFlight.add(tracked);
    if (this.#inFlight.size >= this.#options.maxInFlight) await Promise.race(this.#inFlight);
  }

  /** Waits until every post written so far has been added (or rejects with the first failure). */
  async flush(): Promise<void> {
    await Promise.all(this.#inFlight);
    if (this.#failure !== undefined) throw this.#failure;
  }

  /** Flushes and disconnects. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    try {
      await this.flush();
    } finally {
      await this.#client.close().catch(() => this.#client.destroy());
    }
  }

  /** Posts added, duplicates skipped, and the stream key. */
  position(): SinkPosition {
    return {
      kind: "redis",
      posts: this.#posts,
      bytes: this.#bytes,
      duplicates: this.#duplicates,
      detail: { stream: this.#options.stream, autoIds: this.#autoIds },
    };
  }
}

const OptionsSchema = v.object({
  url: nonEmptyString,
  stream: nonEmptyString,
  maxLen: v.optional(positiveInteger),
  dedupTtlSeconds: v.optional(positiveInteger),
  dedupKeyPrefix: v.optional(v.string("must be a string")),
  maxInFlight: v.optional(positiveInteger),
}, "must be an object");

function resolve(options: RedisSinkOptions): Required<RedisSinkOptions> {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) throw invalidOption("RedisSink", result.issues[0]);
  return {
    url: options.url,
    stream: options.stream,
    maxLen: options.maxLen ?? 1_000_000,
    dedupTtlSeconds: options.dedupTtlSeconds ?? 86_400,
    dedupKeyPrefix: options.dedupKeyPrefix ?? "holdfast:seen:",
    maxInFlight: options.maxInFlight ?? 256,
  };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//***@");
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message || error.name : String(error);
}
