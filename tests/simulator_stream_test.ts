import assert from "node:assert/strict";
import { describe, it } from "node:test";

import {
  addRules,
  type BodyReader,
  call,
  open,
  PT_HEADERS,
  PT_URL,
  withSim,
} from "./helpers/simulator_harness.ts";

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

describe("simulator streams", () => {
  it("v2 filtered stream sends \\r\\n-terminated posts with matching_rules and a heartbeat at 20 s", async () => {
    await withSim({}, async (sim, clock) => {
      await addRules(sim, "cats", "dogs");
      const reader = await open(
        sim,
        "/2/tweets/search/stream?tweet.fields=created_at&expansions=author_id",
      );
      sim.publish(3);
      await clock.tickAsync(0);
      assert.ok(reader.text().endsWith("\r\n"));
      const posts = reader.messages() as Json[];
      assert.equal(posts.length, 3);
      for (const post of posts) {
        assert.match(post.data.id, /^\d{18,}$/);
        assert.match(post.data.created_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
        assert.deepEqual(post.data.edit_history_tweet_ids, [post.data.id]);
        assert.ok(post.matching_rules.length >= 1);
        assert.ok(post.matching_rules.every((r: Json) => /^tag-[01]$/.test(r.tag)));
      }
      assert.ok(BigInt(posts[0].data.id) < BigInt(posts[2].data.id), "ids increase");
      await clock.tickAsync(19_999);
      assert.equal(reader.lines().filter((l) => l === "").length, 0);
      await clock.tickAsync(1);
      assert.deepEqual(reader.lines().slice(3), [""]);
      await clock.tickAsync(20_000);
      assert.deepEqual(reader.lines().slice(3), ["", ""]);
      await reader.cancel();
    });
  });

  it("the filtered stream without rules sends only heartbeats", async () => {
    await withSim({ postsPerSecond: 50 }, async (sim, clock) => {
      const reader = await open(sim, "/2/tweets/search/stream");
      await clock.tickAsync(20_000);
      assert.deepEqual(reader.lines(), [""]);
      await reader.cancel();
    });
  });

  it("sample stream posts have no matching_rules; posts are 0.3 to 6 KB", async () => {
    await withSim({}, async (sim, clock) => {
      const reader = await open(sim, "/2/tweets/sample/stream");
      sim.publish(200);
      await clock.tickAsync(0);
      const lines = reader.lines();
      assert.equal(lines.length, 200);
      const sizes = lines.map((l) => new TextEncoder().encode(l).length);
      assert.ok(
        Math.min(...sizes) >= 250 && Math.max(...sizes) <= 6_500,
        `sizes ${Math.min(...sizes)}..${Math.max(...sizes)}`,
      );
      assert.ok(Math.max(...sizes) > 2_000);
      assert.ok(lines.every((l) => !("matching_rules" in JSON.parse(l))));
      assert.ok(lines.some((l) => "includes" in JSON.parse(l)));
      await reader.cancel();
    });
  });

  it("PowerTrack with Basic auth sends activities without a data wrapper and heartbeats every 10 s", async () => {
    await withSim(
      { basicCredentials: { username: "alice", password: "secret" } },
      async (sim, clock) => {
        const denied = await sim.fetch(
          new Request(PT_URL, { headers: { authorization: `Basic ${btoa("alice:wrong")}` } }),
        );
        assert.equal(denied.status, 401);
        const reader = await open(sim, PT_URL, PT_HEADERS);
        sim.publish(2);
        await clock.tickAsync(10_000);
        const lines = reader.lines();
        assert.equal(lines.length, 3);
        assert.equal(lines[2], "");
        const activity = JSON.parse(lines[0] as string);
        assert.equal(activity.data, undefined);
        assert.match(activity.id_str, /^\d+$/);
        assert.match(activity.created_at, /^\w{3} \w{3} \d\d \d\d:\d\d:\d\d \+0000 \d{4}$/);
        assert.equal(typeof activity.user.screen_name, "string");
        assert.equal(activity.matching_rules[0].tag, "default");
        assert.match(activity.matching_rules[0].id_str, /^\d+$/);
        await clock.tickAsync(10_000);
        assert.equal(reader.lines().filter((l) => l === "").length, 2);
        await reader.cancel();
      },
    );
  });

  it("answers 401 with X's problem JSON when the token is missing or wrong", async () => {
    await withSim({ bearerTokens: ["good"] }, async (sim) => {
      for (const authorization of [undefined, "Bearer bad"]) {
        const headers: Record<string, string> = authorization ? { authorization } : {};
        const response = await sim.fetch(
          new Request("https://api.x.com/2/tweets/search/stream", { headers }),
        );
        assert.equal(response.status, 401);
        assert.deepEqual(await response.json(), {
          title: "Unauthorized",
          type: "about:blank",
          status: 401,
          detail: "Unauthorized",
        });
      }
      assert.equal(
        (await call(sim, "/2/tweets/search/stream", { headers: { authorization: "Bearer good" } }))
          .status,
        200,
      );
    });
  });

  it("writes chunks that split lines and UTF-8 sequences at arbitrary bytes", async () => {
    await withSim({ maxChunkBytes: 64 }, async (sim, clock) => {
      const reader = await open(sim, "/2/tweets/sample/stream");
      sim.publish(20);
      await clock.tickAsync(0);
      const strict = new TextDecoder("utf-8", { fatal: true });
      const broken = reader.chunks.filter((chunk) => {
        try {
          strict.decode(chunk);
          return false;
        } catch {
          return true;
        }
      });
      assert.ok(broken.length > 0, "some chunk ends or starts inside a character");
      assert.ok(
        reader.chunks.some((c) => c[c.length - 1] !== 0x0a),
        "some chunk ends inside a line",
      );
      assert.equal(reader.messages().length, 20, "the whole still decodes and parses");
      await reader.cancel();
    });
  });

  it("the same seed reproduces the same bytes; another seed does not", async () => {
    const run = async (seed: number) => {
      let bytes: Uint8Array = new Uint8Array();
      await withSim({ seed, postsPerSecond: 40 }, async (sim, clock) => {
        await addRules(sim, "a", "b", "c");
        const reader = await open(sim, "/2/tweets/search/stream");
        await clock.tickAsync(2_000);
        await reader.cancel();
        bytes = reader.bytes();
        assert.ok(reader.chunks.length > 10);
      });
      return bytes;
    };
    const first = await run(42);
    assert.deepEqual(await run(42), first);
    assert.notDeepEqual(await run(43), first);
  });

  it("requires partition on partitioned streams and checks its range", async () => {
    await withSim({}, async (sim) => {
      const missing = await call(sim, "/2/tweets/firehose/stream");
      assert.equal(missing.status, 400);
      const body = await missing.json() as Json;
      assert.equal(body.title, "Invalid Request");
      assert.equal(body.type, "https://api.x.com/2/problems/invalid-request");
      assert.match(body.errors[0].message, /partition/);
      for (
        const [path, bad] of [["/2/tweets/firehose/stream", "21"], [
          "/2/tweets/sample10/stream",
          "3",
        ], ["/2/users/compliance/stream", "0"]]
      ) {
        const response = await call(sim, `${path}?partition=${bad}`);
        assert.equal(response.status, 400, path);
        assert.deepEqual(((await response.json()) as Json).errors[0].parameters, {
          partition: [bad],
        });
      }
      const unknown = await call(sim, "/2/tweets/search/stream?backfillMinutes=2");
      assert.equal(unknown.status, 400);
      const ok = await open(sim, "/2/tweets/firehose/stream?partition=20");
      const compliance = await open(sim, "/2/tweets/compliance/stream?partition=4");
      await ok.cancel();
      await compliance.cancel();
    });
  });

  it("firehose partitions split the posts between them; compliance streams carry compliance events", async () => {
    await withSim({ complianceEventsPerSecond: 4 }, async (sim, clock) => {
      const one = await open(sim, "/2/tweets/sample10/stream?partition=1");
      const two = await open(sim, "/2/tweets/sample10/stream?partition=2");
      const users = await open(sim, "/2/users/compliance/stream?partition=1");
      sim.publish(10);
      await clock.tickAsync(1_000);
      const ids = (r: BodyReader) => r.messages().map((m: Json) => m.data.id);
      assert.equal(ids(one).length + ids(two).length, 10);
      assert.equal(new Set([...ids(one), ...ids(two)]).size, 10);
      const event = users.messages()[0] as Json;
      const [kind] = Object.keys(event.data);
      assert.match(kind as string, /^(user_|scrub_geo|profile_update)/);
      assert.match(event.data[kind as string].event_at, /Z$/);
      for (const r of [one, two, users]) await r.cancel();
    });
  });

  it("backfill_minutes replays the last N minutes from history, then continues live", async () => {
    await withSim({ postsPerSecond: 1 }, async (sim, clock) => {
      await clock.tickAsync(10 * 60_000);
      const bad = await call(sim, "/2/tweets/sample/stream?backfill_minutes=6");
      assert.equal(bad.status, 400);
      const now = sim.now();
      const reader = await open(sim, "/2/tweets/sample/stream?backfill_minutes=2");
      await clock.tickAsync(0);
      const replayed = reader.messages() as Json[];
      assert.ok(replayed.length >= 119 && replayed.length <= 121, `replayed ${replayed.length}`);
      assert.ok(replayed.every((p) => Date.parse(p.data.created_at) >= now - 120_000));
      await clock.tickAsync(5_000);
      const all = reader.messages() as Json[];
      assert.ok(all.length >= replayed.length + 4);
      const ids = all.map((p) => BigInt(p.data.id));
      assert.ok(
        ids.every((id, i) => i === 0 || id > (ids[i - 1] as bigint)),
        "in order, no duplicates",
      );
      await reader.cancel();
    });
  });

  it("start_time/end_time replays the window from history, then ends the body cleanly", async () => {
    await withSim({ postsPerSecond: 1 }, async (sim, clock) => {
      await clock.tickAsync(10 * 60_000);
      const now = sim.now();
      const start = new Date(now - 8 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      const end = new Date(now - 6 * 60_000).toISOString().replace(/\.\d+Z$/, "Z");
      const reader = await open(sim, `/2/tweets/sample/stream?start_time=${start}&end_time=${end}`);
      await clock.tickAsync(0);
      await reader.done;
      assert.equal(reader.state, "eof");
      const posts = reader.messages() as Json[];
      assert.ok(posts.length >= 119 && posts.length <= 121, `recovered ${posts.length}`);
      assert.ok(posts.every((p) => {
        const at = Date.parse(p.data.created_at);
        return at >= Date.parse(start) && at <= Date.parse(end);
      }));
      assert.equal(sim.attempts()[0]?.closeReason, "recovery-complete");
      const tooOld = await call(sim, `/2/tweets/sample/stream?start_time=2024-12-01T00:00:00Z`);
      assert.equal(tooOld.status, 400);
    });
  });

  it("a window ending in the future replays every post created up to its end, then ends", async () => {
    // Ticks of 130 ms: the posts created just before the end (a whole second) are published
    // after it, with the tick that follows.
    await withSim({ postsPerSecond: 100, publishTickMs: 130 }, async (sim, clock) => {
      await clock.tickAsync(60_450);
      const end = Math.ceil(sim.now() / 1000) * 1000;
      const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d+Z$/, "Z");
      const reader = await open(
        sim,
        `/2/tweets/sample/stream?start_time=${iso(end - 30_000)}&end_time=${iso(end)}`,
      );
      await clock.tickAsync(2_000);
      await reader.done;
      assert.equal(reader.state, "eof");
      const got = (reader.messages() as Json[]).map((p) => p.data.id as string);
      const window = sim.posts({ sinceMs: end - 30_000, untilMs: end }).map((p) => p.id);
      assert.ok(
        sim.posts({ sinceMs: end - 130, untilMs: end }).length > 0,
        "posts created just before the end were published after it",
      );
      assert.deepEqual(got, window); // was: the last tick's posts missing
      assert.equal(sim.attempts()[0]?.closeReason, "recovery-complete");
    });
  });

  it("PowerTrack backfillMinutes and startTime/endTime (yyyyMMddHHmm) work the same way", async () => {
    await withSim({ postsPerSecond: 1 }, async (sim, clock) => {
      await clock.tickAsync(10 * 60_000);
      const backfill = await open(sim, `${PT_URL}?backfillMinutes=1`, PT_HEADERS);
      await clock.tickAsync(0);
      assert.ok(backfill.messages().length >= 59);
      await backfill.cancel();
      const recovery = await open(
        sim,
        `${PT_URL}?startTime=202501010001&endTime=202501010003`,
        PT_HEADERS,
      );
      await clock.tickAsync(0);
      await recovery.done;
      assert.equal(recovery.state, "eof");
      assert.ok(Math.abs(recovery.messages().length - 120) <= 1);
    });
  });
});
