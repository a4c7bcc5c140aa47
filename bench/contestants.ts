/**
 * The contestants of the throughput benchmark. Each one consumes the same pre-built chunks from a
 * pull-based in-memory `ReadableStream` (one chunk per pull) and counts posts. With `check` set it
 * also checks every post's text (U+FFFD count, total UTF-16 units), outside the timed runs.
 *
 * @module
 */

/** What one run saw. `textUnits` (sum of `data.text` lengths) and `replacementPosts` (posts with
 * U+FFFD in any field) are only filled when `check` is set. */
export interface RunResult {
  posts: number;
  textUnits: number;
  replacementPosts: number;
}

/** A contestant: `run(chunks, check)` resolves once the whole body has been consumed. */
export interface Contestant {
  name: string;
  /** Shown in the table: what this contestant does. */
  note: string;
  /** `reference`: the practical limit (the best reference is 100%); `holdfast`: the code under
   * test; `peer`: another client; `proto`: a bench-only prototype. */
  kind: "reference" | "holdfast" | "peer" | "proto";
  run(chunks: readonly Uint8Array[], check: boolean): Promise<RunResult>;
}

/** The body as a fetch-like byte stream: one chunk per `pull`, never a backlog. */
export function sourceOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < chunks.length) controller.enqueue(chunks[i++]);
      else controller.close();
    },
  });
}

/** Post-level checker shared by every contestant (only used when `check` is on). */
export class Checker {
  posts = 0;
  textUnits = 0;
  replacementPosts = 0;
  /** `obj` is the parsed line; counts it when it is a v2 post. */
  see(obj: unknown): void {
    const data = (obj as { data?: { text?: unknown } } | null)?.data;
    if (data === undefined) return;
    this.posts++;
    const text = typeof data.text === "string" ? data.text : "";
    this.textUnits += text.length;
    // Any field (text, names, descriptions...): the corpus has no U+FFFD at all.
    if (JSON.stringify(obj).includes("\uFFFD")) this.replacementPosts++;
  }
  result(): RunResult {
    return {
      posts: this.posts,
      textUnits: this.textUnits,
      replacementPosts: this.replacementPosts,
    };
  }
}

const LF = 10;
const CR = 13;

// ---- (1) the practical limit: two tight hand-written loops ------------------------------------

/** Tight loop A: `TextDecoder` with `stream: true` per chunk, string concat, `indexOf("\n")`. */
export const tightConcat: Contestant = {
  name: "tight loop (concat)",
  note: "decode(stream:true) per chunk + string concat + indexOf + JSON.parse",
  kind: "reference",
  async run(chunks, check) {
    const reader = sourceOf(chunks).getReader();
    const decoder = new TextDecoder();
    const checker = new Checker();
    let posts = 0;
    let buf = "";
    const line = (s: string): void => {
      const obj = JSON.parse(s);
      if (obj.data !== undefined) posts++;
      if (check) checker.see(obj);
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      buf += decoder.decode(value, { stream: true });
      let start = 0;
      let nl: number;
      while ((nl = buf.indexOf("\n", start)) !== -1) {
        const end = nl > start && buf.charCodeAt(nl - 1) === CR ? nl - 1 : nl;
        if (end > start) line(buf.slice(start, end));
        start = nl + 1;
      }
      if (start > 0) buf = buf.slice(start);
    }
    buf += decoder.decode();
    if (buf.length > 0 && buf !== "\r") line(buf.endsWith("\r") ? buf.slice(0, -1) : buf);
    return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
  },
};

/** Tight loop B: one decode per chunk up to its last `\n`; the straddling line from bytes. */
export const tightLastNewline: Contestant = {
  name: "tight loop (last-\\n)",
  note: "one decode per chunk up to its last \\n + split + JSON.parse",
  kind: "reference",
  async run(chunks, check) {
    const reader = sourceOf(chunks).getReader();
    const decoder = new TextDecoder();
    const checker = new Checker();
    let posts = 0;
    let carry: Uint8Array[] = [];
    let carryBytes = 0;
    const line = (s: string): void => {
      const end = s.charCodeAt(s.length - 1) === CR ? s.length - 1 : s.length;
      if (end === 0) return;
      const obj = JSON.parse(end === s.length ? s : s.slice(0, end));
      if (obj.data !== undefined) posts++;
      if (check) checker.see(obj);
    };
    const joined = (tail?: Uint8Array): Uint8Array => {
      const out = new Uint8Array(carryBytes + (tail?.length ?? 0));
      let o = 0;
      for (const p of carry) {
        out.set(p, o);
        o += p.length;
      }
      if (tail) out.set(tail, o);
      carry = [];
      carryBytes = 0;
      return out;
    };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const last = value.lastIndexOf(LF);
      if (last === -1) {
        carry.push(value);
        carryBytes += value.length;
        continue;
      }
      let start = 0;
      if (carryBytes > 0) {
        const first = value.indexOf(LF);
        line(decoder.decode(joined(value.subarray(0, first))));
        start = first + 1;
      }
      if (start <= last) {
        const text = decoder.decode(value.subarray(start, last));
        let s = 0;
        let nl: number;
        while ((nl = text.indexOf("\n", s)) !== -1) {
          line(text.slice(s, nl));
          s = nl + 1;
        }
        line(s === 0 ? text : text.slice(s));
      }
      if (last + 1 < value.length) {
        carry.push(value.subarray(last + 1));
        carryBytes += value.length - last - 1;
      }
    }
    if (carryBytes > 0) line(decoder.decode(joined()));
    return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
  },
};

