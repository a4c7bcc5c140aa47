/**
 * Query parameters of a stream connect: `partition`, backfill and Recovery windows, for v2
 * (`backfill_minutes`, `start_time`/`end_time` in ISO 8601) and PowerTrack (`backfillMinutes`,
 * `startTime`/`endTime` as `yyyyMMddHHmm`). Errors are listed in X's invalid-request style.
 *
 * @module
 */
import { MAX_BACKFILL_MINUTES, MAX_RECOVERY_WINDOW_MS } from "../x_limits.ts";
import { parseIsoTime, parsePowertrackTime } from "./ids_and_times.ts";
import type { ParameterError } from "./problems.ts";
import type { V2StreamSpec } from "./stream_catalog.ts";

/** What a connect asks for beyond the live stream. */
export interface StreamParams {
  readonly partition: number | undefined;
  /** Backfill: replay posts published since this time, then go live. */
  readonly backfillFromMs: number | undefined;
  /** Recovery: replay `[fromMs, untilMs]`, then end the body. */
  readonly recovery: { readonly fromMs: number; readonly untilMs: number } | undefined;
}

/** Parsed parameters, or the errors to answer 400 with. */
export type ParamsResult = { readonly params: StreamParams } | {
  readonly errors: ParameterError[];
};

const V2_FIELDS = [
  "tweet.fields",
  "expansions",
  "user.fields",
  "media.fields",
  "place.fields",
  "poll.fields",
];

const bad = (name: string, value: string | null, message: string): ParameterError => ({
  parameters: { [name]: value === null ? [] : [value] },
  message,
});

function wholeNumber(text: string): number | undefined {
  return /^\d{1,9}$/.test(text) ? Number(text) : undefined;
}

/** Checks backfill and Recovery values shared by both products; pushes errors. */
function windows(
  names: { backfill: string; start: string; end: string },
  raw: { backfill: string | null; start: string | null; end: string | null },
  parseTime: (text: string) => number | undefined,
  nowMs: number,
  errors: ParameterError[],
): Pick<StreamParams, "backfillFromMs" | "recovery"> {
  let backfillFromMs: number | undefined;
  if (raw.backfill !== null) {
    const minutes = wholeNumber(raw.backfill);
    if (minutes === undefined || minutes > MAX_BACKFILL_MINUTES) {
      errors.push(
        bad(
          names.backfill,
          raw.backfill,
          `The \`${names.backfill}\` query parameter value [${raw.backfill}] is not between 0 and ${MAX_BACKFILL_MINUTES}`,
        ),
      );
    } else if (minutes > 0) backfillFromMs = nowMs - minutes * 60_000;
  }
  if (raw.start === null && raw.end === null) return { backfillFromMs, recovery: undefined };
  const start = raw.start === null ? undefined : parseTime(raw.start);
  const end = raw.end === null ? nowMs : parseTime(raw.end);
  if (raw.start === null) {
    errors.push(
      bad(
        names.start,
        null,
        `The \`${names.start}\` query parameter is required with \`${names.end}\``,
      ),
    );
  } else if (start === undefined) {
    errors.push(bad(names.start, raw.start, `Invalid \`${names.start}\`: [${raw.start}]`));
  }
  if (end === undefined) {
    errors.push(bad(names.end, raw.end, `Invalid \`${names.end}\`: [${raw.end}]`));
  }
  if (start === undefined || end === undefined) return { backfillFromMs, recovery: undefined };
  if (start < nowMs - MAX_RECOVERY_WINDOW_MS) {
    errors.push(bad(names.start, raw.start, `\`${names.start}\` must be within the last 24 hours`));
  } else if (start >= nowMs) {
    errors.push(bad(names.start, raw.start, `\`${names.start}\` must be in the past`));
  } else if (end <= start) {
    errors.push(bad(names.end, raw.end, `\`${names.end}\` must be after \`${names.start}\``));
  }
  if (raw.backfill !== null) {
    errors.push(
      bad(
        names.backfill,
        raw.backfill,
        `\`${names.backfill}\` cannot be used with \`${names.start}\``,
      ),
    );
  }
  return { backfillFromMs, recovery: { fromMs: start, untilMs: end } };
}

/** Parses a v2 stream connect's query. */
export function parseV2Params(url: URL, spec: V2StreamSpec, nowMs: number): ParamsResult {
  const errors: ParameterError[] = [];
  const q = url.searchParams;
  const allowed = new Set([...V2_FIELDS, "backfill_minutes", "start_time", "end_time"]);
  if (spec.partitions !== undefined) allowed.add("partition");
  for (const name of new Set(q.keys())) {
    if (!allowed.has(name)) {
      errors.push(
        bad(
          name,
          q.get(name),
          `The query parameter [${name}] is not one of [${[...allowed].join(",")}]`,
        ),
      );
    }
  }
  let partition: number | undefined;
  if (spec.partitions !== undefined) {
    const raw = q.get("partition");
    partition = raw === null ? undefined : wholeNumber(raw);
    if (raw === null || raw === "") {
      errors.push(bad("partition", raw, "The `partition` query parameter can not be empty"));
    } else if (partition === undefined || partition < 1 || partition > spec.partitions) {
      errors.push(
        bad(
          "partition",
          raw,
          `The \`partition\` query parameter value [${raw}] is not between 1 and ${spec.partitions}`,
        ),
      );
    }
  }
  const names = { backfill: "backfill_minutes", start: "start_time", end: "end_time" };
  const raw = {
    backfill: q.get("backfill_minutes"),
    start: q.get("start_time"),
    end: q.get("end_time"),
  };
  const w = windows(names, raw, parseIsoTime, nowMs, errors);
  return errors.length > 0 ? { errors } : { params: { partition, ...w } };
}

/** Parses a PowerTrack stream connect's query (unknown parameters are ignored, as Gnip did). */
export function parsePowertrackParams(url: URL, nowMs: number): ParamsResult {
  const errors: ParameterError[] = [];
  const q = url.searchParams;
  const names = { backfill: "backfillMinutes", start: "startTime", end: "endTime" };
  const raw = {
    backfill: q.get("backfillMinutes"),
    start: q.get("startTime"),
    end: q.get("endTime"),
  };
  const w = windows(names, raw, parsePowertrackTime, nowMs, errors);
  return errors.length > 0 ? { errors } : { params: { partition: undefined, ...w } };
}
