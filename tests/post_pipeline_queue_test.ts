import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { classifyLine } from "../src/classify_line.ts";
import { compactPost, withoutParsedJson } from "../src/collector/lazy_post.ts";
import {
  COMPACT_QUEUE_DEPTH,
  PostPipeline,
  REPLAY_QUEUE_ITEMS,
} from "../src/collector/post_pipeline.ts";
import { MemoryDedupStore } from "../src/dedup/dedup_window.ts";
import type { FifoPolicy } from "../src/queue/bounded_fifo.ts";
import type { PostMessage } from "../src/messages.ts";
import { MemoryPostSink } from "./helpers/memory_post_sink.ts";

const LINE =
  '{"data":{"id":"1790000000000000001","text":"caf\u00e9 \ud83d\udc4b","created_at":"2026-11-23T10:00:00.000Z"},"matching_rules":[{"id":"9","tag":"news"}]}';

describe("withoutParsedJson", () => {
  it("keeps the line and its UTF-8 size, and parses json on first access only", () => {
    const post = classifyLine(LINE) as PostMessage;
    const { post: light, lineBytes } = withoutParsedJson(post);
    assert.equal(light.line, LINE);
    assert.equal(Object.getOwnPropertyDescriptor(light, "line")?.value, LINE, "a plain string");
    assert.equal(lineBytes, LINE.length + 3, "é: 1 extra byte; the emoji: 4 bytes for 2 units");
    assert.deepEqual([light.id, light.createdAt, light.ruleTags], [post.id, post.createdAt, [
      "news",
    ]]);
    const descriptor = Object.getOwnPropertyDescriptor(light, "json");
    assert.equal(typeof descriptor?.get, "function", "no parsed tree is held until asked");
    assert.deepEqual(light.json, post.json);
    assert.equal(light.json, light.json, "parsed once, then kept");
  });

  it("sizes a line longer than its scratch buffer and a lone surrogate as written", () => {
    const long = `{"data":{"id":"1","text":"${"\u4e2d".repeat(30_000)}"}}`;
    const post = classifyLine(LINE) as PostMessage;
    assert.equal(withoutParsedJson({ ...post, line: long }).lineBytes, long.length + 60_000);
    const lone = '{"data":{"id":"1","text":"\ud800"}}';
    assert.equal(withoutParsedJson({ ...post, line: lone }).lineBytes, lone.length + 2, "U+FFFD");
  });
});

describe("compactPost", () => {
  it("keeps id, created_at and rule tags; holds the line as UTF-8 and decodes it exactly", () => {
    const post = classifyLine(LINE) as PostMessage;
    const { post: held, lineBytes } = compactPost(post);
    assert.equal(held.type, "post");
    assert.equal(lineBytes, new TextEncoder().encode(LINE).byteLength);
    assert.equal(lineBytes, LINE.length + 3, "é: 1 extra byte; the emoji: 4 bytes for 2 units");
    for (const name of ["line", "json"]) {
      const descriptor = Object.getOwnPropertyDescriptor(held, name);
      assert.equal(typeof descriptor?.get, "function", `no ${name} is held until asked`);
    }
    assert.equal(held.line, LINE);
    assert.equal(held.id, "1790000000000000001");
    assert.equal(held.createdAt, "2026-11-23T10:00:00.000Z");
    assert.deepEqual(held.ruleTags, ["news"]);
    assert.deepEqual(held.json, post.json);
    assert.equal(held.json, held.json, "parsed once, then kept");
  });

  it("gives back a leading BOM, NUL and every plane's characters unchanged", () => {
    const line = '\ufeff{"data":{"id":"1","text":"\u0000 \u4e2d \ud83c\udf0d \uffff"}}';
    const { post: held, lineBytes } = compactPost({ ...(classifyLine(LINE) as PostMessage), line });
    assert.equal(held.line, line);
    assert.equal(lineBytes, new TextEncoder().encode(line).byteLength);
  });

  it("keeps a line with a lone surrogate as it is (encoding would replace it)", () => {
    const line = '{"data":{"id":"1","text":"\ud800"}}';
    const { post: held, lineBytes } = compactPost({ ...(classifyLine(LINE) as PostMessage), line });
    assert.equal(held.line, line);
    assert.equal(held.line.charCodeAt(26), 0xd800);
    assert.equal(lineBytes, line.length + 2, "sized as written: U+FFFD, 3 bytes");
  });

  it("still shows line and json to spread and JSON.stringify", () => {
    const { post: held } = compactPost(classifyLine(LINE) as PostMessage);
    const copy = { ...held };
    assert.equal(copy.line, LINE);
    assert.deepEqual(copy.json, JSON.parse(LINE));
    const shown = JSON.parse(JSON.stringify(held));
    assert.equal(shown.line, LINE);
    assert.deepEqual(shown.json, JSON.parse(LINE));
  });
});

