import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type BackoffOptions, BackoffPolicy } from "../src/backoff_policy.ts";
import type {
  ConnectionOutcome,
  DisconnectCause,
  ReconnectDecision,
} from "../src/disconnect_cause.ts";

const NO_BUDGET: BackoffOptions = { connectBudget: false };

function outcome(cause: DisconnectCause, atMs: number, established = false): ConnectionOutcome {
  return { cause, established, atMs };
}
const network = (atMs: number, established = false) =>
  outcome({ kind: "network", error: new TypeError("fetch failed") }, atMs, established);
const eof = (atMs: number, established = false) => outcome({ kind: "eof" }, atMs, established);
function http(
  status: number,
  atMs: number,
  headers: Record<string, string> = {},
  connectionIssue?: string,
): ConnectionOutcome {
  const cause = {
    kind: "http",
    status,
    headers: new Headers(headers),
    body: undefined,
    connectionIssue,
  };
  return outcome(cause as DisconnectCause, atMs);
}
/** `x-rate-limit-*` headers; `resetS` is in UNIX seconds, as X sends it. */
const rateHeaders = (remaining: number, resetS: number) => ({
  "x-rate-limit-limit": "50",
  "x-rate-limit-remaining": String(remaining),
  "x-rate-limit-reset": String(resetS),
});

type Retry = Extract<ReconnectDecision, { action: "retry" }>;
function retry(d: ReconnectDecision): Retry {
  assert.equal(d.action, "retry", `expected a retry, got ${JSON.stringify(d)}`);
  return d as Retry;
}
/** Decides `n` outcomes made at 0 s, 1 s, 2 s, ... and returns the retry decisions. */
function delays(policy: BackoffPolicy, make: (atMs: number) => ConnectionOutcome, n: number) {
  return Array.from({ length: n }, (_, i) => retry(policy.decide(make(i * 1_000))));
}

