/**
 * Recognises X's TooManyConnections in whatever form it arrives: a v2 `ConnectionException`
 * problem (the body of a 429 at connect, or a line in the stream), a PowerTrack `Forced
 * Disconnect: Too many connections` system message, or the events and causes holdfast builds
 * from them.
 *
 * @module
 */
import { classifyLine } from "../classify_line.ts";
import type { ClientEvent } from "../client_events.ts";
import type { DisconnectCause } from "../disconnect_cause.ts";

/** What {@linkcode isTooManyConnections} reads. */
export type TooManyConnectionsInput = DisconnectCause | ClientEvent | string;

/**
 * True when `input` says X refused or dropped a connection for too many connections:
 *
 * - a `DisconnectCause`: an `http` cause whose body's `connection_issue` is
 *   `TooManyConnections` (a 429 at connect), a `disconnect-message` with that issue (in the
 *   stream), or a PowerTrack `system-message` of kind `too-many-connections`;
 * - a `ClientEvent`: a `disconnected` event with such a cause, an `alert` of kind
 *   `too-many-connections`, or a `system` event with that message;
 * - a string: a response body or a stream line (v2 problem or PowerTrack system message).
 *
 * @example
 * ```ts
 * import { isTooManyConnections } from "./too_many_connections.ts";
 * const body = JSON.stringify({
 *   title: "ConnectionException",
 *   connection_issue: "TooManyConnections",
 *   type: "https://api.x.com/2/problems/streaming-connection",
 * });
 * console.assert(isTooManyConnections(body));
 * console.assert(isTooManyConnections(
 *   '{"error":{"message":"Forced Disconnect: Too many connections. (Allowed Connections = 1)"}}',
 * ));
 * console.assert(!isTooManyConnections({ kind: "eof" }));
 * ```
 */
export function isTooManyConnections(input: TooManyConnectionsInput): boolean {
  if (typeof input === "string") return lineSaysTooMany(input);
  if (input === null || typeof input !== "object") return false;
  if ("type" in input) {
    switch (input.type) {
      case "disconnected":
        return causeSaysTooMany(input.cause);
      case "alert":
        return input.alert === "too-many-connections";
      case "system":
        return input.message.kind === "too-many-connections";
      default:
        return false;
    }
  }
  return causeSaysTooMany(input);
}

function causeSaysTooMany(cause: DisconnectCause): boolean {
  switch (cause.kind) {
    case "http":
      return cause.connectionIssue === "TooManyConnections" ||
        (cause.connectionIssue === undefined && cause.body !== undefined &&
          lineSaysTooMany(cause.body));
    case "disconnect-message":
      return cause.disconnectType === "TooManyConnections";
    case "system-message":
      return cause.systemKind === "too-many-connections";
    default:
      return false;
  }
}

function lineSaysTooMany(text: string): boolean {
  const message = classifyLine(text.trim());
  return (message.type === "connection-error" &&
    message.connection_issue === "TooManyConnections") ||
    (message.type === "system" && message.kind === "too-many-connections");
}
