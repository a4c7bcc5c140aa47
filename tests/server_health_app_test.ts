import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ClientStatus } from "../src/client_status.ts";
import { makeStatus, NOW, ZERO } from "./helpers/client_status_fixture.ts";
import { createHealthApp } from "../src/server/health_app.ts";
import type { HealthAppOptions } from "../src/server/health_app_options.ts";
import { VERSION } from "../src/version.ts";

const waiting503: Partial<ClientStatus> = {
  state: "waiting",
  sinceMs: NOW - 2_000,
  connectedAtMs: undefined,
  lastActivityMs: NOW - 2_500,
  attempts: 2,
  attemptsByClass: { ...ZERO, http: 1 },
  lastDisconnect: {
    atMs: NOW - 2_000,
    cause: {
      kind: "http",
      status: 503,
      headers: new Headers({ "retry-after": "5", authorization: "Bearer leaked" }),
      body: "Service Unavailable",
      connectionIssue: undefined,
    },
  },
  lastError: "HTTP 503: Service Unavailable",
  nextRetryAtMs: NOW + 3_000,
  nextRetryClass: "http",
};

function app(statuses: ClientStatus | ClientStatus[], more: Partial<HealthAppOptions> = {}) {
  return createHealthApp({ status: () => statuses, now: () => NOW, ...more });
}
async function get(a: ReturnType<typeof app>, path: string) {
  const res = await a.request(path);
  const text = await res.text();
  return {
    res,
    text,
    body: res.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text,
  };
}

describe("GET /healthz", () => {
  it("answers 200 pass in health+json while the process is alive, whatever the stream does", async () => {
    const { res, body } = await get(app(makeStatus({ state: "stopped" })), "/healthz");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/health+json");
    assert.equal(res.headers.get("cache-control"), "no-store");
    assert.deepEqual(body, { status: "pass" });
  });
});

