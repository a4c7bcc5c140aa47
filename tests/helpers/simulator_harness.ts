/**
 * Shared helpers for the simulator tests: a fake clock, request builders and a body reader that
 * collects chunks in the background while the test advances time.
 */
import { createSimulator, type Simulator } from "../../src/simulator/mod.ts";
import { installClock, type TestClock } from "./fake_clock.ts";

export { installClock, START_MS, type TestClock } from "./fake_clock.ts";

/** Headers of a well-behaved v2 client. */
export const V2_HEADERS: Record<string, string> = {
  authorization: "Bearer test-token",
  "user-agent": "holdfast-test/1.0.0",
};

/** Headers of a well-behaved PowerTrack client (user `alice`, password `secret`). */
export const PT_HEADERS: Record<string, string> = {
  authorization: `Basic ${btoa("alice:secret")}`,
  "user-agent": "holdfast-test/1.0.0",
};

/** The default PowerTrack stream URL of the simulator. */
export const PT_URL =
  "https://gnip-stream.x.com/stream/powertrack/accounts/holdfast/publishers/twitter/prod.json";

/** Sends a request to the simulator. */
export function call(sim: Simulator, url: string, init: RequestInit = {}): Promise<Response> {
  const full = url.startsWith("http") ? url : `https://api.x.com${url}`;
  return sim.fetch(
    new Request(full, {
      ...init,
      headers: { ...V2_HEADERS, ...(init.headers as Record<string, string> ?? {}) },
    }),
  );
}

/** Sends a JSON body. */
export function callJson(
  sim: Simulator,
  url: string,
  method: string,
  body: unknown,
): Promise<Response> {
  return call(sim, url, {
    method,
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
  });
}

/** Reads a response body in the background, keeping every chunk. */
export class BodyReader {
  readonly chunks: Uint8Array[] = [];
  /** "open" while reading, "eof" after a clean end, "error" after a failed read. */
  state: "open" | "eof" | "error" = "open";
  error: unknown;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly done: Promise<void>;

  constructor(response: Response) {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    this.#reader = reader;
    this.done = (async () => {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          this.chunks.push(value);
        }
        this.state = "eof";
      } catch (error) {
        this.state = "error";
        this.error = error;
      }
    })();
  }

  /** All bytes so far. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, at);
      at += chunk.length;
    }
    return out;
  }

  /** All bytes so far, decoded. */
  text(): string {
    return new TextDecoder("utf-8", { fatal: true }).decode(this.bytes());
  }

  /** Complete lines so far (without `\r\n`); heartbeats are empty strings. */
  lines(): string[] {
    const parts = this.text().split("\r\n");
    parts.pop();
    return parts;
  }

  /** Parsed non-empty lines. */
  messages(): Record<string, unknown>[] {
    return this.lines().filter((l) => l !== "").map((l) => JSON.parse(l));
  }

  /** Stops reading (the client goes away). */
  async cancel(): Promise<void> {
    await this.#reader.cancel().catch(() => {});
    await this.done;
  }
}

/** Opens a stream and starts reading it. */
export async function open(
  sim: Simulator,
  url: string,
  headers: Record<string, string> = {},
): Promise<BodyReader> {
  const full = url.startsWith("http") ? url : `https://api.x.com${url}`;
  const response = await sim.fetch(new Request(full, { headers: { ...V2_HEADERS, ...headers } }));
  if (response.status !== 200) {
    throw new Error(`expected 200, got ${response.status}: ${await response.text()}`);
  }
  return new BodyReader(response);
}

/** Adds filtered-stream rules. */
export async function addRules(sim: Simulator, ...values: string[]): Promise<void> {
  const response = await callJson(sim, "/2/tweets/search/stream/rules", "POST", {
    add: values.map((value, i) => ({ value, tag: `tag-${i}` })),
  });
  if (response.status !== 201) {
    throw new Error(`rules: ${response.status} ${await response.text()}`);
  }
}

/** Runs `body` with a quiet simulator (no publishing, no compliance events unless `options`
 * say so) on a fake clock; closes both afterwards, whatever happens. */
export async function withSim(
  options: Parameters<typeof createSimulator>[0],
  body: (sim: Simulator, clock: TestClock) => Promise<void>,
): Promise<void> {
  const clock = installClock();
  const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0, ...options });
  try {
    await body(sim, clock);
  } finally {
    sim.close();
    clock.uninstall();
  }
}
