/**
 * `holdfast rules list|add|delete|sync`.
 *
 * @module
 */
import { readFile } from "node:fs/promises";
import { parseFlags, renderHelp } from "./flags.ts";
import { printErr, printOut } from "./io.ts";
import { parseRulesArgs, RULES_COMMAND, type RulesConfig } from "./rules_args.ts";
import {
  addRules,
  deleteRules,
  listRules,
  type RulesAnswer,
  type RulesEndpoint,
  XRulesError,
} from "./rules_api.ts";
import { parseRulesFile, planRulesSync, type ServerRule, type WantedRule } from "./rules_sync.ts";
import { UsageError } from "./usage_error.ts";

/**
 * One rule as a line: id, value, tag.
 *
 * @example
 * ```ts
 * import { ruleLine } from "./run_rules.ts";
 * console.assert(ruleLine({ id: "12", value: "cats", tag: "pets" }) === '12  "cats"  tag=pets');
 * ```
 */
export function ruleLine(rule: ServerRule | WantedRule): string {
  const id = "id" in rule ? `${rule.id}  ` : "";
  return `${id}${JSON.stringify(rule.value)}${rule.tag === undefined ? "" : `  tag=${rule.tag}`}`;
}

/**
 * Runs `holdfast rules` with `argv` (the arguments after `rules`); resolves with the exit status
 * (1 when X reported errors).
 *
 * @example
 * ```ts ignore
 * import { runRules } from "./run_rules.ts";
 * await runRules(["list", "--url", "http://127.0.0.1:8080"], { X_BEARER_TOKEN: "t" });
 * ```
 */
export async function runRules(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  if (parseFlags(RULES_COMMAND, argv).help) {
    printOut(renderHelp(RULES_COMMAND));
    return 0;
  }
  const config = parseRulesArgs(argv, env);
  const endpoint: RulesEndpoint = { baseUrl: config.baseUrl, token: config.token };
  try {
    await ACTIONS[config.action](config, endpoint);
    return 0;
  } catch (error) {
    if (!(error instanceof XRulesError)) throw error;
    printErr(
      error.status >= 400
        ? `X refused the request (HTTP ${error.status}):\n`
        : "X answered with errors (nothing was changed for these):\n",
    );
    for (const line of error.lines) printErr(`  ${line}\n`);
    return 1;
  }
}

const ACTIONS: Record<RulesConfig["action"], (c: RulesConfig, e: RulesEndpoint) => Promise<void>> =
  {
    list: async (config, endpoint) => {
      const rules = await listRules(endpoint);
      if (config.json) printOut(`${JSON.stringify(rules, null, 2)}\n`);
      else if (rules.length === 0) printOut("no rules\n");
      else for (const rule of rules) printOut(`${ruleLine(rule)}\n`);
    },
    add: async (config, endpoint) => {
      const wanted = config.args.map((
        value,
      ) => (config.tag === undefined ? { value } : { value, tag: config.tag }));
      const answer = await addRules(endpoint, wanted, config.dryRun);
      report(config, answer, config.dryRun ? "valid (dry run, nothing added)" : "added");
    },
    delete: async (config, endpoint) => {
      const answer = await deleteRules(endpoint, config.args, config.dryRun);
      if (config.json) printOut(`${JSON.stringify(answer.raw, null, 2)}\n`);
      else {
        printOut(
          `${config.dryRun ? "would delete (dry run)" : "deleted"}: ${
            answer.summary.deleted ?? 0
          }\n`,
        );
      }
    },
    sync: async (config, endpoint) => {
      const file = config.args[0];
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        throw new UsageError(`rules sync ${file}`, `cannot be read: ${(error as Error).message}`);
      }
      const wanted = parseRulesFile(text, file);
      const plan = planRulesSync(await listRules(endpoint), wanted);
      for (const rule of plan.remove) printOut(`- delete ${ruleLine(rule)}\n`);
      for (const rule of plan.add) printOut(`+ add    ${ruleLine(rule)}\n`);
      printOut(
        `${plan.remove.length} to delete, ${plan.add.length} to add, ${plan.keep.length} unchanged\n`,
      );
      if (config.dryRun) {
        printOut("dry run: nothing changed\n");
        return;
      }
      if (plan.remove.length > 0) await deleteRules(endpoint, plan.remove.map((rule) => rule.id));
      if (plan.add.length > 0) await addRules(endpoint, plan.add);
      printOut(`in sync: ${wanted.length} rule${wanted.length === 1 ? "" : "s"}\n`);
    },
  };

function report(config: RulesConfig, answer: RulesAnswer, verb: string): void {
  if (config.json) {
    printOut(`${JSON.stringify(answer.raw, null, 2)}\n`);
    return;
  }
  if (answer.data.length === 0) printOut(`${verb}: ${config.args.length}\n`);
  for (const rule of answer.data) printOut(`${verb} ${ruleLine(rule)}\n`);
}
