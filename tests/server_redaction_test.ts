import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ClientStatus } from "../src/client_status.ts";
import { createHealthApp } from "../src/server/health_app.ts";
import {
  isSecretName,
  safeHeaders,
  scrubText,
  scrubUrl,
  toSafeJson,
} from "../src/server/redact.ts";

const NOW = Date.parse("2025-01-01T12:00:00.000Z");
const BEARER = "AAAAAAAAAAAAAAAAAAAAAPlantedBearer%2Fs3cr3t%3Dtoken";
const PASSWORD = "hunter2-planted-pw";
const BASIC = btoa(`ops:${PASSWORD}`);
const API_KEY = "planted-api-key-0xdeadbeef";
const SECRETS = [
  BEARER,
  decodeURIComponent(BEARER),
  PASSWORD,
  BASIC,
  API_KEY,
  "planted-cookie-value",
];

function plantedStatus(state: ClientStatus["state"]): ClientStatus {
  return {
    state,
    sinceMs: NOW - 10_000,
    url:
      `https://ops:${PASSWORD}@api.x.com/2/tweets/search/stream?access_token=${BEARER}&api_key=${API_KEY}&expansions=author_id#token=${BEARER}`,
    attempts: 4,
    attemptsByClass: { immediate: 0, network: 1, http: 2, "rate-limit": 0, budget: 0 },
    connectedAtMs: state === "connected" ? NOW - 5_000 : undefined,
    lastActivityMs: NOW - 40_000,
    lastDisconnect: {
      atMs: NOW - 9_000,
      cause: {
        kind: "http",
        status: 401,
        headers: new Headers({
          authorization: `Bearer ${BEARER}`,
          cookie: "session=planted-cookie-value",
          "set-cookie": "sid=planted-cookie-value",
          "x-api-key": API_KEY,
          "www-authenticate": "Bearer realm=api",
        }),
        body:
          `{"title":"Unauthorized","echo":{"Authorization":"Basic ${BASIC}","password":"${PASSWORD}"}}`,
        connectionIssue: undefined,
      },
    },
    lastError:
      `HTTP 401 for GET https://ops:${PASSWORD}@api.x.com/2/x?token=${BEARER} with Authorization: Bearer ${BEARER}`,
    nextRetryAtMs: NOW + 5_000,
    nextRetryClass: "http",
    rateLimit: undefined,
    counts: { posts: 0, heartbeats: 0, disconnects: 4, malformed: 0, bytes: 0 },
    newestPostAtMs: undefined,
    stallTimeoutMs: 30_000,
    stopReason: state === "stopped" ? `auth: Basic ${BASIC}` : undefined,
  };
}

const networkCause = {
  kind: "network" as const,
  error: new TypeError("fetch failed", {
    cause: new Error(`proxy refused Proxy-Authorization: Basic ${BASIC}`),
  }),
};

