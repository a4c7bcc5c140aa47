/**
 * A stream connect attempt, checked in X's order: the connect budget (every request counts, even
 * with bad credentials: that is why a client hammering with a wrong token ends up with 429s),
 * injected faults, credentials, parameters, usage cap, rules, connection limits; then accepted.
 *
 * @module
 */
import { MAX_CONCURRENT_RECOVERIES } from "../x_limits.ts";
import { acceptConnection } from "./accept.ts";
import { type Credential, readBasic, readBearer } from "./auth.ts";
import { type BudgetDecision, rateLimitHeaders } from "./connect_budget.ts";
import type { SimContext } from "./context.ts";
import { isoTime } from "./ids_and_times.ts";
import {
  connectErrorBody,
  connectionExceptionProblem,
  invalidRequestProblem,
  type JsonObject,
  type ParameterError,
  statusProblem,
  usageCappedProblem,
} from "./problems.ts";
import { outcomeOf } from "./recorder.ts";
import type { EndpointName, FeedName, V2StreamSpec } from "./stream_catalog.ts";
import { parsePowertrackParams, parseV2Params } from "./stream_params.ts";

/** The stream a request is for. */
export interface StreamTarget {
  readonly endpoint: EndpointName;
  readonly product: "v2" | "powertrack";
  readonly feed: FeedName;
  /** The v2 endpoint's spec (v2 only). */
  readonly spec?: V2StreamSpec;
  /** The PowerTrack stream URL, quoted in full-buffer messages (PowerTrack only). */
  readonly streamUrl?: string;
}

/** Handles one connect attempt to a stream and returns the response (a stream on 200). */
export function connectStream(ctx: SimContext, request: Request, target: StreamTarget): Response {
  const now = ctx.now();
  const url = new URL(request.url);
  const v2 = target.product === "v2";
  const credential: Credential | undefined = v2
    ? readBearer(request, ctx.options.bearerTokens)
    : readBasic(request, ctx.options.basicCredentials);
  const rawPartition = url.searchParams.get("partition");
  const partition = rawPartition !== null && /^\d{1,6}$/.test(rawPartition)
    ? Number(rawPartition)
    : undefined;
  const record = ctx.recorder.begin(request, now, target.endpoint, partition, credential?.label);
  let rate: BudgetDecision | undefined;
  const host = ctx.options.problemHost;

  const answer = (
    status: number,
    body: JsonObject,
    injected = false,
    issue?: string,
    outcome = outcomeOf(status, issue),
  ): Response => {
    Object.assign(record, { status, outcome, injected });
    if (issue !== undefined) record.connectionIssue = issue;
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    if (rate) Object.assign(headers, rateLimitHeaders(rate));
    if (status === 401) {
      headers["www-authenticate"] = v2 ? 'Bearer realm="api.x.com"' : 'Basic realm="PowerTrack"';
    }
    return new Response(JSON.stringify(body), { status, headers });
  };
  const error = (status: number, message?: string): JsonObject =>
    v2
      ? connectErrorBody(status, host)
      : { error: { message: message ?? String(statusProblem(status).title), sent: isoTime(now) } };
  const tooMany = (): Response =>
    answer(
      429,
      v2
        ? connectionExceptionProblem(host, "TooManyConnections")
        : error(429, "Too many connections"),
      false,
      "TooManyConnections",
    );

  if (ctx.closed) return answer(503, error(503));
  const budgetKey = credential ? `${credential.key} ${url.pathname}` : undefined;
  if (budgetKey !== undefined) {
    rate = ctx.budget.take(budgetKey);
    record.rateLimit = { limit: rate.limit, remaining: rate.remaining, resetAtMs: rate.resetAtMs };
    if (!rate.allowed) return answer(429, v2 ? statusProblem(429) : error(429, "Rate limited"));
  }
  const fault = ctx.connectFaults.take(target.endpoint, now);
  if (fault?.kind === "http-status") return answer(fault.status, error(fault.status), true);
  if (fault?.kind === "rate-limit") {
    const until = now + fault.resetInMs;
    rate = budgetKey !== undefined ? ctx.budget.lock(budgetKey, until) : {
      allowed: false,
      limit: ctx.options.connectBudget.requests,
      remaining: 0,
      resetAtMs: until,
    };
    record.rateLimit = { limit: rate.limit, remaining: rate.remaining, resetAtMs: rate.resetAtMs };
    return answer(429, v2 ? statusProblem(429) : error(429, "Rate limited"), true);
  }
  if (!credential || !credential.valid) return answer(401, error(401, "Invalid credentials"));

  const parsed = v2
    ? parseV2Params(url, target.spec as V2StreamSpec, now)
    : parsePowertrackParams(url, now);
  if ("errors" in parsed) {
    return answer(
      400,
      v2 ? invalidRequestProblem(host, parsed.errors) : error(400, describe(parsed.errors)),
    );
  }
  const cap = ctx.usageCap;
  if (cap && (cap.untilMs === undefined || now < cap.untilMs) && v2) {
    return answer(429, usageCappedProblem(host, cap.period), true, undefined, "usage-capped");
  }
  if (
    target.endpoint === "filter_stream" && ctx.options.rejectWithoutRules &&
    ctx.rules.activeIndexes().length === 0
  ) {
    return answer(
      409,
      connectionExceptionProblem(host, "RuleConfigurationIssue"),
      false,
      "RuleConfigurationIssue",
    );
  }
  const limitKey = `${credential.key} ${url.pathname} ${parsed.params.partition ?? ""}`;
  if (parsed.params.recovery) {
    if (ctx.registry.recoveries(credential.key) >= MAX_CONCURRENT_RECOVERIES) return tooMany();
  } else if (v2 && ctx.registry.forLimitKey(limitKey).length >= ctx.options.maxConnections) {
    return tooMany();
  }
  return acceptConnection(ctx, {
    target,
    request,
    path: url.pathname,
    credential,
    params: parsed.params,
    record,
    rate,
    limitKey,
    flapAfterMs: fault?.kind === "flap" ? fault.afterMs : undefined,
  });
}

function describe(errors: readonly ParameterError[]): string {
  return errors.map((e) => e.message).join("; ");
}