describe("BackoffPolicy curves (X's documented numbers)", () => {
  it("BackoffPolicy backs off linearly by 250 ms up to 16 s for network failures at connect", () => {
    const expected = [
      250,
      500,
      750,
      1000,
      1250,
      1500,
      1750,
      2000,
      2250,
      2500,
      2750,
      3000,
      3250,
      3500,
      3750,
      4000,
      4250,
      4500,
      4750,
      5000,
      5250,
      5500,
      5750,
      6000,
      6250,
      6500,
      6750,
      7000,
      7250,
      7500,
      7750,
      8000,
      8250,
      8500,
      8750,
      9000,
      9250,
      9500,
      9750,
      10000,
      10250,
      10500,
      10750,
      11000,
      11250,
      11500,
      11750,
      12000,
      12250,
      12500,
      12750,
      13000,
      13250,
      13500,
      13750,
      14000,
      14250,
      14500,
      14750,
      15000,
      15250,
      15500,
      15750,
      16000,
      16000,
      16000,
    ];
    const got = delays(new BackoffPolicy(NO_BUDGET), network, expected.length);
    assert.deepEqual(got.map((d) => d.delayMs), expected);
    assert.deepEqual(got.map((d) => d.attempt), expected.map((_, i) => i + 1));
    assert.ok(got.every((d) => d.backoffClass === "network" && !d.authFailure));
    assert.deepEqual(got.map((d) => d.atCeiling), expected.map((_, i) => i >= 63));
  });

  it("BackoffPolicy doubles from 5 s to 320 s for retryable HTTP errors", () => {
    const got = delays(new BackoffPolicy(NO_BUDGET), (t) => http(503, t), 9);
    assert.deepEqual(got.map((d) => [d.delayMs, d.backoffClass, d.attempt, d.atCeiling]), [
      [5000, "http", 1, false],
      [10000, "http", 2, false],
      [20000, "http", 3, false],
      [40000, "http", 4, false],
      [80000, "http", 5, false],
      [160000, "http", 6, false],
      [320000, "http", 7, true],
      [320000, "http", 8, true],
      [320000, "http", 9, true],
    ]);
  });

  it("BackoffPolicy puts 401 and 403 on the HTTP curve with authFailure", () => {
    const policy = new BackoffPolicy(NO_BUDGET);
    const got = [http(401, 0), http(403, 1), http(401, 2), http(500, 3)].map((o) =>
      retry(policy.decide(o))
    );
    assert.deepEqual(got.map((d) => [d.delayMs, d.backoffClass, d.authFailure]), [
      [5000, "http", true],
      [10000, "http", true],
      [20000, "http", true],
      [40000, "http", false],
    ]);
  });

  for (const status of [408, 409, 500, 502, 503, 504, 599]) {
    it(`BackoffPolicy retries HTTP ${status} on the HTTP curve`, () => {
      const d = retry(new BackoffPolicy(NO_BUDGET).decide(http(status, 0)));
      assert.deepEqual([d.delayMs, d.backoffClass, d.authFailure], [5000, "http", false]);
    });
  }

  it("BackoffPolicy doubles from 60 s to the rate-limit ceiling for 429 without reset headers", () => {
    const got = delays(new BackoffPolicy(NO_BUDGET), (t) => http(429, t), 7);
    assert.deepEqual(got.map((d) => [d.delayMs, d.backoffClass, d.attempt, d.atCeiling]), [
      [60000, "rate-limit", 1, false],
      [120000, "rate-limit", 2, false],
      [240000, "rate-limit", 3, false],
      [480000, "rate-limit", 4, false],
      [960000, "rate-limit", 5, true],
      [960000, "rate-limit", 6, true],
      [960000, "rate-limit", 7, true],
    ]);
  });

  it("BackoffPolicy never ends a 429 wait before x-rate-limit-reset", () => {
    const policy = new BackoffPolicy(NO_BUDGET);
    // [atMs, reset (UNIX s), expected delay, why]
    const table: [number, number, number, string][] = [
      [1_000_000, 1_600, 600_000, "reset 600 s away beats the 60 s curve"],
      [1_700_000, 1_750, 120_000, "the 120 s curve beats a reset 50 s away"],
      [2_000_000, 2_900, 900_000, "reset 900 s away beats the 240 s curve"],
      [3_000_000, 2_000, 480_000, "a reset in the past is ignored"],
    ];
    for (const [atMs, resetS, expected, why] of table) {
      const d = retry(policy.decide(http(429, atMs, rateHeaders(0, resetS))));
      assert.equal(d.delayMs, expected, why);
      assert.equal(d.backoffClass, "rate-limit", why);
    }
  });

  it("BackoffPolicy treats a TooManyConnections 429 and a 420 as rate-limit", () => {
    const policy = new BackoffPolicy(NO_BUDGET);
    const tooMany = retry(policy.decide(http(429, 0, rateHeaders(7, 300), "TooManyConnections")));
    assert.deepEqual([tooMany.delayMs, tooMany.backoffClass], [300_000, "rate-limit"]);
    const calm = retry(policy.decide(http(420, 1_000_000)));
    assert.deepEqual([calm.delayMs, calm.backoffClass, calm.attempt], [120_000, "rate-limit", 2]);
  });

  it("BackoffPolicy keeps a separate count per curve", () => {
    const policy = new BackoffPolicy(NO_BUDGET);
    const seq = [network(0), network(1), http(503, 2), network(3), http(429, 4), http(502, 5)];
    assert.deepEqual(seq.map((o) => retry(policy.decide(o)).delayMs), [
      250,
      500,
      5000,
      750,
      60000,
      10000,
    ]);
    assert.deepEqual(policy.snapshot().consecutiveFailures, {
      immediate: 0,
      budget: 0,
      network: 3,
      http: 2,
      "rate-limit": 1,
    });
  });
});

