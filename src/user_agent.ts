/**
 * The `User-Agent` holdfast sends. X asks that it carry the client's version ("critical in
 * diagnosing issues on X's end"), and that `x-user-agent` carry it where the runtime forbids
 * setting `User-Agent` (browsers).
 *
 * @module
 */
import { VERSION } from "./version.ts";

/**
 * `holdfast/<version> (<runtime>/<version>)`, e.g. `holdfast/0.1.0 (Deno/2.9.6)`.
 *
 * The runtime is found by reading globals, never by requiring them, so the function runs on any
 * runtime (an unknown one yields `navigator.userAgent`, else `unknown`).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { userAgent } from "./user_agent.ts";
 * assert.ok(/^holdfast\/\d+\.\d+\.\d+\S* \(.+\)$/.test(userAgent()));
 * ```
 */
export function userAgent(): string {
  return `holdfast/${VERSION} (${detectRuntime()})`;
}

/**
 * Sets `User-Agent` on `headers`, and also `x-user-agent` when the runtime will not send
 * `User-Agent` (it refused the value, or a `document` shows a browser, which strips it).
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { applyUserAgent } from "./user_agent.ts";
 * const headers = new Headers();
 * applyUserAgent(headers);
 * assert.ok(headers.get("user-agent")?.startsWith("holdfast/"));
 * ```
 */
export function applyUserAgent(headers: Headers): void {
  const value = userAgent();
  try {
    headers.set("user-agent", value);
  } catch {
    // A headers guard that forbids the name: fall through to x-user-agent.
  }
  if (headers.get("user-agent") !== value || isBrowser()) headers.set("x-user-agent", value);
}

function detectRuntime(): string {
  const g = globalThis as Record<string, unknown>;
  // Deno and Bun also expose `process` (Node compatibility): ask them first.
  const deno = read(g["Deno"], "version", "deno");
  if (typeof deno === "string") return `Deno/${deno}`;
  const bun = read(g["Bun"], "version");
  if (typeof bun === "string") return `Bun/${bun}`;
  const node = read(g["process"], "versions", "node");
  if (typeof node === "string") return `Node.js/${node}`;
  const nav = read(g["navigator"], "userAgent");
  if (typeof nav === "string" && nav !== "") return nav;
  return "unknown";
}

function isBrowser(): boolean {
  const g = globalThis as Record<string, unknown>;
  if (g["document"] !== undefined) return true;
  // A browser worker has no document, but a browser's navigator.userAgent.
  const nav = read(g["navigator"], "userAgent");
  return typeof nav === "string" && nav.startsWith("Mozilla/") && detectRuntime() === nav;
}

function read(value: unknown, ...keys: string[]): unknown {
  let current = value;
  for (const key of keys) {
    if (current === null || (typeof current !== "object" && typeof current !== "function")) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}
