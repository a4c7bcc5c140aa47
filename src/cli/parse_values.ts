/**
 * Parsers for the CLI's flag values: each returns the value or throws a {@linkcode UsageError}
 * that names the flag, what it accepts, and what was given. Pure functions.
 *
 * @module
 */
import type { BackfillSetting } from "../collector/collector_types.ts";
import type { MeterCap } from "../meter/post_meter.ts";
import { MAX_BACKFILL_MINUTES } from "../x_limits.ts";
import { shown, UsageError } from "./usage_error.ts";

/**
 * Reads an integer from `min` to `max` (inclusive).
 *
 * @example
 * ```ts
 * import { parseInteger } from "./parse_values.ts";
 * console.assert(parseInteger("--port", "8080", 0, 65_535) === 8080);
 * ```
 */
export function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = /^-?\d+$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER
      ? `an integer >= ${min}`
      : `an integer from ${min} to ${max}`;
    throw new UsageError(flag, `must be ${range}: got ${shown(text)}`);
  }
  return value;
}

/** Bytes per unit of {@linkcode parseSize} (binary multiples, as `ls -h` and `du -h` show). */
const SIZE_UNITS: Readonly<Record<string, number>> = {
  "": 1,
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
};

/**
 * Reads a size in bytes: a number with an optional unit, `KB`, `MB` or `GB` being 1024, 1024²
 * and 1024³ bytes (also `K`/`KiB`, ...; any case). Decimals are allowed and rounded down to a
 * whole byte, which must be at least 1.
 *
 * @example
 * ```ts
 * import { parseSize } from "./parse_values.ts";
 * console.assert(parseSize("--rotate-size", "65536") === 65_536);
 * console.assert(parseSize("--rotate-size", "512KB") === 524_288);
 * console.assert(parseSize("--rotate-size", "1.5GiB") === 1_610_612_736);
 * ```
 */
