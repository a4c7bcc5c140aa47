/**
 * Safe, JSON-ready forms of a {@linkcode DisconnectCause} (for `/status`) and a one-line
 * description of it (for `/readyz` reasons), plus the ISO time helper both use.
 *
 * @module
 */
import type { DisconnectCause } from "../disconnect_cause.ts";
import { errorMessage, safeHeaders, scrubText, toSafeJson } from "./redact.ts";

/** How much of an HTTP error body `/status` shows. */
const MAX_BODY_CHARS = 2_000;

/** Epoch ms as an ISO 8601 string; `null` when absent or not a valid time. */
export function toIso(ms: number | undefined): string | null {
  if (ms === undefined || !Number.isFinite(ms)) return null;
  const date = new Date(ms);
  return Number.isFinite(date.getTime()) ? date.toISOString() : null;
}

/**
 * A disconnect cause as plain JSON with no credentials: headers become a plain object without
 * `Authorization`/cookie headers, errors become their (scrubbed) message, bodies are scrubbed and
 * cut to 2,000 characters.
 *
 * @example
 * ```ts
 * import { causeToJson } from "./cause_json.ts";
 * const json = causeToJson({
 *   kind: "http", status: 401, body: undefined, connectionIssue: undefined,
 *   headers: new Headers({ authorization: "Bearer abc", "content-type": "application/json" }),
 * });
 * console.assert(JSON.stringify(json) ===
 *   '{"kind":"http","status":401,"headers":{"content-type":"application/json"},"body":null,"connectionIssue":null}');
 * ```
 */
export function causeToJson(cause: DisconnectCause): Record<string, unknown> {
  switch (cause.kind) {
    case "network":
      return { kind: cause.kind, error: errorMessage(cause.error) };
    case "stall":
      return { kind: cause.kind, silentMs: cause.silentMs };
    case "eof":
    case "closed":
      return { kind: cause.kind };
    case "http":
      return {
        kind: cause.kind,
        status: cause.status,
        headers: safeHeaders(cause.headers),
        body: cause.body === undefined ? null : scrubText(cause.body).slice(0, MAX_BODY_CHARS),
        connectionIssue: cause.connectionIssue === undefined
          ? null
          : scrubText(cause.connectionIssue),
      };
    case "disconnect-message":
      return { kind: cause.kind, disconnectType: scrubText(cause.disconnectType) };
    case "system-message":
      return { kind: cause.kind, systemKind: cause.systemKind, message: scrubText(cause.message) };
    case "usage-capped":
      return { kind: cause.kind, period: cause.period ?? null };
    case "line-too-long":
      return { kind: cause.kind, maxLineBytes: cause.maxLineBytes };
    default:
      // A kind added to the contract after this file: show it, generically scrubbed.
      return toSafeJson(cause) as Record<string, unknown>;
  }
}

/** A short phrase for a person: "HTTP 503", "a stall (no data for 30000 ms)", ... */
export function describeCause(cause: DisconnectCause): string {
  switch (cause.kind) {
    case "network":
      return `a network error (${errorMessage(cause.error)})`;
    case "stall":
      return `a stall (no data or heartbeat for ${cause.silentMs} ms)`;
    case "eof":
      return "the server ending the stream";
    case "closed":
      return "a deliberate close";
    case "http":
      return `HTTP ${cause.status}${
        cause.connectionIssue ? ` (${scrubText(cause.connectionIssue)})` : ""
      }`;
    case "disconnect-message":
      return `an operational disconnect (${scrubText(cause.disconnectType)})`;
    case "system-message":
      return `a system message (${cause.systemKind})`;
    case "usage-capped":
      return `the usage cap${cause.period ? ` (${cause.period})` : ""}`;
    case "line-too-long":
      return `a line longer than ${cause.maxLineBytes} bytes`;
    default:
      return `a disconnect (${scrubText(String((cause as { kind?: unknown }).kind))})`;
  }
}
