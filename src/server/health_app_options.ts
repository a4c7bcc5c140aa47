/**
 * Options of {@linkcode createHealthApp}, validated once, when the app is created.
 *
 * @module
 */
import * as v from "valibot";
import type { ClientStatus } from "../client_status.ts";
import type { ExtraMetric } from "./metrics.ts";

/** What {@linkcode createHealthApp} serves from. */
export interface HealthAppOptions {
  /** The client's status, or one per redundant connection (index = `connection` label). Called on
   * every request, so it must be cheap (a `StreamClient`'s `status()` is). */
  readonly status: () => ClientStatus | readonly ClientStatus[];
  /** Extra `/status` fields from higher layers: queue depth/bytes/lag, dedup counts per source,
   * meter figures, output position (file path, bytes written), backfill/recovery counts. Scrubbed
   * of secrets like everything else; a core field wins a name clash. */
  readonly extra?: () => Readonly<Record<string, unknown>>;
  /** Extra numeric figures for `/metrics` (queue depth, ...), written as given. */
  readonly extraMetrics?: () => readonly ExtraMetric[];
  /** The clock, epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** `/readyz` warns (still 200) when the newest post is older than this, in ms. No lag check
   * when absent: on a quiet filtered stream an old newest post is normal. */
  readonly lagAlertMs?: number;
  /** The health+json `serviceId` and `/status` `service`. @default {"holdfast"} */
  readonly serviceName?: string;
}

/** {@linkcode HealthAppOptions} with defaults applied. */
export interface ResolvedHealthAppOptions {
  /** As given. */
  readonly status: () => ClientStatus | readonly ClientStatus[];
  /** As given. */
  readonly extra: (() => Readonly<Record<string, unknown>>) | undefined;
  /** As given. */
  readonly extraMetrics: (() => readonly ExtraMetric[]) | undefined;
  /** As given, or `Date.now`. */
  readonly now: () => number;
  /** As given. */
  readonly lagAlertMs: number | undefined;
  /** As given, or `"holdfast"`. */
  readonly serviceName: string;
}

/** Each option: its schema, what it must be (for the message), and its JavaScript type (a value of
 * the right type but out of range is a `RangeError`, a value of another type a `TypeError`). */
const RULES = {
  status: [v.function(), "a function", "function"],
  extra: [v.optional(v.function()), "a function", "function"],
  extraMetrics: [v.optional(v.function()), "a function", "function"],
  now: [v.optional(v.function()), "a function", "function"],
  lagAlertMs: [
    v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    "a positive integer",
    "number",
  ],
  serviceName: [v.optional(v.pipe(v.string(), v.minLength(1))), "a non-empty string", "string"],
} as const;

/**
 * Validates {@linkcode HealthAppOptions} and applies defaults. Throws a `TypeError` (wrong type)
 * or `RangeError` (out of range) whose message names the option and its value.
 *
 * @example
 * ```ts
 * import { resolveHealthAppOptions } from "./health_app_options.ts";
 * try {
 *   resolveHealthAppOptions({ status: () => [], lagAlertMs: -1 });
 * } catch (error) {
 *   console.assert((error as Error).message ===
 *     "Cannot create health app as 'lagAlertMs' must be a positive integer: current value is -1");
 * }
 * ```
 */
export function resolveHealthAppOptions(options: HealthAppOptions): ResolvedHealthAppOptions {
  if (options === null || typeof options !== "object") {
    throw new TypeError(
      `Cannot create health app as 'options' must be an object: current value is ${
        describe(options)
      }`,
    );
  }
  for (const [key, [schema, must, type]] of Object.entries(RULES)) {
    const value = (options as unknown as Record<string, unknown>)[key];
    if (!v.safeParse(schema, value).success) {
      const actualType: string = typeof value;
      const ErrorClass = actualType === type ? RangeError : TypeError;
      throw new ErrorClass(
        `Cannot create health app as '${key}' must be ${must}: current value is ${describe(value)}`,
      );
    }
  }
  return {
    status: options.status,
    extra: options.extra,
    extraMetrics: options.extraMetrics,
    now: options.now ?? Date.now,
    lagAlertMs: options.lagAlertMs,
    serviceName: options.serviceName ?? "holdfast",
  };
}

function describe(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (value !== null && typeof value === "object") return Object.prototype.toString.call(value);
  return String(value);
}
