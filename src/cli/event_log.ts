/**
 * Lifecycle events as lines for stderr: `text` for people, `json` (one object per line) for log
 * pipelines. Heartbeats and single duplicates are too frequent to log; everything else is.
 * Nothing logged carries a credential (causes and errors go through the health server's scrubbers).
 *
 * @module
 */
import type { CollectorEvent } from "../collector/collector_types.ts";
import type { DisconnectCause } from "../disconnect_cause.ts";
import { causeToJson, describeCause } from "../server/cause_json.ts";
import { errorMessage, scrubText, toSafeJson } from "../server/redact.ts";
import { formatDuration } from "./parse_duration.ts";
import type { LogFormat } from "./stream_args.ts";

const QUIET: ReadonlySet<string> = new Set(["heartbeat", "duplicate"]);

/**
 * One event as a log line (with its trailing `\n`), or `undefined` for events not logged.
 *
 * @example
 * ```ts
 * import { formatEvent } from "./event_log.ts";
 * const event = { type: "retry-scheduled", atMs: 0, connectionId: 0, delayMs: 250,
 *   backoffClass: "network", attempt: 1, retryAtMs: 250 } as const;
 * console.assert(formatEvent(event, "text") ===
 *   "1970-01-01T00:00:00.000Z retry-scheduled conn=0 in 250ms (network backoff, attempt 1)\n");
 * console.assert(JSON.parse(formatEvent(event, "json")!).backoffClass === "network");
 * ```
 */
export function formatEvent(event: CollectorEvent, format: LogFormat): string | undefined {
  if (QUIET.has(event.type)) return undefined;
  if (format === "json") return `${JSON.stringify(eventJson(event))}\n`;
  const time = new Date(event.atMs).toISOString();
  const conn = "connectionId" in event ? ` conn=${event.connectionId}` : "";
  return `${time} ${event.type}${conn} ${describeEvent(event)}`.trimEnd() + "\n";
}

/** The words after the event type in the text format. */
function describeEvent(event: CollectorEvent): string {
  switch (event.type) {
    case "connecting":
      return `attempt ${event.attempt} ${scrubText(event.url)}`;
    case "connected":
      return `HTTP ${event.status}`;
    case "disconnected":
      return `by ${describeCause(event.cause)}${event.established ? "" : " (never established)"}`;
    case "retry-scheduled":
      return `in ${
        formatDuration(event.delayMs)
      } (${event.backoffClass} backoff, attempt ${event.attempt})`;
    case "stall":
      return `no data for ${formatDuration(event.silentMs)}`;
    case "alert":
    case "collector-alert":
      return `[${event.alert}] ${scrubText(event.message)}`;
    case "system":
      return `${event.message.level}: ${scrubText(event.message.message)}`;
    case "problem":
      return scrubText(
        [event.message.title, event.message.detail].filter((s) => s !== undefined).join(": "),
      );
    case "malformed":
      return "a line that is not JSON";
    case "callback-error":
      return errorMessage(event.error);
    case "stopped":
      return `${event.reason}${event.error ? `: ${errorMessage(event.error)}` : ""}`;
    case "backfill-planned":
      return `${event.minutes} min for a gap of ${formatDuration(Math.max(1, event.gapMs))}`;
    case "recovery-started":
    case "recovery-finished":
      return `${new Date(event.startMs).toISOString()} .. ${
        new Date(event.endMs).toISOString()
      }, ${event.posts} posts`;
    default:
      return JSON.stringify(toSafeJson(event));
  }
}

/** The event as a JSON object without credentials or live objects. */
function eventJson(event: CollectorEvent): Record<string, unknown> {
  const { atMs, type, ...rest } = event as CollectorEvent & Record<string, unknown>;
  const fields: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(rest)) {
    if (key === "cause") {
      fields.cause = causeToJson(value as DisconnectCause);
    } else if (key === "error") {
      fields.error = value === undefined ? undefined : errorMessage(value);
    } else fields[key] = toSafeJson(value);
  }
  return { time: new Date(atMs).toISOString(), event: type, ...fields };
}

/**
 * A listener that writes each logged event with `write` (stderr in the CLI).
 *
 * @example
 * ```ts
 * import { eventLogger } from "./event_log.ts";
 * const lines: string[] = [];
 * const log = eventLogger("text", (line) => lines.push(line));
 * log({ type: "connected", atMs: 0, connectionId: 0, status: 200, rateLimit: undefined });
 * log({ type: "heartbeat", atMs: 0, connectionId: 0 });
 * console.assert(lines.length === 1 && lines[0].includes("connected conn=0 HTTP 200"));
 * ```
 */
export function eventLogger(
  format: LogFormat,
  write: (line: string) => void,
): (event: CollectorEvent) => void {
  return (event) => {
    const line = formatEvent(event, format);
    if (line !== undefined) write(line);
  };
}
