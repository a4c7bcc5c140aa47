/**
 * Keeps credentials out of everything the health server shows: URL userinfo, secret-looking query
 * parameters, `Authorization`/cookie headers, `Bearer`/`Basic` values inside free text, and
 * secret-looking keys in the extra fields that higher layers hand in.
 *
 * @module
 */

/** What replaces a secret. */
export const REDACTED = "[redacted]";

/** Names (of query parameters, object keys, `name=value` pairs) whose values are treated as secrets. */
const SECRET_NAME =
  /passw|pwd|secret|token|bearer|cookie|credential|api[-_.]?key|private[-_.]?key|access[-_.]?key|signature|session|^auth|[-_.]auth|authori[sz]ation|^key$|^sig$/i;
/** Headers never shown, whatever their value. */
const SECRET_HEADER =
  /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|x-auth-token|x-access-token|x-csrf-token)$/i;

/** True when a name (query parameter, object key, header) looks like it carries a secret. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) || SECRET_HEADER.test(name);
}

/**
 * Removes credentials from a URL: userinfo, the fragment, and the values of query parameters whose
 * names look secret (`access_token`, `api_key`, `password`, ...). A string that does not parse as a
 * URL goes through {@linkcode scrubText}.
 *
 * @example
 * ```ts
 * import { scrubUrl } from "./redact.ts";
 * const url = scrubUrl("https://me:hunter2@api.x.com/2/tweets/search/stream?access_token=abc&x=1");
 * console.assert(url === "https://api.x.com/2/tweets/search/stream?access_token=%5Bredacted%5D&x=1");
 * ```
 */
export function scrubUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return scrubText(url);
  }
  parsed.username = "";
  parsed.password = "";
  parsed.hash = "";
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (isSecretName(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.href;
}

const TEXT_RULES: ReadonlyArray<readonly [RegExp, string]> = [
  // A whole header line (`Authorization: Bearer x`, `Cookie: a=b; c=d`): drop everything after it.
  [
    /\b(authorization|proxy-authorization|set-cookie|cookie|x-api-key)(\s*[:=]\s*)[^\r\n]*/gi,
    `$1$2${REDACTED}`,
  ],
  // Bearer credentials (token68, RFC 7235), but not a challenge's `realm=...` auth-param.
  [/\b(bearer)(\s+)[A-Za-z0-9\-._~+/%]+(?:=+(?!\w|"\w)|(?![=\w\-.~+/%]))/gi, `$1$2${REDACTED}`],
  // Basic/Digest credentials (base64 and the like), but not a plain word ("Basic authentication").
  // (Case-sensitive on purpose: with the `i` flag the look-ahead would also skip all-letter base64.)
  [
    /\b([Bb]asic|BASIC|[Dd]igest|DIGEST)(\s+)(?![A-Za-z][a-z]*\b)[A-Za-z0-9\-._~+/%]+=*/g,
    `$1$2${REDACTED}`,
  ],
  // Userinfo in any URL inside the text.
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^/?#\s@]*@/gi, `$1${REDACTED}@`],
  // JSON-ish `"password": "x"` inside a body.
  [
    /("[^"\\]*(?:passw|pwd|secret|token|cookie|credential|api[-_]?key|authori[sz]ation)[^"\\]*"\s*:\s*)"(?:[^"\\]|\\.)*"/gi,
    `$1"${REDACTED}"`,
  ],
  // `name=value` pairs in query strings and OAuth 1.0a headers (`oauth_signature="..."`).
  [
    /\b([\w.-]*(?:passw|pwd|secret|token|credential|api[-_.]?key|access[-_.]?key|signature|auth)[\w.-]*=)("?)[^&\s"',;]*/gi,
    `$1$2${REDACTED}`,
  ],
];

/**
 * Removes credentials from free text (error messages, response bodies, stop reasons): header lines
 * such as `Authorization: ...`, `Bearer`/`Basic`/`Digest` credentials, URL userinfo, JSON members
 * and `name=value` pairs with secret-looking names.
 *
 * @example
 * ```ts
 * import { scrubText } from "./redact.ts";
 * console.assert(scrubText("401 for Bearer AAAA1234") === "401 for Bearer [redacted]");
 * ```
 */
export function scrubText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of TEXT_RULES) out = out.replace(pattern, replacement);
  return out;
}

/** Turns `Headers` (or a plain record of them) into a plain object without secret headers. */
export function safeHeaders(headers: unknown): Record<string, string> {
  const entries: Array<[string, string]> = [];
  const add = (name: string, value: unknown): void => {
    // WWW-Authenticate is the server's challenge, not a credential: it says why a 401 happened.
    if (!isSecretName(name) || /^www-authenticate$/i.test(name)) {
      entries.push([name.toLowerCase(), scrubText(String(value))]);
    }
  };
  if (typeof Headers !== "undefined" && headers instanceof Headers) {
    headers.forEach((value, name) => add(name, value));
  } else if (headers !== null && typeof headers === "object") {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  return Object.fromEntries(entries);
}

/** An error's message (and up to three nested causes' messages), scrubbed; other values as text. */
export function errorMessage(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error) {
      parts.push(current.message || current.name);
      current = current.cause;
    } else {
      parts.push(typeof current === "string" ? current : safeString(current));
      break;
    }
  }
  return scrubText(parts.join(" (cause: ") + ")".repeat(Math.max(0, parts.length - 1)));
}

const MAX_DEPTH = 8;

/**
 * Turns any value into plain JSON data with no credentials: strings scrubbed, `Headers` without
 * secret headers, errors as `{ name, message }`, dates as ISO strings, `bigint` as strings, `Map`
 * as objects, `Set` as arrays, byte arrays as their size, cycles and depth past 8 as markers, and
 * the values of secret-looking keys (other than numbers and booleans) replaced by `"[redacted]"`.
 */
export function toSafeJson(
  value: unknown,
  depth = 0,
  seen: WeakSet<object> = new WeakSet(),
): unknown {
  switch (typeof value) {
    case "string":
      return scrubText(value);
    case "number":
      return Number.isFinite(value) ? value : null;
    case "boolean":
      return value;
    case "bigint":
      return value.toString();
    case "undefined":
    case "function":
    case "symbol":
      return undefined;
  }
  if (value === null) return null;
  const object = value as object;
  if (seen.has(object)) return "[circular]";
  if (depth >= MAX_DEPTH) return "[depth limit]";
  if (object instanceof Date) {
    return Number.isFinite(object.getTime()) ? object.toISOString() : null;
  }
  if (object instanceof URL) return scrubUrl(object.href);
  if (typeof Headers !== "undefined" && object instanceof Headers) return safeHeaders(object);
  if (ArrayBuffer.isView(object)) return `[${object.constructor.name} ${object.byteLength} bytes]`;
  if (object instanceof Error) return { name: object.name, message: errorMessage(object) };
  seen.add(object);
  try {
    if (Array.isArray(object) || object instanceof Set) {
      return [...object].map((item) => toSafeJson(item, depth + 1, seen) ?? null);
    }
    const entries = object instanceof Map
      ? [...object].map(([k, v]) => [String(k), v] as const)
      : Object.entries(object);
    const out: Array<[string, unknown]> = [];
    for (const [key, item] of entries) {
      const secret = isSecretName(key) && item !== null && typeof item !== "number" &&
        typeof item !== "boolean" && item !== undefined;
      const safe = secret ? REDACTED : toSafeJson(item, depth + 1, seen);
      if (safe !== undefined) out.push([key, safe]);
    }
    return Object.fromEntries(out);
  } finally {
    seen.delete(object);
  }
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
