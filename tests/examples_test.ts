import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { collect } from "../examples/collect.ts";
import { readPosts } from "../examples/read_stream.ts";

describe("examples/read_stream.ts (the README's library example)", () => {
  it("reads posts from the simulator byte-exact and closes the client cleanly", async () => {
    const { posts, events } = await readPosts(3);
    assert.equal(posts.length, 3);
    for (const post of posts) {
      assert.equal(post.type, "post");
      assert.match(post.id ?? "", /^\d+$/);
      assert.deepEqual(JSON.parse(post.line), post.json);
    }
    assert.deepEqual(events.slice(0, 2), ["connecting", "connected"]);
    assert.equal(events.at(-1), "stopped");
  });
});

describe("examples/collect.ts (the README's collector example)", () => {
  it("writes every post published while both connections kept breaking, once", async () => {
    const result = await collect(3, 200);
    assert.equal(result.readyStatus, 200);
    assert.ok(result.published > 0);
    assert.ok(result.unique >= result.published, JSON.stringify(result));
    assert.equal(result.lines, result.unique, "no post written twice");
    assert.ok(result.duplicates > 0, "the redundant connection's copies were dropped");
  });
});
