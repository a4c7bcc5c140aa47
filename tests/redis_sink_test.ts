import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "redis";
import { parseRedisSinkUrl, RedisSink, streamEntryIdFor } from "../src/sinks/redis_sink.ts";
import type { PostMessage } from "../src/messages.ts";

// The Redis tests need a real server: .ci/run starts one and sets REDIS_URL. Without it they are
// reported as skipped (never silently passed).
const REDIS_URL = (globalThis as { process?: { env: Record<string, string | undefined> } }).process
  ?.env
  .REDIS_URL;
const skip = REDIS_URL
  ? false
  : "REDIS_URL is not set: start redis-server and export REDIS_URL to run";

function post(id: string | undefined, text = "hi ✨"): PostMessage {
  const line = JSON.stringify({ data: { id, text } });
  return { type: "post", line, json: JSON.parse(line), id, createdAt: undefined, ruleTags: [] };
}

describe("Redis sink URL and entry ids", () => {
  it("derives the stream entry id from the snowflake's time and sequence", () => {
    assert.equal(streamEntryIdFor("1460323737035677698"), "1637003285069-1384450");
    assert.equal(streamEntryIdFor("abc"), "*");
    assert.equal(streamEntryIdFor(undefined), "*");
  });

  it("parses redis://HOST:PORT/STREAM and rejects other shapes with the expected form", () => {
    assert.deepEqual(parseRedisSinkUrl("redis://127.0.0.1:6379/posts"), {
      url: "redis://127.0.0.1:6379",
      stream: "posts",
    });
    assert.deepEqual(parseRedisSinkUrl("redis://h:1/2/s"), { url: "redis://h:1/2", stream: "s" });
    assert.throws(() => parseRedisSinkUrl("redis://h:1"), /expected redis:\/\/HOST:PORT\/STREAM/);
    assert.throws(() => parseRedisSinkUrl("http://h:1/s"), /expected redis:\/\/HOST:PORT\/STREAM/);
  });
});

describe("RedisSink options", () => {
  it("refuses invalid options before connecting, naming the option and the value", async () => {
    await assert.rejects(RedisSink.connect({ url: "", stream: "s" }), {
      name: "RangeError",
      message:
        `Cannot construct RedisSink as 'url' must be a non-empty string: current value is ""`,
    });
    await assert.rejects(
      RedisSink.connect({ url: "redis://127.0.0.1:1", stream: 5 as unknown as string }),
      {
        name: "TypeError",
        message:
          "Cannot construct RedisSink as 'stream' must be a non-empty string: current value is 5",
      },
    );
    await assert.rejects(
      RedisSink.connect({ url: "redis://127.0.0.1:1", stream: "s", maxLen: 0.5 }),
      {
        name: "RangeError",
        message:
          "Cannot construct RedisSink as 'maxLen' must be a positive integer: current value is 0.5",
      },
    );
  });
});

// `skip` is set on each test (not the suite) so every runtime counts them in its "skipped" total.
describe("RedisSink against a real server", () => {
  const stream = `holdfast-test-${Date.now()}-${Math.floor(Math.random() * 1e9)}`;
  const prefix = `${stream}:seen:`;
  let admin: ReturnType<typeof createClient>;

  before(async () => {
    if (skip) return;
    admin = createClient({ url: REDIS_URL });
    await admin.connect();
  });
  after(async () => {
    if (skip) return;
    const keys = await admin.keys(`${stream}*`);
    if (keys.length) await admin.del(keys);
    await admin.close();
  });

  it("adds each post once even when two collectors write the same posts", { skip }, async () => {
    const a = await RedisSink.connect({ url: REDIS_URL!, stream, dedupKeyPrefix: prefix });
    const b = await RedisSink.connect({ url: REDIS_URL!, stream, dedupKeyPrefix: prefix });
    const ids = ["1460323737035677698", "1460323737035677699", "1460323737035677700"];
    await Promise.all([
      (async () => {
        for (const id of ids) await a.write(post(id));
        await a.flush();
      })(),
      (async () => {
        for (const id of ids) await b.write(post(id));
        await b.flush();
      })(),
    ]);
    await a.close();
    await b.close();
    const entries = (await admin.xRange(stream, "-", "+")) ?? [];
    assert.deepEqual(entries.map((e) => e.message.id), ids);
    assert.deepEqual(entries.map((e) => e.id), ids.map(streamEntryIdFor));
    assert.equal(entries[0].message.post, post(ids[0]).line);
    assert.equal(a.position().posts + b.position().posts, 3);
    assert.equal((a.position().duplicates ?? 0) + (b.position().duplicates ?? 0), 3);
  });

  it("still adds a post older than the stream's newest entry (recovery), with an automatic id", {
    skip,
  }, async () => {
    const sink = await RedisSink.connect({ url: REDIS_URL!, stream, dedupKeyPrefix: prefix });
    await sink.write(post("1460323737035677000"));
    await sink.close();
    const entries = (await admin.xRange(stream, "-", "+")) ?? [];
    assert.ok(entries.some((e) => e.message.id === "1460323737035677000"));
    assert.equal(sink.position().detail?.autoIds, 1);
  });

  it("fails with a clear error when the server is unreachable", { skip }, async () => {
    await assert.rejects(
      RedisSink.connect({ url: "redis://127.0.0.1:1", stream }),
      /Cannot connect to Redis at redis:\/\/127\.0\.0\.1:1/,
    );
  });
});
