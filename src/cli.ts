#!/usr/bin/env node
/**
 * The `holdfast` command line: dispatches to a command (`stream`, `simulate`, `demo`, `rules`).
 * One source for Deno (`deno run -A src/cli.ts`), Bun (`bun src/cli.ts`) and Node
 * (`node --import tsx src/cli.ts`, or the bundled `holdfast` bin).
 *
 * @module
 */
import process from "node:process";
import { environment, printErr, printOut } from "./cli/io.ts";
import { runDemo } from "./cli/run_demo.ts";
import { runRules } from "./cli/run_rules.ts";
import { runSimulate } from "./cli/run_simulate.ts";
import { runStream } from "./cli/run_stream.ts";
import { COMMANDS, topHelp } from "./cli/top_help.ts";
import { USAGE_EXIT_CODE, UsageError } from "./cli/usage_error.ts";
import { VERSION } from "./version.ts";

async function dispatch(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      printOut(topHelp());
      return 0;
    case "--version":
    case "-V":
    case "version":
      printOut(`holdfast ${VERSION}\n`);
      return 0;
    case "stream":
      return await runStream(rest, environment());
    case "simulate":
      return await runSimulate(rest);
    case "demo":
      return await runDemo(rest);
    case "rules":
      return await runRules(rest, environment());
    default:
      throw new UsageError(
        undefined,
        `unknown command ${JSON.stringify(command)}: the commands are ${
          COMMANDS.join(", ")
        } (holdfast --help)`,
      );
  }
}

let code: number;
try {
  code = await dispatch(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    printErr(`holdfast: ${error.message}\n`);
    code = USAGE_EXIT_CODE;
  } else {
    printErr(`holdfast: ${error instanceof Error ? error.message : String(error)}\n`);
    code = 1;
  }
}
// Let stdout and stderr take what was written, then exit now: an idle keep-alive socket or a
// library's timer must not hold the process open.
await Promise.all(
  [process.stdout, process.stderr].map((out) =>
    new Promise<void>((resolve) => out.write("", () => resolve()))
  ),
);
process.exit(code);