describe("health server secrecy", () => {
  it("shows no planted bearer token, password, basic credential, api key or cookie in any route's body", async () => {
    for (const state of ["waiting", "stopped", "connected"] as const) {
      const several = [plantedStatus(state), {
        ...plantedStatus(state),
        lastDisconnect: { atMs: NOW, cause: networkCause },
      }];
      for (const statuses of [plantedStatus(state), several]) {
        const app = createHealthApp({
          status: () => statuses,
          now: () => NOW,
          lagAlertMs: 1_000,
          extra: () => ({
            sink: {
              url: `redis://:${PASSWORD}@localhost:6379/0`,
              password: PASSWORD,
              bytesWritten: 10,
            },
            output: { path: "/data/out.jsonl", bytesWritten: 2048 },
            auth: { bearerToken: BEARER },
            apiKey: API_KEY,
            headers: new Headers({ authorization: `Basic ${BASIC}`, accept: "application/json" }),
            lastFailure: new Error(`request with bearer ${BEARER} failed`),
            endpoint: new URL(`https://u:${PASSWORD}@example.com/?secret=${API_KEY}`),
            notes: [`Cookie: planted-cookie-value`, { credentials: `ops:${PASSWORD}` }],
          }),
          extraMetrics: () => [
            {
              name: "holdfast_sink_up",
              help: "Sink reachable.",
              type: "gauge",
              value: 1,
              labels: { target: `redis://:${PASSWORD}@localhost:6379?auth=${API_KEY}` },
            },
          ],
        });
        for (const path of ["/healthz", "/readyz", "/status", "/metrics"]) {
          const text = await (await app.request(path)).text();
          for (const secret of SECRETS) {
            assert.ok(!text.includes(secret), `${path} (${state}) leaked ${secret}:\n${text}`);
          }
        }
      }
    }
  });

  it("still shows what is useful: safe headers, the scrubbed URL, the error text", async () => {
    const app = createHealthApp({ status: () => plantedStatus("waiting"), now: () => NOW });
    const body = await (await app.request("/status")).json();
    assert.equal(
      body.url,
      "https://api.x.com/2/tweets/search/stream?access_token=%5Bredacted%5D&api_key=%5Bredacted%5D&expansions=author_id",
    );
    assert.deepEqual(body.lastDisconnect.cause.headers, { "www-authenticate": "Bearer realm=api" });
    assert.equal(
      body.lastError,
      "HTTP 401 for GET https://[redacted]@api.x.com/2/x?token=[redacted] with Authorization: [redacted]",
    );
  });
});

describe("scrubbing helpers", () => {
  it("scrubUrl drops userinfo and fragments and redacts secret-looking query values only", () => {
    assert.equal(
      scrubUrl("https://a:b@host/p?password=x&Signature=y&client_secret=z&partition=1"),
      "https://host/p?password=%5Bredacted%5D&Signature=%5Bredacted%5D&client_secret=%5Bredacted%5D&partition=1",
    );
    assert.equal(
      scrubUrl("https://api.x.com/2/tweets/search/stream?tweet.fields=id"),
      "https://api.x.com/2/tweets/search/stream?tweet.fields=id",
    );
    assert.equal(scrubUrl("not a url, token=abc"), "not a url, token=[redacted]");
  });

  it("scrubText redacts Bearer always, Basic only when it looks like a credential", () => {
    assert.equal(scrubText("Bearer abc.def-ghi"), "Bearer [redacted]");
    assert.equal(scrubText(`basic ${btoa("user:pass")}`), "basic [redacted]");
    assert.equal(scrubText("Basic authentication failed"), "Basic authentication failed");
    assert.equal(
      scrubText("connect ECONNREFUSED 127.0.0.1:443"),
      "connect ECONNREFUSED 127.0.0.1:443",
    );
  });

  it("safeHeaders drops authorization, cookies and api-key headers", () => {
    assert.deepEqual(
      safeHeaders(
        new Headers({
          Authorization: "x",
          "Proxy-Authorization": "y",
          Cookie: "c",
          "X-Api-Key": "k",
          "Content-Type": "text/plain",
        }),
      ),
      { "content-type": "text/plain" },
    );
    assert.deepEqual(safeHeaders({ authorization: "x", accept: "*/*" }), { accept: "*/*" });
  });

  it("toSafeJson keeps counts under secret-looking names but redacts their strings, and survives cycles and bigint", () => {
    const cyclic: Record<string, unknown> = {
      tokensSeen: 5,
      token: "t0k",
      authFailures: 2,
      big: 10n,
    };
    cyclic.self = cyclic;
    assert.deepEqual(toSafeJson(cyclic), {
      tokensSeen: 5,
      token: "[redacted]",
      authFailures: 2,
      big: "10",
      self: "[circular]",
    });
    assert.ok(isSecretName("oauth_signature"));
    assert.ok(!isSecretName("partition"));
  });
});
