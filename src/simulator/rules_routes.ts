/**
 * `GET|POST /2/tweets/search/stream/rules`: list, add, delete, `dry_run`, and X's answers to
 * malformed requests (400 invalid-request) and to invalid or duplicate rules.
 *
 * @module
 */
import type { Hono } from "hono";
import * as v from "valibot";
import { readBearer } from "./auth.ts";
import type { SimContext } from "./context.ts";
import { toProblem } from "./fault_schema.ts";
import { jsonResponse, readJson } from "./http.ts";
import { isoTime } from "./ids_and_times.ts";
import { invalidRequestProblem, type ParameterError, statusProblem } from "./problems.ts";

const AddSchema = v.pipe(
  v.array(
    v.strictObject({
      value: v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty")),
      tag: v.optional(v.string("must be a string")),
    }, "is not a rule field (value, tag)"),
    "must be an array of rules",
  ),
  v.minLength(1, "must not be empty"),
);
const DeleteSchema = v.pipe(
  v.strictObject({
    ids: v.optional(
      v.array(
        v.pipe(v.string("must be a string"), v.regex(/^\d+$/, "must be a rule id")),
        "must be an array",
      ),
    ),
    values: v.optional(v.array(v.string("must be a string"), "must be an array")),
  }, "is not a delete field (ids, values)"),
  v.check(
    (d) => (d.ids?.length ?? 0) + (d.values?.length ?? 0) > 0,
    "must name at least one rule in ids or values",
  ),
);

function parameterErrors(
  issues: readonly v.BaseIssue<unknown>[],
  prefix: string,
): ParameterError[] {
  return issues.map((issue) => {
    const problem = toProblem(issue, prefix);
    return {
      parameters: { [problem.path]: [JSON.stringify(issue.input ?? null)] },
      message: `${problem.path} ${problem.message}`,
    };
  });
}

/** Mounts the rules routes on `app`. */
export function mountRulesRoutes(
  app: Hono,
  ctx: SimContext,
  path = "/2/tweets/search/stream/rules",
): void {
  const host = ctx.options.problemHost;
  const unauthorized = () =>
    jsonResponse(statusProblem(401), 401, { "www-authenticate": 'Bearer realm="api.x.com"' });
  const invalid = (errors: ParameterError[]) =>
    jsonResponse(invalidRequestProblem(host, errors), 400);

  app.get(path, (c) => {
    if (!readBearer(c.req.raw, ctx.options.bearerTokens)?.valid) return unauthorized();
    const ids = c.req.query("ids")?.split(",").filter((id) => id !== "");
    const rules = ctx.rules.list(ids);
    const meta = { sent: isoTime(ctx.now()), result_count: rules.length };
    return jsonResponse(rules.length > 0 ? { data: rules, meta } : { meta });
  });

  app.post(path, async (c) => {
    if (!readBearer(c.req.raw, ctx.options.bearerTokens)?.valid) return unauthorized();
    const dryRunText = c.req.query("dry_run");
    if (dryRunText !== undefined && dryRunText !== "true" && dryRunText !== "false") {
      return invalid([{
        parameters: { dry_run: [dryRunText] },
        message: "The `dry_run` query parameter value must be true or false",
      }]);
    }
    const dryRun = dryRunText === "true";
    const json = await readJson(c.req.raw);
    if (!json) return invalid([{ parameters: {}, message: "The request body is not valid JSON" }]);
    const body = json.value as Record<string, unknown> | null;
    const keys = body !== null && typeof body === "object" && !Array.isArray(body)
      ? Object.keys(body)
      : [];
    if (keys.length !== 1 || (keys[0] !== "add" && keys[0] !== "delete")) {
      return invalid([{
        parameters: {},
        message: "The request body must have exactly one of `add` or `delete`",
      }]);
    }
    if (keys[0] === "add") {
      const parsed = v.safeParse(AddSchema, (body as { add: unknown }).add);
      if (!parsed.success) return invalid(parameterErrors(parsed.issues, "add"));
      const answer = ctx.rules.add(parsed.output, dryRun);
      return jsonResponse(answer.body, answer.status);
    }
    const parsed = v.safeParse(DeleteSchema, (body as { delete: unknown }).delete);
    if (!parsed.success) return invalid(parameterErrors(parsed.issues, "delete"));
    const answer = ctx.rules.remove(parsed.output.ids ?? [], parsed.output.values ?? [], dryRun);
    return jsonResponse(answer.body, answer.status);
  });
}
