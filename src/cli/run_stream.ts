/**
 * `holdfast stream`: runs a collector until SIGINT/SIGTERM (exit 0) or until it stops by itself
 * (exit 1, with the reason).
 *
 * @module
 */
import { createCollector } from "../collector/create_collector.ts";
import type { Collector, CollectorOptions } from "../collector/collector_types.ts";
import { FileSink } from "../sinks/file_sink.ts";
import { FileWatermarkStore } from "../storage/file_watermark_store.ts";
import { eventLogger } from "./event_log.ts";
import { parseFlags, renderHelp } from "./flags.ts";
import { serveHealth } from "./health.ts";
import { printErr, printOut } from "./io.ts";
import { openSinks } from "./open_sinks.ts";
import { waitForStopSignal } from "./signals.ts";
import {
  type LogFormat,
  STREAM_COMMAND,
  type StreamConfig,
  streamConfigFrom,
} from "./stream_args.ts";

/**
 * The collector options a {@linkcode StreamConfig} asks for (without sinks and listeners).
 *
 * @example
 * ```ts
 * import { collectorOptionsFor } from "./run_stream.ts";
 * import { parseStreamArgs } from "./stream_args.ts";
 * const config = parseStreamArgs(["--url", "https://api.x.com/2/tweets/sample/stream", "--token", "t", "--queue-max", "50"]);
 * console.assert(collectorOptionsFor(config).queue?.maxItems === 50);
 * ```
 */
export function collectorOptionsFor(config: StreamConfig): Omit<CollectorOptions, "sinks"> {
  return {
    url: config.url,
    ...(config.auth === undefined ? {} : { auth: config.auth }),
    ...(config.stallTimeoutMs === undefined ? {} : { stallTimeoutMs: config.stallTimeoutMs }),
    backoff: config.backoff,
    backfill: config.backfill,
    recovery: config.recovery,
    connections: config.connections,
    ...(config.partitions === undefined ? {} : { partitions: config.partitions }),
    ...(Object.keys(config.params).length === 0 ? {} : { params: { ...config.params } }),
    ...(config.statePath === undefined
      ? {}
      : { watermarkStore: new FileWatermarkStore({ path: config.statePath }) }),
    queue: config.queue,
    dedup: {
      ...(config.dedupMaxAgeMs === undefined ? {} : { maxAgeMs: config.dedupMaxAgeMs }),
      ...(config.dedupMaxEntries === undefined ? {} : { maxEntries: config.dedupMaxEntries }),
    },
    ...(config.cap === undefined
      ? {}
      : { meter: { cap: config.cap, pauseAtCap: config.pauseAtCap } }),
    alerts: {
      ...(config.webhookUrl === undefined ? {} : { webhookUrl: config.webhookUrl }),
      ...(config.lagAlertMs === undefined ? {} : { lagThresholdMs: config.lagAlertMs }),
    },
    ...(config.endStaleConnections ? { tooManyConnections: { endStale: true } } : {}),
  };
}

/**
 * Runs `holdfast stream` with `argv` (the arguments after `stream`); resolves with the exit
 * status. Throws a `UsageError` for bad flags.
 *
 * @example
 * ```ts ignore
 * import { runStream } from "./run_stream.ts";
 * const code = await runStream(["--url", "http://127.0.0.1:8080/2/tweets/sample/stream"], { X_BEARER_TOKEN: "t" });
 * ```
 */
export async function runStream(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Promise<number> {
  const parsed = parseFlags(STREAM_COMMAND, argv);
  if (parsed.help) {
    printOut(renderHelp(STREAM_COMMAND));
    return 0;
  }
  const config = streamConfigFrom(parsed, env);
  const note = noteWriter(config.logFormat);
  const { signal, remove } = waitForStopSignal();
  const sinks = await openSinks(config.sinks);
  for (const sink of sinks) {
    if (sink instanceof FileSink && sink.repairedBytes > 0) {
      const { path } = sink.position().detail ?? {};
      note(
        "file-repaired",
        { path, bytes: sink.repairedBytes },
        `repaired a torn last line (${sink.repairedBytes} bytes) of ${path}`,
      );
    }
  }
  let collector: Collector;
  try {
    collector = createCollector({
      ...collectorOptionsFor(config),
      sinks,
      onEvent: eventLogger(config.logFormat, printErr),
    });
  } catch (error) {
    await Promise.allSettled(sinks.map((sink) => sink.close()));
    remove();
    throw error;
  }
  const health = config.healthPort === undefined ? undefined : await serveHealth(collector, {
    port: config.healthPort,
    hostname: config.healthHost,
    ...(config.lagAlertMs === undefined ? {} : { lagAlertMs: config.lagAlertMs }),
  }).catch(async (error) => {
    await collector.close();
    remove();
    throw error;
  });
  if (health !== undefined) {
    note("health", { url: health.url }, `listening on ${health.url}`);
  }
  const stop = await Promise.race([signal, collector.closed.then(() => undefined)]);
  if (stop !== undefined) note("stopping", { signal: stop }, `on ${stop}`);
  await collector.close();
  await health?.close();
  remove();
  if (stop !== undefined) return 0;
  const reasons = collector.status().connections.map((c) => c.stopReason ?? "stopped");
  note("exited", { reasons }, `every connection stopped: ${[...new Set(reasons)].join(", ")}`);
  return reasons.every((reason) => reason === "closed" || reason === "paused") ? 0 : 1;
}

/** A CLI note (not a collector event) in the log format. */
function noteWriter(
  format: LogFormat,
): (event: string, fields: Record<string, unknown>, text: string) => void {
  return (event, fields, text) => {
    const time = new Date().toISOString();
    printErr(
      format === "json"
        ? `${JSON.stringify({ time, event, ...fields })}\n`
        : `${time} ${event} ${text}\n`,
    );
  };
}
