import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, open, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FileSink, type FileSinkHandle } from "../src/sinks/file_sink.ts";
import { WritableSink } from "../src/sinks/writable_sink.ts";
import { openSinks } from "../src/cli/open_sinks.ts";
import { parseStreamArgs } from "../src/cli/stream_args.ts";
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

/** One scripted write: `"ok"` writes all, a number writes only that many bytes, `"fail"` throws. */
type WriteStep = "ok" | number | "fail";

/** Opens the real file, but its writes follow `steps` (then succeed): a disk that fills up. */
function faultyOpen(steps: WriteStep[], calls: WriteStep[] = []) {
  return async (path: string, flags: "a"): Promise<FileSinkHandle> => {
    const real = await open(path, flags);
    return {
      write: async (buffer, offset, length) => {
        const step = steps.shift() ?? "ok";
        calls.push(step);
        if (step === "fail") {
          throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        }
        return await real.write(buffer, offset, step === "ok" ? length : Math.min(step, length));
      },
      sync: () => real.sync(),
      close: () => real.close(),
      stat: () => real.stat(),
    };
  };
}

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
      name: "RangeError",
      message:
        `Cannot construct FileSink as 'path' must be a non-empty string: current value is ""`,
    });
    await assert.rejects(FileSink.open({ path: "x", rotateBytes: -1 }), {
      name: "RangeError",
      message:
        "Cannot construct FileSink as 'rotateBytes' must be a positive integer: current value is -1",
    });
    await assert.rejects(FileSink.open({ path: "x", open: "fs" as never }), {
      name: "TypeError",
      message: `Cannot construct FileSink as 'open' must be a function: current value is "fs"`,
    });
  });

  it("keeps lines pending through a failed partial write and writes each line once", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "full.ndjson");
      const errors: unknown[] = [];
      const calls: WriteStep[] = [];
      // Post 2's batch: 5 bytes go in, then the disk is full twice; then it has room again.
      const sink = await FileSink.open({
        path,
        batchBytes: 1,
        flushIntervalMs: 60_000,
        open: faultyOpen(["ok", 5, "fail", "fail"], calls),
        onError: (error) => errors.push(error),
      });
      const posts = [post("1"), post("2"), post("3"), post("4")];
      await sink.write(posts[0]);
      await sink.write(posts[1]); // taken: its failed batch stays pending, reported to onError
      assert.equal(errors.length, 1);
      await assert.rejects(sink.write(posts[2]), /ENOSPC/, "not taken while the disk is full");
      await sink.write(posts[2]); // the retry: the rest of post 2, then post 3
      await sink.write(posts[3]);
      await sink.close();
      assert.equal(await readFile(path, "utf8"), posts.map((p) => p.line + "\n").join(""));
      assert.deepEqual(calls.slice(0, 5), ["ok", 5, "fail", "fail", "ok"]);
      assert.equal(sink.position().posts, 4);
      assert.equal(
        sink.position().bytes,
        posts.map((p) => p.line.length + 1).reduce((a, b) => a + b),
      );
    });
  });

  it("writes multi-byte lines byte-exact through a reused batch buffer, failures and all", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "utf8.ndjson");
      // Batches of 64 characters: the buffer kept is 384 bytes; post 30 needs a larger one.
      const sink = await FileSink.open({
        path,
        batchBytes: 64,
        flushIntervalMs: 60_000,
        open: faultyOpen(["ok", "ok", 7, "fail", "ok", 3, "fail"]),
        onError: () => {},
      });
      const posts = Array.from(
        { length: 60 },
        (_, i) => post(String(i), i === 30 ? "東🙂".repeat(300) : `${"é🙂東".repeat(i % 7)}#${i}`),
      );
      for (const p of posts) {
        // A write refused while the disk is full is tried again, as the collector does.
        await sink.write(p).catch(() => sink.write(p));
      }
      await sink.close();
      const expected = posts.map((p) => p.line + "\n").join("");
      assert.equal(await readFile(path, "utf8"), expected);
      assert.equal(sink.position().bytes, new TextEncoder().encode(expected).length);
    });
  });

  it("flush() rejects while the disk is full and a later flush writes what was pending", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "eio.ndjson");
      const sink = await FileSink.open({
        path,
        flushIntervalMs: 60_000,
        open: faultyOpen([3, "fail"]),
      });
      await sink.write(post("1"));
      await sink.write(post("2"));
      await assert.rejects(sink.flush(), /ENOSPC/);
      await sink.flush();
      await sink.write(post("3"));
      await sink.close();
      assert.equal(
        await readFile(path, "utf8"),
        [post("1"), post("2"), post("3")].map((p) => p.line + "\n").join(""),
      );
      await assert.rejects(sink.write(post("4")), {
        name: "TypeError",
        message: "Cannot write to a closed FileSink",
      });
    });
  });

  it("close() that failed can be called again and writes what was pending", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "close.ndjson");
      const sink = await FileSink.open({
        path,
        flushIntervalMs: 60_000,
        open: faultyOpen(["fail"]),
      });
      await sink.write(post("1"));
      await assert.rejects(sink.close(), /ENOSPC/);
      await sink.close();
      await sink.close();
      assert.equal(await readFile(path, "utf8"), post("1").line + "\n");
    });
  });
});