describe("GET /readyz", () => {
  it("answers 200 pass with both checks while connected and fresh", async () => {
    const { res, body } = await get(app(makeStatus()), "/readyz");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/health+json");
    assert.deepEqual(body, {
      status: "pass",
      serviceId: "holdfast",
      version: VERSION,
      checks: {
        "stream:connection": [
          {
            time: "2025-01-01T12:00:00.000Z",
            status: "pass",
            observedValue: "connected",
            observedUnit: "state",
          },
        ],
        "stream:activity": [
          {
            time: "2025-01-01T12:00:00.000Z",
            status: "pass",
            observedValue: 1000,
            observedUnit: "ms",
          },
        ],
      },
    });
  });

  it("answers 503 with the reason when connected but silent past stallTimeoutMs", async () => {
    const { res, body } = await get(app(makeStatus({ lastActivityMs: NOW - 45_000 })), "/readyz");
    assert.equal(res.status, 503);
    assert.equal(body.status, "fail");
    assert.equal(
      body.output,
      "connected but no data or heartbeat for 45000 ms (stall timeout 30000 ms)",
    );
    assert.equal(body.checks["stream:connection"][0].status, "pass");
    assert.deepEqual(body.checks["stream:activity"][0], {
      time: "2025-01-01T12:00:00.000Z",
      status: "fail",
      observedValue: 45_000,
      observedUnit: "ms",
      output: "no data or heartbeat for 45000 ms (stall timeout 30000 ms)",
    });
  });

  it("counts silence exactly equal to stallTimeoutMs as still ready", async () => {
    const { res } = await get(app(makeStatus({ lastActivityMs: NOW - 30_000 })), "/readyz");
    assert.equal(res.status, 200);
  });

  it("measures a fresh connection's silence from when it opened, not from the previous connection's last byte", async () => {
    const fresh = makeStatus({ connectedAtMs: NOW - 5_000, lastActivityMs: NOW - 90_000 });
    const { res, body } = await get(app(fresh), "/readyz");
    assert.equal(res.status, 200);
    assert.equal(body.checks["stream:activity"][0].observedValue, 5_000);
  });

  it("answers 503 while waiting, naming the cause and the next retry", async () => {
    const { res, body } = await get(app(makeStatus(waiting503)), "/readyz");
    assert.equal(res.status, 503);
    assert.equal(
      body.output,
      "waiting to reconnect after HTTP 503; next attempt at 2025-01-01T12:00:03.000Z (in 3 s, http backoff)",
    );
    assert.equal(body.checks["stream:connection"][0].observedValue, "waiting");
    assert.equal(body.checks["stream:connection"][0].output, body.output);
  });

  it("answers 503 when stopped, with the stop reason and last error", async () => {
    const stopped = makeStatus({
      state: "stopped",
      connectedAtMs: undefined,
      stopReason: "http-404",
      lastError: "HTTP 404: Not Found",
    });
    const { res, body } = await get(app(stopped), "/readyz");
    assert.equal(res.status, 503);
    assert.equal(body.output, "stopped: http-404: HTTP 404: Not Found");
  });

  it("answers 503 before the first byte: idle, and connecting", async () => {
    const idle = makeStatus({
      state: "idle",
      connectedAtMs: undefined,
      lastActivityMs: undefined,
      attempts: 0,
    });
    const idleRes = await get(app(idle), "/readyz");
    assert.equal(idleRes.res.status, 503);
    assert.equal(idleRes.body.checks["stream:activity"][0].observedValue, null);
    assert.equal(
      idleRes.body.checks["stream:activity"][0].output,
      "no data or heartbeat received yet",
    );
    const connecting = makeStatus({
      state: "connecting",
      connectedAtMs: undefined,
      lastActivityMs: undefined,
    });
    const { res, body } = await get(app(connecting), "/readyz");
    assert.equal(res.status, 503);
    assert.equal(body.output, "connecting (attempt 1)");
  });

  it("warns (200) when only some redundant connections are ready, and fails when none is", async () => {
    const some = await get(app([makeStatus(), makeStatus(waiting503)]), "/readyz");
    assert.equal(some.res.status, 200);
    assert.equal(some.body.status, "warn");
    assert.match(some.body.output, /^connection 1: waiting to reconnect after HTTP 503/);
    assert.deepEqual(
      some.body.checks["stream:connection"].map((c: { componentId: string }) => c.componentId),
      [
        "0",
        "1",
      ],
    );
    const none = await get(
      app([makeStatus(waiting503), makeStatus({ state: "stopped" })]),
      "/readyz",
    );
    assert.equal(none.res.status, 503);
    assert.equal(none.body.status, "fail");
    const all = await get(app([makeStatus(), makeStatus()]), "/readyz");
    assert.equal(all.body.status, "pass");
    assert.equal(all.body.output, undefined);
  });

  it("fails when the status source returns no connection at all", async () => {
    const { res, body } = await get(app([]), "/readyz");
    assert.equal(res.status, 503);
    assert.equal(body.output, "no stream connection to report on");
  });

  it("warns (still 200) when the freshest newest post lags past lagAlertMs, and adds a stream:lag check", async () => {
    const late = makeStatus({ newestPostAtMs: NOW - 120_000 });
    const { res, body } = await get(app(late, { lagAlertMs: 60_000 }), "/readyz");
    assert.equal(res.status, 200);
    assert.equal(body.status, "warn");
    assert.equal(body.output, "newest post is 120000 ms old (alert above 60000 ms)");
    assert.deepEqual(body.checks["stream:lag"][0], {
      time: "2025-01-01T12:00:00.000Z",
      status: "warn",
      observedValue: 120_000,
      observedUnit: "ms",
      output: "newest post is 120000 ms old (alert above 60000 ms)",
    });
    const noAlert = await get(app(late), "/readyz");
    assert.equal(noAlert.body.status, "pass");
    assert.equal(noAlert.body.checks["stream:lag"], undefined);
  });

  it("answers 503 (not 500) when the status source throws", async () => {
    const broken = createHealthApp({
      status: () => {
        throw new Error("boom");
      },
      now: () => NOW,
    });
    const { res, body } = await get(broken, "/readyz");
    assert.equal(res.status, 503);
    assert.equal(body.output, "status source failed: boom");
  });
});

