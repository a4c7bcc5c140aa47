import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { connect, type StreamClient } from "../src/client/connect.ts";
import type { ConnectOptions } from "../src/client/connect_options.ts";
import type { ClientEvent, ClientEventType } from "../src/client_events.ts";
import { StreamStoppedError } from "../src/errors/stream_stopped_error.ts";
import { HttpError } from "../src/errors/http_error.ts";
import type { PostMessage } from "../src/messages.ts";
import { VERSION } from "../src/version.ts";
import { createFakeFetch, type FakeFetch, type ScriptedAnswer } from "./helpers/fake_fetch.ts";

const START = Date.UTC(2026, 0, 1, 12, 0, 0);
const STREAM_URL = "https://api.x.com/2/tweets/search/stream";
const TOKEN = "s3cret-bearer-token";
const HEARTBEAT = "\r\n";

const post = (id: string, createdAt?: string): string =>
  JSON.stringify({
    data: { id, text: `post ${id}`, ...(createdAt ? { created_at: createdAt } : {}) },
  }) +
  "\r\n";
const operationalDisconnect = (type: string): string =>
  JSON.stringify({
    errors: [{
      title: "operational-disconnect",
      disconnect_type: type,
      detail: "This stream has been disconnected upstream for operational reasons.",
      type: "https://api.x.com/2/problems/operational-disconnect",
    }],
  }) + "\r\n";
const tooManyConnectionsBody = JSON.stringify({
  title: "ConnectionException",
  detail: "This stream is currently at the maximum allowed connection limit.",
  connection_issue: "TooManyConnections",
  type: "https://api.x.com/2/problems/streaming-connection",
});

let clock: TestClock;
let client: StreamClient | undefined;

beforeEach(() => {
  clock = installClock(START);
});

afterEach(async () => {
  try {
    if (client !== undefined) await settle(client.close());
  } finally {
    client = undefined;
    clock.uninstall();
  }
});

/** Lets microtasks (and zero-delay timers) run until `promise` settles. */
async function settle<T>(promise: Promise<T>): Promise<T> {
  let done = false;
  const watched = promise.finally(() => (done = true));
  for (let i = 0; i < 100 && !done; i++) await clock.tickAsync(0);
  return watched;
}

interface Harness {
  client: StreamClient;
  fake: FakeFetch;
  events: ClientEvent[];
  ofType<T extends ClientEventType>(type: T): Extract<ClientEvent, { type: T }>[];
}

function start(
  script: readonly ScriptedAnswer[] | ((index: number, url: URL) => ScriptedAnswer),
  options: Partial<ConnectOptions> = {},
): Harness {
  const fake = createFakeFetch(script);
  const events: ClientEvent[] = [];
  client = connect({ url: STREAM_URL, auth: { bearer: TOKEN }, fetch: fake.fetch, ...options });
  client.subscribe((event) => events.push(event));
  const ofType = <T extends ClientEventType>(type: T) =>
    events.filter((e): e is Extract<ClientEvent, { type: T }> => e.type === type);
  return { client, fake, events, ofType };
}

