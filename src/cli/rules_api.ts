/**
 * The filtered stream's rules endpoint (`GET/POST /2/tweets/search/stream/rules`) and X's error
 * answers, put into words.
 *
 * @module
 */
import { applyUserAgent } from "../user_agent.ts";
import type { ServerRule, WantedRule } from "./rules_sync.ts";

/** X answered with errors (an HTTP error, or a 200 with an `errors` array). */
export class XRulesError extends Error {
  /** The HTTP status. */
  readonly status: number;
  /** One line per error X reported. */
  readonly lines: readonly string[];

  /** `lines` become the message, one per line. */
  constructor(status: number, lines: readonly string[]) {
    super(lines.join("\n"));
    this.name = "XRulesError";
    this.status = status;
    this.lines = lines;
  }
}

/** X's answer to a POST. */
export interface RulesAnswer {
  /** The rules created (add). */
  readonly data: readonly ServerRule[];
  /** `meta.summary`: created/not_created/valid/invalid or deleted/not_deleted. */
  readonly summary: Readonly<Record<string, number>>;
  /** The answer as received. */
  readonly raw: unknown;
}

/**
 * X's errors in an answer, one line each: per-rule errors (`DuplicateRule: "cats" (id 12)`),
 * or a problem (`HTTP 401 Unauthorized: ...`).
 *
 * @example
 * ```ts
 * import { describeXErrors } from "./rules_api.ts";
 * const lines = describeXErrors(200, { errors: [{ value: "cats", id: "12", title: "DuplicateRule", type: "x" }] });
 * console.assert(lines[0] === 'DuplicateRule: "cats" (existing id 12)');
 * console.assert(describeXErrors(401, { title: "Unauthorized", detail: "Unauthorized", status: 401 })[0] ===
 *   "HTTP 401 Unauthorized: Unauthorized");
 * ```
 */
export function describeXErrors(status: number, body: unknown): string[] {
  const lines: string[] = [];
  const record = (body ?? {}) as Record<string, unknown>;
  const errors = Array.isArray(record.errors) ? record.errors as Record<string, unknown>[] : [];
  for (const error of errors) {
    const title = String(error.title ?? "Error");
    const subject = typeof error.value === "string"
      ? ` ${JSON.stringify(error.value)}${
        typeof error.id === "string" ? ` (existing id ${error.id})` : ""
      }`
      : typeof error.id === "string"
      ? ` id ${error.id}`
      : "";
    const details = Array.isArray(error.details)
      ? error.details.join("; ")
      : typeof error.detail === "string"
      ? error.detail
      : typeof error.message === "string"
      ? error.message
      : "";
    lines.push(`${title}:${subject}${details ? ` ${subject ? "- " : ""}${details}` : ""}`.trim());
  }
  if (status >= 400 && errors.length === 0) {
    const title = typeof record.title === "string" ? record.title : "error";
    const detail = typeof record.detail === "string" ? `: ${record.detail}` : "";
    lines.push(`HTTP ${status} ${title}${detail}`);
  }
  return lines;
}

/** Where and how to call the rules endpoint. */
export interface RulesEndpoint {
  /** The API's base URL (`https://api.x.com`). */
  readonly baseUrl: URL;
  /** The bearer token. */
  readonly token: string;
  /** The fetch to call. @default {globalThis.fetch} */
  readonly fetch?: (request: Request) => Promise<Response>;
}

function rulesUrl(endpoint: RulesEndpoint, dryRun = false): URL {
  const url = new URL(endpoint.baseUrl);
  url.pathname = url.pathname.replace(/\/+$/, "") + "/2/tweets/search/stream/rules";
  url.search = dryRun ? "?dry_run=true" : "";
  return url;
}

async function call(endpoint: RulesEndpoint, request: Request): Promise<unknown> {
  applyUserAgent(request.headers);
  request.headers.set("authorization", `Bearer ${endpoint.token}`);
  const response = await (endpoint.fetch ?? fetch)(request);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { title: response.statusText || "error", detail: text.slice(0, 500) };
  }
  const lines = describeXErrors(response.status, body);
  if (lines.length > 0) throw new XRulesError(response.status, lines);
  return body;
}

/**
 * Lists the rules.
 *
 * @example
 * ```ts
 * import { createSimulator } from "../simulator/simulator.ts";
 * import { listRules } from "./rules_api.ts";
 * const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * const rules = await listRules({ baseUrl: new URL("https://api.x.com"), token: "t", fetch: sim.fetch });
 * console.assert(rules.length === 0);
 * sim.close();
 * ```
 */
export async function listRules(endpoint: RulesEndpoint): Promise<ServerRule[]> {
  const body = await call(endpoint, new Request(rulesUrl(endpoint)));
  const data = (body as { data?: ServerRule[] }).data ?? [];
  return data.map(({ id, value, tag }) => (tag === undefined ? { id, value } : { id, value, tag }));
}

/**
 * Adds rules (`{"add": [...]}`); with `dryRun`, X validates them only.
 *
 * @example
 * ```ts
 * import { createSimulator } from "../simulator/simulator.ts";
 * import { addRules } from "./rules_api.ts";
 * const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * const answer = await addRules({ baseUrl: new URL("https://api.x.com"), token: "t", fetch: sim.fetch }, [{ value: "cats" }]);
 * console.assert(answer.data[0].value === "cats");
 * sim.close();
 * ```
 */
export function addRules(
  endpoint: RulesEndpoint,
  rules: readonly WantedRule[],
  dryRun = false,
): Promise<RulesAnswer> {
  return post(endpoint, { add: rules }, dryRun);
}

/**
 * Deletes rules by id (`{"delete": {"ids": [...]}}`); with `dryRun`, X validates only.
 *
 * @example
 * ```ts
 * import { createSimulator } from "../simulator/simulator.ts";
 * import { deleteRules } from "./rules_api.ts";
 * const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * const endpoint = { baseUrl: new URL("https://api.x.com"), token: "t", fetch: sim.fetch };
 * await deleteRules(endpoint, ["1"]).catch((error) => console.assert(error.name === "XRulesError"));
 * sim.close();
 * ```
 */
export function deleteRules(
  endpoint: RulesEndpoint,
  ids: readonly string[],
  dryRun = false,
): Promise<RulesAnswer> {
  return post(endpoint, { delete: { ids } }, dryRun);
}

async function post(endpoint: RulesEndpoint, body: unknown, dryRun: boolean): Promise<RulesAnswer> {
  const raw = await call(
    endpoint,
    new Request(rulesUrl(endpoint, dryRun), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  );
  const answer = raw as { data?: ServerRule[]; meta?: { summary?: Record<string, number> } };
  return { data: answer.data ?? [], summary: answer.meta?.summary ?? {}, raw };
}
