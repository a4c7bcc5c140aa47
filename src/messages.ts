/**
 * The kinds of line an X stream body carries, as returned by {@linkcode classifyLine}.
 * A discriminated union of plain objects tagged by `type`.
 *
 * @module
 */

/** A post (v2 `{"data":...}` or a PowerTrack activity). `line` is the original JSON, byte-exact. */
export interface PostMessage {
  /** The tag. */
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
  /** The tag. */
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
  /** The tag. */
  readonly type: "disconnect";
  /** Why X is closing the connection (`SlowReader` means a full buffer). */
  readonly disconnect_type: DisconnectType;
  /** The problem's `title`, when given. */
  readonly title: string | undefined;
  /** The problem's `detail`, for a person (never matched on). */
  readonly detail: string | undefined;
  /** The problem object as received. */
  readonly problem: Record<string, unknown>;
}

/** A v2 `streaming-connection` problem (`ConnectionException`), e.g. `TooManyConnections`. */
export interface ConnectionErrorMessage {
  /** The tag. */
  readonly type: "connection-error";
  /** What went wrong, e.g. `TooManyConnections`. */
  readonly connection_issue: string;
  /** The problem's `title`, when given. */
  readonly title: string | undefined;
  /** The problem's `detail`, for a person (never matched on). */
  readonly detail: string | undefined;
  /** The problem object as received. */
  readonly problem: Record<string, unknown>;
}

/** A v2 `usage-capped` problem: the post cap is reached; reconnecting will not help. */
export interface UsageCappedMessage {
  /** The tag. */
  readonly type: "usage-capped";
  /** `Daily` or `Monthly`, when given. */
  readonly period: string | undefined;
  /** What the cap applies to (e.g. `Account`), when given. */
  readonly scope: string | undefined;
  /** The problem's `detail`, for a person. */
  readonly detail: string | undefined;
  /** The problem object as received. */
  readonly problem: Record<string, unknown>;
}

/** Any other v2 problem without `data`. */
export interface ProblemMessage {
  /** The tag. */
  readonly type: "problem";
  /** The problem's `type` URL, as received. */
  readonly problemType: string | undefined;
  /** The problem's `title`, when given. */
  readonly title: string | undefined;
  /** The problem's `detail`, for a person. */
  readonly detail: string | undefined;
  /** The problem object as received. */
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
  /** The tag. */
  readonly type: "system";
  /** Which key carried the message: `info`, `warn` or `error`. */
  readonly level: "info" | "warn" | "error";
  /** What the message means, recognised from its text. */
  readonly kind: SystemMessageKind;
  /** The message text as received. */
  readonly message: string;
  /** The `sent` ISO time, when given. */
  readonly sent: string | undefined;
  /** For `too-many-connections`: the `Allowed Connections = N` figure. */
  readonly allowedConnections: number | undefined;
}

/** A line that is not JSON, or not a JSON object. Never thrown: reported. */
export interface MalformedMessage {
  /** The tag. */
  readonly type: "malformed";
  /** The line as received. */
  readonly line: string;
  /** Why it is not a message: not JSON, or not a JSON object. */
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
