/**
 * Stream endpoints: where a stream lives, which product it belongs to, and the names of its
 * backfill and recovery query parameters (v2 and PowerTrack spell them differently).
 *
 * @module
 */

/** A stream to connect to, with the product-specific names the recovery layer needs. */
export interface StreamEndpoint {
  /** The full stream URL, query included. */
  readonly url: string;
  /** `"v2"` (X API v2, bearer token) or `"powertrack"` (Enterprise, HTTP Basic). */
  readonly product: "v2" | "powertrack";
  /** The query parameter that asks for up to 5 minutes of replay on reconnect. */
  readonly backfillParam: "backfill_minutes" | "backfillMinutes";
  /** The query parameters of a Recovery stream (a `start`..`end` window that ends on EOF). */
  readonly recoveryParams: {
    readonly start: "start_time" | "startTime";
    readonly end: "end_time" | "endTime";
  };
}

/** The v2 streams holdfast knows. */
export type V2StreamKind =
  | "filtered"
  | "sample"
  | "sample10"
  | "firehose"
  | "tweets-compliance"
  | "users-compliance";

/** Options of {@linkcode v2Stream}. */
export interface V2StreamOptions {
  /** API origin. @default {"https://api.x.com"} */
  baseUrl?: string;
  /** Partition (1-based). Required by `sample10` (1..2), `firehose` (1..20) and the compliance
   * streams; refused by `filtered` and `sample`. @default {undefined} */
  partition?: number;
  /** Extra query parameters, e.g. `{ "tweet.fields": "created_at" }`. @default {{}} */
  params?: Record<string, string>;
}

/** Options of {@linkcode powertrackStream}. */
export interface PowertrackStreamOptions {
  /** The Enterprise account name. */
  account: string;
  /** The stream label, e.g. `"prod"`. */
  label: string;
  /** Stream origin. @default {"https://gnip-stream.x.com"} */
  baseUrl?: string;
}

const V2_PATHS: Readonly<Record<V2StreamKind, { path: string; maxPartition?: number }>> = {
  "filtered": { path: "/2/tweets/search/stream" },
  "sample": { path: "/2/tweets/sample/stream" },
  "sample10": { path: "/2/tweets/sample10/stream", maxPartition: 2 },
  "firehose": { path: "/2/tweets/firehose/stream", maxPartition: 20 },
  "tweets-compliance": { path: "/2/tweets/compliance/stream", maxPartition: Infinity },
  "users-compliance": { path: "/2/users/compliance/stream", maxPartition: Infinity },
};

const V2_NAMES = {
  product: "v2",
  backfillParam: "backfill_minutes",
  recoveryParams: { start: "start_time", end: "end_time" },
} as const;

const POWERTRACK_NAMES = {
  product: "powertrack",
  backfillParam: "backfillMinutes",
  recoveryParams: { start: "startTime", end: "endTime" },
} as const;

/**
 * Describes an X API v2 stream.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { v2Stream } from "./endpoints.ts";
 * const firehose = v2Stream("firehose", { partition: 3, params: { "tweet.fields": "created_at" } });
 * assert.ok(
 *   firehose.url === "https://api.x.com/2/tweets/firehose/stream?partition=3&tweet.fields=created_at",
 * );
 * assert.ok(firehose.backfillParam === "backfill_minutes");
 * ```
 */
export function v2Stream(kind: V2StreamKind, options: V2StreamOptions = {}): StreamEndpoint {
  const spec = Object.hasOwn(V2_PATHS, kind) ? V2_PATHS[kind] : undefined;
  if (spec === undefined) {
    throw new TypeError(
      `Cannot create v2Stream as 'kind' must be one of ${
        Object.keys(V2_PATHS).join(", ")
      }: current value is ${JSON.stringify(kind)}`,
    );
  }
  const { partition } = options;
  if (spec.maxPartition === undefined) {
    if (partition !== undefined) {
      throw new TypeError(
        `Cannot create v2Stream as 'partition' is not accepted by the '${kind}' stream: current value is ${partition}`,
      );
    }
  } else {
    if (partition === undefined) {
      throw new TypeError(
        `Cannot create v2Stream as 'partition' is required by the '${kind}' stream: current value is undefined`,
      );
    }
    if (!Number.isInteger(partition) || partition < 1 || partition > spec.maxPartition) {
      const range = spec.maxPartition === Infinity
        ? "a positive integer"
        : `an integer from 1 to ${spec.maxPartition}`;
      throw new RangeError(
        `Cannot create v2Stream as 'partition' must be ${range} for the '${kind}' stream: current value is ${partition}`,
      );
    }
  }
  const url = parseBase("v2Stream", options.baseUrl ?? "https://api.x.com", spec.path);
  if (partition !== undefined) url.searchParams.set("partition", String(partition));
  for (const [name, value] of Object.entries(options.params ?? {})) {
    url.searchParams.set(name, value);
  }
  return { url: url.href, ...V2_NAMES };
}

/**
 * Describes an Enterprise PowerTrack stream (HTTP Basic auth).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { powertrackStream } from "./endpoints.ts";
 * const pt = powertrackStream({ account: "acme", label: "prod" });
 * assert.ok(
 *   pt.url === "https://gnip-stream.x.com/stream/powertrack/accounts/acme/publishers/twitter/prod.json",
 * );
 * assert.ok(pt.recoveryParams.start === "startTime");
 * ```
 */
export function powertrackStream(options: PowertrackStreamOptions): StreamEndpoint {
  for (const key of ["account", "label"] as const) {
    const value: unknown = options?.[key];
    if (typeof value !== "string" || value === "") {
      throw new TypeError(
        `Cannot create powertrackStream as '${key}' must be a non-empty string: current value is ${
          JSON.stringify(value)
        }`,
      );
    }
  }
  const path = `/stream/powertrack/accounts/${encodeURIComponent(options.account)}` +
    `/publishers/twitter/${encodeURIComponent(options.label)}.json`;
  const url = parseBase("powertrackStream", options.baseUrl ?? "https://gnip-stream.x.com", path);
  return { url: url.href, ...POWERTRACK_NAMES };
}

/**
 * Describes the stream at an arbitrary URL: PowerTrack when its path contains `/stream/powertrack/`,
 * v2 otherwise. Throws a `TypeError` naming the value when it is not an absolute URL.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointFromUrl } from "./endpoints.ts";
 * const e = endpointFromUrl("https://gnip-stream.x.com/stream/powertrack/accounts/a/publishers/twitter/b.json");
 * assert.ok(e.product === "powertrack" && e.backfillParam === "backfillMinutes");
 * assert.ok(endpointFromUrl("http://127.0.0.1:8080/2/tweets/search/stream").product === "v2");
 * ```
 */
export function endpointFromUrl(url: string | URL): StreamEndpoint {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new TypeError(
      `Cannot create endpointFromUrl as 'url' must be an absolute URL: current value is ${
        JSON.stringify(String(url))
      }`,
    );
  }
  const names = parsed.pathname.includes("/stream/powertrack/") ? POWERTRACK_NAMES : V2_NAMES;
  return { url: parsed.href, ...names };
}

function parseBase(caller: string, baseUrl: string, path: string): URL {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(
      `Cannot create ${caller} as 'baseUrl' must be an absolute URL: current value is ${
        JSON.stringify(baseUrl)
      }`,
    );
  }
  // Keep any path prefix of the base (a proxy or the simulator mounted under a folder).
  base.pathname = base.pathname.replace(/\/+$/, "") + path;
  base.search = "";
  base.hash = "";
  return base;
}
