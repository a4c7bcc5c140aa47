/**
 * The bodies X sends when something goes wrong: v2 problem JSON (at connect and inside the
 * stream) and PowerTrack system messages. Shapes follow X's documentation and payloads seen in
 * the wild; `detail` wording varies in reality, and clients must not match on it.
 *
 * @module
 */
import type { DisconnectType } from "../messages.ts";
import { isoTime } from "./ids_and_times.ts";

/** The host in problem `type` URLs: `api.x.com` now, `api.twitter.com` in older payloads. */
export type ProblemHost = "api.x.com" | "api.twitter.com";

/** A JSON object body. */
export type JsonObject = Record<string, unknown>;

/** `https://{host}/2/problems/{name}`. */
export function problemType(host: ProblemHost, name: string): string {
  return `https://${host}/2/problems/${name}`;
}

const REASONS: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  406: "Not Acceptable",
  409: "Conflict",
  413: "Payload Too Large",
  416: "Range Not Satisfiable",
  420: "Enhance Your Calm",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** X's generic problem for a status: `{"title","detail","type":"about:blank","status"}`. */
export function statusProblem(status: number): JsonObject {
  const title = REASONS[status] ?? (status >= 500 ? "Server Error" : "Client Error");
  return { title, detail: title, type: "about:blank", status };
}

/** The 403 X sends to an app without access to an endpoint. */
export function forbiddenProblem(host: ProblemHost): JsonObject {
  return {
    title: "Client Forbidden",
    detail:
      "This request must be made using an approved developer account that is enrolled in the requested endpoint.",
    reason: "client-not-enrolled",
    registration_url: "https://developer.x.com/en/portal/product",
    required_enrollment: "Appropriate Level of API Access",
    type: problemType(host, "client-forbidden"),
  };
}

/** The body of an error status at connect (401 and 429 get X's exact `about:blank` bodies). */
export function connectErrorBody(status: number, host: ProblemHost): JsonObject {
  return status === 403 ? forbiddenProblem(host) : statusProblem(status);
}

/** One invalid query or body parameter, as listed in an invalid-request problem. */
export interface ParameterError {
  readonly parameters: Record<string, readonly string[]>;
  readonly message: string;
}

/** X's 400 `invalid-request` problem. */
export function invalidRequestProblem(
  host: ProblemHost,
  errors: readonly ParameterError[],
): JsonObject {
  return {
    errors,
    title: "Invalid Request",
    detail: "One or more parameters to your request was invalid.",
    type: problemType(host, "invalid-request"),
  };
}

/** A `ConnectionException` (`streaming-connection`) problem, e.g. `TooManyConnections`. */
export function connectionExceptionProblem(host: ProblemHost, issue: string): JsonObject {
  const detail = issue === "TooManyConnections"
    ? "This stream is currently at the maximum allowed connection limit."
    : issue === "RuleConfigurationIssue"
    ? "You must define rules using the POST /2/tweets/search/stream/rules endpoint before connecting to filtered stream."
    : `This stream cannot be connected: ${issue}.`;
  return {
    title: "ConnectionException",
    detail,
    connection_issue: issue,
    type: problemType(host, "streaming-connection"),
  };
}

/** The `usage-capped` problem (`period` Daily or Monthly). */
export function usageCappedProblem(host: ProblemHost, period: "Daily" | "Monthly"): JsonObject {
  return {
    title: "UsageCapExceeded",
    detail: `Usage cap exceeded: ${period} product cap`,
    type: problemType(host, "usage-capped"),
    period,
    scope: "Product",
  };
}

const DISCONNECT_DETAILS: Record<string, string> = {
  OperationalDisconnect: "This stream has been disconnected for operational reasons.",
  UpstreamOperationalDisconnect:
    "This stream has been disconnected upstream for operational reasons.",
  ForceDisconnect: "This stream has been force disconnected.",
  UpstreamUncleanDisconnect: "This stream has been disconnected upstream without a clean shutdown.",
  SlowReader:
    "This stream has been disconnected because your client was unable to keep up with us.",
  InternalError: "This stream has been disconnected due to an internal error.",
  ClientApplicationStateDegraded:
    "This stream has been disconnected because your client application is degraded.",
  InvalidRules: "This stream has been disconnected because your rules are invalid.",
};

/** The in-stream `operational-disconnect` line (`{"errors":[...]}`), without `\r\n`. */
export function operationalDisconnectLine(
  host: ProblemHost,
  disconnectType: DisconnectType,
): string {
  return JSON.stringify({
    errors: [{
      title: "operational-disconnect",
      disconnect_type: disconnectType,
      detail: DISCONNECT_DETAILS[disconnectType] ?? "This stream has been disconnected.",
      type: problemType(host, "operational-disconnect"),
    }],
  });
}

/** An in-stream line carrying one problem (`{"errors":[problem]}`). */
export function problemLine(problem: JsonObject): string {
  return JSON.stringify({ errors: [problem] });
}

/** A PowerTrack system message line: `{"info"|"warn"|"error":{"message","sent"}}`. */
export function systemMessageLine(
  level: "info" | "warn" | "error",
  message: string,
  sentMs: number,
): string {
  return JSON.stringify({ [level]: { message, sent: isoTime(sentMs) } });
}

/** PowerTrack's maintenance text (the name before it was "Gnip", "Twitter" or "X"). */
export const MAINTENANCE_MESSAGE = "X is closing for operational reasons";

/** PowerTrack's too-many-connections text. */
export function tooManyConnectionsMessage(allowed: number): string {
  return `Forced Disconnect: Too many connections. (Allowed Connections = ${allowed})`;
}

/** PowerTrack's full-buffer text. */
export function fullBufferMessage(streamUrl: string, bufferSize: number): string {
  return `Force closing connection to ${streamUrl} because it reached the maximum allowed backup (buffer size is ${bufferSize})`;
}