describe("BackoffPolicy after a drop", () => {
  const droppedCauses: [string, DisconnectCause][] = [
    ["network", { kind: "network", error: new Error("ECONNRESET") }],
    ["stall", { kind: "stall", silentMs: 30_000 }],
    ["eof", { kind: "eof" }],
    ["OperationalDisconnect", {
      kind: "disconnect-message",
      disconnectType: "OperationalDisconnect",
    }],
    ["SlowReader", { kind: "disconnect-message", disconnectType: "SlowReader" }],
    ["maintenance", { kind: "system-message", systemKind: "maintenance", message: "X is closing" }],
    ["too-many-connections", {
      kind: "system-message",
      systemKind: "too-many-connections",
      message: "",
    }],
    ["full-buffer", {
      kind: "system-message",
      systemKind: "full-buffer",
      message: "Force closing",
    }],
    ["other system message", { kind: "system-message", systemKind: "other", message: "?" }],
    ["line-too-long", { kind: "line-too-long", maxLineBytes: 524288 }],
  ];
  for (const [name, cause] of droppedCauses) {
    it(`BackoffPolicy reconnects at once when an established connection ends by ${name}`, () => {
      const d = new BackoffPolicy().decide(outcome(cause, 5_000, true));
      assert.deepEqual(d, {
        action: "retry",
        delayMs: 0,
        backoffClass: "immediate",
        attempt: 0,
        atCeiling: false,
        authFailure: false,
      });
    });
    it(`BackoffPolicy puts a ${name} before any data on the network curve`, () => {
      const policy = new BackoffPolicy(NO_BUDGET);
      const got = [1, 2, 3].map((t) => retry(policy.decide(outcome(cause, t, false))));
      assert.deepEqual(got.map((d) => [d.delayMs, d.backoffClass]), [
        [250, "network"],
        [500, "network"],
        [750, "network"],
      ]);
    });
  }

  it("BackoffPolicy slows a server that accepts and drops before any heartbeat (never 0)", () => {
    const policy = new BackoffPolicy();
    let t = 0;
    const got: number[] = [];
    for (let i = 0; i < 40; i++) {
      policy.recordAttempt(t); // 200 OK, then the body ends before a byte arrives
      const d = retry(policy.decide(eof(t + 50)));
      got.push(d.delayMs);
      t += 50 + d.delayMs;
    }
    assert.deepEqual(got.slice(0, 5), [250, 500, 750, 1000, 1250]);
    assert.ok(got.every((ms, i) => ms > 0 && (i === 0 || ms > got[i - 1])));
  });

  it("BackoffPolicy resets every curve when a connection proved healthy", () => {
    const policy = new BackoffPolicy(NO_BUDGET);
    for (const o of [network(0), network(1), http(503, 2), http(401, 3), http(429, 4)]) {
      policy.decide(o);
    }
    const drop = retry(policy.decide(eof(10_000, true)));
    assert.deepEqual([drop.delayMs, drop.backoffClass, drop.attempt], [0, "immediate", 0]);
    assert.deepEqual(policy.snapshot().consecutiveFailures, {
      immediate: 0,
      budget: 0,
      network: 0,
      http: 0,
      "rate-limit": 0,
    });
    assert.deepEqual(
      [network(20_000), http(503, 20_001), http(429, 20_002)].map((o) =>
        retry(policy.decide(o)).attempt
      ),
      [1, 1, 1],
    );
  });

  it("BackoffPolicy does not treat an HTTP error as an established drop", () => {
    const d = retry(new BackoffPolicy().decide({ ...http(503, 0), established: true }));
    assert.deepEqual([d.delayMs, d.backoffClass], [5000, "http"]);
  });
});

