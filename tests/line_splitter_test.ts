import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { LineSplitter, resolveLineSplitterOptions } from "../src/line_splitter.ts";
import { LineTooLongError } from "../src/errors/line_too_long_error.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../src/x_limits.ts";
import { chunksOf, everySplit, pipeChunks } from "./helpers/every_split.ts";

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

const CORPUS = '{"data":{"id":"1","text":"héllo 🙂 wörld"}}\r\n' +
  "\r\n" + // heartbeat
  '{"data":{"id":"2","text":"東京で🎉🇯🇵"}}\n' + // bare \n
  "\r\n" +
  '{"data":{"id":"3","text":"𝕏 a\\r b"}}\r\n' +
  "\n" + // bare heartbeat
  '{"tail":"日本"}'; // unterminated

const EXPECTED = [
  '{"data":{"id":"1","text":"héllo 🙂 wörld"}}',
  "",
  '{"data":{"id":"2","text":"東京で🎉🇯🇵"}}',
  "",
  '{"data":{"id":"3","text":"𝕏 a\\r b"}}',
  "",
  '{"tail":"日本"}',
];

describe("LineSplitter", () => {
  it("LineSplitter frames a corpus identically at every byte-boundary split", async () => {
    const bytes = encode(CORPUS);
    let runs = 0;
    for (const chunks of everySplit(bytes)) {
      const lines = await pipeChunks(chunks, new LineSplitter());
      assert.deepEqual(lines, EXPECTED, `split at ${chunks.map((c) => c.length).join("+")}`);
      runs++;
    }
    assert.ok(runs > bytes.length);
  });

  it("LineSplitter frames a corpus fed one byte at a time", async () => {
    const lines = await pipeChunks(chunksOf(encode(CORPUS), 1), new LineSplitter());
    assert.deepEqual(lines, EXPECTED);
  });

  it("LineSplitter keeps an emoji split across two chunks", async () => {
    const bytes = encode("🙂\r\n");
    for (let i = 1; i < 4; i++) {
      const lines = await pipeChunks([bytes.slice(0, i), bytes.slice(i)], new LineSplitter());
      assert.deepEqual(lines, ["🙂"]);
    }
  });

  it("LineSplitter strips \\r when \\r and \\n arrive in different chunks", async () => {
    const lines = await pipeChunks(
      [encode("a\r"), encode("\n\r"), encode("\nb")],
      new LineSplitter(),
    );
    assert.deepEqual(lines, ["a", "", "b"]);
  });

  it("LineSplitter emits an unterminated tail at close, without its \\r", async () => {
    assert.deepEqual(await pipeChunks([encode("x\ny\r")], new LineSplitter()), ["x", "y"]);
    assert.deepEqual(await pipeChunks([encode("x\n")], new LineSplitter()), ["x"]);
    assert.deepEqual(await pipeChunks([encode("x\n\r")], new LineSplitter()), ["x"]);
  });

  it("LineSplitter strips only one trailing \\r and keeps interior ones", async () => {
    assert.deepEqual(await pipeChunks([encode("a\r\r\nb\rc\n")], new LineSplitter()), [
      "a\r",
      "b\rc",
    ]);
  });

  it("LineSplitter turns invalid UTF-8 into U+FFFD instead of throwing", async () => {
    // "a<FF>b\n", a truncated emoji before "\n", "c\n", a truncated emoji at the very end.
    const bytes = new Uint8Array([
      0x61,
      0xff,
      0x62,
      0x0a,
      0xf0,
      0x9f,
      0x0a,
      0x63,
      0x0a,
      0xf0,
      0x9f,
    ]);
    for (const chunks of everySplit(bytes)) {
      const lines = await pipeChunks(chunks, new LineSplitter());
      assert.deepEqual(lines, ["a\uFFFDb", "\uFFFD", "c", "\uFFFD"]);
    }
  });

  it("LineSplitter accepts a line of exactly maxLineBytes, with or without \\r", async () => {
    const line = "é".repeat(8); // 16 bytes
    const lines = await pipeChunks(
      [encode(`${line}\r\n${line}\n`)],
      new LineSplitter({ maxLineBytes: 16 }),
    );
    assert.deepEqual(lines, [line, line]);
    for (const chunks of everySplit(encode(`${line}\r\n`))) {
      assert.deepEqual(await pipeChunks(chunks, new LineSplitter({ maxLineBytes: 16 })), [line]);
    }
  });

  it("LineSplitter errors with LineTooLongError on a line over maxLineBytes, at every split", async () => {
    const bytes = encode(`ok\n${"é".repeat(9)}\nnever\n`); // the second line is 18 bytes
    for (const chunks of everySplit(bytes)) {
      const seen: string[] = [];
      const reader = new ReadableStream<Uint8Array>({
        start(c) {
          for (const chunk of chunks) c.enqueue(chunk);
          c.close();
        },
      }).pipeThrough(new LineSplitter({ maxLineBytes: 16 })).getReader();
      const error = await (async () => {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return undefined;
          seen.push(value);
        }
      })().catch((e: unknown) => e);
      assert.ok(error instanceof LineTooLongError, `split ${chunks.map((c) => c.length)}`);
      assert.equal(error.maxLineBytes, 16);
      assert.ok(error.receivedBytes > 16);
      assert.ok(!seen.includes("never"));
      assert.ok(seen.every((l) => l === "ok"));
    }
  });

  it("LineSplitter refuses an endless line early, holding about maxLineBytes at most", async () => {
    const maxLineBytes = 10_000;
    let sentBytes = 0;
    function* endless(): Generator<Uint8Array> {
      const piece = encode("a".repeat(100));
      for (;;) {
        sentBytes += piece.length;
        yield piece;
      }
    }
    await assert.rejects(pipeChunks(endless(), new LineSplitter({ maxLineBytes })), (e) => {
      assert.ok(e instanceof LineTooLongError);
      assert.ok(e.receivedBytes <= maxLineBytes + 100);
      return true;
    });
    assert.ok(sentBytes <= maxLineBytes + 5 * 100, `pulled ${sentBytes} bytes`);
  });

  it("LineSplitter refuses one oversized chunk without a newline", async () => {
    await assert.rejects(
      pipeChunks([encode("x".repeat(20))], new LineSplitter({ maxLineBytes: 8 })),
      LineTooLongError,
    );
  });

  it("LineSplitter defaults maxLineBytes to DEFAULT_MAX_LINE_BYTES", () => {
    assert.equal(resolveLineSplitterOptions().maxLineBytes, DEFAULT_MAX_LINE_BYTES);
  });

  it("LineSplitter validates maxLineBytes with RangeError or TypeError", () => {
    const message = (v: string) =>
      `Cannot construct LineSplitter as 'maxLineBytes' must be a positive integer: current value is ${v}`;
    for (
      const [value, shown] of [[-1, "-1"], [0, "0"], [1.5, "1.5"], [NaN, "NaN"], [
        Infinity,
        "Infinity",
      ]] as const
    ) {
      assert.throws(
        () => new LineSplitter({ maxLineBytes: value }),
        new RangeError(message(shown)),
      );
    }
    assert.throws(
      () => new LineSplitter({ maxLineBytes: "10" as unknown as number }),
      new TypeError(message('"10"')),
    );
  });
});