// ---- (2) holdfast ------------------------------------------------------------------------------

/**
 * holdfast's read path exactly as `src/client/run_attempt.ts` composes it: a reader loop on the
 * body itself (no stream hop), per chunk the byte count, `HeartbeatTimer#touch` (the watchdog's
 * clock) and `LineFramer#push` (the splitter without a stream: one `string[]` per chunk), then
 * `classifyLine` on each line with the per-line closed check. Only the client's
 * status/deliver/event calls are left out (the "connect() end-to-end" row has them).
 */
export async function holdfastContestant(): Promise<Contestant> {
  const { LineFramer } = await import("../src/line_splitter.ts");
  const { HeartbeatTimer } = await import("../src/heartbeat_watchdog.ts");
  const { classifyLine } = await import("../src/classify_line.ts");
  return {
    name: "holdfast",
    kind: "holdfast",
    note:
      "as run_attempt.ts: body reader → per chunk byte count + HeartbeatTimer.touch + LineFramer.push → classifyLine per line",
    async run(chunks, check) {
      let bytes = 0;
      const signal = new AbortController().signal;
      const now = (): number => Date.now();
      const reader = sourceOf(chunks).getReader();
      let stall: unknown;
      const watchdog = new HeartbeatTimer((error) => {
        stall = error;
        reader.cancel(error).catch(() => {});
      }, { now });
      const framer = new LineFramer();
      const checker = new Checker();
      let posts = 0;
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (stall !== undefined) throw stall;
          let lines: string[];
          if (done) lines = framer.end();
          else {
            const atMs = now();
            watchdog.touch(atMs);
            bytes += value.byteLength;
            lines = framer.push(value);
          }
          for (const line of lines) {
            if (signal.aborted) break;
            const message = classifyLine(line);
            if (message.type === "post") {
              posts++;
              if (check) checker.see(message.json);
            }
          }
          if (framer.failure !== undefined) throw framer.failure;
          if (done) break;
        }
      } finally {
        watchdog.stop();
      }
      if (bytes === 0) throw new Error("no bytes counted");
      return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
    },
  };
}

/**
 * holdfast's public TransformStreams composed with `pipeThrough`, as a user of the building
 * blocks writes it: `HeartbeatWatchdog` on the byte chunks, then `LineBatchSplitter` (one
 * `string[]` per chunk), then `classifyLine` per line.
 */
export async function holdfastStreamsContestant(): Promise<Contestant> {
  const { LineBatchSplitter } = await import("../src/line_splitter.ts");
  const { HeartbeatWatchdog } = await import("../src/heartbeat_watchdog.ts");
  const { classifyLine } = await import("../src/classify_line.ts");
  return {
    name: "holdfast TransformStreams",
    kind: "holdfast",
    note: "body.pipeThrough(HeartbeatWatchdog).pipeThrough(LineBatchSplitter) → classifyLine",
    async run(chunks, check) {
      const lines = sourceOf(chunks)
        .pipeThrough(new HeartbeatWatchdog<Uint8Array>())
        .pipeThrough(new LineBatchSplitter());
      const checker = new Checker();
      let posts = 0;
      for await (const batch of lines) {
        for (const line of batch) {
          const message = classifyLine(line);
          if (message.type === "post") {
            posts++;
            if (check) checker.see(message.json);
          }
        }
      }
      return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
    },
  };
}

/**
 * holdfast end to end, as a user gets it: `connect({ fetch })` with a fetch that returns the
 * in-memory body (its whole pipeline: byte counter, watchdog, splitter, classifyLine, status,
 * the bounded posts channel), read through `client.readable`. The body's EOF makes the client
 * reconnect; that second fetch closes the client, so the reader sees `done`.
 */
export async function holdfastClientContestant(): Promise<Contestant> {
  const { connect } = await import("../src/client/connect.ts");
  return {
    name: "holdfast connect() end-to-end",
    kind: "holdfast",
    note: "connect({ fetch }) → client.readable (adds the posts channel hop)",
    async run(chunks, check) {
      const stop = new AbortController();
      let calls = 0;
      const fetch = (): Promise<Response> => {
        if (++calls === 1) return Promise.resolve(new Response(sourceOf(chunks), { status: 200 }));
        stop.abort();
        return Promise.reject(new DOMException("stopped by the benchmark", "AbortError"));
      };
      const client = connect({
        url: "https://api.x.com/2/tweets/search/stream",
        auth: { bearer: "benchmark" },
        fetch: fetch as typeof globalThis.fetch,
        signal: stop.signal,
      });
      const reader = client.readable.getReader();
      const checker = new Checker();
      let posts = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        posts++;
        if (check) checker.see(value.json);
      }
      await client.closed;
      return check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 };
    },
  };
}

