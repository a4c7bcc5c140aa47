/**
 * The options of {@linkcode connect}, their defaults, and their validation.
 *
 * @module
 */
import * as v from "valibot";
import type { BackoffOptions, ResolvedBackoffOptions } from "../backoff_options.ts";
import { resolveBackoffOptions } from "../backoff_options.ts";
import type { ClientEvent } from "../client_events.ts";
import { endpointFromUrl, type StreamEndpoint } from "../endpoints.ts";
import { stallTimeoutFor } from "../heartbeat_watchdog.ts";
import { DEFAULT_MAX_LINE_BYTES } from "../x_limits.ts";
import { basicHeader, redactUserinfo, resolveAuth } from "./credentials.ts";

/** Credentials: a v2 bearer token, or PowerTrack's HTTP Basic username and password. */
export type ConnectAuth =
  | { readonly bearer: string }
  | { readonly basic: { readonly username: string; readonly password: string } };

/** What {@linkcode ConnectOptions.beforeConnect} receives before each attempt. */
export interface ConnectAttempt {
  /** 1 for the first attempt, then 2, 3, ... */
  readonly attempt: number;
  /** A fresh copy of the URL about to be requested (changes to it are used). */
  readonly url: URL;
}

/** Options of {@linkcode connect}. Give exactly one of `url` and `endpoint`. */
export interface ConnectOptions {
  /** The stream URL. Credentials in it (`https://user:pass@host/...`) become Basic auth.
   * @default {undefined} */
  url?: string | URL;
  /** The stream, as built by `v2Stream()` / `powertrackStream()`. @default {undefined} */
  endpoint?: StreamEndpoint;
  /** Credentials, sent as `Authorization` on every attempt. Never appear in events, status or
   * error messages. @default {undefined} (no `Authorization` header) */
  auth?: ConnectAuth;
  /** The fetch to use, called with one `Request`: the global `fetch`, or an in-process handler
   * such as the simulator's `fetch` or a Hono `app.fetch` (tests, proxies).
   * @default {globalThis.fetch} */
  fetch?: (request: Request) => Promise<Response>;
  /** Aborting it closes the client, like `close()`. @default {undefined} */
  signal?: AbortSignal;
  /** Silence allowed before a connection is called stalled, in ms.
   * @default {stallTimeoutFor(endpoint.product)} (v2: 30 s; PowerTrack: 20 s) */
  stallTimeoutMs?: number;
  /** Longest line accepted, in bytes. @default {DEFAULT_MAX_LINE_BYTES} (512 KiB) */
  maxLineBytes?: number;
  /** The reconnect curves and connect budget. @default {X's documented numbers} */
  backoff?: BackoffOptions;
  /** The clock, in epoch ms. @default {Date.now} */
  now?: () => number;
  /** Receives every event (as `subscribe()` listeners do). A throw is reported, never fatal.
   * @default {undefined} */
  onEvent?: (event: ClientEvent) => void;
  /** Extra query parameters added to the stream URL. @default {{}} */
  params?: Record<string, string>;
  /** Called before each attempt; may return (or edit) the URL to request, e.g. to add
   * `backfill_minutes` on the one reconnect that needs it. A throw is reported and the URL is
   * used as it was. @default {undefined} */
  beforeConnect?: (attempt: ConnectAttempt) => URL | void | Promise<URL | void>;
  /** The connection's id in events (for clients with redundant connections). @default {0} */
  connectionId?: number;
  /** How many posts may wait unread before the client stops reading the body.
   * @default {1000} */
  postsHighWaterMark?: number;
}

/** {@linkcode ConnectOptions} validated, with every default filled in. Holds the credentials:
 * never serialise it. */
