/**
 * The collector's alerting: the detectors (reconnect storm, volume drop, lag, queue dropping)
 * and the alerts raised by the collector and its connection loops, rate-limited per kind, then
 * emitted as `collector-alert` events and POSTed to a webhook.
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption, positiveInteger } from "../options_error.ts";
import type { AlertKind, ClientEvent } from "../client_events.ts";
import { type Alert, type AlertInput, AlertLimiter } from "../alerts/alert_limiter.ts";
import {
  LagDetector,
  ReconnectStormDetector,
  VolumeDropDetector,
  type VolumeDropOptions,
} from "../alerts/alert_rules.ts";
import { createWebhookSender } from "../alerts/webhook.ts";
import type { CollectorEvent } from "./collector_types.ts";

/** Options of {@linkcode AlertCenter}. */
export interface AlertCenterOptions {
  /** POST every alert that passes the limiter here, as JSON (`WebhookBody`). @default {no webhook} */
  readonly webhookUrl?: string;
  /** Extra webhook request headers (e.g. a token for the relay). @default {{}} */
  readonly webhookHeaders?: Readonly<Record<string, string>>;
  /** Give up on one webhook request after this long. @default {10_000} */
  readonly webhookTimeoutMs?: number;
  /** How long after an alert further ones of its kind only count toward a summary.
   * @default {300_000} (5 min) */
  readonly windowMs?: number;
  /** Alert when posts keep arriving more than this long after their `created_at`. @default {60_000} */
  readonly lagThresholdMs?: number;
  /** How long posts must stay late before the lag alert. @default {30_000} */
  readonly lagSustainMs?: number;
  /** `count` reconnects within `windowMs` are a storm. @default {{ count: 10, windowMs: 300_000 }} */
  readonly reconnectStorm?: { readonly count?: number; readonly windowMs?: number };
  /** The volume-drop detector's options (its clock is the center's), or `false` for none.
   * @default {VolumeDropDetector's defaults} */
  readonly volumeDrop?: Omit<VolumeDropOptions, "now"> | false;
  /** Alerts of these kinds from the connection loops are not sent to the webhook, because the
   * caller raises a richer one itself (e.g. `too-many-connections` with the list of connections).
   * @default {[]} */
  readonly holdClientAlerts?: readonly AlertKind[];
  /** Longest wait for webhook requests in flight when closing. @default {10_000} */
  readonly closeTimeoutMs?: number;
  /** The clock, epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** The fetch for the webhook. @default {globalThis.fetch} */
  readonly fetch?: (request: Request) => Promise<Response>;
  /** Receives each `collector-alert` event. A throw is caught and passed to `onError`. */
  readonly emit: (event: CollectorEvent) => void;
  /** Receives webhook failures (network, timeout, non-2xx `HttpError`) and throws of `emit`.
   * @default {ignore} */
  readonly onError?: (error: unknown) => void;
}

const fn = v.function("must be a function");

const OptionsSchema = v.object({
  webhookUrl: v.optional(v.pipe(v.string("must be a string"), v.url("must be an absolute URL"))),
  webhookHeaders: v.optional(
    v.record(v.string(), v.string("must be a string"), "must be an object"),
  ),
  webhookTimeoutMs: v.optional(positiveInteger),
  windowMs: v.optional(positiveInteger),
  lagThresholdMs: v.optional(positiveInteger),
  lagSustainMs: v.optional(
    v.pipe(v.number("must not be negative"), v.minValue(0, "must not be negative")),
  ),
  reconnectStorm: v.optional(v.object({
    count: v.optional(positiveInteger),
    windowMs: v.optional(positiveInteger),
  }, "must be an object")),
  volumeDrop: v.optional(
    v.union([v.literal(false), v.looseObject({})], "must be an object or false"),
  ),
  holdClientAlerts: v.optional(v.array(v.string("must be a string"), "must be an array")),
  closeTimeoutMs: v.optional(positiveInteger),
  now: v.optional(fn),
  fetch: v.optional(fn),
  // Required: checked below, as valibot words a missing key as the object's problem.
  emit: v.optional(fn),
  onError: v.optional(fn),
}, "must be an object");

