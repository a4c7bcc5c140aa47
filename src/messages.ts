/**
 * The kinds of line an X stream body carries, as returned by {@linkcode classifyLine}.
 * A discriminated union of plain objects tagged by `type`.
 *
 * @module
 */

/** A post (v2 `{"data":...}` or a PowerTrack activity). `line` is the original JSON, byte-exact. */
export interface PostMessage {
  readonly type: "post";
  /** The line exactly as received (without its `\r\n`). Write this to keep output byte-exact. */
  readonly line: string;
  /** The parsed JSON object. */
  readonly json: Record<string, unknown>;
  /** The post id (v2 `data.id`, PowerTrack `id_str`/`id`), when present. */
  readonly id: string | undefined;
  /** The post's `created_at` (v2 `data.created_at`, PowerTrack `created_at`/`postedTime`), if any. */
  readonly createdAt: string | undefined;
  /** Tags of the rules that matched (v2 `matching_rules[].tag`, PowerTrack `matching_rules`). */
  readonly ruleTags: readonly string[];
}

/** An empty line: a keep-alive. */
export interface HeartbeatMessage {
  readonly type: "heartbeat";
}

/** The `disconnect_type` values X documents for `operational-disconnect`. Others may appear. */
export type DisconnectType =
  | "OperationalDisconnect"
  | "UpstreamOperationalDisconnect"
  | "ForceDisconnect"
  | "UpstreamUncleanDisconnect"
  | "SlowReader"
  | "InternalError"
  | "ClientApplicationStateDegraded"
  | "InvalidRules"
  | (string & Record<never, never>);

/** A v2 `operational-disconnect` problem: the server is about to close the connection. */
export interface DisconnectMessage {
  readonly type: "disconnect";
  readonly disconnect_type: DisconnectType;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  /** The problem object as received. */
  readonly problem: Record<string, unknown>;
}

/** A v2 `streaming-connection` problem (`ConnectionException`), e.g. `TooManyConnections`. */
export interface ConnectionErrorMessage {
  readonly type: "connection-error";
  readonly connection_issue: string;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly problem: Record<string, unknown>;
}

/** A v2 `usage-capped` problem: the post cap is reached; reconnecting will not help. */
export interface UsageCappedMessage {
  readonly type: "usage-capped";
  /** `Daily` or `Monthly`, when given. */
  readonly period: string | undefined;
  readonly scope: string | undefined;
  readonly detail: string | undefined;
  readonly problem: Record<string, unknown>;
}

/** Any other v2 problem without `data`. */
export interface ProblemMessage {
  readonly type: "problem";
  /** The problem's `type` URL, as received. */
  readonly problemType: string | undefined;
  readonly title: string | undefined;
  readonly detail: string | undefined;
  readonly problem: Record<string, unknown>;
}

/** What a PowerTrack system message means, recognised from its text. */
export type SystemMessageKind =
  | "maintenance"
  | "too-many-connections"
  | "full-buffer"
  | "other";

/** A PowerTrack `{"info"|"warn"|"error": {"message", "sent"}}` system message. */
export interface SystemMessage {
  readonly type: "system";
  readonly level: "info" | "warn" | "error";
  readonly kind: SystemMessageKind;
  readonly message: string;
  /** The `sent` ISO time, when given. */
  readonly sent: string | undefined;
  /** For `too-many-connections`: the `Allowed Connections = N` figure. */
  readonly allowedConnections: number | undefined;
}

/** A line that is not JSON, or not a JSON object. Never thrown: reported. */
export interface MalformedMessage {
  readonly type: "malformed";
  readonly line: string;
  readonly reason: string;
}

/** Every kind of line an X stream body carries. */
export type StreamMessage =
  | PostMessage
  | HeartbeatMessage
  | DisconnectMessage
  | ConnectionErrorMessage
  | UsageCappedMessage
  | ProblemMessage
  | SystemMessage
  | MalformedMessage;