describe("GET /status", () => {
  it("shows state, since, the open connection, attempts, counts, lag, rate limit and the extra fields", async () => {
    const status = makeStatus({
      attempts: 3,
      attemptsByClass: { ...ZERO, network: 1, http: 1 },
      rateLimit: { limit: 50, remaining: 47, resetAtMs: NOW + 600_000 },
      counts: { posts: 120, heartbeats: 7, disconnects: 2, malformed: 1, bytes: 204_800 },
      newestPostAtMs: NOW - 1_500,
    });
    const extra = () => ({
      queue: { depth: 4, bytes: 8_192, lagMs: 12 },
      dedup: { stream: 3, backfill: 9 },
      output: { path: "/var/data/posts.jsonl", bytesWritten: 204_000 },
      state: "overridden?",
    });
    const { res, body } = await get(app(status, { extra, serviceName: "ingest" }), "/status");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
    assert.deepEqual(body, {
      queue: { depth: 4, bytes: 8_192, lagMs: 12 },
      dedup: { stream: 3, backfill: 9 },
      output: { path: "/var/data/posts.jsonl", bytesWritten: 204_000 },
      service: "ingest",
      version: VERSION,
      time: "2025-01-01T12:00:00.000Z",
      status: "pass",
      reason: null,
      state: "connected",
      since: "2025-01-01T11:59:00.000Z",
      url: "https://api.x.com/2/tweets/search/stream",
      ready: true,
      connection: {
        connectedAt: "2025-01-01T11:59:00.000Z",
        url: "https://api.x.com/2/tweets/search/stream",
        uptimeMs: 60_000,
      },
      attempts: { total: 3, byClass: { ...ZERO, network: 1, http: 1 } },
      lastActivity: "2025-01-01T11:59:59.000Z",
      silentMs: 1_000,
      stallTimeoutMs: 30_000,
      lastDisconnect: null,
      lastError: null,
      nextRetry: null,
      rateLimit: { limit: 50, remaining: 47, resetAt: "2025-01-01T12:10:00.000Z" },
      counts: { posts: 120, heartbeats: 7, disconnects: 2, malformed: 1, bytes: 204_800 },
      newestPostAt: "2025-01-01T11:59:58.500Z",
      newestPostLagMs: 1_500,
      stopReason: null,
    });
  });

  it("shows the last disconnect's cause with headers as a plain object without Authorization, and the next retry", async () => {
    const { body } = await get(app(makeStatus(waiting503)), "/status");
    assert.equal(body.state, "waiting");
    assert.equal(body.connection, null);
    assert.deepEqual(body.lastDisconnect, {
      at: "2025-01-01T11:59:58.000Z",
      cause: {
        kind: "http",
        status: 503,
        headers: { "retry-after": "5" },
        body: "Service Unavailable",
        connectionIssue: null,
      },
    });
    assert.deepEqual(body.nextRetry, {
      at: "2025-01-01T12:00:03.000Z",
      inMs: 3_000,
      class: "http",
    });
    assert.equal(body.status, "fail");
    assert.match(body.reason, /^waiting to reconnect/);
  });

  it("serialises a network cause's error as its message, causes included", async () => {
    const error = new TypeError("fetch failed", {
      cause: new Error("connect ECONNREFUSED 127.0.0.1:443"),
    });
    const status = makeStatus({
      ...waiting503,
      lastDisconnect: { atMs: NOW - 1_000, cause: { kind: "network", error } },
    });
    const { body } = await get(app(status), "/status");
    assert.deepEqual(body.lastDisconnect.cause, {
      kind: "network",
      error: "fetch failed (cause: connect ECONNREFUSED 127.0.0.1:443)",
    });
  });

  it("lists redundant connections with their index and an aggregate state", async () => {
    const { body } = await get(app([makeStatus(waiting503), makeStatus()]), "/status");
    assert.equal(body.state, "connected");
    assert.equal(body.connected, 1);
    assert.equal(body.status, "warn");
    assert.deepEqual(body.connections.map((c: { id: number; state: string }) => [c.id, c.state]), [
      [0, "waiting"],
      [1, "connected"],
    ]);
  });

  it("reports a throwing extra source in extraError and still answers 200", async () => {
    const { res, body } = await get(
      app(makeStatus(), {
        extra: () => {
          throw new Error("queue gone");
        },
      }),
      "/status",
    );
    assert.equal(res.status, 200);
    assert.equal(body.extraError, "queue gone");
    assert.equal(body.state, "connected");
  });

  it("answers 500 with the reason when the status source throws", async () => {
    const broken = createHealthApp({
      status: () => {
        throw new Error("boom");
      },
    });
    const { res, body } = await get(broken, "/status");
    assert.equal(res.status, 500);
    assert.deepEqual(body, { status: "fail", reason: "status source failed: boom" });
  });
});

