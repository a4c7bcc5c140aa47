import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSink } from "../src/sinks/file_sink.ts";
import { WritableSink } from "../src/sinks/writable_sink.ts";
import type { PostMessage } from "../src/messages.ts";

function post(id: string, text = "hello"): PostMessage {
  const line = JSON.stringify({ data: { id, text } });
  return { type: "post", line, json: JSON.parse(line), id, createdAt: undefined, ruleTags: [] };
}

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "holdfast-sink-"));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("WritableSink", () => {
  it("writes each post's original line followed by a newline, in order", async () => {
    const chunks: Uint8Array[] = [];
    const sink = new WritableSink(new WritableStream({ write: (c) => void chunks.push(c) }), {
      batchBytes: 40,
    });
    const lines = ["1", "2", "3", "4"].map((id) => post(id, "emoji 😀 and 漢字"));
    for (const p of lines) await sink.write(p);
    await sink.close();
    const text = new TextDecoder().decode(new Uint8Array(chunks.flatMap((c) => [...c])));
    assert.equal(text, lines.map((p) => p.line + "\n").join(""));
    assert.equal(sink.position().posts, 4);
    assert.equal(sink.position().bytes, new TextEncoder().encode(text).byteLength);
  });

  it("refuses a non-positive batch size with a message naming the option", () => {
    assert.throws(
      () => new WritableSink(new WritableStream(), { batchBytes: 0 }),
      {
        name: "RangeError",
        message:
          "Cannot construct WritableSink as 'batchBytes' must be a positive integer: current value is 0",
      },
    );
  });
});

describe("FileSink", () => {
  it("appends byte-exact lines after what the file already held", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      await writeFile(path, "existing line\n");
      const sink = await FileSink.open({ path });
      const posts = [post("10", "café ☕"), post("11", "🎉🎉")];
      for (const p of posts) await sink.write(p);
      await sink.close();
      assert.equal(
        await readFile(path, "utf8"),
        "existing line\n" + posts.map((p) => p.line + "\n").join(""),
      );
    });
  });

  it("flush() makes every written line durable and complete", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "out.ndjson");
      const sink = await FileSink.open({ path, flushIntervalMs: 60_000 });
      await sink.write(post("1"));
      assert.equal(
        await readFile(path, "utf8"),
        "",
        "nothing written before flush with a long interval",
      );
      await sink.flush();
      assert.equal(await readFile(path, "utf8"), post("1").line + "\n");
      await sink.close();
    });
  });

  it("rotates by size into a timestamped file and keeps every line exactly once", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      let now = Date.UTC(2026, 10, 23, 11, 26, 0);
      const sink = await FileSink.open({ path, rotateBytes: 100, batchBytes: 1, now: () => now });
      const posts = Array.from({ length: 6 }, (_, i) => post(String(i), "x".repeat(20)));
      for (const p of posts) {
        await sink.write(p);
        now += 1000;
      }
      await sink.close();
      const files = (await readdir(dir)).sort();
      assert.ok(files.length >= 2, `expected rotated files, got ${files}`);
      assert.ok(
        files.some((f) => /^posts\.20261123T1126\d\dZ(-\d+)?\.ndjson$/.test(f)),
        files.join(","),
      );
      let all = "";
      for (const f of files) all += await readFile(join(dir, f), "utf8");
      const got = all.split("\n").filter(Boolean).sort();
      assert.deepEqual(got, posts.map((p) => p.line).sort());
      assert.ok(sink.position().detail?.rotations as number >= 1);
    });
  });

  it("rotates by time", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "t.ndjson");
      let now = Date.UTC(2026, 0, 1);
      const sink = await FileSink.open({
        path,
        rotateIntervalMs: 60_000,
        batchBytes: 1,
        now: () => now,
      });
      await sink.write(post("1"));
      now += 61_000;
      await sink.write(post("2"));
      await sink.close();
      const files = await readdir(dir);
      assert.equal(files.length, 2);
    });
  });

  it("rejects bad options with messages naming them", async () => {
    await assert.rejects(FileSink.open({ path: "" }), {
      name: "TypeError",
      message:
        `Cannot construct FileSink as 'path' must be a non-empty string: current value is ""`,
    });
    await assert.rejects(FileSink.open({ path: "x", rotateBytes: -1 }), {
      name: "RangeError",
      message:
        "Cannot construct FileSink as 'rotateBytes' must be a positive integer: current value is -1",
    });
  });
});
