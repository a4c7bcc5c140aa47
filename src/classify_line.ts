/**
 * Tells what one line of an X stream body is: a post, a heartbeat, a v2 problem, a PowerTrack
 * system message, or malformed input.
 *
 * @module
 */
import type {
  MalformedMessage,
  PostMessage,
  StreamMessage,
  SystemMessage,
  SystemMessageKind,
} from "./messages.ts";

type Json = Record<string, unknown>;

/**
 * Classifies one line (without its `\r\n`). Pure; never throws: bad input is `malformed`.
 *
 * - `""` or whitespace: `heartbeat`.
 * - `{"data":{...}}`: a v2 `post` (even when `errors` rides along).
 * - `{"errors":[...]}` without `data`, or a bare v2 problem object: `disconnect`
 *   (`operational-disconnect`), `connection-error` (`streaming-connection`), `usage-capped`, else
 *   `problem`. Matched on the `type` URL's path (any host: `api.x.com`, `api.twitter.com`) or the
 *   `title`, never on `detail`.
 * - `{"info"|"warn"|"error": {"message", "sent"}}`: a PowerTrack `system` message.
 * - Any other object: a PowerTrack activity, a `post`.
 *
 * @example
 * ```ts
 * import { classifyLine } from "./classify_line.ts";
 * const post = classifyLine('{"data":{"id":"1","text":"hi"},"matching_rules":[{"id":"9","tag":"cats"}]}');
 * console.assert(post.type === "post" && post.id === "1" && post.ruleTags[0] === "cats");
 * console.assert(classifyLine("").type === "heartbeat");
 * const bye = classifyLine(
 *   '{"errors":[{"title":"operational-disconnect","disconnect_type":"SlowReader",' +
 *     '"type":"https://api.twitter.com/2/problems/operational-disconnect"}]}',
 * );
 * console.assert(bye.type === "disconnect" && bye.disconnect_type === "SlowReader");
 * ```
 */
export function classifyLine(line: string): StreamMessage {
  if (line.length === 0) return { type: "heartbeat" };
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch (error) {
    if (line.trim() === "") return { type: "heartbeat" };
    return malformed(line, `not JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    const kind = json === null ? "null" : Array.isArray(json) ? "an array" : `a ${typeof json}`;
    return malformed(line, `JSON ${kind}, not an object`);
  }
  const obj = json as Json;
  // Hot path: a v2 post.
  const data = obj.data;
  if (isObject(data)) {
    return post(line, obj, idOf(data.id), str(data.created_at), tagsOf(obj.matching_rules));
  }
  const errors = obj.errors;
  if (Array.isArray(errors)) return classifyProblems(errors, obj);
  if (typeof obj.type === "string" && problemName(obj.type) !== undefined) {
    return classifyProblems([obj], obj);
  }
  if (isBareKnownProblem(obj)) return classifyProblems([obj], obj);
  if (obj.info !== undefined || obj.warn !== undefined || obj.error !== undefined) {
    const system = systemMessage(obj);
    if (system !== undefined) return system;
  }
  // A PowerTrack activity: the post JSON itself (native or Activity Streams format).
  const gnip = obj.gnip;
  return post(
    line,
    obj,
    str(obj.id_str) ?? idOf(obj.id),
    str(obj.created_at) ?? str(obj.postedTime),
    tagsOf(obj.matching_rules ?? (isObject(gnip) ? gnip.matching_rules : undefined)),
  );
}

/** The first known problem wins (in order); otherwise a generic `problem` from the first one. */
function classifyProblems(problems: readonly unknown[], whole: Json): StreamMessage {
  for (const p of problems) {
    if (!isObject(p)) continue;
    const name = typeof p.type === "string" ? problemName(p.type) : undefined;
    const title = str(p.title);
    const detail = str(p.detail);
    if (name === "operational-disconnect" || title === "operational-disconnect") {
      const disconnect_type = str(p.disconnect_type) ?? "";
      return { type: "disconnect", disconnect_type, title, detail, problem: p };
    }
    if (name === "streaming-connection" || title === "ConnectionException") {
      const connection_issue = str(p.connection_issue) ?? "";
      return { type: "connection-error", connection_issue, title, detail, problem: p };
    }
    if (name === "usage-capped" || title === "UsageCapExceeded") {
      return {
        type: "usage-capped",
        period: str(p.period),
        scope: str(p.scope),
        detail,
        problem: p,
      };
    }
  }
  const first = problems.find(isObject) ?? whole;
  return {
    type: "problem",
    problemType: str(first.type),
    title: str(first.title),
    detail: str(first.detail),
    problem: first,
  };
}

/** A top-level problem without `type`, recognised by its title and its telling field. */
function isBareKnownProblem(obj: Json): boolean {
  return (obj.title === "operational-disconnect" && typeof obj.disconnect_type === "string") ||
    (obj.title === "ConnectionException" && typeof obj.connection_issue === "string");
}

const PROBLEM_PATH = /\/2\/problems\/([^/]+)\/?$/;

/** `operational-disconnect` from `https://api.x.com/2/problems/operational-disconnect` (any host). */
function problemName(type: string): string | undefined {
  let path: string;
  try {
    path = new URL(type, "https://api.x.com/").pathname;
  } catch {
    return undefined;
  }
  return PROBLEM_PATH.exec(path)?.[1];
}

const LEVELS = ["info", "warn", "error"] as const;

function systemMessage(obj: Json): SystemMessage | undefined {
  const keys = Object.keys(obj);
  if (keys.length !== 1) return undefined;
  const level = LEVELS.find((l) => l === keys[0]);
  const body = level === undefined ? undefined : obj[level];
  if (level === undefined || !isObject(body) || typeof body.message !== "string") return undefined;
  const message = body.message;
  let kind: SystemMessageKind = "other";
  let allowedConnections: number | undefined;
  if (/is closing for operational reasons\.?\s*$/i.test(message)) kind = "maintenance";
  else if (/too many connections/i.test(message)) {
    kind = "too-many-connections";
    const n = /Allowed Connections\s*=\s*(\d+)/i.exec(message)?.[1];
    allowedConnections = n === undefined ? undefined : Number(n);
  } else if (/reached the maximum allowed backup/i.test(message)) kind = "full-buffer";
  return { type: "system", level, kind, message, sent: str(body.sent), allowedConnections };
}

function post(
  line: string,
  json: Json,
  id: string | undefined,
  createdAt: string | undefined,
  ruleTags: string[],
): PostMessage {
  return { type: "post", line, json, id, createdAt, ruleTags };
}

function malformed(line: string, reason: string): MalformedMessage {
  return { type: "malformed", line, reason };
}

function tagsOf(rules: unknown): string[] {
  if (!Array.isArray(rules)) return [];
  const tags: string[] = [];
  for (const rule of rules) {
    if (isObject(rule) && typeof rule.tag === "string") tags.push(rule.tag);
  }
  return tags;
}

function idOf(id: unknown): string | undefined {
  return typeof id === "string" ? id : typeof id === "number" ? String(id) : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
