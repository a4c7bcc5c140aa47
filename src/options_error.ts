/**
 * One way to say "this option is wrong" across holdfast: the std-style construction error built
 * from a valibot issue, and the schemas most options share.
 *
 * @module
 */
import * as v from "valibot";

/** A positive integer (counts, sizes, milliseconds), with the message the errors quote. */
export const positiveInteger = v.pipe(
  v.number("must be a positive integer"),
  v.integer("must be a positive integer"),
  v.minValue(1, "must be a positive integer"),
);

/**
 * Builds the error for an invalid option from a valibot issue, naming the owner, the option (its
 * dotted path), the rule and the value given: a `TypeError` for a value of the wrong type (or a
 * malformed URL, as `new URL()` throws), a `RangeError` for a value out of range (NaN included).
 * `action` is the verb: "Cannot construct BoundedFifo", "Cannot serve collector health".
 *
 * @example
 * ```ts
 * import * as v from "valibot";
 * import { invalidOption, positiveInteger } from "./options_error.ts";
 * const result = v.safeParse(v.object({ maxItems: positiveInteger }), { maxItems: -1 });
 * const error = result.success ? undefined : invalidOption("BoundedFifo", result.issues[0]);
 * console.assert(error instanceof RangeError);
 * console.assert(
 *   error?.message ===
 *     "Cannot construct BoundedFifo as 'maxItems' must be a positive integer: current value is -1",
 * );
 * ```
 */
export function invalidOption(
  owner: string,
  issue: v.BaseIssue<unknown>,
  action = "construct",
): Error {
  const value = issue.input;
  const shown = typeof value === "string"
    ? JSON.stringify(value)
    : typeof value === "function"
    ? "a function"
    : Array.isArray(value)
    ? "an array"
    : String(value);
  const text = `Cannot ${action} ${owner} as '${
    v.getDotPath(issue) ?? "options"
  }' ${issue.message}: current value is ${shown}`;
  // NaN fails valibot's number check, but it is a number out of range, not a value of the wrong type.
  const wrongType =
    (issue.kind === "schema" && !(issue.type === "number" && typeof value === "number")) ||
    issue.type === "url";
  return wrongType ? new TypeError(text) : new RangeError(text);
}
