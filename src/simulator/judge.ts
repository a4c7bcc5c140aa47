/**
 * The judge: reads the attempt records and says whether the client followed X's guidance.
 * Between consecutive attempts on the same stream (same credential, path and partition) it
 * classifies the earlier outcome and checks the wait: after an established connection drops,
 * reconnecting at once is fine; after a failed connect, network-like failures (EOF, reset, stall,
 * accept-then-drop) need +250 ms per attempt (up to 16 s), HTTP errors 5 s doubling (up to
 * 320 s), and 429s 60 s doubling and never before `x-rate-limit-reset`. It also counts 429s drawn
 * (a good client draws none), connections over the limit or left open, fatal statuses retried,
 * and requests without a versioned User-Agent.
 *
 * @module
 */
import { checkGaps, streamKey } from "./backoff_gaps.ts";
import type { Finding, GapCheck, JudgeInput, Judgement } from "./judge_types.ts";
import type { AttemptRecord } from "./recorder.ts";

const VERSIONED_AGENT = /[A-Za-z][\w.-]*\/v?\d+\.\d+/;
const RUNTIME_AGENT = /^(Deno|Bun|node|undici|Node\.js)\b/i;

/** Judges the recorded attempts. */
export function judge(input: JudgeInput): Judgement {
  const findings: Finding[] = [];
  const gaps: GapCheck[] = [];
  const groups = new Map<string, AttemptRecord[]>();
  for (const a of input.attempts) {
    const key = streamKey(a);
    let group = groups.get(key);
    if (!group) groups.set(key, group = []);
    group.push(a);
    if (a.status === 429 && !a.injected && a.outcome === "rate-limited") {
      findings.push({
        rule: "rate-limit.drawn",
        severity: "error",
        attemptId: a.id,
        message:
          `Attempt #${a.id} drew a 429: the connect budget was spent or a lock-out was in force. A good client draws none.`,
      });
    }
    if (a.outcome === "too-many-connections" && !a.injected) {
      findings.push({
        rule: "connections.too-many",
        severity: "error",
        attemptId: a.id,
        message:
          `Attempt #${a.id} drew 429 TooManyConnections: close the old connection for certain before opening a new one.`,
      });
    }
    if (a.overLimit) {
      const dropped = a.closeReason === "too-many-connections";
      findings.push({
        rule: dropped ? "connections.too-many" : "connections.overlap",
        severity: dropped ? "error" : "warning",
        attemptId: a.id,
        message: dropped
          ? `Connection #${a.id} was one too many and was dropped after the grace period.`
          : `Connection #${a.id} exceeded the connection limit; the older one closed within the grace period.`,
      });
    }
  }
  for (const group of groups.values()) checkGaps(group, input.toleranceMs, findings, gaps);
  const unversioned = input.attempts.filter((a) =>
    !a.userAgent || !VERSIONED_AGENT.test(a.userAgent) || RUNTIME_AGENT.test(a.userAgent)
  );
  if (unversioned.length > 0) {
    const first = unversioned[0] as AttemptRecord;
    findings.push({
      rule: "user-agent.version",
      severity: "error",
      attemptId: first.id,
      message:
        `${unversioned.length} attempt(s) sent no User-Agent naming the client and its version (e.g. "my-client/1.2.3"); first: #${first.id} (${
          JSON.stringify(first.userAgent ?? null)
        }).`,
    });
  }
  if (input.openConnectionIds.length > 0) {
    findings.push({
      rule: "connections.left-open",
      severity: input.requireClosed ? "error" : "warning",
      message: `${input.openConnectionIds.length} connection(s) still open: ${
        input.openConnectionIds.join(", ")
      }.`,
    });
  }
  findings.sort((a, b) => (a.attemptId ?? Infinity) - (b.attemptId ?? Infinity));
  return {
    verdict: findings.some((f) => f.severity === "error") ? "fail" : "pass",
    findings,
    gaps,
  };
}