describe("BackoffPolicy stops when retrying cannot help", () => {
  const fatal: [number, string][] = [
    [
      400,
      "X answered 400 Bad Request: the request's parameters are invalid; retrying cannot help.",
    ],
    [404, "X answered 404 Not Found: the stream URL is wrong; retrying cannot help."],
    [
      406,
      "X answered 406 Not Acceptable: the request asks for a format X does not serve; retrying cannot help.",
    ],
    [413, "X answered 413 Payload Too Large: the request is too long; retrying cannot help."],
    [
      416,
      "X answered 416 Range Not Satisfiable: the requested time range cannot be served; retrying cannot help.",
    ],
    [410, "X answered 410: X will not accept the request as it stands; retrying cannot help."],
    [422, "X answered 422: X will not accept the request as it stands; retrying cannot help."],
  ];
  for (const [status, message] of fatal) {
    it(`BackoffPolicy stops on HTTP ${status}`, () => {
      assert.deepEqual(new BackoffPolicy().decide(http(status, 0)), {
        action: "stop",
        reason: `http-${status}`,
        message,
      });
    });
  }

  it("BackoffPolicy quotes X's reason when it stops on an HTTP error", () => {
    const d = new BackoffPolicy().decide(http(400, 0, {}, "RulesInvalidIssue"));
    assert.equal(d.action === "stop" && d.message.endsWith("X said: RulesInvalidIssue"), true);
  });

  const stops: [string, DisconnectCause, string, string][] = [
    [
      "InvalidRules",
      { kind: "disconnect-message", disconnectType: "InvalidRules" },
      "invalid-rules",
      "X disconnected the stream for InvalidRules; fix the rules, then reconnect.",
    ],
    [
      "usage-capped",
      { kind: "usage-capped", period: "Monthly" },
      "usage-capped",
      "X reports the post cap is reached (Monthly); reconnecting cannot help until the cap period ends.",
    ],
    ["closed", { kind: "closed" }, "closed", "The connection was closed on purpose; no reconnect."],
  ];
  for (const [name, cause, reason, message] of stops) {
    for (const established of [true, false]) {
      it(`BackoffPolicy stops on ${name} (established: ${established})`, () => {
        const d = new BackoffPolicy().decide(outcome(cause, 0, established));
        assert.deepEqual(d, { action: "stop", reason, message });
      });
    }
  }
});