export interface ResolvedConnectOptions {
  /** The endpoint, its `url` with `params` applied and credentials removed. */
  readonly endpoint: StreamEndpoint;
  /** The URL to request (before `beforeConnect`), without credentials. */
  readonly url: URL;
  /** The `Authorization` header value, if any. */
  readonly authorization: string | undefined;
  /** The fetch to call (the user's, or the global one). */
  readonly fetch: (request: Request) => Promise<Response>;
  /** See {@linkcode ConnectOptions.signal}. */
  readonly signal: AbortSignal | undefined;
  /** See {@linkcode ConnectOptions.stallTimeoutMs}. */
  readonly stallTimeoutMs: number;
  /** See {@linkcode ConnectOptions.maxLineBytes}. */
  readonly maxLineBytes: number;
  /** See {@linkcode ConnectOptions.backoff}. */
  readonly backoff: ResolvedBackoffOptions;
  /** See {@linkcode ConnectOptions.now}. */
  readonly now: () => number;
  /** See {@linkcode ConnectOptions.onEvent}. */
  readonly onEvent: ((event: ClientEvent) => void) | undefined;
  /** See {@linkcode ConnectOptions.beforeConnect}. */
  readonly beforeConnect: ConnectOptions["beforeConnect"];
  /** See {@linkcode ConnectOptions.connectionId}. */
  readonly connectionId: number;
  /** See {@linkcode ConnectOptions.postsHighWaterMark}. */
  readonly postsHighWaterMark: number;
}

/** The default of {@linkcode ConnectOptions.postsHighWaterMark}. */
export const DEFAULT_POSTS_HIGH_WATER_MARK = 1000;

// setTimeout fires at once for delays above 2^31 - 1 ms: refuse longer timeouts.
const MAX_TIMER_MS = 2_147_483_647;
const POSITIVE = "must be a positive integer";
const positiveInt = (max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number(POSITIVE),
    v.integer(POSITIVE),
    v.minValue(1, POSITIVE),
    v.maxValue(max, `must be at most ${max}`),
  );
const fn = v.function("must be a function");

const Schema = v.object({
  url: v.optional(v.union([v.string(), v.instance(URL)], "must be a string or a URL")),
  endpoint: v.optional(v.looseObject({
    url: v.string("must be a string"),
    product: v.picklist(["v2", "powertrack"], `must be "v2" or "powertrack"`),
  }, "must be a StreamEndpoint")),
  auth: v.optional(v.unknown()),
  fetch: v.optional(fn),
  signal: v.optional(v.custom<AbortSignal>(isAbortSignal, "must be an AbortSignal")),
  stallTimeoutMs: v.optional(positiveInt(MAX_TIMER_MS)),
  maxLineBytes: v.optional(positiveInt()),
  backoff: v.optional(v.unknown()),
  now: v.optional(fn),
  onEvent: v.optional(fn),
  params: v.optional(
    v.record(v.string(), v.string("must be a string"), "must be an object of strings"),
  ),
  beforeConnect: v.optional(fn),
  connectionId: v.optional(v.pipe(
    v.number("must be a non-negative integer"),
    v.integer("must be a non-negative integer"),
    v.minValue(0, "must be a non-negative integer"),
  )),
  postsHighWaterMark: v.optional(positiveInt()),
}, "must be an object");

/**
 * Validates {@linkcode ConnectOptions} and fills in the defaults. Throws a `TypeError` for a
 * missing or wrongly typed value and a `RangeError` for a number out of range, worded
 * `Cannot connect as 'stallTimeoutMs' must be a positive integer: current value is 0`.
 * Credentials never appear in a message.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveConnectOptions } from "./connect_options.ts";
 * const o = resolveConnectOptions({ url: "https://api.x.com/2/tweets/search/stream", auth: { bearer: "t" } });
 * assert.ok(o.stallTimeoutMs === 30_000 && o.authorization === "Bearer t");
 * try {
 *   resolveConnectOptions({ url: "https://api.x.com/2/tweets/search/stream", stallTimeoutMs: 0 });
 * } catch (e) {
 *   assert.ok((e as Error).message ===
 *     "Cannot connect as 'stallTimeoutMs' must be a positive integer: current value is 0");
 * }
 * ```
 */
