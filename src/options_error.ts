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

/** A string with at least one character (paths, URLs, keys), with the message the errors quote. */
export const nonEmptyString = v.pipe(
  v.string("must be a non-empty string"),
  v.minLength(1, "must be a non-empty string"),
);

/** How {@linkcode invalidOption} words its error. */
export interface InvalidOptionWording {
  /** The verb: "Cannot construct BoundedFifo", "Cannot serve collector health". @default {"construct"} */
  readonly action?: string;
  /** How the value given is shown (e.g. a URL with its password redacted). @default {showValue} */
  readonly show?: (value: unknown) => string;
}

/**
 * Shows an option's value in an error message: strings quoted, arrays listed, functions and
 * objects named, the rest as `String` gives them.
 *
 * @example
 * ```ts
 * import { showValue } from "./options_error.ts";
 * console.assert(showValue("x") === '"x"' && showValue([1, 2]) === "[1,2]" && showValue(NaN) === "NaN");
 * ```
 */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "function") return "a function";
  if (Array.isArray(value)) return `[${value.map(String).join(",")}]`;
  if (typeof value === "object" && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

/**
 * Builds the error for an invalid option from a valibot issue, naming the owner, the option (its
 * dotted path, followed into the branch of a union that came closest), the rule and the value
 * given: a `TypeError` for a value of the wrong type (or a malformed URL, as `new URL()` throws),
 * a `RangeError` for a value of the right type out of range (NaN, a number or string outside a
 * union or picklist). `wording` is the verb (a string) or {@linkcode InvalidOptionWording}.
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
  wording: string | InvalidOptionWording = "construct",
): Error {
  const { action = "construct", show = showValue } = typeof wording === "string"
    ? { action: wording }
    : wording;
  // A union reports its own issue; the branch that got furthest (one with a path) says more.
  let path = issue.path ?? [];
  for (const sub of issue.issues ?? []) {
    if (sub.path?.length) [issue, path] = [sub, [...path, ...sub.path]];
  }
  const key = path.length > 0 ? path.map((item) => String(item.key)).join(".") : "options";
  const value = path.length > 0 ? path[path.length - 1].value : issue.input;
  const text = `Cannot ${action} ${owner} as '${key}' ${issue.message}: current value is ${
    show(value)
  }`;
  // NaN fails valibot's number check, but it is a number out of range, not a value of the wrong
  // type; so is a number or string that no branch of a union or picklist allows.
  const rightType = (issue.type === "number" && typeof value === "number") ||
    ((issue.type === "union" || issue.type === "picklist") &&
      (typeof value === "number" || typeof value === "string"));
  const wrongType = (issue.kind === "schema" && !rightType) || issue.type === "url";
  return wrongType ? new TypeError(text) : new RangeError(text);
}
