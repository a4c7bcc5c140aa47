/**
 * A small declarative layer over `node:util` `parseArgs` (which Deno, Bun and Node all provide):
 * each command lists its flags once, and that list both parses the command line (unknown flags and
 * missing values become {@linkcode UsageError}s) and renders `--help` with every default.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { shown, UsageError } from "./usage_error.ts";

/** One flag of a command. */
export interface FlagSpec {
  /** The long name, without dashes: `"stall-timeout"`. */
  readonly name: string;
  /** A string flag takes a value; a boolean flag takes none. */
  readonly kind: "string" | "boolean";
  /** The value's placeholder in help (`DURATION`, `FILE`). @default {"VALUE"} */
  readonly placeholder?: string;
  /** May be given more than once (every value is kept). @default {false} */
  readonly multiple?: boolean;
  /** The default, as help shows it. @default {"none"} (`"off"` for a boolean) */
  readonly default?: string;
  /** The environment variable read when the flag is absent. */
  readonly env?: string;
  /** Must be given (help shows "required" instead of a default). @default {false} */
  readonly required?: boolean;
  /** One sentence for `--help`. */
  readonly help: string;
}

/** A command: its usage line, its description and its flags. */
export interface CommandSpec {
  /** `"stream"`, or `"rules sync"` for a subcommand. */
  readonly name: string;
  /** The synopsis after `Usage: `. */
  readonly usage: string;
  /** What the command does, a few lines. */
  readonly description: string;
  /** The flags (`--help` is implied). */
  readonly flags: readonly FlagSpec[];
  /** How many positional arguments it takes. @default {0} */
  readonly maxPositionals?: number;
}

/** A parsed command line. */
export interface ParsedFlags {
  /** Whether `--help` (or `-h`) was given. */
  readonly help: boolean;
  /** Every value of each string flag, in order. */
  readonly strings: ReadonlyMap<string, readonly string[]>;
  /** The boolean flags given. */
  readonly booleans: ReadonlySet<string>;
  /** The positional arguments. */
  readonly positionals: readonly string[];
}

/**
 * Parses `argv` (the arguments after the command name) against `spec`. Throws a
 * {@linkcode UsageError} for an unknown flag, a missing value, a value given to a boolean flag,
 * a repeated single-valued flag, or too many positional arguments.
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * const spec = {
 *   name: "demo", usage: "holdfast demo [flags]", description: "A demo.",
 *   flags: [{ name: "duration", kind: "string", help: "How long." }],
 * } as const;
 * const parsed = parseFlags(spec, ["--duration", "5s"]);
 * console.assert(parsed.strings.get("duration")?.[0] === "5s");
 * ```
 */
export function parseFlags(spec: CommandSpec, argv: readonly string[]): ParsedFlags {
  const byName = new Map(spec.flags.map((flag) => [flag.name, flag]));
  const options: Record<string, { type: "string" | "boolean"; short?: string }> = {
    help: { type: "boolean", short: "h" },
  };
  for (const flag of spec.flags) options[flag.name] = { type: flag.kind };
  const { tokens } = parseArgs({
    args: [...argv],
    options,
    strict: false,
    allowPositionals: true,
    tokens: true,
  });
  const strings = new Map<string, string[]>();
  const booleans = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (const token of tokens) {
    if (token.kind === "positional") {
      positionals.push(token.value);
      continue;
    }
    if (token.kind !== "option") continue;
    if (token.name === "help") {
      help = true;
      continue;
    }
    const flag = byName.get(token.name);
    if (flag === undefined) {
      throw new UsageError(
        token.rawName,
        `is not a flag of \`holdfast ${spec.name}\` (\`holdfast ${spec.name} --help\` lists them)`,
      );
    }
    const rawName = `--${flag.name}`;
    if (flag.kind === "boolean") {
      if (token.value !== undefined) {
        throw new UsageError(rawName, `takes no value: got ${shown(token.value)}`);
      }
      booleans.add(flag.name);
      continue;
    }
    const value = token.value;
    if (value === undefined || (!token.inlineValue && value.startsWith("--"))) {
      throw new UsageError(rawName, `needs a value: ${flag.placeholder ?? "VALUE"} (${flag.help})`);
    }
    const values = strings.get(flag.name) ?? [];
    if (values.length > 0 && !flag.multiple) {
      throw new UsageError(rawName, "may be given only once");
    }
    values.push(value);
    strings.set(flag.name, values);
  }
  const max = spec.maxPositionals ?? 0;
  if (!help && positionals.length > max) {
    const extra = positionals[max];
    throw new UsageError(
      undefined,
      `\`holdfast ${spec.name}\` takes ${max === 0 ? "no" : `at most ${max}`} argument${
        max === 1 ? "" : "s"
      }: unexpected ${shown(extra)} (usage: ${spec.usage})`,
    );
  }
  return { help, strings, booleans, positionals };
}

/**
 * The value of a single-valued flag, or of its environment variable, or `undefined`.
 *
 * @example
 * ```ts
 * import { flagValue } from "./flags.ts";
 * const parsed = { help: false, strings: new Map(), booleans: new Set<string>(), positionals: [] };
 * const spec = { name: "token", kind: "string", env: "X_BEARER_TOKEN", help: "" } as const;
 * console.assert(flagValue(parsed, spec, { X_BEARER_TOKEN: "t" }) === "t");
 * ```
 */
export function flagValue(
  parsed: ParsedFlags,
  flag: FlagSpec,
  env: Readonly<Record<string, string | undefined>> = {},
): string | undefined {
  const given = parsed.strings.get(flag.name);
  if (given !== undefined && given.length > 0) return given[given.length - 1];
  if (flag.env !== undefined) {
    const fromEnv = env[flag.env];
    if (fromEnv !== undefined && fromEnv !== "") return fromEnv;
  }
  return undefined;
}

/**
 * Renders `holdfast <cmd> --help`: usage, description, and every flag with its default.
 *
 * @example
 * ```ts
 * import { renderHelp } from "./flags.ts";
 * const text = renderHelp({
 *   name: "demo", usage: "holdfast demo [flags]", description: "A demo.",
 *   flags: [{ name: "duration", kind: "string", placeholder: "DURATION", help: "How long.", default: "until Ctrl-C" }],
 * });
 * console.assert(text.includes("--duration DURATION") && text.includes("(default: until Ctrl-C)"));
 * ```
 */
export function renderHelp(spec: CommandSpec): string {
  const rows = spec.flags.map((flag) => {
    const left = `--${flag.name}${flag.kind === "string" ? ` ${flag.placeholder ?? "VALUE"}` : ""}`;
    const notes = [
      flag.multiple ? "repeatable" : undefined,
      flag.env ? `env ${flag.env}` : undefined,
      flag.required
        ? "required"
        : `default: ${flag.default ?? (flag.kind === "boolean" ? "off" : "none")}`,
    ].filter((note) => note !== undefined);
    return [left, `${flag.help} (${notes.join("; ")})`] as [string, string];
  });
  rows.push(["--help, -h", "Show this help."]);
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)) + 2);
  const lines = rows.map(([left, right]) =>
    left.length + 2 > width
      ? `  ${left}\n  ${" ".repeat(width)}${right}`
      : `  ${left.padEnd(width)}${right}`
  );
  return `Usage: ${spec.usage}\n\n${spec.description}\n\nFlags:\n${lines.join("\n")}\n`;
}
