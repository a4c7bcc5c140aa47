import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  LineBatchSplitter,
  LineFramer,
  LineSplitter,
  type LineSplitterOptions,
  resolveLineSplitterOptions,
} from "../src/line_splitter.ts";
import { LineTooLongError } from "../src/errors/line_too_long_error.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../src/x_limits.ts";
import { chunksOf, everySplit, pipeChunks, readableOf } from "./helpers/every_split.ts";
import { LINE_CORPUS, LINE_CORPUS_LINES } from "./helpers/line_corpus.ts";

const encode = (s: string): Uint8Array => new TextEncoder().encode(s);

/** One splitter under test, seen as a flat list of lines. */
interface Flavour {
  readonly name: "LineSplitter" | "LineBatchSplitter" | "LineFramer";
  readonly create: (options?: LineSplitterOptions) => TransformStream<Uint8Array, unknown>;
  /** The lines of one enqueued value. */
  readonly linesOf: (value: unknown) => readonly string[];
}

const FLAVOURS: readonly Flavour[] = [
  {
    name: "LineSplitter",
    create: (options) => new LineSplitter(options),
    linesOf: (value) => [value as string],
  },
  {
    name: "LineBatchSplitter",
    create: (options) => new LineBatchSplitter(options),
    linesOf: (value) => {
      assert.ok(Array.isArray(value) && value.length > 0, "a batch is a non-empty array");
      return value as string[];
    },
  },
  {
    // The framer without a stream, driven here by a minimal adapter (as run_attempt drives it):
    // push per chunk, end at close, error once `failure` is set.
    name: "LineFramer",
    create: (options) => {
      const framer = new LineFramer(options);
      const out = (lines: string[], c: TransformStreamDefaultController<string[]>): void => {
        if (lines.length > 0) c.enqueue(lines);
        if (framer.failure !== undefined) c.error(framer.failure);
      };
      return new TransformStream<Uint8Array, string[]>({
        transform: (chunk, c) => out(framer.push(chunk), c),
        flush: (c) => out(framer.end(), c),
      });
    },
    linesOf: (value) => value as string[],
  },
];

/**
 * Pulls `chunks` one at a time through the flavour's splitter; pushes every line to `seen` as it
 * arrives (so lines before an error are visible) and returns them. Rejects with the stream's error.
 */
async function split(
  flavour: Flavour,
  chunks: Iterable<Uint8Array>,
  options?: LineSplitterOptions,
  seen: string[] = [],
): Promise<string[]> {
  const reader = readableOf(chunks).pipeThrough(flavour.create(options)).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return seen;
    seen.push(...flavour.linesOf(value));
  }
}

