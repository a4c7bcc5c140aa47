/**
 * `holdfast demo`: the simulator (chaos) and the collector against it, on this machine, with a
 * live status line and a closing summary.
 *
 * @module
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCollector } from "../collector/create_collector.ts";
import type { CollectorEvent } from "../collector/collector_types.ts";
import { listen } from "../server/listen.ts";
import { namedScenario } from "../simulator/scenarios.ts";
import { createSimulator, type Simulator } from "../simulator/simulator.ts";
import { FileSink } from "../sinks/file_sink.ts";
import { DEMO_COMMAND, parseDemoArgs } from "./demo_args.ts";
import { formatEvent } from "./event_log.ts";
import { parseFlags, renderHelp } from "./flags.ts";
import { serveHealth } from "./health.ts";
import { printOut, stdoutColumns, stdoutIsTty } from "./io.ts";
import { loadScenario } from "./load_scenario.ts";
import { describeReport } from "./run_simulate.ts";
import { waitForStopSignal } from "./signals.ts";
import { speedUp } from "./speed_up.ts";
import { formatReconnects, formatStatusLine, reconnectsByClass } from "./status_line.ts";
import { TrackingSink } from "./tracking_sink.ts";

/** Events worth a line during the demo (the rest show in the status line). */
const SHOWN: ReadonlySet<string> = new Set([
  "disconnected",
  "retry-scheduled",
  "stall",
  "alert",
  "collector-alert",
  "backfill-planned",
  "recovery-started",
  "recovery-finished",
  "stopped",
]);
const CLEAR_LINE = "\r\x1b[K";

/**
 * Runs `holdfast demo` with `argv` (the arguments after `demo`); resolves with the exit status.
 *
 * @example
 * ```ts ignore
 * import { runDemo } from "./run_demo.ts";
 * await runDemo(["--duration", "30s"]);
 * ```
 */