describe("BackoffPolicy connect budget and X's lock-out", () => {
  it("BackoffPolicy holds the 51st attempt until the oldest leaves the 15-minute window", () => {
    const policy = new BackoffPolicy();
    for (let i = 0; i < 50; i++) policy.recordAttempt(i * 1_000);
    assert.equal(policy.snapshot().attemptsInWindow, 50);
    const held = retry(policy.decide(eof(49_500, true)));
    assert.deepEqual([held.delayMs, held.backoffClass, held.attempt], [
      900_000 - 49_500,
      "budget",
      0,
    ]);
    policy.recordAttempt(900_000);
    assert.equal(policy.snapshot().attemptsInWindow, 50);
    const next = retry(policy.decide(eof(900_100, true)));
    assert.deepEqual([next.delayMs, next.backoffClass], [900, "budget"]);
  });

  it("BackoffPolicy keeps the curve's class when the budget has room", () => {
    const policy = new BackoffPolicy();
    for (let i = 0; i < 49; i++) policy.recordAttempt(i);
    const d = retry(policy.decide(network(100)));
    assert.deepEqual([d.delayMs, d.backoffClass], [250, "network"]);
  });

  it("BackoffPolicy keeps the curve's attempt and ceiling when the budget dominates", () => {
    const policy = new BackoffPolicy({
      connectBudget: { requests: 3, windowMs: 10_000 },
      networkMaxMs: 250,
    });
    const got: [number, string, number, boolean][] = [];
    for (const t of [0, 1_000, 2_000]) {
      policy.recordAttempt(t);
      const d = retry(policy.decide(network(t + 10)));
      got.push([d.delayMs, d.backoffClass, d.attempt, d.atCeiling]);
    }
    assert.deepEqual(got, [
      [250, "network", 1, true],
      [250, "network", 2, true],
      [10_000 - 2_010, "budget", 3, true],
    ]);
  });

  it("BackoffPolicy draws no 429 with invalid credentials (X's backoff test)", () => {
    const policy = new BackoffPolicy({ httpMaxMs: 5_000 }); // a short ceiling tries the budget hardest
    let t = 0;
    const starts: number[] = [];
    while (t < 3 * 3_600_000) {
      policy.recordAttempt(t);
      starts.push(t);
      t += 100 + retry(policy.decide(http(401, t + 100))).delayMs;
    }
    for (const s of starts) {
      const inWindow = starts.filter((x) => x > s - 900_000 && x <= s).length;
      assert.ok(inWindow <= 50, `${inWindow} attempts in the window ending ${s}`);
    }
  });

  it("BackoffPolicy waits for x-rate-limit-reset once remaining is 0", () => {
    const policy = new BackoffPolicy();
    policy.recordAttempt(0);
    policy.observeRateLimit({ limit: 50, remaining: 0, resetAtMs: 120_000 }, 500);
    assert.equal(policy.snapshot().lockoutUntilMs, 120_000);
    const held = retry(policy.decide(eof(2_000, true)));
    assert.deepEqual([held.delayMs, held.backoffClass], [118_000, "budget"]);
    const later = retry(policy.decide(eof(130_000, true)));
    assert.deepEqual([later.delayMs, later.backoffClass], [0, "immediate"]);
    assert.equal(policy.snapshot().lockoutUntilMs, undefined);
  });

  it("BackoffPolicy counts its own attempts down from X's remaining figure", () => {
    const policy = new BackoffPolicy();
    policy.observeRateLimit({ limit: 50, remaining: 2, resetAtMs: 600_000 }, 0);
    policy.recordAttempt(1_000);
    assert.equal(retry(policy.decide(eof(1_100, true))).delayMs, 0);
    policy.recordAttempt(1_200);
    const held = retry(policy.decide(eof(1_300, true)));
    assert.deepEqual([held.delayMs, held.backoffClass], [598_700, "budget"]);
  });

  it("BackoffPolicy lets X's remaining count override its own trailing window", () => {
    const policy = new BackoffPolicy();
    for (let i = 0; i < 50; i++) policy.recordAttempt(i * 1_000);
    // X's window is fixed: it reset at 30 s and counts 20 of the 50 attempts, so 30 remain.
    policy.observeRateLimit({ limit: 50, remaining: 30, resetAtMs: 930_000 }, 49_100);
    const d = retry(policy.decide(eof(49_500, true)));
    assert.deepEqual([d.delayMs, d.backoffClass], [0, "immediate"]);
  });

  it("BackoffPolicy counts only the attempts since X's last reset once that reset is past", () => {
    const policy = new BackoffPolicy();
    for (let i = 0; i < 49; i++) policy.recordAttempt(i * 1_000);
    policy.observeRateLimit({ limit: 50, remaining: 1, resetAtMs: 60_000 }, 48_100);
    policy.recordAttempt(59_000); // the 50th, X's last of its window
    assert.equal(policy.snapshot(59_500).lockoutUntilMs, 60_000);
    // X's window reset at 60 s: one attempt in the new window, none in the old counts.
    policy.recordAttempt(61_000);
    const d = retry(policy.decide(eof(61_500, true)));
    assert.deepEqual([d.delayMs, d.backoffClass], [0, "immediate"]);
    // Without X's word the trailing window holds the same attempt until the oldest leaves it.
    const blind = new BackoffPolicy();
    for (let i = 0; i < 49; i++) blind.recordAttempt(i * 1_000);
    blind.recordAttempt(59_000);
    blind.recordAttempt(61_000);
    const held = retry(blind.decide(eof(61_500, true)));
    assert.deepEqual([held.delayMs, held.backoffClass], [901_000 - 61_500, "budget"]);
  });

  it("BackoffPolicy reads the lock-out from an HTTP error's headers", () => {
    const policy = new BackoffPolicy();
    const d = retry(policy.decide(http(503, 10_000, rateHeaders(0, 100))));
    assert.deepEqual([d.delayMs, d.backoffClass, d.attempt], [90_000, "budget", 1]);
  });

  it("BackoffPolicy ignores the budget when connectBudget is false, but still counts attempts", () => {
    const policy = new BackoffPolicy({ connectBudget: false });
    for (let i = 0; i < 200; i++) policy.recordAttempt(i);
    assert.equal(retry(policy.decide(eof(300, true))).delayMs, 0);
    assert.equal(policy.snapshot().attemptsInWindow, 200);
    assert.equal(policy.snapshot(900_150).attemptsInWindow, 49);
  });
});