describe("GET /metrics and the rest", () => {
  it("answers in the Prometheus text format with the exact 0.0.4 content type", async () => {
    const { res, text } = await get(app(makeStatus()), "/metrics");
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
    assert.match(text, /^holdfast_connected 1$/m);
    assert.match(text, /^holdfast_scrape_errors 0$/m);
  });

  it("counts a throwing status or extraMetrics source in holdfast_scrape_errors", async () => {
    const broken = createHealthApp({
      status: () => {
        throw new Error("boom");
      },
      extraMetrics: () => {
        throw new Error("bang");
      },
    });
    const { res, text } = await get(broken, "/metrics");
    assert.equal(res.status, 200);
    assert.match(text, /^holdfast_scrape_errors 2$/m);
    assert.match(text, /^holdfast_up 1$/m);
  });

  it("survives a status source that returns garbage: 503, 500, and a scrape error", async () => {
    const garbage = createHealthApp({
      status: () => null as unknown as ClientStatus,
      now: () => NOW,
    });
    assert.equal((await garbage.request("/readyz")).status, 503);
    const status = await get(garbage, "/status");
    assert.equal(status.res.status, 500);
    assert.match(status.body.reason, /^status source failed: /);
    const metrics = await get(garbage, "/metrics");
    assert.equal(metrics.res.status, 200);
    assert.match(metrics.text, /^holdfast_scrape_errors 1$/m);
  });

  it("answers 404 for unknown paths", async () => {
    assert.equal((await app(makeStatus()).request("/nope")).status, 404);
  });
});

describe("createHealthApp options", () => {
  const cases: Array<[unknown, ErrorConstructor, string]> = [
    [
      undefined,
      TypeError,
      "Cannot create health app as 'options' must be an object: current value is undefined",
    ],
    [
      {},
      TypeError,
      "Cannot create health app as 'status' must be a function: current value is undefined",
    ],
    [
      { status: () => [], lagAlertMs: -1 },
      RangeError,
      "Cannot create health app as 'lagAlertMs' must be a positive integer: current value is -1",
    ],
    [
      { status: () => [], lagAlertMs: "60000" },
      TypeError,
      `Cannot create health app as 'lagAlertMs' must be a positive integer: current value is "60000"`,
    ],
    [
      { status: () => [], serviceName: "" },
      RangeError,
      `Cannot create health app as 'serviceName' must be a non-empty string: current value is ""`,
    ],
    [
      { status: () => [], now: 5 },
      TypeError,
      "Cannot create health app as 'now' must be a function: current value is 5",
    ],
  ];
  for (const [options, ErrorClass, message] of cases) {
    it(`refuses ${JSON.stringify(options) ?? "undefined"} with ${ErrorClass.name}: ${message}`, () => {
      assert.throws(() => createHealthApp(options as HealthAppOptions), (error: unknown) => {
        assert.ok(error instanceof ErrorClass);
        assert.equal((error as Error).message, message);
        return true;
      });
    });
  }
});