export function parseSize(flag: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = match === null ? undefined : SIZE_UNITS[match[2].toLowerCase()];
  const bytes = match === null || unit === undefined ? NaN : Math.floor(Number(match[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) {
    throw new UsageError(
      flag,
      `must be a size of at least 1 byte, in bytes or with a unit (65536, 512KB, 64MB, 1GB): got ${
        shown(text)
      }`,
    );
  }
  return bytes;
}

/**
 * Reads a number >= `min` (decimals allowed).
 *
 * @example
 * ```ts
 * import { parseNumber } from "./parse_values.ts";
 * console.assert(parseNumber("--rate", "2.5", 0) === 2.5);
 * ```
 */
export function parseNumber(flag: string, text: string, min: number): number {
  const value = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (!Number.isFinite(value) || value < min) {
    throw new UsageError(flag, `must be a number >= ${min}: got ${shown(text)}`);
  }
  return value;
}

/**
 * Reads one of `choices`.
 *
 * @example
 * ```ts
 * import { parseChoice } from "./parse_values.ts";
 * console.assert(parseChoice("--log-format", "json", ["text", "json"] as const) === "json");
 * ```
 */
export function parseChoice<T extends string>(
  flag: string,
  text: string,
  choices: readonly T[],
): T {
  if (!(choices as readonly string[]).includes(text)) {
    throw new UsageError(flag, `must be one of ${choices.join(", ")}: got ${shown(text)}`);
  }
  return text as T;
}

/** The highest partition X serves (the firehose's 20). */
export const MAX_PARTITION = 20;

/**
 * Reads partitions as ranges and lists (`1-4`, `1,3`, `1-2,7`): distinct, ascending.
 *
 * @example
 * ```ts
 * import { parsePartitions } from "./parse_values.ts";
 * console.assert(parsePartitions("--partitions", "1-4").join() === "1,2,3,4");
 * console.assert(parsePartitions("--partitions", "3,1,3").join() === "1,3");
 * ```
 */
export function parsePartitions(flag: string, text: string): number[] {
  const fail = (): never => {
    throw new UsageError(
      flag,
      `must be partitions from 1 to ${MAX_PARTITION} as a range or a list (1-4, 1,3, 1-2,7): got ${
        shown(text)
      }`,
    );
  };
  const found = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) fail();
    const low = Number(match![1]);
    const high = match![2] === undefined ? low : Number(match![2]);
    if (low < 1 || high > MAX_PARTITION || low > high) fail();
    for (let p = low; p <= high; p++) found.add(p);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * Reads `--backfill`: `auto`, `off`, or minutes from 1 to 5.
 *
 * @example
 * ```ts
 * import { parseBackfill } from "./parse_values.ts";
 * console.assert(parseBackfill("--backfill", "auto") === "auto");
 * console.assert(parseBackfill("--backfill", "0") === "off");
 * console.assert(parseBackfill("--backfill", "3") === 3);
 * ```
 */
export function parseBackfill(flag: string, text: string): BackfillSetting {
  if (text === "auto" || text === "off") return text;
  if (/^\d+$/.test(text)) {
    const minutes = Number(text);
    if (minutes === 0) return "off";
    if (minutes <= MAX_BACKFILL_MINUTES) return minutes;
  }
  throw new UsageError(
    flag,
    `must be auto, off, or minutes from 1 to ${MAX_BACKFILL_MINUTES}: got ${shown(text)}`,
  );
}

/**
 * Reads an on/off switch (`on`, `off`, also `true`/`false`, `yes`/`no`, `1`/`0`).
 *
 * @example
 * ```ts
 * import { parseSwitch } from "./parse_values.ts";
 * console.assert(parseSwitch("--recovery", "off") === false);
 * ```
 */
export function parseSwitch(flag: string, text: string): boolean {
  if (["on", "true", "yes", "1"].includes(text)) return true;
  if (["off", "false", "no", "0"].includes(text)) return false;
  throw new UsageError(flag, `must be on or off: got ${shown(text)}`);
}

/**
 * Reads a post cap `N/daily` or `N/monthly` (`N` may use `k`/`m` suffixes: `10m/monthly`).
 *
 * @example
 * ```ts
 * import { parseCap } from "./parse_values.ts";
 * const cap = parseCap("--cap", "10m/monthly");
 * console.assert(cap.limit === 10_000_000 && cap.period === "monthly");
 * ```
 */
export function parseCap(flag: string, text: string): MeterCap {
  const match = /^(\d+)([km]?)\/(daily|monthly)$/i.exec(text.trim());
  const limit = match
    ? Number(match[1]) * ({ "": 1, k: 1_000, m: 1_000_000 }[match[2].toLowerCase()] ?? 1)
    : NaN;
  if (!match || !Number.isSafeInteger(limit) || limit < 1) {
    throw new UsageError(
      flag,
      `must be a post cap N/daily or N/monthly (10000/daily, 10m/monthly): got ${shown(text)}`,
    );
  }
  return { limit, period: match[3].toLowerCase() as MeterCap["period"] };
}

/**
 * Reads an absolute URL whose scheme is one of `protocols` (default http and https).
 *
 * @example
 * ```ts
 * import { parseUrl } from "./parse_values.ts";
 * console.assert(parseUrl("--url", "https://api.x.com/2/tweets/search/stream").host === "api.x.com");
 * ```
 */
export function parseUrl(
  flag: string,
  text: string,
  protocols: readonly string[] = ["http:", "https:"],
): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || !protocols.includes(url.protocol)) {
    const schemes = protocols.map((p) => p.replace(":", "")).join(" or ");
    // The value is not echoed when it parses: it may carry credentials.
    throw new UsageError(
      flag,
      `must be an absolute ${schemes} URL: got ${url ? `a ${url.protocol} URL` : shown(text)}`,
    );
  }
  return url;
}

/**
 * Reads HTTP Basic credentials `user:pass` (the password may contain `:`). The value is never
 * echoed in the message.
 *
 * @example
 * ```ts
 * import { parseBasic } from "./parse_values.ts";
 * const { username, password } = parseBasic("--basic", "alice:s:ecret");
 * console.assert(username === "alice" && password === "s:ecret");
 * ```
 */
export function parseBasic(flag: string, text: string): { username: string; password: string } {
  const colon = text.indexOf(":");
  if (colon < 1 || colon === text.length - 1) {
    throw new UsageError(flag, "must be user:pass (a non-empty user and password)");
  }
  return { username: text.slice(0, colon), password: text.slice(colon + 1) };
}

/**
 * Reads a query parameter `KEY=VALUE`.
 *
 * @example
 * ```ts
 * import { parseParam } from "./parse_values.ts";
 * console.assert(parseParam("--param", "tweet.fields=lang,created_at")[1] === "lang,created_at");
 * ```
 */
export function parseParam(flag: string, text: string): [string, string] {
  const eq = text.indexOf("=");
  if (eq < 1) throw new UsageError(flag, `must be KEY=VALUE: got ${shown(text)}`);
  return [text.slice(0, eq), text.slice(eq + 1)];
}