export function resolveConnectOptions(options: ConnectOptions): ResolvedConnectOptions {
  const result = v.safeParse(Schema, options);
  if (!result.success) throw schemaError(result.issues[0]);
  const o = options;
  if ((o.url === undefined) === (o.endpoint === undefined)) {
    throw new TypeError("Cannot connect as exactly one of 'url' or 'endpoint' is required");
  }
  const rawUrl = o.url ?? o.endpoint!.url;
  const key = o.url !== undefined ? "url" : "endpoint.url";
  const url = parseHttpUrl(rawUrl, key);
  let authorization = resolveAuth(o.auth);
  if (url.username !== "" || url.password !== "") {
    if (authorization !== undefined) {
      throw new TypeError(
        `Cannot connect as '${key}' carries credentials and 'auth' is also given`,
      );
    }
    authorization = basicHeader(decodeURIComponent(url.username), decodeURIComponent(url.password));
    url.username = "";
    url.password = "";
  }
  for (const [name, value] of Object.entries(o.params ?? {})) url.searchParams.set(name, value);
  const endpoint: StreamEndpoint = o.endpoint !== undefined
    ? { ...o.endpoint, url: url.href }
    : endpointFromUrl(url);
  const userFetch: (request: Request) => Promise<Response> = o.fetch ?? globalThis.fetch;
  return {
    endpoint,
    url,
    authorization,
    // Called as a plain function: some runtimes refuse a `fetch` called with another `this`.
    fetch: (request) => userFetch(request),
    signal: o.signal,
    stallTimeoutMs: o.stallTimeoutMs ?? stallTimeoutFor(endpoint.product),
    maxLineBytes: o.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES,
    backoff: resolveBackoff(o.backoff),
    now: o.now ?? (() => Date.now()),
    onEvent: o.onEvent,
    beforeConnect: o.beforeConnect,
    connectionId: o.connectionId ?? 0,
    postsHighWaterMark: o.postsHighWaterMark ?? DEFAULT_POSTS_HIGH_WATER_MARK,
  };
}

function parseHttpUrl(value: string | URL, key: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:")) {
    throw new TypeError(
      `Cannot connect as '${key}' must be an absolute http(s) URL: current value is ${
        JSON.stringify(redactUserinfo(String(value)))
      }`,
    );
  }
  return url;
}

function resolveBackoff(backoff: BackoffOptions | undefined): ResolvedBackoffOptions {
  try {
    return resolveBackoffOptions(backoff, "connect");
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    // Reword "Cannot construct connect as 'httpMaxMs' ..." to this module's grammar.
    const message = error.message.replace(
      /^Cannot construct connect as '(?:options')?/,
      (m) => m.endsWith("options'") ? "Cannot connect as 'backoff'" : "Cannot connect as 'backoff.",
    );
    throw new (error.constructor as ErrorConstructor)(message);
  }
}

function schemaError(issue: v.BaseIssue<unknown>): Error {
  let path = issue.path ?? [];
  for (const sub of issue.issues ?? []) {
    if (sub.path?.length) [issue, path] = [sub, [...path, ...sub.path]];
  }
  const key = path.length ? path.map((item) => String(item.key)).join(".") : "options";
  const value = path.length ? path[path.length - 1].value : issue.input;
  const text = `Cannot connect as '${key}' ${issue.message}: current value is ${show(value)}`;
  return issue.kind === "schema" ? new TypeError(text) : new RangeError(text);
}

function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(redactUserinfo(value));
  if (typeof value === "function") return "a function";
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

function isAbortSignal(value: unknown): boolean {
  return typeof value === "object" && value !== null &&
    typeof (value as AbortSignal).aborted === "boolean" &&
    typeof (value as AbortSignal).addEventListener === "function";
}
