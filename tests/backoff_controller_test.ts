import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BackoffController } from "../src/backoff_controller.ts";
import { BackoffPolicy } from "../src/backoff_policy.ts";
import type { ConnectionOutcome, ReconnectDecision } from "../src/disconnect_cause.ts";

const eof = (atMs: number, established = false): ConnectionOutcome => ({
  cause: { kind: "eof" },
  established,
  atMs,
});
const http = (status: number, atMs: number): ConnectionOutcome => ({
  cause: {
    kind: "http",
    status,
    headers: new Headers(),
    body: undefined,
    connectionIssue: undefined,
  },
  established: false,
  atMs,
});

function fromArray<T>(items: readonly T[]): ReadableStream<T> {
  return new ReadableStream({
    start(controller) {
      for (const item of items) controller.enqueue(item);
      controller.close();
    },
  });
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) out.push(r.value);
  return out;
}

const summary = (d: ReconnectDecision) =>
  d.action === "retry" ? `${d.backoffClass} ${d.delayMs}` : `stop ${d.reason}`;

describe("BackoffController", () => {
  it("BackoffController turns each outcome into one decision, in order", async () => {
    const outcomes = [eof(0), eof(1), http(503, 2), eof(3, true), http(404, 4), eof(5)];
    const decisions = await collect(fromArray(outcomes).pipeThrough(new BackoffController()));
    assert.deepEqual(decisions.map(summary), [
      "network 250",
      "network 500",
      "http 5000",
      "immediate 0",
      "stop http-404",
      "network 250",
    ]);
  });

  it("BackoffController answers each outcome as soon as it is written", async () => {
    const controller = new BackoffController({ connectBudget: false });
    const writer = controller.writable.getWriter();
    const reader = controller.readable.getReader();
    for (
      const [o, expected] of [[eof(0), "network 250"], [http(429, 1), "rate-limit 60000"]] as const
    ) {
      void writer.write(o);
      const { value } = await reader.read();
      assert.equal(summary(value!), expected);
    }
    await writer.close();
    assert.equal((await reader.read()).done, true);
  });

  it("BackoffController uses a given policy and shares its state", async () => {
    const policy = new BackoffPolicy({ connectBudget: { requests: 2, windowMs: 60_000 } });
    const controller = new BackoffController(policy);
    assert.equal(controller.policy, policy);
    policy.recordAttempt(0);
    policy.recordAttempt(1_000);
    const [d] = await collect(fromArray([eof(2_000, true)]).pipeThrough(controller));
    assert.equal(summary(d), "budget 58000");
    assert.equal(policy.snapshot().attemptsInWindow, 2);
  });

  it("BackoffController builds a policy from options", () => {
    const controller = new BackoffController({ networkStepMs: 100 });
    assert.ok(controller.policy instanceof BackoffPolicy);
    assert.equal(controller.policy.options.networkStepMs, 100);
    assert.equal(new BackoffController().policy.options.networkStepMs, 250);
  });

  it("BackoffController names itself when its options are invalid", () => {
    assert.throws(() => new BackoffController({ httpMaxMs: -5 }), {
      name: "RangeError",
      message:
        "Cannot construct BackoffController as 'httpMaxMs' must be a positive integer: current value is -5",
    });
  });

  it("BackoffController errors the stream on an outcome without a valid time", async () => {
    const stream = fromArray([eof(0), eof(NaN)]).pipeThrough(new BackoffController());
    await assert.rejects(collect(stream), { name: "RangeError" });
  });
});
