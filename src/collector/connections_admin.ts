/**
 * X's Stream Connections endpoints, for TooManyConnections: `GET /2/connections` lists the app's
 * streaming connections, `DELETE /2/connections` (with `{"uuids":[...]}`) and
 * `DELETE /2/connections/all` end them. Bearer auth; the origin is taken from a stream URL.
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption, positiveInteger, showValue } from "../options_error.ts";
import type { ConnectAuth } from "../client/connect_options.ts";
import { redactUserinfo, resolveAuth } from "../client/credentials.ts";
import { readBodyText } from "../client/read_body.ts";
import { HttpError } from "../errors/http_error.ts";
import { applyUserAgent } from "../user_agent.ts";

/** One streaming connection as `GET /2/connections` describes it. */
export interface XConnectionInfo {
  /** The connection's id (X's `id`; the `uuid` that ends it). */
  readonly id: string;
  /** The stream, by X's name: `filter_stream`, `sample_stream`, `firehose_stream`, ... */
  readonly endpointName: string | undefined;
  /** When it opened (ISO 8601, X's `connected_at`). */
  readonly connectedAt: string | undefined;
  /** The address X saw it come from (`client_ip`). */
  readonly clientIp: string | undefined;
  /** When it ended, for an inactive connection (`disconnected_at`). */
  readonly disconnectedAt: string | undefined;
  /** Why it ended, for an inactive connection (`disconnect_reason`, e.g. `client_disconnect`). */
  readonly disconnectReason: string | undefined;
}

/** What the connections requests need. */
export interface ConnectionsAdminOptions {
  /** Any stream URL of the app (or the API base): only its origin is used. */
  readonly url: string | URL;
  /** The app's credentials (X takes a Bearer token here). */
  readonly auth: ConnectAuth;
  /** The fetch to use. @default {globalThis.fetch} */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** Aborts the request. @default {undefined} */
  readonly signal?: AbortSignal;
  /** Replaces holdfast's `User-Agent`. @default {userAgent()} */
  readonly userAgent?: string;
  /** Give up on a request (answer and body) after this long. @default {10_000} */
  readonly timeoutMs?: number;
}

/** Options of {@linkcode listConnections}. */
export interface ListConnectionsOptions extends ConnectionsAdminOptions {
  /** Which connections: open ones, ended ones, or both. @default {"active"} */
  readonly status?: "active" | "inactive" | "all";
}

/** Options of {@linkcode endConnections}. */
export interface EndConnectionsOptions extends ConnectionsAdminOptions {
  /** The connection ids to end (X's `uuids`, sent 100 per request). */
  readonly ids: readonly string[];
}

/** What ending connections did, per id. */
export interface EndConnectionsResult {
  /** Ids X ended. */
  readonly ended: string[];
  /** Ids X did not end, with its reason (`Connection not found`, ...). */
  readonly failed: { id: string; error: string }[];
}

const MAX_UUIDS_PER_REQUEST = 100; // X: `uuids` takes 1 to 100 ids
const MAX_LIST_BYTES = 4 * 1024 * 1024;

