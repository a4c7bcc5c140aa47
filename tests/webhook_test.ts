import { afterEach, beforeEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { installClock, type TestClock } from "./helpers/fake_clock.ts";
import { createWebhookSender } from "../src/alerts/webhook.ts";
import { HttpError } from "../src/errors/http_error.ts";
import type { Alert } from "../src/alerts/alert_limiter.ts";

const ALERT: Alert = {
  kind: "backoff-ceiling",
  message: "Reconnect wait reached 320 s",
  details: { backoffClass: "http", delayMs: 320_000 },
  atMs: Date.parse("2025-01-02T03:04:05.678Z"),
};

interface Call {
  url: string;
  init: RequestInit | undefined;
}

function recordingFetch(response: () => Response | Promise<Response>): {
  calls: Call[];
  fetch: typeof fetch;
} {
  const calls: Call[] = [];
  const fetch = ((url: string | URL | Request, init?: RequestInit) => {
    calls.push({ url: String(url), init });
    return Promise.resolve().then(response);
  }) as typeof globalThis.fetch;
  return { calls, fetch };
}

describe("createWebhookSender", () => {
  let clock: TestClock;
  beforeEach(() => {
    clock = installClock();
  });
  afterEach(() => clock.uninstall());

  it("createWebhookSender POSTs the alert as JSON with source, kind, message, details and times", async () => {
    const { calls, fetch } = recordingFetch(() => new Response(null, { status: 204 }));
    const errors: unknown[] = [];
    const send = createWebhookSender({
      url: "https://hooks.example/alert",
      fetch,
      headers: { authorization: "Bearer t0ken" },
      onError: (e) => errors.push(e),
    });
    await send(ALERT);
    assert.equal(calls.length, 1);
    assert.equal(calls[0].url, "https://hooks.example/alert");
    assert.equal(calls[0].init?.method, "POST");
    const headers = new Headers(calls[0].init?.headers);
    assert.equal(headers.get("content-type"), "application/json");
    assert.equal(headers.get("authorization"), "Bearer t0ken");
    assert.deepEqual(JSON.parse(String(calls[0].init?.body)), {
      source: "holdfast",
      kind: "backoff-ceiling",
      message: "Reconnect wait reached 320 s",
      details: { backoffClass: "http", delayMs: 320_000 },
      atMs: ALERT.atMs,
      at: "2025-01-02T03:04:05.678Z",
    });
    assert.deepEqual(errors, []);
    assert.equal(clock.countTimers(), 0, "the timeout timer is cleared");
  });

  it("createWebhookSender sends empty details when the alert has none", async () => {
    const { calls, fetch } = recordingFetch(() => new Response("ok"));
    await createWebhookSender({ url: "https://hooks.example/", fetch })({
      kind: "lag",
      message: "late",
      atMs: 0,
    });
    assert.deepEqual(JSON.parse(String(calls[0].init?.body)).details, {});
  });

  it("createWebhookSender reports a non-2xx answer as an HttpError and resolves", async () => {
    const { fetch } = recordingFetch(() => new Response("no such hook", { status: 404 }));
    const errors: unknown[] = [];
    await createWebhookSender({
      url: "https://hooks.example/",
      fetch,
      onError: (e) => errors.push(e),
    })(ALERT);
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof HttpError);
    assert.equal(errors[0].status, 404);
    assert.equal(errors[0].body, "no such hook");
  });

  it("createWebhookSender reports a network failure and resolves", async () => {
    const fetch = (() => Promise.reject(new TypeError("fetch failed"))) as typeof globalThis.fetch;
    const errors: unknown[] = [];
    await createWebhookSender({
      url: "https://hooks.example/",
      fetch,
      onError: (e) => errors.push(e),
    })(ALERT);
    assert.deepEqual(errors.map((e) => (e as Error).message), ["fetch failed"]);
  });

  it("createWebhookSender gives up on a hanging webhook after timeoutMs, aborting the request", async () => {
    let signal: AbortSignal | undefined;
    // A fetch that never answers and ignores its signal: the sender must not hang anyway.
    const fetch = ((_url: string, init?: RequestInit) => {
      signal = init?.signal ?? undefined;
      return new Promise<Response>(() => {});
    }) as typeof globalThis.fetch;
    const errors: unknown[] = [];
    let done = false;
    const sending = createWebhookSender({
      url: "https://hooks.example/",
      fetch,
      timeoutMs: 2000,
      onError: (e) => errors.push(e),
    })(ALERT).then(() => done = true);
    await clock.tickAsync(1999);
    assert.equal(done, false);
    await clock.tickAsync(1);
    await sending;
    assert.equal(signal?.aborted, true);
    assert.equal(errors.length, 1);
    assert.equal((errors[0] as Error).name, "TimeoutError");
    assert.equal((errors[0] as Error).message, "Webhook gave no answer within 2000 ms");
  });

  it("createWebhookSender never throws, even when onError throws or the fetch throws at once", async () => {
    const fetch = (() => {
      throw new Error("sync failure");
    }) as typeof globalThis.fetch;
    const send = createWebhookSender({
      url: "https://hooks.example/",
      fetch,
      onError: () => {
        throw new Error("reporter broke");
      },
    });
    await send(ALERT);
    await send({ ...ALERT, atMs: NaN }); // an invalid time cannot be sent as ISO text
    assert.equal(clock.countTimers(), 0);
  });

  it("createWebhookSender refuses invalid options with the std message grammar", () => {
    assert.throws(() => createWebhookSender({ url: "not a url" }), {
      name: "TypeError",
      message:
        `Cannot construct WebhookSender as 'url' must be an absolute URL: current value is "not a url"`,
    });
    assert.throws(() => createWebhookSender({ url: "https://hooks.example/", timeoutMs: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct WebhookSender as 'timeoutMs' must be a positive integer: current value is 0",
    });
  });
});
