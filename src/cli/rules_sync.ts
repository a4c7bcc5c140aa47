/**
 * `holdfast rules sync`: reading the rules file and planning the changes (pure).
 *
 * @module
 */
import { UsageError } from "./usage_error.ts";

/** A rule on the server. */
export interface ServerRule {
  /** X's id of the rule. */
  readonly id: string;
  /** The rule's query. */
  readonly value: string;
  /** The tag, if any. */
  readonly tag?: string;
}

/** A rule as the file describes it. */
export interface WantedRule {
  /** The rule's query. */
  readonly value: string;
  /** The tag, if any. */
  readonly tag?: string;
}

/** What `sync` will do. */
export interface SyncPlan {
  /** Server rules to delete: not in the file, or in it with another tag. */
  readonly remove: readonly ServerRule[];
  /** File rules to add. */
  readonly add: readonly WantedRule[];
  /** Server rules already as the file wants them. */
  readonly keep: readonly ServerRule[];
}

/**
 * Reads a rules file: a JSON array of `{ "value": string, "tag"?: string }`. Throws a
 * {@linkcode UsageError} naming the file and the first problem.
 *
 * @example
 * ```ts
 * import { parseRulesFile } from "./rules_sync.ts";
 * const rules = parseRulesFile('[{"value":"cats has:media","tag":"cats"},{"value":"dogs"}]', "rules.json");
 * console.assert(rules.length === 2 && rules[0].tag === "cats" && rules[1].tag === undefined);
 * ```
 */
export function parseRulesFile(text: string, name: string): WantedRule[] {
  const fail = (problem: string): never => {
    throw new UsageError(
      `rules sync ${name}`,
      `must be a JSON array of {"value": string, "tag"?: string}: ${problem}`,
    );
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`not JSON (${(error as Error).message})`);
  }
  if (!Array.isArray(json)) return fail("the top level is not an array");
  const seen = new Set<string>();
  return json.map((item: unknown, index): WantedRule => {
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      return fail(`[${index}] is not an object`);
    }
    const { value, tag, ...rest } = item as Record<string, unknown>;
    if (typeof value !== "string" || value.trim() === "") {
      return fail(`[${index}].value must be a non-empty string`);
    }
    if (tag !== undefined && typeof tag !== "string") fail(`[${index}].tag must be a string`);
    if (Object.keys(rest).length > 0) fail(`[${index}] has unknown field ${Object.keys(rest)[0]}`);
    if (seen.has(value)) fail(`[${index}].value repeats ${JSON.stringify(value)}`);
    seen.add(value);
    return tag === undefined || tag === "" ? { value } : { value, tag: tag as string };
  });
}

/**
 * Plans the changes that make `current` equal `wanted`. Rules are matched by value; X's rules
 * cannot be edited, so a rule whose tag changed is deleted and added again.
 *
 * @example
 * ```ts
 * import { planRulesSync } from "./rules_sync.ts";
 * const plan = planRulesSync(
 *   [{ id: "1", value: "cats", tag: "pets" }, { id: "2", value: "dogs" }],
 *   [{ value: "cats", tag: "pets" }, { value: "birds" }],
 * );
 * console.assert(plan.keep.length === 1 && plan.remove[0].id === "2" && plan.add[0].value === "birds");
 * ```
 */
export function planRulesSync(
  current: readonly ServerRule[],
  wanted: readonly WantedRule[],
): SyncPlan {
  const wantedByValue = new Map(wanted.map((rule) => [rule.value, rule]));
  const remove: ServerRule[] = [];
  const keep: ServerRule[] = [];
  for (const rule of current) {
    const want = wantedByValue.get(rule.value);
    if (want !== undefined && (want.tag ?? "") === (rule.tag ?? "")) keep.push(rule);
    else remove.push(rule);
  }
  const kept = new Set(keep.map((rule) => rule.value));
  return { remove, add: wanted.filter((rule) => !kept.has(rule.value)), keep };
}