describe("BackoffPolicy options", () => {
  it("BackoffPolicy follows custom curves", () => {
    const policy = new BackoffPolicy({
      networkStepMs: 100,
      networkMaxMs: 300,
      httpInitialMs: 1_000,
      httpMaxMs: 3_000,
      rateLimitInitialMs: 2_000,
      rateLimitMaxMs: 5_000,
      connectBudget: false,
    });
    const row = (make: (t: number) => ConnectionOutcome) =>
      [0, 1, 2, 3].map((t) => retry(policy.decide(make(t)))).map((d) => [d.delayMs, d.atCeiling]);
    assert.deepEqual(row(network), [[100, false], [200, false], [300, true], [300, true]]);
    assert.deepEqual(row((t) => http(500, t)), [[1000, false], [2000, false], [3000, true], [
      3000,
      true,
    ]]);
    assert.deepEqual(row((t) => http(429, t)), [[2000, false], [4000, false], [5000, true], [
      5000,
      true,
    ]]);
  });

  it("BackoffPolicy exposes its resolved options", () => {
    assert.deepEqual(new BackoffPolicy({ httpMaxMs: 10_000 }).options, {
      networkStepMs: 250,
      networkMaxMs: 16_000,
      httpInitialMs: 5_000,
      httpMaxMs: 10_000,
      rateLimitInitialMs: 60_000,
      rateLimitMaxMs: 960_000,
      connectBudget: { requests: 50, windowMs: 900_000 },
    });
  });

  const invalid: [unknown, string, string][] = [
    [
      { httpMaxMs: -5 },
      "RangeError",
      "'httpMaxMs' must be a positive integer: current value is -5",
    ],
    [
      { networkStepMs: 0 },
      "RangeError",
      "'networkStepMs' must be a positive integer: current value is 0",
    ],
    [
      { httpInitialMs: 1.5 },
      "RangeError",
      "'httpInitialMs' must be a positive integer: current value is 1.5",
    ],
    [
      { networkMaxMs: NaN },
      "RangeError",
      "'networkMaxMs' must be a positive integer: current value is NaN",
    ],
    [
      { rateLimitMaxMs: Infinity },
      "RangeError",
      "'rateLimitMaxMs' must be a positive integer: current value is Infinity",
    ],
    [
      { httpMaxMs: 3e9 },
      "RangeError",
      "'httpMaxMs' must be at most 2147483647: current value is 3000000000",
    ],
    [
      { httpMaxMs: "5" },
      "TypeError",
      `'httpMaxMs' must be a positive integer: current value is "5"`,
    ],
    [
      { networkStepMs: null },
      "TypeError",
      "'networkStepMs' must be a positive integer: current value is null",
    ],
    [
      { httpMaxMs: 1_000 },
      "RangeError",
      "'httpMaxMs' must be at least 'httpInitialMs' (5000): current value is 1000",
    ],
    [
      { networkStepMs: 500, networkMaxMs: 400 },
      "RangeError",
      "'networkMaxMs' must be at least 'networkStepMs' (500): current value is 400",
    ],
    [
      { rateLimitInitialMs: 2_000_000 },
      "RangeError",
      "'rateLimitMaxMs' must be at least 'rateLimitInitialMs' (2000000): current value is 960000",
    ],
    [
      { connectBudget: true },
      "TypeError",
      "'connectBudget' must be false or an object { requests, windowMs }: current value is true",
    ],
    [
      { connectBudget: 50 },
      "TypeError",
      "'connectBudget' must be false or an object { requests, windowMs }: current value is 50",
    ],
    [
      { connectBudget: { requests: 0, windowMs: 1 } },
      "RangeError",
      "'connectBudget.requests' must be a positive integer: current value is 0",
    ],
    [
      { connectBudget: { requests: 5 } },
      "TypeError",
      "'connectBudget.windowMs' must be a positive integer: current value is undefined",
    ],
    [null, "TypeError", "'options' must be an object: current value is null"],
  ];
  for (const [options, name, tail] of invalid) {
    it(`BackoffPolicy throws a ${name}: ${tail}`, () => {
      assert.throws(() => new BackoffPolicy(options as BackoffOptions), {
        name,
        message: `Cannot construct BackoffPolicy as ${tail}`,
      });
    });
  }

  it("BackoffPolicy refuses a time that is not a finite number", () => {
    assert.throws(() => new BackoffPolicy().decide(eof(NaN)), {
      name: "RangeError",
      message:
        "Cannot call BackoffPolicy.decide as 'atMs' must be a finite number: current value is NaN",
    });
  });
});