for (const flavour of FLAVOURS) {
  const { name } = flavour;
  describe(name, () => {
    it(`${name} frames a corpus identically at every byte-boundary split`, async () => {
      const bytes = encode(LINE_CORPUS);
      let runs = 0;
      for (const chunks of everySplit(bytes)) {
        const lines = await split(flavour, chunks);
        assert.deepEqual(
          lines,
          LINE_CORPUS_LINES,
          `split at ${chunks.map((c) => c.length).join("+")}`,
        );
        runs++;
      }
      assert.ok(runs > bytes.length);
    });

    it(`${name} frames a corpus fed one byte at a time`, async () => {
      assert.deepEqual(await split(flavour, chunksOf(encode(LINE_CORPUS), 1)), LINE_CORPUS_LINES);
    });

    it(`${name} keeps an emoji split across two chunks`, async () => {
      const bytes = encode("🙂\r\n");
      for (let i = 1; i < 4; i++) {
        assert.deepEqual(await split(flavour, [bytes.slice(0, i), bytes.slice(i)]), ["🙂"]);
      }
    });

    it(`${name} strips \\r when \\r and \\n arrive in different chunks`, async () => {
      const lines = await split(flavour, [encode("a\r"), encode("\n\r"), encode("\nb")]);
      assert.deepEqual(lines, ["a", "", "b"]);
    });

    it(`${name} emits heartbeats as "" and an unterminated tail at close, without its \\r`, async () => {
      assert.deepEqual(await split(flavour, [encode("\r\n\n\r\n")]), ["", "", ""]);
      assert.deepEqual(await split(flavour, [encode("x\ny\r")]), ["x", "y"]);
      assert.deepEqual(await split(flavour, [encode("x\n")]), ["x"]);
      assert.deepEqual(await split(flavour, [encode("x\n\r")]), ["x"]);
    });

    it(`${name} strips only one trailing \\r and keeps interior ones`, async () => {
      assert.deepEqual(await split(flavour, [encode("a\r\r\nb\rc\n")]), ["a\r", "b\rc"]);
    });

    it(`${name} turns invalid UTF-8 into U+FFFD instead of throwing`, async () => {
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
        assert.deepEqual(await split(flavour, chunks), ["a\uFFFDb", "\uFFFD", "c", "\uFFFD"]);
      }
    });

    it(`${name} accepts a line of exactly maxLineBytes, with or without \\r`, async () => {
      const line = "é".repeat(8); // 16 bytes
      const options = { maxLineBytes: 16 };
      assert.deepEqual(await split(flavour, [encode(`${line}\r\n${line}\n`)], options), [
        line,
        line,
      ]);
      for (const chunks of everySplit(encode(`${line}\r\n`))) {
        assert.deepEqual(await split(flavour, chunks, options), [line]);
      }
    });

    it(`${name} errors with LineTooLongError on a line over maxLineBytes, at every split`, async () => {
      const bytes = encode(`ok\n${"é".repeat(9)}\nnever\n`); // the second line is 18 bytes
      for (const chunks of everySplit(bytes)) {
        const seen: string[] = [];
        const error = await split(flavour, chunks, { maxLineBytes: 16 }, seen).catch((e) => e);
        assert.ok(error instanceof LineTooLongError, `split ${chunks.map((c) => c.length)}`);
        assert.equal(error.maxLineBytes, 16);
        assert.ok(error.receivedBytes > 16);
        assert.ok(!seen.includes("never"));
        assert.ok(seen.every((l) => l === "ok"));
      }
    });

    it(`${name} refuses an endless line early, holding about maxLineBytes at most`, async () => {
      const maxLineBytes = 10_000;
      let sentBytes = 0;
      function* endless(): Generator<Uint8Array> {
        const piece = encode("a".repeat(100));
        for (;;) {
          sentBytes += piece.length;
          yield piece;
        }
      }
      await assert.rejects(split(flavour, endless(), { maxLineBytes }), (e) => {
        assert.ok(e instanceof LineTooLongError);
        assert.ok(e.receivedBytes <= maxLineBytes + 100);
        return true;
      });
      assert.ok(sentBytes <= maxLineBytes + 5 * 100, `pulled ${sentBytes} bytes`);
    });

    it(`${name} refuses one oversized chunk without a newline`, async () => {
      await assert.rejects(
        split(flavour, [encode("x".repeat(20))], { maxLineBytes: 8 }),
        LineTooLongError,
      );
    });

    it(`${name} validates maxLineBytes with RangeError or TypeError naming the class`, () => {
      const message = (v: string) =>
        `Cannot construct ${name} as 'maxLineBytes' must be a positive integer: current value is ${v}`;
      const invalid = [[-1, "-1"], [0, "0"], [1.5, "1.5"], [NaN, "NaN"], [Infinity, "Infinity"]];
      for (const [value, shown] of invalid as [number, string][]) {
        assert.throws(
          () => flavour.create({ maxLineBytes: value }),
          new RangeError(message(shown)),
        );
      }
      assert.throws(
        () => flavour.create({ maxLineBytes: "10" as unknown as number }),
        new TypeError(message('"10"')),
      );
    });
  });
}

describe("LineSplitter options", () => {
  it("resolveLineSplitterOptions defaults maxLineBytes to DEFAULT_MAX_LINE_BYTES", () => {
    assert.equal(resolveLineSplitterOptions().maxLineBytes, DEFAULT_MAX_LINE_BYTES);
  });
});

