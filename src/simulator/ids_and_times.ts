/**
 * X-shaped identifiers and time formats: snowflake post ids, connection UUIDs, the classic
 * `created_at` of PowerTrack activities and PowerTrack's `yyyyMMddHHmm` query times.
 *
 * @module
 */
import type { Random } from "./prng.ts";

/** Twitter's snowflake epoch (2010-11-04T01:42:54.657Z): ids count milliseconds from here. */
const SNOWFLAKE_EPOCH_MS = 1_288_834_974_657;
/** The low 22 bits of a snowflake hold the worker and sequence numbers. */
const SEQUENCE_BITS = 22n;
const SEQUENCE_MASK = 0x3f_ffff;

/**
 * A snowflake-like id: the time in the high bits, a sequence number in the low 22 bits, so ids
 * increase with time and within a millisecond.
 */
export function snowflakeId(atMs: number, sequence: number): string {
  const ms = BigInt(Math.max(0, Math.floor(atMs) - SNOWFLAKE_EPOCH_MS));
  return ((ms << SEQUENCE_BITS) | BigInt(sequence & SEQUENCE_MASK)).toString();
}

/** A version-4-shaped UUID drawn from a seeded source (so connection ids reproduce). */
export function seededUuid(random: Random): string {
  let hex = "";
  for (let i = 0; i < 32; i++) hex += Math.floor(random() * 16).toString(16);
  const variant = (8 + Math.floor(random() * 4)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${
    hex.slice(17, 20)
  }-${hex.slice(20, 32)}`;
}

/** ISO 8601 with milliseconds, as v2 `created_at`: `2024-05-01T12:00:00.000Z`. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** ISO 8601 without milliseconds, as `/2/connections` shows times: `2024-05-01T12:00:00Z`. */
export function isoSeconds(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The classic (v1.1 / PowerTrack) `created_at`: `Wed Oct 10 20:19:24 +0000 2018`. */
export function classicTime(ms: number): string {
  const d = new Date(ms);
  const two = (n: number) => String(n).padStart(2, "0");
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${
    two(d.getUTCHours())
  }:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000 ${d.getUTCFullYear()}`;
}

/** PowerTrack's `yyyyMMddHHmm` (UTC) for `startTime`/`endTime`. */
export function powertrackTime(ms: number): string {
  return new Date(ms).toISOString().replace(/[-T:]/g, "").slice(0, 12);
}

/** Parses PowerTrack's `yyyyMMddHHmm` (UTC); `undefined` when malformed. */
export function parsePowertrackTime(text: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  return powertrackTime(ms) === text ? ms : undefined;
}

/** Parses an ISO 8601 time as v2 accepts it (`YYYY-MM-DDTHH:mm:ssZ`, ms optional). */
export function parseIsoTime(text: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}