const BaseSchema = {
  url: v.union([
    v.instance(URL),
    v.pipe(v.string("must be an absolute URL"), v.url("must be an absolute URL")),
  ], "must be an absolute URL"),
  // (http(s) is checked in originOf: the message must not show the URL's userinfo.)
  fetch: v.optional(v.function("must be a function")),
  signal: v.optional(v.instance(AbortSignal, "must be an AbortSignal")),
  userAgent: v.optional(v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty"))),
  timeoutMs: v.optional(positiveInteger),
};
const ListSchema = v.looseObject({
  ...BaseSchema,
  status: v.optional(v.picklist(["active", "inactive", "all"], "must be active, inactive or all")),
}, "must be an object");
const EndSchema = v.looseObject({
  ...BaseSchema,
  // Required: checked in endConnections, as valibot words a missing key as the object's problem.
  ids: v.optional(v.array(
    v.pipe(v.string("must be a non-empty string"), v.minLength(1, "must be a non-empty string")),
    "must be an array of ids",
  )),
}, "must be an object");

/**
 * Lists the app's streaming connections (`GET /2/connections?status=active`). Throws
 * `HttpError` on a non-2xx answer, `TypeError` on an answer that is not X's JSON, and
 * `TypeError`/`RangeError` naming the option on invalid options.
 *
 * @example
 * ```ts
 * import { listConnections } from "./connections_admin.ts";
 * const open = await listConnections({
 *   url: "https://api.x.com/2/tweets/search/stream",
 *   auth: { bearer: "t0ken" },
 *   fetch: async (request) => Response.json({
 *     data: [{ id: "c1", endpoint_name: "filter_stream", connected_at: "2025-01-01T00:00:00Z" }],
 *     meta: { result_count: 1 },
 *   }),
 * });
 * console.assert(open[0].id === "c1" && open[0].endpointName === "filter_stream");
 * ```
 */
export async function listConnections(options: ListConnectionsOptions): Promise<XConnectionInfo[]> {
  const owner = "Cannot list connections as";
  validate("list", ListSchema, options);
  const url = new URL("/2/connections", originOf(owner, options.url));
  url.searchParams.set("status", options.status ?? "active");
  const body = await request(owner, options, "GET", url, undefined, MAX_LIST_BYTES);
  const data = (body as { data?: unknown }).data ?? [];
  if (!Array.isArray(data)) throw notX("GET /2/connections", "`data` is not an array");
  return data.filter(isObject).filter((c) => typeof c.id === "string").map((c) => ({
    id: c.id as string,
    endpointName: text(c.endpoint_name),
    connectedAt: text(c.connected_at),
    clientIp: text(c.client_ip),
    disconnectedAt: text(c.disconnected_at),
    disconnectReason: text(c.disconnect_reason),
  }));
}

/**
 * Ends the app's connections with these ids (`DELETE /2/connections` with `{"uuids":[...]}`,
 * 100 per request). X ends each with an `operational-disconnect` (`ForceDisconnect`). Throws as
 * {@linkcode listConnections} does; an id X could not end is in `failed`.
 *
 * @example
 * ```ts
 * import { endConnections } from "./connections_admin.ts";
 * const result = await endConnections({
 *   url: "https://api.x.com/2/tweets/search/stream",
 *   auth: { bearer: "t0ken" },
 *   ids: ["c1", "c9"],
 *   fetch: async () => Response.json({ data: { results: [
 *     { uuid: "c1", success: true, error_message: "" },
 *     { uuid: "c9", success: false, error_message: "Connection not found" },
 *   ] } }),
 * });
 * console.assert(result.ended[0] === "c1" && result.failed[0].error === "Connection not found");
 * ```
 */
export async function endConnections(
  options: EndConnectionsOptions,
): Promise<EndConnectionsResult> {
  const owner = "Cannot end connections as";
  validate("end", EndSchema, options);
  if (options.ids === undefined) {
    throw new TypeError(`${owner} 'ids' must be an array of ids: current value is undefined`);
  }
  const url = new URL("/2/connections", originOf(owner, options.url));
  const ids = [...new Set(options.ids)];
  const result: EndConnectionsResult = { ended: [], failed: [] };
  for (let at = 0; at < ids.length; at += MAX_UUIDS_PER_REQUEST) {
    const batch = ids.slice(at, at + MAX_UUIDS_PER_REQUEST);
    const body = await request(owner, options, "DELETE", url, { uuids: batch });
    const results = (body as { data?: { results?: unknown } }).data?.results;
    if (!Array.isArray(results)) throw notX("DELETE /2/connections", "no `data.results` array");
    const byId = new Map(results.filter(isObject).map((r) => [r.uuid, r]));
    for (const id of batch) {
      const one = byId.get(id);
      if (one?.success === true) result.ended.push(id);
      else {
        result.failed.push({
          id,
          error: text(one?.error_message) || (one ? "not ended" : "not in X's answer"),
        });
      }
    }
  }
  return result;
}

/** Sends one request with auth and User-Agent; returns the parsed JSON of a 2xx answer. */
async function request(
  owner: string,
  options: ConnectionsAdminOptions,
  method: "GET" | "DELETE",
  url: URL,
  json?: unknown,
  maxBytes?: number,
): Promise<unknown> {
  const headers = new Headers({ authorization: authHeader(owner, options.auth) });
  if (json !== undefined) headers.set("content-type", "application/json");
  applyUserAgent(headers);
  if (options.userAgent !== undefined) {
    headers.set("user-agent", options.userAgent);
    if (headers.has("x-user-agent")) headers.set("x-user-agent", options.userAgent);
  }
  const timeoutMs = options.timeoutMs ?? 10_000;
  const controller = new AbortController();
  const outer = options.signal;
  const onAbort = () => controller.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  const label = `${method} ${url.pathname}`;
  const timer: ReturnType<typeof setTimeout> = setTimeout(() => {
    const error = new Error(`X gave no answer to ${label} within ${timeoutMs} ms`);
    error.name = "TimeoutError";
    controller.abort(error);
  }, timeoutMs);
  try {
    const fetchFn = options.fetch ?? ((r: Request) => globalThis.fetch(r));
    const body = json === undefined ? undefined : JSON.stringify(json);
    const sent = new Request(url, { method, headers, body, signal: controller.signal });
    const response = await abortable(fetchFn(sent), controller.signal);
    const textBody = await readBodyText(response, { timeoutMs, maxBytes });
    if (!response.ok) throw new HttpError(response.status, response.headers, textBody);
    try {
      return JSON.parse(textBody ?? "{}");
    } catch {
      throw notX(label, "the body is not JSON");
    }
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener("abort", onAbort);
  }
}

/** Settles with `pending`, or rejects with the abort reason first (a fetch may ignore it). */
function abortable<T>(pending: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    pending.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

function authHeader(owner: string, auth: unknown): string {
  try {
    const header = resolveAuth(auth);
    if (header !== undefined) return header;
  } catch (error) {
    throw new TypeError((error as Error).message.replace(/^Cannot connect as/, owner));
  }
  throw new TypeError(
    `${owner} 'auth' must be { bearer: string } or { basic: { username, password } }: current value is undefined`,
  );
}

/** The origin of an http(s) URL (never its userinfo). */
function originOf(owner: string, url: string | URL): string {
  const parsed = new URL(url);
  if (parsed.protocol !== "https:" && parsed.protocol !== "http:") {
    throw new TypeError(
      `${owner} 'url' must be an http(s) URL: current value is ${JSON.stringify(parsed.protocol)}`,
    );
  }
  return parsed.origin;
}

function notX(label: string, why: string): TypeError {
  return new TypeError(`X's answer to ${label} is not what X documents: ${why}`);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function validate(action: string, schema: v.GenericSchema, options: unknown): void {
  const result = v.safeParse(schema, options);
  if (result.success) return;
  // A URL's password must not reach logs.
  const show = (value: unknown): string =>
    typeof value === "string" ? JSON.stringify(redactUserinfo(value)) : showValue(value);
  throw invalidOption("connections", result.issues[0], { action, show });
}