describe("LineBatchSplitter batches", () => {
  it("LineBatchSplitter enqueues one array per chunk that ends a line, none for others", async () => {
    const batches = await pipeChunks(
      [encode("a\r\nb"), encode("c"), encode("\n\r\nd\n"), encode("e")],
      new LineBatchSplitter(),
    );
    assert.deepEqual(batches, [["a"], ["bc", "", "d"], ["e"]]);
  });

  it("LineBatchSplitter enqueues the lines before an oversized line, then errors", async () => {
    const seen: string[][] = [];
    const reader = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encode(`a\nb\n${"x".repeat(20)}\nc\n`));
        c.close();
      },
    }).pipeThrough(new LineBatchSplitter({ maxLineBytes: 10 })).getReader();
    const error = await (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return undefined;
        seen.push(value);
      }
    })().catch((e: unknown) => e);
    assert.ok(error instanceof LineTooLongError);
    assert.deepEqual(seen, [["a", "b"]]);
  });
});

describe("LineFramer", () => {
  it("LineFramer returns the lines each chunk ends ([] for none) and the last line at end", () => {
    const framer = new LineFramer();
    assert.deepEqual(framer.push(encode("a\r\nb")), ["a"]);
    assert.deepEqual(framer.push(encode("c")), []);
    assert.deepEqual(framer.push(encode("\n\r\nd\n")), ["bc", "", "d"]);
    assert.deepEqual(framer.push(encode("e\r")), []);
    assert.deepEqual(framer.end(), ["e"]);
    assert.equal(framer.failure, undefined);
  });

  it("LineFramer returns the lines before an oversized line, sets failure, then takes nothing", () => {
    const framer = new LineFramer({ maxLineBytes: 10 });
    assert.deepEqual(framer.push(encode(`a\nb\n${"x".repeat(20)}\nc\n`)), ["a", "b"]);
    assert.ok(framer.failure instanceof LineTooLongError);
    assert.equal(framer.failure.maxLineBytes, 10);
    assert.deepEqual(framer.push(encode("d\n")), []);
    assert.deepEqual(framer.end(), []);
  });

  it("LineFramer frames a chunk of many 32 KB pieces (a burst) as it frames small chunks", () => {
    // Multi-byte characters at every offset, `\r\n`, empty lines, a line longer than a piece,
    // and a line carried over from the chunk before: the pieces are cut after a `\n` only.
    const lines: string[] = [];
    for (let i = 0; i < 400; i++) {
      lines.push(
        i % 50 === 7 ? "" : `{"id":"${i}","text":"${"é🙂東".repeat(i % 97)}${"x".repeat(i)}"}`,
      );
    }
    lines.splice(200, 0, `{"long":"${"ß".repeat(40_000)}"}`);
    const text = lines.map((line, i) => line + (i % 3 === 0 ? "\r\n" : "\n")).join("");
    const bytes = encode(`{"carried":"🙂${text}`);
    const cut = 9; // inside the carried line, before its emoji
    const framer = new LineFramer();
    assert.deepEqual(framer.push(bytes.subarray(0, cut)), []);
    const burst = bytes.subarray(cut);
    assert.ok(burst.length > 4 * 32 * 1024, "several pieces");
    const got = framer.push(burst);
    assert.deepEqual(got, [`{"carried":"🙂${lines[0]}`, ...lines.slice(1)]);
    assert.deepEqual(framer.end(), []);
  });

  it("LineFramer sets failure when a held line without a newline grows over the cap", () => {
    const framer = new LineFramer({ maxLineBytes: 8 });
    // Read through a call: an assertion on the getter would narrow it for the rest of the test.
    const failure = (): LineTooLongError | undefined => framer.failure;
    assert.deepEqual(framer.push(encode("ok\nxxxxx")), ["ok"]);
    assert.equal(failure(), undefined, "5 bytes held, under the cap");
    assert.deepEqual(framer.push(encode("yyyy")), []);
    assert.ok(failure() instanceof LineTooLongError);
  });
});