/** What {@linkcode AlertCenter.tick} reads, once a second. */
export interface AlertTickSample {
  /** Posts written so far (a running total). */
  readonly written: number;
  /** Now minus the newest written post's `created_at`, ms. */
  readonly lagMs: number | undefined;
  /** Posts the queue dropped so far (a running total). */
  readonly queueDropped: number;
  /** True while the collector is paused on purpose (meter cap): no volume-drop alert then, and
   * the usual rate forms afresh after it. @default {false} */
  readonly paused?: boolean;
}

/**
 * Detects trouble and delivers alerts. Two limiters (one for the connection loops' own `alert`
 * events, one for the collector's alerts) each send the first alert of a kind at once and then
 * one summary per window. An alert of the collector that passes is emitted as a
 * `collector-alert` event and POSTed to `webhookUrl`; a loop's alert, already an event, is only
 * POSTed (never emitted twice). Nothing here throws after construction: webhook failures and
 * throwing callbacks go to `onError`.
 *
 * - Reconnect storm: `connecting` events after a loop's first attempt (`attempt > 1`).
 * - Volume drop: the posts written between two ticks, against their usual rate (not while
 *   `paused`).
 * - Lag: `lagMs` of ticks in which posts were written (a quiet stream is not "late").
 * - Queue dropping: a tick in which the queue's dropped total grew.
 *
 * @example
 * ```ts
 * import { AlertCenter } from "./alert_center.ts";
 * import type { CollectorEvent } from "./collector_types.ts";
 * const events: CollectorEvent[] = [];
 * const bodies: unknown[] = [];
 * const center = new AlertCenter({
 *   webhookUrl: "https://hooks.example/holdfast",
 *   fetch: async (request) => {
 *     bodies.push(await request.json());
 *     return new Response(null, { status: 204 });
 *   },
 *   emit: (event) => void events.push(event),
 * });
 * center.raise({ kind: "gap-unrecoverable", message: "A 30 h gap is beyond Recovery" });
 * await center.close();
 * console.assert(events[0].type === "collector-alert");
 * console.assert((bodies[0] as { kind: string }).kind === "gap-unrecoverable");
 * ```
 */
export class AlertCenter {
  readonly #now: () => number;
  readonly #emit: (event: CollectorEvent) => void;
  readonly #onError: (error: unknown) => void;
  readonly #closeTimeoutMs: number;
  readonly #hold: ReadonlySet<string>;
  readonly #webhook: ((alert: Alert) => Promise<void>) | undefined;
  readonly #own: AlertLimiter;
  readonly #client: AlertLimiter;
  readonly #storm: ReconnectStormDetector;
  readonly #newVolume: (() => VolumeDropDetector) | undefined;
  #volume: VolumeDropDetector | undefined;
  readonly #lag: LagDetector;
  readonly #inFlight = new Set<Promise<void>>();
  #lastWritten: number | undefined;
  #lastDropped: number | undefined;
  #closed = false;

