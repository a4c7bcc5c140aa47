/**
 * Validation of faults arriving as JSON (control API, scenario files), with messages that name
 * the field: `steps[2].status must be an integer from 400 to 599 (got 700)`.
 *
 * @module
 */
import * as v from "valibot";
import { DISCONNECT_TYPES, type Fault, FAULT_KINDS } from "./faults.ts";
import { ENDPOINT_NAMES } from "./stream_catalog.ts";

const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  v.pipe(
    v.number(`must be a number`),
    v.integer(`must be an integer`),
    v.minValue(
      min,
      max === Number.MAX_SAFE_INTEGER
        ? `must be at least ${min}`
        : `must be an integer from ${min} to ${max}`,
    ),
    v.maxValue(max, `must be an integer from ${min} to ${max}`),
  );
const endpoint = v.optional(
  v.picklist(ENDPOINT_NAMES, `must be one of ${ENDPOINT_NAMES.join(", ")}`),
);
const target = { endpoint, connectionId: v.optional(v.string("must be a string")) };
const onConnect = { endpoint, expiresInMs: v.optional(int(1)) };
const strict = <T extends v.ObjectEntries>(entries: T) =>
  v.strictObject(entries, "is not a known field for this fault");

const FaultSchema = v.variant("kind", [
  strict({
    kind: v.literal("operational-disconnect"),
    disconnectType: v.optional(
      v.picklist(DISCONNECT_TYPES, `must be one of ${DISCONNECT_TYPES.join(", ")}`),
    ),
    ...target,
  }),
  strict({ kind: v.literal("eof"), ...target }),
  strict({ kind: v.literal("stall"), durationMs: v.optional(int(1)), ...target }),
  strict({ kind: v.literal("reset"), ...target }),
  strict({ kind: v.literal("full-buffer"), ...target }),
  strict({ kind: v.literal("maintenance"), ...target }),
  strict({ kind: v.literal("too-many-connections"), ...target }),
  strict({
    kind: v.literal("usage-cap"),
    period: v.optional(v.picklist(["Daily", "Monthly"], "must be Daily or Monthly")),
    durationMs: v.optional(int(1)),
  }),
  strict({
    kind: v.literal("http-status"),
    status: int(400, 599),
    count: v.optional(int(1)),
    ...onConnect,
  }),
  strict({
    kind: v.literal("auth-failure"),
    status: v.optional(v.picklist([401, 403], "must be 401 or 403")),
    count: v.optional(int(1)),
    ...onConnect,
  }),
  strict({ kind: v.literal("rate-limit"), resetInMs: v.optional(int(1)), ...onConnect }),
  strict({
    kind: v.literal("flap"),
    count: v.optional(int(1)),
    afterMs: v.optional(int(0)),
    ...onConnect,
  }),
  strict({ kind: v.literal("clear") }),
], `must be one of ${FAULT_KINDS.join(", ")}`);

/** A validation failure: where, and what is wrong. */
export interface FieldProblem {
  /** The field path, e.g. `steps[2].status`. */
  readonly path: string;
  /** What is wrong, ending with the value received. */
  readonly message: string;
}

/** Validates a fault object; `prefix` is put before field paths (`steps[2]`). */
export function checkFault(
  input: unknown,
  prefix = "",
  rename: Record<string, string> = {},
): { fault: Fault } | { problems: FieldProblem[] } {
  const result = v.safeParse(FaultSchema, input);
  if (result.success) return { fault: result.output as Fault };
  return { problems: result.issues.map((issue) => toProblem(issue, prefix, rename)) };
}

/** Turns a valibot issue into a field problem with a readable path. */
export function toProblem(
  issue: v.BaseIssue<unknown>,
  prefix: string,
  rename: Record<string, string> = {},
): FieldProblem {
  let path = prefix;
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === "number") path += `[${key}]`;
    else {
      const name = rename[String(key)] ?? String(key);
      path += path === "" ? name : `.${name}`;
    }
  }
  const objectIssue = issue.type === "strict_object" || issue.type === "object" ||
    issue.type === "loose_object";
  if (objectIssue && issue.expected === "never") {
    return { path: path || "(root)", message: issue.message };
  }
  if (objectIssue && issue.received === "undefined") {
    return { path: path || "(root)", message: "is required (missing)" };
  }
  const got = issue.input === undefined ? "missing" : `got ${JSON.stringify(issue.input)}`;
  return { path: path || "(root)", message: `${issue.message} (${got})` };
}

/** `a.b must be x (got y); c ...`: problems as one sentence. */
export function describeProblems(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `${p.path} ${p.message}`).join("; ");
}