function pipelineInto(
  sink: MemoryPostSink,
  maxItems = 10_000,
  policy: FifoPolicy = "block",
  maxBytes?: number,
): PostPipeline {
  const store = new MemoryDedupStore();
  return new PostPipeline({
    queue: { maxItems, policy, maxBytes },
    store,
    window: store.window,
    sinks: [sink],
    now: () => 0,
    onQueueEvent: () => {},
    onDuplicate: () => {},
    onWritten: () => "ok",
    onError: (error) => assert.fail(String(error)),
    onIdle: () => {},
  });
}

function post(n: number): PostMessage {
  return classifyLine(
    `{"data":{"id":"17900000000000${String(n).padStart(5, "0")}"}}`,
  ) as PostMessage;
}

/** Delivers posts 0..count-1 from `source`; returns the deliveries that had to wait. */
function deliverAll(pipeline: PostPipeline, count: number, source: string): Promise<void>[] {
  const waits: Promise<void>[] = [];
  for (let n = 0; n < count; n++) {
    const held = pipeline.deliver({ post: post(n), source, partition: undefined, receivedAtMs: 0 });
    if (held) waits.push(held);
  }
  return waits;
}

describe("PostPipeline queue", () => {
  for (const source of ["recovery", "backfill"]) {
    it(`lets a ${source} replay fill only half the queue, so live connections never find it full`, async () => {
      const sink = new MemoryPostSink({ delayMs: 1 }); // a slow sink
      const pipeline = pipelineInto(sink, 10);
      const recovery: (void | Promise<void>)[] = [];
      for (let n = 0; n < 8; n++) {
        recovery.push(
          pipeline.deliver({
            post: post(n),
            source,
            partition: undefined,
            receivedAtMs: 0,
          }),
        );
      }
      await Promise.resolve();
      assert.ok(
        pipeline.queueStats().depth <= 5,
        `recovery holds at most half: ${pipeline.queueStats().depth}`,
      );
      assert.ok(recovery.some((r) => r instanceof Promise), "the replaying reader waits");
      for (let n = 100; n < 105; n++) {
        const live = pipeline.deliver({
          post: post(n),
          source: "connection-0",
          partition: undefined,
          receivedAtMs: 0,
        });
        assert.equal(live, undefined, "a live post is queued at once");
      }
      await Promise.all(recovery);
      await pipeline.drain();
      assert.equal(sink.posts.length, 13, "every post written once");
    });
  }

  it("holds at most REPLAY_QUEUE_ITEMS replayed posts in a large queue", async () => {
    const sink = new MemoryPostSink();
    const pipeline = pipelineInto(sink, 10_000);
    const waits = deliverAll(pipeline, REPLAY_QUEUE_ITEMS + 500, "recovery");
    assert.equal(pipeline.queueStats().depth, REPLAY_QUEUE_ITEMS);
    assert.equal(waits.length, 499, "the rest wait (one went straight to the consumer)");
    await Promise.all(waits);
    await pipeline.drain();
    assert.equal(sink.posts.length, REPLAY_QUEUE_ITEMS + 500);
  });

  it("releases replayed posts still waiting when the queue closes, instead of spinning", async () => {
    const sink = new MemoryPostSink();
    const pipeline = pipelineInto(sink, 10);
    const waits = deliverAll(pipeline, 20, "backfill");
    assert.ok(waits.length > 0);
    await pipeline.drain();
    await Promise.all(waits); // settles: the closed queue refuses them
    assert.equal(sink.posts.length, 6, "the one taken at once and the 5 queued before closing");
  });

  it("bounds the queue by the UTF-8 bytes of the lines (what a sink writes)", async () => {
    const sink = new MemoryPostSink({ delayMs: 1 }); // a slow sink: the posts stay queued
    const line = (n: number): string =>
      `{"data":{"id":"17900000000000${String(n).padStart(5, "0")}","text":"${
        "\u4e2d".repeat(100)
      }"}}`;
    const bytes = new TextEncoder().encode(line(0)).byteLength;
    assert.equal(bytes, line(0).length + 200, "each \u4e2d: 3 bytes, 1 unit");
    const pipeline = pipelineInto(sink, 100, "drop-newest", 2 * bytes);
    for (let n = 0; n < 6; n++) {
      const post = classifyLine(line(n)) as PostMessage;
      pipeline.deliver({ post, source: "connection-0", partition: undefined, receivedAtMs: 0 });
    }
    const stats = pipeline.queueStats();
    assert.equal(stats.depth, 2, "two fit (the first went straight to the sink)");
    assert.equal(stats.bytes, 2 * bytes);
    assert.equal(stats.droppedNewest, 3);
    await pipeline.drain();
    assert.deepEqual(sink.posts.map((p) => p.line), [line(0), line(1), line(2)], "written exactly");
  });

  it("holds the posts queued deep as UTF-8 bytes and those near the head as strings", async () => {
    const sink = new MemoryPostSink(); // the posts stay queued while the loop delivers
    const pipeline = pipelineInto(sink, 10_000);
    const line = (n: number): string =>
      `{"data":{"id":"17900000000000${
        String(n).padStart(5, "0")
      }","text":"caf\u00e9 \ud83d\udc4b"}}`;
    const count = COMPACT_QUEUE_DEPTH + 20;
    for (let n = 0; n < count; n++) {
      const post = classifyLine(line(n)) as PostMessage;
      pipeline.deliver({ post, source: "connection-0", partition: undefined, receivedAtMs: 0 });
    }
    assert.equal(pipeline.queueStats().depth, count - 1, "the first went straight to the sink");
    await pipeline.drain();
    const held = sink.posts.map((p) => typeof Object.getOwnPropertyDescriptor(p, "line")?.get);
    // The first is taken at once; the queue then holds COMPACT_QUEUE_DEPTH before the next is held.
    const firstHeld = COMPACT_QUEUE_DEPTH + 1;
    assert.deepEqual(held.slice(0, firstHeld), Array(firstHeld).fill("undefined"), "strings");
    assert.deepEqual(held.slice(firstHeld), Array(count - firstHeld).fill("function"), "bytes");
    assert.deepEqual(
      sink.posts.map((p) => p.line),
      Array.from({ length: count }, (_, n) => line(n)),
    );
  });

  it("drops the other connection's copy of a queued post at once: the queue holds each post once", async () => {
    const sink = new MemoryPostSink({ delayMs: 1 }); // a slow sink: the posts stay queued
    const pipeline = pipelineInto(sink, 100);
    assert.deepEqual(deliverAll(pipeline, 50, "connection-0"), []);
    assert.deepEqual(deliverAll(pipeline, 50, "connection-1"), []);
    assert.equal(pipeline.queueStats().depth, 49, "one copy each (the first went to the sink)");
    assert.equal(pipeline.dedupStats().duplicatesBySource["connection-1"], 50, "counted at once");
    await pipeline.drain();
    assert.equal(sink.posts.length, 50);
    assert.equal(new Set(sink.posts.map((p) => p.id)).size, 50, "each written once");
  });

  it("drops the other connection's copy of a post already written at once, never queued", async () => {
    const sink = new MemoryPostSink();
    const pipeline = pipelineInto(sink);
    deliverAll(pipeline, 5, "connection-0");
    await new Promise((resolve) => setTimeout(resolve, 0));
    assert.equal(sink.posts.length, 5, "written before the copies arrive");
    deliverAll(pipeline, 5, "connection-1");
    assert.equal(pipeline.dedupStats().duplicatesBySource["connection-1"], 5, "counted at once");
    assert.equal(pipeline.queueStats().queued, 5, "the copies were never queued");
    await pipeline.drain();
    assert.equal(sink.posts.length, 5);
  });

  it("drops a copy that waited for room once the other copy is queued (block)", async () => {
    const sink = new MemoryPostSink({ delayMs: 1 });
    const pipeline = pipelineInto(sink, 2);
    // 0 goes to the sink, 1 and 2 fill the queue, 3 waits; then the other connection's 3 waits.
    const waits = deliverAll(pipeline, 4, "connection-0");
    const copy = pipeline.deliver({
      post: post(3),
      source: "connection-1",
      partition: undefined,
      receivedAtMs: 0,
    });
    assert.equal(waits.length, 1);
    assert.ok(copy instanceof Promise, "the copy waits too");
    await Promise.all([...waits, copy]);
    await pipeline.drain();
    assert.deepEqual(sink.posts.map((p) => p.id), [0, 1, 2, 3].map((n) => post(n).id));
    assert.equal(pipeline.queueStats().queued, 4, "the copy was never queued");
    assert.equal(pipeline.dedupStats().duplicatesBySource["connection-1"], 1);
  });

  it("still queues a copy under drop-oldest, which may have dropped the first", async () => {
    const sink = new MemoryPostSink({ delayMs: 1 });
    const pipeline = pipelineInto(sink, 3, "drop-oldest");
    // 0 goes to the sink; 1, 2, 3 are queued; 4 drops 1. The other connection's 1 is queued
    // (dropping 2): the only copy left.
    deliverAll(pipeline, 5, "connection-0");
    pipeline.deliver({
      post: post(1),
      source: "connection-1",
      partition: undefined,
      receivedAtMs: 0,
    });
    await pipeline.drain();
    assert.deepEqual(sink.posts.map((p) => p.id), [0, 3, 4, 1].map((n) => post(n).id));
  });

  it("hands sinks posts whose json is parsed on demand, byte-exact lines", async () => {
    const sink = new MemoryPostSink();
    const pipeline = pipelineInto(sink);
    const post = classifyLine(LINE) as PostMessage;
    pipeline.deliver({ post, source: "connection-0", partition: undefined, receivedAtMs: 0 });
    await pipeline.drain();
    assert.equal(sink.posts.length, 1);
    const written = sink.posts[0];
    assert.notEqual(written, post, "the queue did not keep the reader's parsed post");
    assert.equal(typeof Object.getOwnPropertyDescriptor(written, "json")?.get, "function");
    assert.equal(written.line, LINE);
    assert.deepEqual(written.json, post.json);
  });
});
