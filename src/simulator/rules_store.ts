/**
 * The filtered stream's rules: add, delete, list, dry runs, and X's answers for invalid and
 * duplicate rules. Deleted rules stay known by index, so posts that matched them still render.
 *
 * @module
 */
import { isoTime, snowflakeId } from "./ids_and_times.ts";
import type { RuleRef } from "./post_factory.ts";
import type { Random } from "./prng.ts";
import {
  invalidRequestProblem,
  type JsonObject,
  type ProblemHost,
  problemType,
} from "./problems.ts";
import { ruleSyntaxProblems } from "./rule_syntax.ts";

/** A filtered-stream rule as X lists it. */
export interface StreamRule {
  /** The rule id. */
  readonly id: string;
  /** The rule itself. */
  readonly value: string;
  /** The tag given when it was added. */
  readonly tag?: string;
}

/** What the rules endpoint answers: a status and a JSON body. */
export interface RulesAnswer {
  readonly status: number;
  readonly body: JsonObject;
}

/** Options of a {@linkcode RulesStore}. */
export interface RulesStoreOptions {
  readonly now: () => number;
  readonly maxRules: number;
  readonly maxRuleLength: number;
  readonly problemHost: ProblemHost;
}

/** The rules of the (single, simulated) app. */
export class RulesStore {
  readonly #options: RulesStoreOptions;
  readonly #all: StreamRule[] = [];
  readonly #activeById = new Map<string, number>();
  #activeIndexes: number[] | undefined;
  #created = 0;

  /** Creates an empty rule set. */
  constructor(options: RulesStoreOptions) {
    this.#options = options;
  }

  /** The active rules, oldest first (only `ids` when given). */
  list(ids?: readonly string[]): StreamRule[] {
    const wanted = ids ? new Set(ids) : undefined;
    return [...this.#activeById.values()].map((i) => this.#all[i] as StreamRule)
      .filter((r) => !wanted || wanted.has(r.id));
  }

  /** The internal indexes of the active rules (for matching). */
  activeIndexes(): readonly number[] {
    return this.#activeIndexes ??= [...this.#activeById.values()];
  }

  /** The rule at an internal index (deleted ones included), as `matching_rules` shows it. */
  ref(index: number): RuleRef {
    const rule = this.#all[index] as StreamRule;
    return { id: rule.id, tag: rule.tag };
  }

  /** Picks the rules a new post matches: 1 to 3 distinct active rules, or none without rules. */
  pickMatches(random: Random): [number, number, number] {
    const active = this.activeIndexes();
    const picked: [number, number, number] = [-1, -1, -1];
    if (active.length === 0) return picked;
    const r = random();
    const count = Math.min(active.length, r < 0.8 ? 1 : r < 0.95 ? 2 : 3);
    for (let k = 0; k < count;) {
      const candidate = active[Math.floor(random() * active.length)] as number;
      if (!picked.includes(candidate)) picked[k++] = candidate;
    }
    return picked;
  }

  /** `POST rules` with `{"add":[...]}`. Invalid rules reject the whole batch, as X does. */
  add(requests: readonly { value: string; tag?: string }[], dryRun: boolean): RulesAnswer {
    const host = this.#options.problemHost;
    const errors: JsonObject[] = [];
    const accepted: { value: string; tag?: string }[] = [];
    const seen = new Set<string>();
    let unprocessable = false;
    for (const request of requests) {
      const details = ruleSyntaxProblems(request.value, this.#options.maxRuleLength);
      const existing = this.#findByValue(request.value);
      if (details.length > 0) {
        unprocessable = true;
        errors.push({
          value: request.value,
          details,
          title: "UnprocessableEntity",
          type: problemType(host, "invalid-rules"),
        });
      } else if (existing || seen.has(request.value)) {
        errors.push({
          value: request.value,
          ...(existing ? { id: existing.id } : {}),
          title: "DuplicateRule",
          type: problemType(host, "duplicate-rules"),
        });
      } else accepted.push(request);
      seen.add(request.value);
    }
    if (!unprocessable && this.#activeById.size + accepted.length > this.#options.maxRules) {
      errors.push({
        title: "RulesCapExceeded",
        detail: `Rule creation would exceed your rules cap of ${this.#options.maxRules}.`,
        type: problemType(host, "rule-cap"),
      });
      unprocessable = true;
    }
    const created = unprocessable ? [] : accepted.map((r) => this.#create(r, dryRun));
    const body: JsonObject = {};
    if (created.length > 0) body.data = created;
    body.meta = {
      sent: isoTime(this.#options.now()),
      summary: {
        created: created.length,
        not_created: requests.length - created.length,
        valid: accepted.length,
        invalid: requests.length - accepted.length,
      },
    };
    if (errors.length > 0) body.errors = errors;
    return { status: created.length > 0 && !dryRun ? 201 : 200, body };
  }

  /** `POST rules` with `{"delete":{"ids":[...]}}` (or `values`). */
  remove(ids: readonly string[], values: readonly string[], dryRun: boolean): RulesAnswer {
    const found: string[] = [];
    const missing: string[] = [];
    for (const id of ids) (this.#activeById.has(id) ? found : missing).push(id);
    for (const value of values) {
      const rule = this.#findByValue(value);
      if (rule) found.push(rule.id);
      else missing.push(value);
    }
    if (!dryRun) {
      for (const id of found) this.#activeById.delete(id);
      this.#activeIndexes = undefined;
    }
    const body: JsonObject = {
      meta: {
        sent: isoTime(this.#options.now()),
        summary: { deleted: found.length, not_deleted: missing.length },
      },
    };
    if (missing.length > 0) {
      const problem = invalidRequestProblem(
        this.#options.problemHost,
        missing.map((v) => ({ parameters: { ids: [v] }, message: "Rule does not exist" })),
      );
      body.errors = [problem];
    }
    return { status: 200, body };
  }

  #findByValue(value: string): StreamRule | undefined {
    for (const index of this.#activeById.values()) {
      const rule = this.#all[index] as StreamRule;
      if (rule.value === value) return rule;
    }
    return undefined;
  }

  #create(request: { value: string; tag?: string }, dryRun: boolean): StreamRule {
    const id = snowflakeId(this.#options.now(), 0x200000 + (this.#created++ % 0x1fffff));
    const rule: StreamRule = request.tag === undefined
      ? { id, value: request.value }
      : { id, value: request.value, tag: request.tag };
    if (!dryRun) {
      this.#activeById.set(id, this.#all.push(rule) - 1);
      this.#activeIndexes = undefined;
    }
    return rule;
  }
}
