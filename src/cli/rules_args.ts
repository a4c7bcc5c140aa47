/**
 * `holdfast rules`: its flags, and the pure translation of a command line into a
 * {@linkcode RulesConfig}.
 *
 * @module
 */
import { type CommandSpec, type FlagSpec, flagValue, parseFlags } from "./flags.ts";
import { parseChoice, parseUrl } from "./parse_values.ts";
import { UsageError } from "./usage_error.ts";

const f = (spec: FlagSpec): FlagSpec => spec;

/** The actions of `holdfast rules`. */
export const RULES_ACTIONS = ["list", "add", "delete", "sync"] as const;
/** An action of `holdfast rules`. */
export type RulesAction = typeof RULES_ACTIONS[number];

/** The flags of `holdfast rules`. */
export const RULES_COMMAND: CommandSpec = {
  name: "rules",
  usage:
    "holdfast rules list | add VALUE... [--tag T] | delete ID... | sync FILE [--dry-run]  [flags]",
  description: "Manages the filtered stream's rules (GET/POST /2/tweets/search/stream/rules).\n" +
    "  list             prints the rules (id, value, tag)\n" +
    "  add VALUE...     adds rules (all with --tag, if given)\n" +
    "  delete ID...     deletes rules by id\n" +
    "  sync FILE        makes the server's rules equal FILE's (a JSON array of {value, tag?}):\n" +
    "                   deletes the others, adds the missing ones; a changed tag is delete + add\n" +
    "With --dry-run, add and delete ask X to validate only (dry_run=true), and sync prints its\n" +
    "plan and changes nothing. X's errors are printed one per line; the exit status is then 1.",
  maxPositionals: 1_000,
  flags: [
    f({
      name: "url",
      kind: "string",
      placeholder: "BASE",
      help: "The API's base URL",
      default: "https://api.x.com",
    }),
    f({
      name: "token",
      kind: "string",
      placeholder: "TOKEN",
      env: "X_BEARER_TOKEN",
      required: true,
      help: "v2 bearer token",
    }),
    f({ name: "tag", kind: "string", placeholder: "TAG", help: "The tag of the rules added" }),
    f({
      name: "dry-run",
      kind: "boolean",
      help: "Change nothing: validate (add, delete) or show the plan (sync)",
    }),
    f({ name: "json", kind: "boolean", help: "Print X's JSON answer instead of a table" }),
  ],
};

/** Everything `holdfast rules` runs with. */
export interface RulesConfig {
  /** The action. */
  readonly action: RulesAction;
  /** Its arguments: rule values (add), ids (delete), or the file (sync). */
  readonly args: readonly string[];
  /** `--url`. */
  readonly baseUrl: URL;
  /** `--token` or `X_BEARER_TOKEN`. */
  readonly token: string;
  /** `--tag`. */
  readonly tag: string | undefined;
  /** `--dry-run`. */
  readonly dryRun: boolean;
  /** `--json`. */
  readonly json: boolean;
}

/**
 * Parses `holdfast rules`'s arguments. Throws a {@linkcode UsageError} for any bad flag.
 *
 * @example
 * ```ts
 * import { parseRulesArgs } from "./rules_args.ts";
 * const config = parseRulesArgs(["sync", "rules.json", "--dry-run"], { X_BEARER_TOKEN: "t" });
 * console.assert(config.action === "sync" && config.args[0] === "rules.json" && config.dryRun);
 * ```
 */
export function parseRulesArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = {},
): RulesConfig {
  const parsed = parseFlags(RULES_COMMAND, argv);
  const flag = (name: string): FlagSpec => RULES_COMMAND.flags.find((x) => x.name === name)!;
  const [actionText, ...args] = parsed.positionals;
  if (actionText === undefined) {
    throw new UsageError(
      undefined,
      `\`holdfast rules\` needs an action: ${RULES_ACTIONS.join(", ")}`,
    );
  }
  const action = parseChoice("rules ACTION", actionText, RULES_ACTIONS);
  const need = { list: [0, 0], add: [1, 1_000], delete: [1, 1_000], sync: [1, 1] }[action];
  if (args.length < need[0] || args.length > need[1]) {
    const what = {
      list: "no arguments",
      add: "one or more rule values",
      delete: "one or more rule ids",
      sync: "one FILE",
    }[action];
    throw new UsageError(`rules ${action}`, `takes ${what}: got ${args.length}`);
  }
  if (parsed.strings.has("tag") && action !== "add") {
    throw new UsageError(
      "--tag",
      "applies to `rules add` only (in `rules sync` the file carries the tags)",
    );
  }
  const token = flagValue(parsed, flag("token"), env);
  if (token === undefined) {
    throw new UsageError("--token", "is required: a v2 bearer token (or set X_BEARER_TOKEN)");
  }
  return {
    action,
    args,
    baseUrl: parseUrl("--url", flagValue(parsed, flag("url")) ?? "https://api.x.com"),
    token,
    tag: flagValue(parsed, flag("tag")),
    dryRun: parsed.booleans.has("dry-run"),
    json: parsed.booleans.has("json"),
  };
}