async function readPosts(c: StreamClient, n: number): Promise<PostMessage[]> {
  const reader = c.readable.getReader();
  const posts: PostMessage[] = [];
  try {
    while (posts.length < n) {
      const { done, value } = await settle(reader.read());
      if (done) break;
      posts.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  return posts;
}

const retries = (h: Harness) =>
  h.ofType("retry-scheduled").map((e) => ({ delayMs: e.delayMs, backoffClass: e.backoffClass }));
const gapsMs = (h: Harness) =>
  h.fake.requests.slice(1).map((r, i) => r.atMs - h.fake.requests[i].atMs);

describe("connect: posts and messages", () => {
  it("delivers posts in order while heartbeats and control messages never reach the posts stream", async () => {
    const h = start([{
      body: [
        post("1"),
        HEARTBEAT,
        JSON.stringify({
          errors: [{ title: "Something", type: "https://api.x.com/2/problems/other" }],
        }) +
        "\r\n",
        '{"warn":{"message":"Rules are being updated","sent":"2026-01-01T12:00:00Z"}}\r\n',
        "not json at all\r\n",
        HEARTBEAT,
        post("2"),
      ],
    }]);
    const posts = await readPosts(h.client, 2);
    assert.deepEqual(posts.map((p) => p.id), ["1", "2"]);
    assert.equal(h.ofType("heartbeat").length, 2);
    assert.equal(h.ofType("problem").length, 1);
    assert.equal(h.ofType("system").length, 1);
    assert.equal(h.ofType("malformed").length, 1);
    assert.equal(h.client.status().counts.malformed, 1);
    await settle(h.client.close());
    // Nothing but the two posts was ever queued.
    assert.deepEqual(await readPosts(h.client, 10), []);
    assert.equal(
      h.fake.requests.length,
      1,
      "a warn-level system message does not end the connection",
    );
  });

  it("keeps reading behind a slow consumer only up to postsHighWaterMark", async () => {
    const h = start([{ body: [post("1"), post("2"), post("3"), post("4"), post("5")] }], {
      postsHighWaterMark: 2,
    });
    await clock.tickAsync(0);
    assert.equal(h.client.status().counts.posts, 2, "the loop waits once the queue is full");
    const first = await readPosts(h.client, 1);
    assert.equal(first[0].id, "1");
    await clock.tickAsync(0);
    assert.equal(h.client.status().counts.posts, 3);
    assert.deepEqual((await readPosts(h.client, 4)).map((p) => p.id), ["2", "3", "4", "5"]);
  });
});

describe("connect: every disconnect kind", () => {
  it("a stall (silence past the timeout) emits stall, aborts the request and reconnects at once", async () => {
    const h = start([{ body: [post("1")] }, { body: [post("2")] }]);
    await clock.tickAsync(29_999);
    assert.equal(h.ofType("stall").length, 0);
    assert.equal(h.fake.requests.length, 1);
    await clock.tickAsync(1);
    assert.equal(h.ofType("stall")[0]?.silentMs, 30_000);
    assert.equal(h.fake.requests[0].aborted, true);
    const [disconnected] = h.ofType("disconnected");
    assert.equal(disconnected.cause.kind, "stall");
    assert.equal(disconnected.established, true);
    assert.deepEqual(retries(h), [{ delayMs: 0, backoffClass: "immediate" }]);
    assert.equal(h.fake.requests.length, 2);
    assert.equal(h.fake.requests[1].atMs, START + 30_000);
    assert.deepEqual((await readPosts(h.client, 2)).map((p) => p.id), ["1", "2"]);
  });

  it("heartbeats keep a quiet stream alive (no false stall)", async () => {
    const beats = Array.from({ length: 6 }, () => [{ waitMs: 20_000 }, HEARTBEAT]).flat();
    const h = start([{ body: [post("1"), ...beats] }]);
    await clock.tickAsync(120_000);
    assert.equal(h.ofType("stall").length, 0);
    assert.equal(h.fake.requests.length, 1);
    assert.equal(h.client.status().counts.heartbeats, 6);
  });

  it("a clean EOF after data reconnects at once", async () => {
    const h = start([{ body: [post("1"), { end: true }] }, { body: [post("2")] }]);
    await clock.tickAsync(0);
    assert.equal(h.ofType("disconnected")[0].cause.kind, "eof");
    assert.deepEqual(retries(h), [{ delayMs: 0, backoffClass: "immediate" }]);
    assert.equal(h.fake.requests.length, 2);
    assert.equal(h.fake.requests[1].atMs, START);
  });

  it("an operational-disconnect with the socket left open is aborted and reconnected at once", async () => {
    const h = start([
      { body: [post("1"), operationalDisconnect("UpstreamOperationalDisconnect")] }, // stays open
      { body: [post("2")] },
    ]);
    await clock.tickAsync(0);
    assert.equal(h.fake.requests[0].aborted, true, "aborted without waiting for the server");
    assert.equal(h.fake.requests.length, 2);
    assert.equal(h.fake.requests[1].atMs, START);
    assert.equal(h.fake.requests[1].openAtStart, 0);
    const cause = h.ofType("disconnected")[0].cause;
    assert.deepEqual(cause, {
      kind: "disconnect-message",
      disconnectType: "UpstreamOperationalDisconnect",
    });
    assert.deepEqual(retries(h), [{ delayMs: 0, backoffClass: "immediate" }]);
    assert.deepEqual((await readPosts(h.client, 2)).map((p) => p.id), ["1", "2"]);
  });

  it("401 backs off on the HTTP curve (5 s, 10 s, 20 s) and alerts auth-failure", async () => {
    const unauthorized = {
      status: 401,
      body: ['{"title":"Unauthorized"}', { end: true }],
    } as const;
    const h = start([unauthorized, unauthorized, unauthorized, unauthorized]);
    await clock.tickAsync(4_999);
    assert.equal(h.fake.requests.length, 1);
    await clock.tickAsync(1 + 10_000 + 20_000);
    assert.equal(h.fake.requests.length, 4);
    assert.deepEqual(gapsMs(h), [5_000, 10_000, 20_000]);
    assert.deepEqual(retries(h).slice(0, 3), [
      { delayMs: 5_000, backoffClass: "http" },
      { delayMs: 10_000, backoffClass: "http" },
      { delayMs: 20_000, backoffClass: "http" },
    ]);
    const alerts = h.ofType("alert").filter((a) => a.alert === "auth-failure");
    assert.equal(alerts.length, 4);
    assert.ok(!alerts[0].message.includes(TOKEN));
    const cause = h.ofType("disconnected")[0].cause;
    assert.equal(cause.kind === "http" && cause.status, 401);
    assert.equal(cause.kind === "http" && cause.body, '{"title":"Unauthorized"}');
  });

  it("429 waits until x-rate-limit-reset when that is later than 60 s", async () => {
    const resetS = START / 1000 + 120;
    const h = start([{
      status: 429,
      headers: {
        "x-rate-limit-limit": "50",
        "x-rate-limit-remaining": "0",
        "x-rate-limit-reset": String(resetS),
      },
      body: [tooManyConnectionsBody, { end: true }],
    }]);
    await clock.tickAsync(0);
    assert.deepEqual(retries(h), [{ delayMs: 120_000, backoffClass: "rate-limit" }]);
    assert.equal(h.ofType("retry-scheduled")[0].retryAtMs, resetS * 1000);
    assert.equal(h.ofType("alert")[0]?.alert, "too-many-connections");
    const cause = h.ofType("disconnected")[0].cause;
    assert.equal(cause.kind === "http" && cause.connectionIssue, "TooManyConnections");
    assert.deepEqual(h.client.status().rateLimit, {
      limit: 50,
      remaining: 0,
      resetAtMs: resetS * 1000,
    });
    await clock.tickAsync(119_999);
    assert.equal(h.fake.requests.length, 1);
    await clock.tickAsync(1);
    assert.equal(h.fake.requests.length, 2);
  });

  it("503 waits 5 s, then 10 s", async () => {
    const unavailable = { status: 503, body: [{ end: true }] } as const;
    const h = start([unavailable, unavailable, { body: [post("1")] }]);
    await clock.tickAsync(15_000);
    assert.deepEqual(gapsMs(h), [5_000, 10_000]);
    assert.deepEqual(retries(h), [
      { delayMs: 5_000, backoffClass: "http" },
      { delayMs: 10_000, backoffClass: "http" },
    ]);
    assert.equal((await readPosts(h.client, 1))[0].id, "1");
  });

  it("network errors (fetch rejects) back off linearly: 250 ms, 500 ms, 750 ms", async () => {
    const refused = { reject: new TypeError("fetch failed: ECONNREFUSED") };
    const h = start([refused, refused, refused, { body: [post("1")] }]);
    await clock.tickAsync(1_500);
    assert.deepEqual(gapsMs(h), [250, 500, 750]);
    assert.deepEqual(retries(h).map((r) => r.backoffClass), ["network", "network", "network"]);
    const cause = h.ofType("disconnected")[0].cause;
    assert.equal(
      cause.kind === "network" && (cause.error as Error).message,
      "fetch failed: ECONNREFUSED",
    );
  });

  it("a flapping server (200 then immediate EOF) is never reconnected with zero delay", async () => {
    const flap = { body: [{ end: true }] } as const;
    const h = start([flap, flap, flap, flap]);
    await clock.tickAsync(1_500);
    assert.deepEqual(gapsMs(h), [250, 500, 750]);
    assert.ok(retries(h).every((r) => r.delayMs > 0));
    assert.ok(h.ofType("disconnected").every((e) => e.established === false));
  });

  it("a body that fails mid-stream (reset) is a network disconnect", async () => {
    const h = start([{
      body: [post("1"), { waitMs: 10 }, { error: new TypeError("connection reset") }],
    }]);
    await clock.tickAsync(10);
    const [event] = h.ofType("disconnected");
    assert.equal(event.cause.kind, "network");
    assert.equal(event.established, true);
    assert.deepEqual(retries(h), [{ delayMs: 0, backoffClass: "immediate" }]);
  });

  it("a line over maxLineBytes ends the connection as line-too-long", async () => {
    const h = start([{ body: [post("1"), "x".repeat(300)] }], { maxLineBytes: 256 });
    await clock.tickAsync(0);
    assert.deepEqual(h.ofType("disconnected")[0].cause, {
      kind: "line-too-long",
      maxLineBytes: 256,
    });
    assert.equal(h.fake.requests[0].aborted, true);
  });

  it("a PowerTrack maintenance message then EOF is reported as a system-message disconnect", async () => {
    const h = start([{
      body: [
        post("1"),
        '{"error":{"message":"X is closing for operational reasons","sent":"2026-01-01T12:00:00Z"}}\r\n',
        { end: true },
      ],
    }]);
    await clock.tickAsync(0);
    assert.deepEqual(h.ofType("disconnected")[0].cause, {
      kind: "system-message",
      systemKind: "maintenance",
      message: "X is closing for operational reasons",
    });
    assert.deepEqual(retries(h), [{ delayMs: 0, backoffClass: "immediate" }]);
  });

  it("a hanging error body cannot block the loop", async () => {
    const h = start([{ status: 503, body: ['{"title":"Service Unavailable"'] }], {
      stallTimeoutMs: 1_000,
    });
    await clock.tickAsync(999);
    assert.equal(h.ofType("disconnected").length, 0);
    await clock.tickAsync(1);
    const cause = h.ofType("disconnected")[0].cause;
    assert.equal(cause.kind === "http" && cause.body, '{"title":"Service Unavailable"');
    assert.equal(h.fake.requests[0].aborted, true);
  });

  it("a connect that never answers is abandoned after the stall timeout", async () => {
    const h = start([{ hang: true }, { body: [post("1")] }], { stallTimeoutMs: 5_000 });
    await clock.tickAsync(5_000);
    assert.equal(h.ofType("disconnected")[0].cause.kind, "stall");
    assert.equal(h.fake.requests[0].aborted, true);
    await clock.tickAsync(250);
    assert.equal(h.fake.requests.length, 2);
  });

  it("a ConnectionException inside the stream alerts too-many-connections and reconnects", async () => {
    const inStream = JSON.stringify({ errors: [JSON.parse(tooManyConnectionsBody)] }) + "\r\n";
    const h = start([{ body: [inStream] }, { body: [post("1")] }]);
    await clock.tickAsync(0);
    assert.equal(h.ofType("alert")[0]?.alert, "too-many-connections");
    assert.equal(h.fake.requests[0].aborted, true);
    assert.deepEqual(h.ofType("disconnected")[0].cause, {
      kind: "disconnect-message",
      disconnectType: "TooManyConnections",
    });
    await clock.tickAsync(250);
    assert.equal(h.fake.requests.length, 2);
  });

  it("a PowerTrack too-many-connections system message alerts with the allowed count", async () => {
    const h = start([{
      body: [
        post("1"),
        '{"error":{"message":"Forced Disconnect: Too many connections. (Allowed Connections = 2)","sent":"2026-01-01T12:00:00Z"}}\r\n',
        { end: true },
      ],
    }]);
    await clock.tickAsync(0);
    const alert = h.ofType("alert")[0];
    assert.equal(alert?.alert, "too-many-connections");
    assert.deepEqual(alert?.details, { allowedConnections: 2 });
    assert.equal(h.ofType("disconnected")[0].cause.kind, "system-message");
  });

  it("never has two requests open at once", async () => {
    const h = start((i) =>
      i % 3 === 0
        ? { body: [post(String(i)), operationalDisconnect("ForceDisconnect")] }
        : i % 3 === 1
        ? { body: [post(String(i))] } // stalls
        : { reject: new TypeError("reset") }
    );
    await clock.tickAsync(200_000);
    assert.ok(h.fake.requests.length > 6);
    assert.ok(h.fake.requests.every((r) => r.openAtStart === 0));
  });
});

describe("connect: stops", () => {
  it("404 stops with StreamStoppedError, thrown by the iterator", async () => {
    const h = start([{ status: 404, body: ['{"title":"Not Found"}', { end: true }] }]);
    const consumed = (async () => {
      for await (const _ of h.client) { /* none */ }
    })();
    const rejected = assert.rejects(consumed, (error: unknown) => {
      assert.ok(error instanceof StreamStoppedError);
      assert.equal(error.reason, "http-404");
      assert.ok(error.cause instanceof HttpError);
      return true;
    });
    await clock.tickAsync(0);
    await rejected;
    await settle(h.client.closed);
    const [stopped] = h.ofType("stopped");
    assert.equal(stopped.reason, "http-404");
    assert.ok(stopped.error instanceof StreamStoppedError);
    assert.equal(h.client.status().state, "stopped");
    assert.equal(h.client.status().stopReason, "http-404");
    await clock.tickAsync(600_000);
    assert.equal(h.fake.requests.length, 1);
    assert.equal(clock.countTimers(), 0);
  });

  it("posts received before a fatal stop are still read before the error", async () => {
    const h = start([{
      body: [post("1"), post("2"), operationalDisconnect("InvalidRules")],
    }]);
    await clock.tickAsync(0);
    const reader = h.client.readable.getReader();
    assert.equal((await reader.read()).value?.id, "1");
    assert.equal((await reader.read()).value?.id, "2");
    await assert.rejects(reader.read(), { name: "StreamStoppedError", reason: "invalid-rules" });
  });

  it("InvalidRules stops the client", async () => {
    const h = start([{ body: [operationalDisconnect("InvalidRules")] }]);
    await clock.tickAsync(0);
    await settle(h.client.closed);
    assert.equal(h.ofType("stopped")[0].reason, "invalid-rules");
    assert.equal(h.ofType("retry-scheduled").length, 0);
    assert.equal(h.fake.requests[0].aborted, true);
  });

  it("usage-capped stops the client", async () => {
    const capped = JSON.stringify({
      errors: [{
        type: "https://api.x.com/2/problems/usage-capped",
        period: "Monthly",
        title: "UsageCapExceeded",
      }],
    }) + "\r\n";
    const h = start([{ body: [post("1"), capped] }]);
    await clock.tickAsync(0);
    assert.deepEqual(h.ofType("disconnected")[0].cause, {
      kind: "usage-capped",
      period: "Monthly",
    });
    assert.equal(h.ofType("stopped")[0].reason, "usage-capped");
  });
});

describe("connect: close", () => {
  it("close() during a wait ends at once and leaves no timers", async () => {
    const h = start([{ status: 503, body: [{ end: true }] }]);
    await clock.tickAsync(0);
    assert.equal(h.client.status().state, "waiting");
    const consumed = (async () => {
      const seen: PostMessage[] = [];
      for await (const p of h.client) seen.push(p);
      return seen;
    })();
    await settle(h.client.close());
    assert.deepEqual(await settle(consumed), [], "the iterator ends cleanly");
    assert.equal(clock.countTimers(), 0);
    assert.equal(h.fake.requests.length, 1);
    const stopped = h.ofType("stopped");
    assert.equal(stopped.length, 1);
    assert.equal(stopped[0].reason, "closed");
    assert.equal(stopped[0].error, undefined);
    assert.equal(h.client.status().state, "stopped");
  });

  it("close() during streaming aborts the request, keeps queued posts readable, and leaves no timers", async () => {
    const h = start([{ body: [post("1"), post("2"), post("3")] }]);
    await clock.tickAsync(0);
    await settle(h.client.close());
    assert.equal(h.fake.requests[0].aborted, true);
    assert.equal(clock.countTimers(), 0);
    assert.deepEqual((await readPosts(h.client, 10)).map((p) => p.id), ["1", "2", "3"]);
    assert.equal(h.ofType("disconnected").at(-1)?.cause.kind, "closed");
    assert.equal(h.ofType("stopped")[0].reason, "closed");
    await settle(h.client.close()); // idempotent
    assert.equal(h.ofType("stopped").length, 1);
  });

  it("cancelling the readable closes the client", async () => {
    const h = start([{ body: [post("1"), post("2")] }]);
    const reader = h.client.readable.getReader();
    assert.equal((await settle(reader.read())).value?.id, "1");
    await settle(reader.cancel());
    await settle(h.client.closed);
    assert.equal(h.fake.requests[0].aborted, true);
    assert.equal(h.ofType("stopped")[0].reason, "closed");
    assert.equal(clock.countTimers(), 0);
  });

  it("breaking out of for-await closes the client", async () => {
    const h = start([{ body: [post("1"), post("2")] }]);
    for await (const p of h.client) {
      assert.equal(p.id, "1");
      break;
    }
    await settle(h.client.closed);
    assert.equal(h.client.status().state, "stopped");
  });

  it("aborting the user's signal closes the client", async () => {
    const controller = new AbortController();
    const h = start([{ body: [post("1")] }], { signal: controller.signal });
    await clock.tickAsync(0);
    controller.abort();
    await settle(h.client.closed);
    assert.equal(h.fake.requests[0].aborted, true);
    assert.equal(h.ofType("stopped")[0].reason, "closed");
    assert.equal(clock.countTimers(), 0);
  });

  it("close() does not wait on an injected fetch that ignores its signal", async () => {
    let calls = 0;
    client = connect({
      url: STREAM_URL,
      fetch: () => {
        calls++;
        return new Promise<Response>(() => {});
      },
    });
    await clock.tickAsync(0);
    assert.equal(calls, 1);
    await settle(client.close());
    assert.equal(client.status().state, "stopped");
    assert.equal(clock.countTimers(), 0);
  });

  it("an already-aborted signal never connects", async () => {
    const h = start([{ body: [post("1")] }], { signal: AbortSignal.abort() });
    await settle(h.client.closed);
    assert.equal(h.fake.requests.length, 0);
    assert.equal(h.ofType("stopped")[0].reason, "closed");
  });
});

describe("connect: requests", () => {
  it("sends User-Agent holdfast/<version> and a bearer Authorization", async () => {
    const h = start([{ body: [post("1")] }]);
    await clock.tickAsync(0);
    const headers = h.fake.requests[0].headers;
    assert.ok(headers.get("user-agent")?.startsWith(`holdfast/${VERSION} (`));
    assert.equal(headers.get("authorization"), `Bearer ${TOKEN}`);
    assert.equal(h.fake.requests[0].url.href, STREAM_URL);
  });

  it("sends Basic auth as base64 of UTF-8, and takes credentials out of the URL", async () => {
    const h = start([{ body: [post("1")] }], {
      url:
        "https://acme:p%C3%A4ss@gnip-stream.x.com/stream/powertrack/accounts/acme/publishers/twitter/prod.json",
      auth: undefined,
    });
    await clock.tickAsync(0);
    const request = h.fake.requests[0];
    assert.equal(request.headers.get("authorization"), `Basic ${btoa("acme:p\u00c3\u00a4ss")}`);
    assert.equal(request.url.username, "");
    assert.ok(!h.client.status().url.includes("p%C3%A4ss"));
    assert.equal(h.client.status().stallTimeoutMs, 20_000, "PowerTrack's stall budget");
    assert.ok(!JSON.stringify(h.events).includes("acme:"));
  });

  it("sends explicit basic credentials", async () => {
    const h = start([{ body: [] }], { auth: { basic: { username: "ann", password: "pw" } } });
    await clock.tickAsync(0);
    assert.equal(h.fake.requests[0].headers.get("authorization"), `Basic ${btoa("ann:pw")}`);
  });

  it("beforeConnect can change the URL of one attempt only; params are added to every attempt", async () => {
    const h = start([{ body: [post("1"), { end: true }] }, { body: [post("2"), { end: true }] }, {
      body: [post("3")],
    }], {
      params: { "tweet.fields": "created_at" },
      beforeConnect: ({ attempt, url }) => {
        if (attempt === 2) url.searchParams.set("backfill_minutes", "2");
      },
    });
    await clock.tickAsync(0);
    const urls = h.fake.requests.map((r) => r.url.searchParams.toString());
    assert.deepEqual(urls, [
      "tweet.fields=created_at",
      "tweet.fields=created_at&backfill_minutes=2",
      "tweet.fields=created_at",
    ]);
    assert.ok(h.ofType("connecting")[1].url.includes("backfill_minutes=2"));
  });

  it("a throwing beforeConnect is reported and the attempt goes ahead", async () => {
    const h = start([{ body: [post("1")] }], {
      beforeConnect: () => {
        throw new Error("hook broke");
      },
    });
    await clock.tickAsync(0);
    assert.equal(h.fake.requests.length, 1);
    assert.equal((h.ofType("callback-error")[0].error as Error).message, "hook broke");
  });
});

describe("connect: callbacks", () => {
  it("a throwing onEvent never breaks the loop and is reported to the other listeners", async () => {
    const h = start([{ body: [post("1"), HEARTBEAT, post("2"), { end: true }] }, {
      body: [post("3")],
    }], {
      onEvent: () => {
        throw new Error("listener bug");
      },
    });
    const posts = await readPosts(h.client, 3);
    assert.deepEqual(posts.map((p) => p.id), ["1", "2", "3"]);
    const errors = h.ofType("callback-error");
    assert.ok(errors.length >= 4);
    assert.ok(errors.every((e) => (e.error as Error).message === "listener bug"));
  });
});

describe("connect: status()", () => {
  it("tracks state, counts, bytes, newest post time, rate limit and the last disconnect", async () => {
    const body = [
      post("1", "2026-01-01T11:59:58.000Z"),
      HEARTBEAT,
      post("2", "2026-01-01T11:59:59.000Z"),
    ];
    const h = start([
      {
        headers: {
          "x-rate-limit-limit": "50",
          "x-rate-limit-remaining": "49",
          "x-rate-limit-reset": "1767270000",
        },
        body: [...body, { end: true }],
      },
      { status: 503, body: [{ end: true }] },
      { body: [post("3")] },
    ]);
    assert.equal(h.client.status().state, "idle");
    await clock.tickAsync(0);
    const s = h.client.status();
    assert.equal(s.state, "waiting");
    assert.equal(s.attempts, 2);
    assert.deepEqual(s.attemptsByClass, {
      immediate: 1,
      network: 0,
      http: 1,
      "rate-limit": 0,
      budget: 0,
    });
    assert.equal(s.nextRetryAtMs, START + 5_000);
    assert.equal(s.nextRetryClass, "http");
    assert.equal(s.lastDisconnect?.cause.kind, "http");
    assert.equal(s.lastError, "http 503");
    assert.deepEqual(s.rateLimit, { limit: 50, remaining: 49, resetAtMs: 1_767_270_000_000 });
    assert.equal(s.counts.posts, 2);
    assert.equal(s.counts.heartbeats, 1);
    assert.equal(s.counts.disconnects, 2);
    assert.equal(s.counts.bytes, new TextEncoder().encode(body.join("")).length);
    assert.equal(s.newestPostAtMs, Date.parse("2026-01-01T11:59:59.000Z"));
    assert.equal(s.lastActivityMs, START);
    assert.equal(s.stallTimeoutMs, 30_000);
    assert.equal(s.url, STREAM_URL);
    assert.ok(!JSON.stringify(s).includes(TOKEN));

    await clock.tickAsync(5_000);
    const connected = h.client.status();
    assert.equal(connected.state, "connected");
    assert.equal(connected.sinceMs, START + 5_000);
    assert.equal(connected.connectedAtMs, START + 5_000);
    assert.equal(connected.nextRetryAtMs, undefined);
  });
});

describe("connect: option validation", () => {
  const fetch = createFakeFetch([]).fetch;
  const cases: Array<[string, Partial<ConnectOptions>, string, ErrorConstructor]> = [
    [
      "stallTimeoutMs 0",
      { url: STREAM_URL, stallTimeoutMs: 0 },
      "Cannot connect as 'stallTimeoutMs' must be a positive integer: current value is 0",
      RangeError,
    ],
    [
      "neither url nor endpoint",
      {},
      "Cannot connect as exactly one of 'url' or 'endpoint' is required",
      TypeError,
    ],
    [
      "both url and endpoint",
      {
        url: STREAM_URL,
        endpoint: {
          url: STREAM_URL,
          product: "v2",
          backfillParam: "backfill_minutes",
          recoveryParams: { start: "start_time", end: "end_time" },
        },
      },
      "Cannot connect as exactly one of 'url' or 'endpoint' is required",
      TypeError,
    ],
    [
      "a relative url",
      { url: "stream" },
      `Cannot connect as 'url' must be an absolute http(s) URL: current value is "stream"`,
      TypeError,
    ],
    [
      "a string maxLineBytes",
      { url: STREAM_URL, maxLineBytes: "1" as unknown as number },
      `Cannot connect as 'maxLineBytes' must be a positive integer: current value is "1"`,
      TypeError,
    ],
    [
      "a bad backoff",
      { url: STREAM_URL, backoff: { httpMaxMs: -5 } },
      "Cannot connect as 'backoff.httpMaxMs' must be a positive integer: current value is -5",
      RangeError,
    ],
    [
      "an empty bearer token",
      { url: STREAM_URL, auth: { bearer: "" } },
      "Cannot connect as 'auth.bearer' must be a non-empty string: the token is empty or not a string",
      TypeError,
    ],
    [
      "a missing bearer token",
      { url: STREAM_URL, auth: { bearer: undefined as unknown as string } },
      "Cannot connect as 'auth.bearer' must be a non-empty string: the token is missing (undefined)",
      TypeError,
    ],
  ];
  for (const [name, options, message, ErrorClass] of cases) {
    it(`refuses ${name}`, () => {
      assert.throws(() => connect({ fetch, ...options }), (error: unknown) => {
        assert.ok(error instanceof ErrorClass);
        assert.equal((error as Error).message, message);
        return true;
      });
    });
  }

  it("never puts a token or password in an error message", () => {
    for (
      const auth of [
        { bearer: 42 as unknown as string },
        { basic: { username: "ann", password: "" } },
        { basic: { username: "a:b", password: "hunter2" } },
      ]
    ) {
      assert.throws(() => connect({ url: STREAM_URL, fetch, auth }), (error: unknown) => {
        assert.ok(!(error as Error).message.includes("hunter2"));
        assert.ok(!(error as Error).message.includes("42"));
        return true;
      });
    }
    assert.throws(
      () =>
        connect({
          url: STREAM_URL.replace("https://", "https://ann:hunter2@"),
          fetch,
          auth: { bearer: "t" },
        }),
      /carries credentials and 'auth' is also given/,
    );
  });
});