// ---- (3) @xdevplatform/xdk ---------------------------------------------------------------------

/**
 * xdk 0.6.6's real streaming path: `StreamClient#posts()` (the filtered stream) calls
 * `client.request(..., { raw: true })`, wraps `response.body` in its (unexported)
 * `EventDrivenStream`, and resolves; the caller then attaches `on("data")`. The fake client
 * returns our in-memory body instead of doing a fetch. Listeners are attached exactly where a user
 * can attach them (after `await`), so posts emitted before that are lost, as in real use.
 */
export async function xdkContestant(): Promise<Contestant> {
  const { StreamClient } = await import("@xdevplatform/xdk");
  return {
    name: "@xdevplatform/xdk",
    kind: "peer",
    note: "StreamClient.posts() → EventDrivenStream, on('data')",
    async run(chunks, check) {
      const fakeClient = {
        validateAuthentication(): void {},
        request(): Promise<unknown> {
          return Promise.resolve({
            ok: true,
            status: 200,
            statusText: "OK",
            body: sourceOf(chunks),
          });
        },
      };
      // deno-lint-ignore no-explicit-any
      const stream: any = await new StreamClient(fakeClient as any).posts();
      const checker = new Checker();
      let posts = 0;
      return await new Promise<RunResult>((resolve, reject) => {
        stream.on("data", (obj: { data?: unknown }) => {
          if (obj.data !== undefined) posts++;
          if (check) checker.see(obj);
        });
        stream.on("error", (e: { error: unknown }) => reject(e.error));
        stream.on(
          "close",
          () => resolve(check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 }),
        );
      });
    },
  };
}

// ---- (4) twitter-api-v2 ------------------------------------------------------------------------

/**
 * twitter-api-v2 1.29.1's real streaming path: `RequestHandlerHelper#makeRequestAsStream()` builds
 * `new TweetStream(requestData, { req, res })` where `res` is the `http.IncomingMessage` (a
 * `Readable` emitting `Buffer`s); TweetStream does `parser.push(chunk.toString())` per chunk and
 * `TweetStreamParser` scans for `\r\n` and `JSON.parse`s. Here `res` is a `Readable` that pushes
 * our chunks (as Buffers over the same memory) one per `_read`, and `req` an EventEmitter.
 */
export async function twitterApiV2Contestant(): Promise<Contestant & { prepare?: unknown }> {
  const mod = await import("twitter-api-v2");
  // deno-lint-ignore no-explicit-any
  const m: any = (mod as any).TweetStream ? mod : (mod as any).default;
  const { TweetStream, ETwitterStreamEvent } = m;
  const { Readable } = await import("node:stream");
  const { EventEmitter } = await import("node:events");
  const { Buffer } = await import("node:buffer");
  // Same as twitter-api-v2's `isTweetStreamV2ErrorPayload` (helpers.ts), which v2 streams pass.
  const payloadIsError = (p: unknown): boolean =>
    typeof p === "object" && p !== null && "errors" in p && !("data" in p);
  const buffers = new WeakMap<readonly Uint8Array[], InstanceType<typeof Buffer>[]>();
  return {
    name: "twitter-api-v2",
    kind: "peer",
    note: "TweetStream over a Readable of Buffers (res 'data' → chunk.toString() → parser)",
    async run(chunks, check) {
      let bufs = buffers.get(chunks);
      if (bufs === undefined) {
        bufs = chunks.map((c) => Buffer.from(c.buffer, c.byteOffset, c.byteLength));
        buffers.set(chunks, bufs);
      }
      const list = bufs;
      let i = 0;
      const res = new Readable({
        read() {
          this.push(i < list.length ? list[i++] : null);
        },
      });
      // The `http.ClientRequest` stand-in: TweetStream only listens for 'error' and destroys it.
      const req = Object.assign(new EventEmitter(), { destroy(): void {} });
      const stream = new TweetStream({ payloadIsError }, { req, res, originalResponse: res });
      const checker = new Checker();
      let posts = 0;
      return await new Promise<RunResult>((resolve) => {
        stream.on(ETwitterStreamEvent.Data, (obj: { data?: unknown }) => {
          if (obj.data !== undefined) posts++;
          if (check) checker.see(obj);
        });
        stream.on(ETwitterStreamEvent.Error, () => {}); // 'connection closed' also arrives here
        stream.on(ETwitterStreamEvent.ConnectionClosed, () => {
          stream.removeAllListeners();
          resolve(check ? checker.result() : { posts, textUnits: 0, replacementPosts: 0 });
        });
      });
    },
  };
}
