/**
 * Which runtime runs a bench script, and how to start a child script on the same one with
 * `gc()` exposed (bench code: not bound by `src/`'s neutrality rule).
 *
 * @module
 */
import process from "node:process";

/** The runtime running this process and its version. */
export function runtime(): { name: "node" | "deno" | "bun"; version: string } {
  const g = globalThis as unknown as {
    Deno?: { version: { deno: string } };
    Bun?: { version: string };
  };
  if (g.Deno !== undefined) return { name: "deno", version: g.Deno.version.deno };
  if (g.Bun !== undefined) return { name: "bun", version: g.Bun.version };
  return { name: "node", version: process.versions.node };
}

/**
 * The command that runs `script` on the same runtime as this process, with a full collection
 * callable (`--expose-gc` on Node and Deno; Bun has `Bun.gc`).
 *
 * @example
 * ```ts
 * import { childCommand } from "./runtime.ts";
 * const { command, args } = childCommand("bench/soak.ts");
 * console.assert(command.length > 0 && args.at(-1) === "bench/soak.ts");
 * ```
 */
export function childCommand(script: string): { command: string; args: string[] } {
  switch (runtime().name) {
    case "deno":
      return { command: process.execPath, args: ["run", "-A", "--v8-flags=--expose-gc", script] };
    case "bun":
      return { command: process.execPath, args: [script] };
    default:
      return { command: process.execPath, args: ["--expose-gc", "--import", "tsx", script] };
  }
}