export async function runDemo(argv: readonly string[]): Promise<number> {
  if (parseFlags(DEMO_COMMAND, argv).help) {
    printOut(renderHelp(DEMO_COMMAND));
    return 0;
  }
  const config = parseDemoArgs(argv);
  const loaded = await loadScenario("--scenario", config.scenario);
  const scenario = speedUp(
    typeof loaded === "string" ? namedScenario(loaded, config.seed) : loaded,
    config.speed,
  );
  const { signal, remove } = waitForStopSignal();
  const tty = stdoutIsTty();
  const sim = createSimulator({
    scenario,
    seed: config.seed,
    postsPerSecond: config.postsPerSecond,
    maxConnections: config.connections,
  });
  const simServer = await listen((request) => sim.fetch(request), { port: 0 });
  const outPath = config.outPath ??
    join(tmpdir(), `holdfast-demo-${new Date().toISOString().replace(/[:.]/g, "-")}.ndjson`);
  const sink = new TrackingSink(await FileSink.open({ path: outPath }));
  let statusShown = false;
  let firstConnectedAtMs: number | undefined;
  const show = (text: string): void => {
    printOut(`${tty && statusShown ? CLEAR_LINE : ""}${text}`);
    statusShown = false;
  };
  const onEvent = (event: CollectorEvent): void => {
    if (event.type === "connected") firstConnectedAtMs ??= event.atMs;
    if (!SHOWN.has(event.type)) return;
    const line = formatEvent(event, "text");
    if (line !== undefined) show(line);
  };
  const collector = createCollector({
    url: `${simServer.url}/2/tweets/sample/stream`,
    auth: { bearer: "holdfast-demo-token" },
    sinks: [sink],
    connections: config.connections,
    onEvent,
  });
  const health = await serveHealth(collector, {
    port: config.healthPort,
    hostname: config.healthHost,
  });
  printOut(
    `holdfast demo: simulator at ${simServer.url} (scenario ${sim.scenario}${
      config.speed === 1 ? "" : ` at ${config.speed}x speed`
    }, seed ${config.seed}, ` +
      `${config.postsPerSecond} posts/s)\n` +
      `  posts file:  ${outPath}\n` +
      `  health:      ${health.url}/readyz  (also /healthz, /status, /metrics)\n` +
      `  ${
        config.durationMs === undefined
          ? "Ctrl-C to stop"
          : `stops after ${config.durationMs / 1000}s (or Ctrl-C)`
      }\n`,
  );

  const startedAtMs = Date.now();
  let last = { atMs: startedAtMs, written: 0 };
  const tick = (): void => {
    const status = collector.status();
    const now = Date.now();
    const rate = ((status.written - last.written) * 1000) / Math.max(1, now - last.atMs);
    last = { atMs: now, written: status.written };
    const line = formatStatusLine(status, rate);
    if (tty) {
      // One terminal row, or `\r` cannot rewrite it in place.
      printOut(`${CLEAR_LINE}${line.slice(0, stdoutColumns() - 1)}`);
      statusShown = true;
    } else printOut(`${new Date(now).toISOString()} ${line}\n`);
  };
  const ticker = setInterval(tick, tty ? 1_000 : config.statusIntervalMs);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = config.durationMs === undefined
    ? new Promise<string>(() => {})
    : new Promise<string>((resolve) => (timer = setTimeout(() =>
      resolve("duration"), config.durationMs))
    );
  const why = await Promise.race([
    signal,
    elapsed,
    collector.closed.then(() => "collector stopped"),
  ]);
  clearInterval(ticker);
  clearTimeout(timer);
  if (!tty) tick();
  const stopAtMs = Date.now();
  show(`stopping (${why})...\n`);

  await collector.close();
  await waitForNoConnections(sim, 2_000);
  const report = sim.report({ requireClosed: true });
  const status = collector.status();
  const published = sim.posts({});
  const { lost, undelivered } = countLoss(published, sink.ids, firstConnectedAtMs);
  sim.close();
  await health.close();
  await simServer.close();
  remove();
  printOut(
    `\nsummary after ${((stopAtMs - startedAtMs) / 1000).toFixed(1)}s:\n` +
      `  posts published by the simulator: ${report.summary.postsPublished}\n` +
      `  posts written to ${outPath}: ${status.written}\n` +
      `  duplicates dropped:  ${status.dedup.duplicates}\n` +
      `  lost:                ${lost} (published before the newest post written, never written)\n` +
      `  not yet delivered:   ${undelivered} (published after the newest post written: in flight, ` +
      `or the stream was reconnecting when stopped)\n` +
      `  reconnects:          ${formatReconnects(reconnectsByClass(status))}\n` +
      `  backfilled:          ${status.backfilled}, recovered: ${status.recovered}\n` +
      `  simulator ${describeReport(report, 5)}`,
  );
  return 0;
}

/**
 * Loss, judged against the simulator's record: `lost` counts posts published between the first
 * connection and the newest post written that never reached the file (holes); `undelivered`
 * counts posts published after the newest post written (still in flight, or waiting for the
 * reconnect's backfill when the demo stopped).
 *
 * @example
 * ```ts
 * import { countLoss } from "./run_demo.ts";
 * const published = [{ id: "1", atMs: 10 }, { id: "2", atMs: 20 }, { id: "3", atMs: 30 }, { id: "4", atMs: 40 }];
 * const { lost, undelivered } = countLoss(published, new Set(["1", "3"]), 5);
 * console.assert(lost === 1 && undelivered === 1);
 * ```
 */
export function countLoss(
  published: readonly { readonly id: string; readonly atMs: number }[],
  written: ReadonlySet<string>,
  firstConnectedAtMs: number | undefined,
): { lost: number; undelivered: number } {
  let newestWrittenAtMs = -Infinity;
  for (const post of published) {
    if (written.has(post.id)) newestWrittenAtMs = Math.max(newestWrittenAtMs, post.atMs);
  }
  let lost = 0;
  let undelivered = 0;
  for (const post of published) {
    if (written.has(post.id)) continue;
    if (post.atMs > newestWrittenAtMs) undelivered++;
    else if (firstConnectedAtMs !== undefined && post.atMs >= firstConnectedAtMs) lost++;
  }
  return { lost, undelivered };
}

/** Over a real socket the server sees the close a moment after the client: wait for it. */
async function waitForNoConnections(sim: Simulator, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (sim.connections().length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
