/**
 * Rate-limiting of alerts to a person: a storm sends one alert at once, then one summary per
 * window, instead of a page per reconnect.
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";
import type { AlertKind } from "../client_events.ts";

/** An alert as raised by a detector or the client. */
export interface AlertInput {
  /** What kind of trouble; alerts are limited per kind. */
  readonly kind: AlertKind;
  /** One line for a person. */
  readonly message: string;
  /** Figures behind the message. */
  readonly details?: Readonly<Record<string, unknown>>;
}

/** An alert as sent: stamped with its time; a summary also says how many it stands for. */
export interface Alert extends AlertInput {
  /** When it was sent, epoch ms. */
  readonly atMs: number;
  /** For a summary: how many alerts of this kind were held back in the window. */
  readonly suppressed?: number;
}

/** Options of {@linkcode AlertLimiter}. */
export interface AlertLimiterOptions {
  /** How long after an alert further ones of its kind are only counted. @default {300_000} (5 min) */
  readonly windowMs?: number;
  /** The clock, in epoch ms. @default {Date.now} */
  readonly now?: () => number;
  /** Delivers an alert (e.g. `createWebhookSender(...)`). A throw or rejection goes to `onError`. */
  readonly send: (alert: Alert) => void | Promise<void>;
  /** Receives what `send` threw or rejected with. @default {ignore} */
  readonly onError?: (error: unknown) => void;
}

/** 5 minutes: at most one alert and one summary per kind per 5 minutes. */
export const DEFAULT_ALERT_WINDOW_MS = 5 * 60_000;

const OptionsSchema = v.object({
  windowMs: v.optional(v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  )),
  now: v.optional(v.function("must be a function")),
  send: v.function("must be a function"),
  onError: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Validates {@linkcode AlertLimiterOptions} and fills in the defaults.
 *
 * @example
 * ```ts
 * import { resolveAlertLimiterOptions } from "./alert_limiter.ts";
 * console.assert(resolveAlertLimiterOptions({ send: () => {} }).windowMs === 300_000);
 * ```
 */
export function resolveAlertLimiterOptions(
  options: AlertLimiterOptions,
): Required<AlertLimiterOptions> {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const issue = result.issues[0];
    throw invalidOption("AlertLimiter", issue);
  }
  return {
    windowMs: options.windowMs ?? DEFAULT_ALERT_WINDOW_MS,
    now: options.now ?? Date.now,
    send: options.send,
    onError: options.onError ?? (() => {}),
  };
}

interface KindWindow {
  timer: ReturnType<typeof setTimeout>;
  suppressed: number;
  last: AlertInput;
}

/**
 * Sends the first alert of a kind at once; counts further ones of that kind for `windowMs`; when
 * the window ends, sends one summary ("3 more backoff-ceiling alerts in the last 5 min") if any
 * were held back, and keeps limiting while the storm lasts.
 *
 * @example
 * ```ts
 * import { AlertLimiter, type Alert } from "./alert_limiter.ts";
 * const sent: Alert[] = [];
 * const limiter = new AlertLimiter({ windowMs: 60_000, send: (alert) => void sent.push(alert) });
 * for (let i = 0; i < 5; i++) limiter.raise({ kind: "backoff-ceiling", message: `wait ${i}` });
 * limiter.close(); // flushes the summary
 * console.assert(sent.length === 2);
 * console.assert(sent[1].message.startsWith("4 more backoff-ceiling alerts in the last 1 min"));
 * ```
 */
export class AlertLimiter {
  readonly #options: Required<AlertLimiterOptions>;
  readonly #windows = new Map<AlertKind, KindWindow>();
  #closed = false;

  /** Creates a limiter; throws `RangeError`/`TypeError` on invalid options. */
  constructor(options: AlertLimiterOptions) {
    this.#options = resolveAlertLimiterOptions(options);
  }

  /** Sends `alert` now, or counts it if one of its kind was sent within `windowMs`. */
  raise(alert: AlertInput): void {
    const window = this.#windows.get(alert.kind);
    if (window) {
      window.suppressed++;
      window.last = alert;
      return;
    }
    this.#send({ ...alert, atMs: this.#options.now() });
    if (!this.#closed) this.#open(alert);
  }

  /** Clears the timers and sends the pending summaries. Later alerts are sent unlimited. */
  close(): void {
    this.#closed = true;
    for (const [kind, window] of this.#windows) {
      clearTimeout(window.timer);
      this.#windows.delete(kind);
      this.#sendSummary(window);
    }
  }

  #open(last: AlertInput): void {
    const window: KindWindow = {
      suppressed: 0,
      last,
      timer: setTimeout(() => {
        this.#windows.delete(last.kind);
        // A summary opens another window, so a lasting storm sends one summary per window.
        if (this.#sendSummary(window)) this.#open(window.last);
      }, this.#options.windowMs),
    };
    this.#windows.set(last.kind, window);
  }

  #sendSummary({ suppressed, last }: KindWindow): boolean {
    if (suppressed === 0) return false;
    const noun = suppressed === 1 ? "alert" : "alerts";
    this.#send({
      kind: last.kind,
      message:
        `${suppressed} more ${last.kind} ${noun} in the last ${
          formatDuration(this.#options.windowMs)
        } ` +
        `(latest: ${last.message})`,
      details: { suppressed, windowMs: this.#options.windowMs, latest: last.details ?? {} },
      atMs: this.#options.now(),
      suppressed,
    });
    return true;
  }

  #send(alert: Alert): void {
    try {
      const sending = this.#options.send(alert);
      if (sending instanceof Promise) sending.catch((error) => this.#report(error));
    } catch (error) {
      this.#report(error);
    }
  }

  #report(error: unknown): void {
    try {
      this.#options.onError(error);
    } catch {
      // Nowhere left to report to; an alerting failure must never reach the stream reader.
    }
  }
}

function formatDuration(ms: number): string {
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  if (ms % 1000 === 0) return `${ms / 1000} s`;
  return `${ms} ms`;
}