  /** Creates the center; throws `TypeError`/`RangeError` naming the option on invalid options. */
  constructor(options: AlertCenterOptions) {
    const result = v.safeParse(OptionsSchema, options);
    if (!result.success) throw invalidOption("AlertCenter", result.issues[0]);
    if (options.emit === undefined) {
      throw new TypeError(
        "Cannot construct AlertCenter as 'emit' must be a function: current value is undefined",
      );
    }
    this.#now = options.now ?? Date.now;
    this.#emit = options.emit;
    this.#onError = options.onError ?? (() => {});
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.#hold = new Set(options.holdClientAlerts ?? []);
    const now = this.#now;
    const report = (error: unknown) => this.#report(error);
    if (options.webhookUrl !== undefined) {
      const fetchFn = options.fetch ?? ((request: Request) => globalThis.fetch(request));
      this.#webhook = createWebhookSender({
        url: options.webhookUrl,
        headers: options.webhookHeaders,
        timeoutMs: options.webhookTimeoutMs,
        fetch: ((input: RequestInfo | URL, init?: RequestInit) =>
          fetchFn(new Request(input, init))) as typeof fetch,
        onError: report,
      });
    }
    const windowMs = options.windowMs;
    this.#own = new AlertLimiter({
      windowMs,
      now,
      onError: report,
      send: (alert) => this.#deliver(alert, true),
    });
    // A loop's alert is already an event (the collector forwards every loop event).
    this.#client = new AlertLimiter({
      windowMs,
      now,
      onError: report,
      send: (alert) => this.#deliver(alert, false),
    });
    this.#storm = new ReconnectStormDetector({
      reconnects: options.reconnectStorm?.count,
      windowMs: options.reconnectStorm?.windowMs,
      now,
    });
    const volumeDrop = options.volumeDrop;
    this.#newVolume = volumeDrop === false
      ? undefined
      : () => new VolumeDropDetector({ ...volumeDrop, now });
    this.#volume = renamed("volumeDrop", () => this.#newVolume?.());
    this.#lag = new LagDetector({
      thresholdMs: options.lagThresholdMs,
      sustainMs: options.lagSustainMs,
      now,
    });
  }

  /** Feeds one event: reconnects to the storm detector; a loop's `alert` to the webhook. */
  observe(event: CollectorEvent): void {
    if (this.#closed) return;
    if (event.type === "connecting" && event.attempt > 1) {
      this.#raiseOwn(this.#storm.observe(event.atMs));
    } else if (event.type === "alert" && !this.#hold.has(event.alert)) {
      this.#client.raise(clientAlert(event));
    }
  }

  /** Runs the per-second checks: volume, lag and queue drops. */
  tick(sample: AlertTickSample): void {
    if (this.#closed) return;
    const atMs = this.#now();
    const written = sample.written - (this.#lastWritten ?? sample.written);
    this.#lastWritten = sample.written;
    if (sample.paused === true) {
      // Silence is expected while paused; afterwards the usual rate forms afresh (warm-up).
      this.#volume = undefined;
    } else {
      this.#volume ??= this.#newVolume?.();
      this.#raiseOwn(this.#volume?.observe(Math.max(0, written), atMs));
    }
    if (written > 0 && sample.lagMs !== undefined) {
      this.#raiseOwn(this.#lag.observe(atMs - sample.lagMs, atMs));
    }
    const dropped = sample.queueDropped - (this.#lastDropped ?? 0);
    this.#lastDropped = sample.queueDropped;
    if (dropped > 0) {
      this.#raiseOwn({
        kind: "queue-dropping",
        message: `The queue between the stream and the sinks dropped ${dropped} ` +
          `post${
            dropped === 1 ? "" : "s"
          } (${sample.queueDropped} in total): the sinks are too slow`,
        details: { dropped, totalDropped: sample.queueDropped },
      });
    }
  }

  /** Raises one of the collector's alerts (limited per kind, then emitted and POSTed). */
  raise(input: AlertInput): void {
    if (!this.#closed) this.#raiseOwn(input);
  }

  /** Sends pending summaries and waits (at most `closeTimeoutMs`) for webhook requests in
   * flight. Later calls of `observe`, `tick` and `raise` are ignored. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#own.close();
      this.#client.close();
    }
    if (this.#inFlight.size === 0) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#closeTimeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#inFlight]), timeout]);
    clearTimeout(timer);
  }

  #raiseOwn(input: AlertInput | undefined): void {
    if (input !== undefined) this.#own.raise(input);
  }

  #deliver(alert: Alert, asEvent: boolean): void {
    if (asEvent) {
      try {
        this.#emit({
          type: "collector-alert",
          atMs: alert.atMs,
          alert: alert.kind,
          message: alert.message,
          ...(alert.details === undefined ? {} : { details: alert.details }),
        });
      } catch (error) {
        this.#report(error);
      }
    }
    if (this.#webhook === undefined) return;
    const sending = this.#webhook(alert).catch((error) => this.#report(error));
    this.#inFlight.add(sending);
    sending.finally(() => this.#inFlight.delete(sending));
  }

  #report(error: unknown): void {
    try {
      this.#onError(error);
    } catch {
      // Nowhere left to report to; an alerting failure must never reach the collector.
    }
  }
}

function clientAlert(event: Extract<ClientEvent, { type: "alert" }>): AlertInput {
  return {
    kind: event.alert,
    message: event.message,
    details: { ...event.details, connectionId: event.connectionId },
  };
}

/** Builds a detector, naming its options as the center's in a construction error. */
function renamed<T>(option: string, build: () => T): T {
  try {
    return build();
  } catch (error) {
    if (!(error instanceof Error)) throw error;
    const message = error.message.replace(
      /^Cannot construct \w+ as '/,
      `Cannot construct AlertCenter as '${option}.`,
    );
    throw error instanceof RangeError ? new RangeError(message) : new TypeError(message);
  }
}
