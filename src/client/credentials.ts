/**
 * Credentials: the `Authorization` header from `auth` (or from a URL's userinfo), and the URL as
 * it may be shown (events, status, errors) without them.
 *
 * @module
 */

/**
 * The URL as shown in events and status: no credentials, and the values of query parameters
 * that look secret (`token`, `secret`, `password`, `signature`, `key`) replaced by `***`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { displayUrl } from "./credentials.ts";
 * assert.ok(displayUrl(new URL("https://u:p@h.example/s?access_token=x&a=1")) ===
 *   "https://h.example/s?access_token=***&a=1");
 * ```
 */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  shown.username = "";
  shown.password = "";
  for (const name of [...new Set(shown.searchParams.keys())]) {
    if (SECRET_PARAM.test(name)) shown.searchParams.set(name, "***");
  }
  return shown.href;
}

const SECRET_PARAM = /token|secret|password|signature|(?:^|_)key$/i;

/**
 * The `Authorization` header value for `auth` (`undefined` when there is none). Throws a
 * `TypeError` naming the field, never its value, when the credentials are missing or malformed.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { resolveAuth } from "./credentials.ts";
 * assert.equal(resolveAuth({ bearer: "t0ken" }), "Bearer t0ken");
 * assert.throws(() => resolveAuth({ bearer: "" }), /'auth.bearer' must be a non-empty string/);
 * ```
 */
export function resolveAuth(auth: unknown): string | undefined {
  if (auth === undefined) return undefined;
  const shape = "must be { bearer: string } or { basic: { username, password } }";
  if (typeof auth !== "object" || auth === null) {
    throw new TypeError(`Cannot connect as 'auth' ${shape}`);
  }
  const a = auth as Record<string, unknown>;
  if ("bearer" in a) {
    if (typeof a.bearer !== "string" || a.bearer.trim() === "") {
      throw new TypeError(
        `Cannot connect as 'auth.bearer' must be a non-empty string: the token is ${
          a.bearer === undefined ? "missing (undefined)" : "empty or not a string"
        }`,
      );
    }
    return `Bearer ${a.bearer}`;
  }
  if ("basic" in a) {
    const b = a.basic as Record<string, unknown> | null | undefined;
    if (typeof b !== "object" || b === null) {
      throw new TypeError("Cannot connect as 'auth.basic' must be { username, password }");
    }
    if (typeof b.username !== "string" || b.username === "" || b.username.includes(":")) {
      throw new TypeError(
        "Cannot connect as 'auth.basic.username' must be a non-empty string without ':'",
      );
    }
    if (typeof b.password !== "string" || b.password === "") {
      throw new TypeError(
        "Cannot connect as 'auth.basic.password' must be a non-empty string: the password is missing",
      );
    }
    return basicHeader(b.username, b.password);
  }
  throw new TypeError(`Cannot connect as 'auth' ${shape}: it holds neither`);
}

/**
 * `Basic base64(utf8(user:pass))`: `btoa` takes Latin-1, so it is fed the UTF-8 bytes.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { basicHeader } from "./credentials.ts";
 * assert.equal(basicHeader("ann", "pässword"), "Basic YW5uOnDDpHNzd29yZA==");
 * ```
 */
export function basicHeader(username: string, password: string): string {
  const bytes = new TextEncoder().encode(`${username}:${password}`);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `Basic ${btoa(binary)}`;
}

/**
 * Masks the userinfo of a URL-like string, for error messages.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { redactUserinfo } from "./credentials.ts";
 * assert.equal(redactUserinfo("https://ann:pw@h.example/s"), "https://***@h.example/s");
 * ```
 */
export function redactUserinfo(text: string): string {
  return text.replace(/\/\/[^/@\s]*@/, "//***@");
}
