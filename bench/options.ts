/**
 * Command-line options of the bench scripts, read the same way on Node, Deno and Bun:
 * `--name=value`, `--name value`, or `--name` alone (`"true"`). A value that does not fit is an
 * error naming the option and the value, never a run with `NaN` in it.
 *
 * @module
 */

/** The script's arguments, whichever runtime runs it (bench code: not bound by `src/`'s rule). */
export function benchArgs(): readonly string[] {
  const g = globalThis as unknown as {
    Deno?: { args: string[] };
    process?: { argv: string[] };
  };
  return g.Deno !== undefined ? g.Deno.args : (g.process?.argv ?? []).slice(2);
}

/**
 * Typed access to `--name` options, with errors in the form
 * `<script>: --<name> must be <rule>: current value is "<value>"`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { BenchOptions } from "./options.ts";
 * const options = new BenchOptions("demo", ["--minutes=30", "--seeds", "3-5", "--quiet"]);
 * assert.equal(options.number("minutes", 10), 30);
 * assert.deepEqual(options.range("seeds", "1-20"), [3, 5]);
 * assert.equal(options.flag("quiet"), true);
 * assert.throws(() => new BenchOptions("demo", ["--rate=abc"]).number("rate", 50), /--rate must be/);
 * ```
 */
export class BenchOptions {
  readonly #script: string;
  readonly #args: readonly string[];

  /** Options of `script` (named in errors) from `args` (@default {benchArgs()}). */
  constructor(script: string, args: readonly string[] = benchArgs()) {
    this.#script = script;
    this.#args = args;
  }

  /** The value of `--name`, or `fallback` when absent. */
  string(name: string, fallback: string): string {
    const args = this.#args;
    for (let i = 0; i < args.length; i++) {
      const arg = args[i];
      if (arg === `--${name}`) {
        const next = args[i + 1];
        return next !== undefined && !next.startsWith("--") ? next : "true";
      }
      if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3);
    }
    return fallback;
  }

  /** `--name` as a number: positive, or at least `min`; an integer (at least `min`, @default
   * {1}) when `integer`. */
  number(name: string, fallback: number, rule: { min?: number; integer?: boolean } = {}): number {
    const text = this.string(name, String(fallback));
    const value = text.trim() === "" ? NaN : Number(text);
    if (rule.integer) {
      const min = rule.min ?? 1;
      if (!Number.isInteger(value) || value < min) this.#fail(name, `an integer >= ${min}`, text);
    } else if (rule.min !== undefined) {
      if (!(value >= rule.min) || value === Infinity) {
        this.#fail(name, `a number >= ${rule.min}`, text);
      }
    } else if (!(value > 0) || value === Infinity) this.#fail(name, "a positive number", text);
    return value;
  }

  /** `--name` as `true`/`false` (alone: true). */
  flag(name: string): boolean {
    const text = this.string(name, "false");
    if (text !== "true" && text !== "false") this.#fail(name, "true or false", text);
    return text === "true";
  }

  /** `--name=A-B` (or `A`): two integers >= 1, `A <= B`. */
  range(name: string, fallback: string): [number, number] {
    const text = this.string(name, fallback);
    const match = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
    const first = match ? Number(match[1]) : NaN;
    const last = match ? Number(match[2] ?? match[1]) : NaN;
    if (!match || first < 1 || last < first) {
      this.#fail(name, "a range A-B of integers, 1 <= A <= B", text);
    }
    return [first, last];
  }

  #fail(name: string, rule: string, text: string): never {
    throw new RangeError(
      `${this.#script}: --${name} must be ${rule}: current value is ${JSON.stringify(text)}`,
    );
  }
}