describe("FileSink after a crash", () => {
  it("open() cuts a torn last line back to the last newline and says how many bytes", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      const whole = post("1").line + "\n" + post("2").line + "\n";
      const torn = post("3").line.slice(0, 17);
      await writeFile(path, whole + torn);
      const sink = await FileSink.open({ path });
      assert.equal(sink.repairedBytes, new TextEncoder().encode(torn).byteLength);
      assert.equal(sink.position().detail?.repairedBytes, sink.repairedBytes);
      await sink.write(post("4"));
      await sink.close();
      assert.equal(await readFile(path, "utf8"), whole + post("4").line + "\n");
    });
  });

  it("open() leaves a whole file alone and empties a file of one torn line", async () => {
    await withTempDir(async (dir) => {
      const whole = join(dir, "whole.ndjson");
      await writeFile(whole, post("1").line + "\n");
      const kept = await FileSink.open({ path: whole });
      assert.equal(kept.repairedBytes, 0);
      assert.equal(kept.position().detail?.repairedBytes, undefined);
      await kept.close();
      assert.equal(await readFile(whole, "utf8"), post("1").line + "\n");

      // A torn line longer than the repair's read chunk, and no newline at all.
      const lone = join(dir, "lone.ndjson");
      const long = post("2", "x".repeat(200_000)).line;
      await writeFile(lone, long);
      const emptied = await FileSink.open({ path: lone });
      assert.equal(emptied.repairedBytes, long.length);
      await emptied.close();
      assert.equal(await readFile(lone, "utf8"), "");
    });
  });

  it("recentIds() reads back the ids of the complete lines, oldest first", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      const powertrack = JSON.stringify({ id_str: "pt-9", body: "hi" });
      await writeFile(
        path,
        [post("1").line, "", "not json", powertrack, post("2").line].join("\n") + "\n",
      );
      const sink = await FileSink.open({ path });
      assert.deepEqual(await sink.recentIds(), ["1", "pt-9", "2"]);
      await sink.write(post("3"));
      await sink.flush();
      assert.deepEqual(await sink.recentIds(), ["1", "pt-9", "2", "3"]);
      await sink.close();
      const missing = await FileSink.open({ path: join(dir, "new.ndjson") });
      assert.deepEqual(await missing.recentIds(), []);
      await missing.close();
    });
  });

  it("recentIds() reads only the last recentIdsBytes, whole lines only", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      const lines = Array.from({ length: 100 }, (_, i) => post(String(1000 + i)).line + "\n");
      await writeFile(path, lines.join(""));
      const lineBytes = lines[0].length; // every line is as long: ids of 4 digits
      // Exactly the last 10 lines, then 10.5 lines: the half line is not read as a post.
      for (const recentIdsBytes of [10 * lineBytes, 10 * lineBytes + lineBytes / 2]) {
        const sink = await FileSink.open({ path, recentIdsBytes });
        const ids = await sink.recentIds();
        await sink.close();
        assert.deepEqual(ids, Array.from({ length: 10 }, (_, i) => String(1090 + i)));
      }
    });
  });

  it("recentIds() also reads the newest rotated file when the current one is short", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      const lineBytes = post("0").line.length + 1; // ids of one digit: every line is as long
      let now = Date.UTC(2026, 10, 23, 11, 26, 0);
      // Rotated after 3 lines: [0 1 2] [3 4 5], and [6 7] in the current file.
      const sink = await FileSink.open({
        path,
        rotateBytes: 3 * lineBytes,
        batchBytes: 1,
        now: () => now,
      });
      for (let i = 0; i < 8; i++) {
        now += 1_000;
        await sink.write(post(String(i)));
        await sink.flush();
      }
      await sink.close();
      assert.equal((await readdir(dir)).length, 3);
      assert.equal(await readFile(path, "utf8"), post("6").line + "\n" + post("7").line + "\n");
      // 4 lines' worth: the current file's 2, then the last 2 of the newest rotated file.
      const reopened = await FileSink.open({ path, recentIdsBytes: 4 * lineBytes });
      assert.deepEqual(await reopened.recentIds(), ["4", "5", "6", "7"]);
      await reopened.close();
      // A current file longer than the budget is enough on its own.
      const small = await FileSink.open({ path, recentIdsBytes: lineBytes });
      assert.deepEqual(await small.recentIds(), ["7"]);
      await small.close();
    });
  });

  it("rejects a non-positive recentIdsBytes with a message naming it", async () => {
    await assert.rejects(FileSink.open({ path: "x.ndjson", recentIdsBytes: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct FileSink as 'recentIdsBytes' must be a positive integer: current value is 0",
    });
  });
});

describe("openSinks", () => {
  it("opens the file sink `--out F --rotate-size 4KB` asks for: it rotates, losing no line", async () => {
    await withTempDir(async (dir) => {
      const path = join(dir, "posts.ndjson");
      const config = parseStreamArgs([
        ...["--url", "https://api.x.com/2/tweets/search/stream", "--token", "T"],
        ...["--out", path, "--rotate-size", "4KB"],
      ]);
      const [sink] = await openSinks(config.sinks);
      const posts = Array.from({ length: 2000 }, (_, i) => post(String(i), "x".repeat(40)));
      for (const p of posts) await sink.write(p);
      await sink.close();
      const files = await readdir(dir);
      assert.ok(files.length >= 2, `expected rotated files, got ${files}`);
      let all = "";
      for (const f of files) all += await readFile(join(dir, f), "utf8");
      assert.deepEqual(
        all.split("\n").filter(Boolean).sort(),
        posts.map((p) => p.line).sort(),
      );
    });
  });
});
