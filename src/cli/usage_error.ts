/**
 * The error every CLI parser throws for a bad command line: the CLI prints its message and exits
 * with status 2 (the convention of getopt-style tools).
 *
 * @module
 */

/** The exit status of a usage error. */
export const USAGE_EXIT_CODE = 2;

/**
 * A bad command line. `flag` names the offending flag (`"--stall-timeout"`) or argument, and the
 * message says what it accepts and what was given.
 *
 * @example
 * ```ts
 * import { UsageError } from "./usage_error.ts";
 * const error = new UsageError("--port", "must be an integer from 0 to 65535: got \"x\"");
 * console.assert(error.message === "--port must be an integer from 0 to 65535: got \"x\"");
 * console.assert(error.exitCode === 2);
 * ```
 */
export class UsageError extends Error {
  /** The flag (or argument) at fault, if any. */
  readonly flag: string | undefined;
  /** Always {@linkcode USAGE_EXIT_CODE}. */
  readonly exitCode: number = USAGE_EXIT_CODE;

  /** `flag` is prefixed to `problem` to make the message; without a flag, `problem` is used alone. */
  constructor(flag: string | undefined, problem: string) {
    super(flag === undefined ? problem : `${flag} ${problem}`);
    this.name = "UsageError";
    this.flag = flag;
  }
}

/**
 * A given value as the messages show it: quoted and escaped.
 *
 * @example
 * ```ts
 * import { shown } from "./usage_error.ts";
 * console.assert(shown("5x") === '"5x"');
 * ```
 */
export function shown(value: string): string {
  return JSON.stringify(value);
}
