/**
 * The backoff policy as a stream stage: connection outcomes in, reconnect decisions out.
 *
 * @module
 */
import type { ConnectionOutcome, ReconnectDecision } from "./disconnect_cause.ts";
import { type BackoffOptions, resolveBackoffOptions } from "./backoff_options.ts";
import { BackoffPolicy } from "./backoff_policy.ts";

/**
 * A `TransformStream` that turns each {@linkcode ConnectionOutcome} into exactly one
 * {@linkcode ReconnectDecision}, using a {@linkcode BackoffPolicy}. It keeps no timers: whoever
 * reads the decisions does the waiting. Pass an existing policy to share its state (for example
 * with the connect loop that calls `recordAttempt`), or options to build a new one.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BackoffController } from "./backoff_controller.ts";
 * import type { ConnectionOutcome, ReconnectDecision } from "./disconnect_cause.ts";
 *
 * const outcomes: ConnectionOutcome[] = [
 *   { cause: { kind: "eof" }, established: false, atMs: 0 },
 *   { cause: { kind: "eof" }, established: false, atMs: 1_000 },
 *   { cause: { kind: "closed" }, established: true, atMs: 2_000 },
 * ];
 * const decisions: ReconnectDecision[] = [];
 * await ReadableStream.from(outcomes)
 *   .pipeThrough(new BackoffController({ networkStepMs: 100 }))
 *   .pipeTo(new WritableStream({ write: (d) => void decisions.push(d) }));
 * assert.deepEqual(decisions.map((d) => d.action === "retry" ? d.delayMs : d.reason), [100, 200, "closed"]);
 * ```
 */
export class BackoffController extends TransformStream<ConnectionOutcome, ReconnectDecision> {
  /** The policy that makes the decisions (the one given, or one built from the options). */
  readonly policy: BackoffPolicy;

  /** Uses `policyOrOptions` if it is a {@linkcode BackoffPolicy}, otherwise builds one from it
   * (throwing `TypeError`/`RangeError` for invalid options). */
  constructor(policyOrOptions?: BackoffPolicy | BackoffOptions) {
    // Validate here first so that an error message names the class the user constructed.
    const policy = policyOrOptions instanceof BackoffPolicy
      ? policyOrOptions
      : new BackoffPolicy(resolveBackoffOptions(policyOrOptions, "BackoffController"));
    super({
      transform(outcome, controller) {
        controller.enqueue(policy.decide(outcome));
      },
    });
    this.policy = policy;
  }
}
