/**
 * `holdfast simulate`: the simulator over HTTP until SIGINT/SIGTERM.
 *
 * @module
 */
import { writeFile } from "node:fs/promises";
import { listen } from "../server/listen.ts";
import type { SimulatorReport } from "../simulator/report.ts";
import { createSimulator } from "../simulator/simulator.ts";
import { parseFlags, renderHelp } from "./flags.ts";
import { printErr, printOut } from "./io.ts";
import { loadScenario } from "./load_scenario.ts";
import { waitForStopSignal } from "./signals.ts";
import { parseSimulateArgs, SIMULATE_COMMAND } from "./simulate_args.ts";

/**
 * A few lines on a simulator report for a person: verdict, counts, and the findings.
 *
 * @example
 * ```ts
 * import { createSimulator } from "../simulator/simulator.ts";
 * import { describeReport } from "./run_simulate.ts";
 * const sim = createSimulator({ postsPerSecond: 0, complianceEventsPerSecond: 0 });
 * console.assert(describeReport(sim.report()).startsWith("judgement: pass"));
 * sim.close();
 * ```
 */
export function describeReport(report: SimulatorReport, maxFindings = 10): string {
  const { summary } = report;
  const lines = [
    `judgement: ${report.verdict} (${report.findings.length} finding${
      report.findings.length === 1 ? "" : "s"
    }; ${summary.attempts} connect attempts, ${summary.accepted} accepted, ${summary.injected} faults injected)`,
  ];
  for (const finding of report.findings.slice(0, maxFindings)) {
    lines.push(`  ${finding.severity} ${finding.rule}: ${finding.message}`);
  }
  if (report.findings.length > maxFindings) {
    lines.push(`  ... and ${report.findings.length - maxFindings} more`);
  }
  return lines.join("\n") + "\n";
}

/**
 * Runs `holdfast simulate` with `argv` (the arguments after `simulate`); resolves with the exit
 * status once stopped. Prints the URL as the first line of stdout.
 *
 * @example
 * ```ts ignore
 * import { runSimulate } from "./run_simulate.ts";
 * await runSimulate(["--scenario", "chaos", "--port", "8080"]);
 * ```
 */
export async function runSimulate(argv: readonly string[]): Promise<number> {
  if (parseFlags(SIMULATE_COMMAND, argv).help) {
    printOut(renderHelp(SIMULATE_COMMAND));
    return 0;
  }
  const config = parseSimulateArgs(argv);
  const scenario = await loadScenario("--scenario", config.scenario);
  const { signal, remove } = waitForStopSignal();
  const sim = createSimulator({ ...config.options, scenario });
  let server;
  try {
    server = await listen((request) => sim.fetch(request), {
      port: config.port,
      hostname: config.host,
    });
  } catch (error) {
    sim.close();
    remove();
    throw error;
  }
  printOut(`${server.url}\n`);
  printErr(
    `holdfast simulator: scenario ${sim.scenario}, seed ${sim.report().seed}\n` +
      `  v2 streams:  ${server.url}/2/tweets/search/stream (also sample, sample10, firehose, compliance)\n` +
      `  rules:       ${server.url}/2/tweets/search/stream/rules\n` +
      `  PowerTrack:  ${server.url}/stream/powertrack/accounts/holdfast/publishers/twitter/prod.json\n` +
      `  control:     ${server.url}/_sim/report, /_sim/connections, POST /_sim/fault\n` +
      `Stop with Ctrl-C.\n`,
  );
  const stop = await signal;
  const report = sim.report();
  sim.close();
  await server.close();
  remove();
  printErr(`stopping on ${stop}\n${describeReport(report)}`);
  if (config.reportPath !== undefined) {
    await writeFile(config.reportPath, JSON.stringify(report, null, 2) + "\n");
    printErr(`report written to ${config.reportPath}\n`);
  }
  return 0;
}
