/**
 * `holdfast --help`: the commands.
 *
 * @module
 */
import { VERSION } from "../version.ts";

/** The commands `holdfast` dispatches to. */
export const COMMANDS = ["stream", "simulate", "demo", "rules"] as const;

/**
 * The text of `holdfast --help`.
 *
 * @example
 * ```ts
 * import { topHelp } from "./top_help.ts";
 * console.assert(topHelp().includes("Usage: holdfast <command> [flags]"));
 * ```
 */
export function topHelp(): string {
  return `holdfast ${VERSION}: keeps a consumer of X's streaming APIs connected, and loses nothing.

Usage: holdfast <command> [flags]

Commands:
  stream     Connect to an X stream and write every post once (stdout, files, Redis)
  simulate   Run the X streaming simulator over HTTP (scenarios, faults, a judge)
  demo       Simulator (chaos) + collector on this machine, with a live status line
  rules      List, add, delete or sync the filtered stream's rules

Flags:
  --help, -h       Show this help (holdfast <command> --help shows a command's flags)
  --version, -V    Print the version

Exit status: 0 done (or stopped by SIGINT/SIGTERM), 1 failed, 2 bad command line.
`;
}
