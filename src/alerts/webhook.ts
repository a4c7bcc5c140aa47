/**
 * Delivery of alerts to a webhook (Slack-compatible relays, PagerDuty bridges, any HTTP endpoint).
 *
 * @module
 */
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";
import { HttpError } from "../errors/http_error.ts";
import type { Alert } from "./alert_limiter.ts";

/** Options of {@linkcode createWebhookSender}. */
export interface WebhookSenderOptions {
  /** Where to POST. */
  readonly url: string;
  /** The fetch to use (inject one in tests or to add a proxy). @default {globalThis.fetch} */
  readonly fetch?: typeof fetch;
  /** Extra request headers (e.g. an authorization token). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Give up on a request after this long. @default {10_000} */
  readonly timeoutMs?: number;
  /** Receives every failure (network error, timeout, non-2xx as `HttpError`). @default {ignore} */
  readonly onError?: (error: unknown) => void;
}

/** The JSON body the webhook receives. */
export interface WebhookBody {
  /** Always `"holdfast"`, so a shared endpoint can route by sender. */
  readonly source: "holdfast";
  /** What kind of trouble (an `AlertKind`). */
  readonly kind: Alert["kind"];
  /** One line for a person. */
  readonly message: string;
  /** Figures behind the message (`{}` when none). */
  readonly details: Readonly<Record<string, unknown>>;
  /** When the alert was raised, epoch ms. */
  readonly atMs: number;
  /** The same time as ISO 8601 text. */
  readonly at: string;
}

const OptionsSchema = v.object({
  url: v.pipe(v.string("must be a string"), v.url("must be an absolute URL")),
  fetch: v.optional(v.function("must be a function")),
  headers: v.optional(v.record(v.string(), v.string("must be a string"), "must be an object")),
  timeoutMs: v.optional(v.pipe(
    v.number("must be a positive integer"),
    v.integer("must be a positive integer"),
    v.minValue(1, "must be a positive integer"),
  )),
  onError: v.optional(v.function("must be a function")),
}, "must be an object");

/**
 * Makes a function that POSTs an alert as JSON ({@linkcode WebhookBody}) to `url`. It never
 * throws or rejects: failures, timeouts and non-2xx answers go to `onError`. Throws `TypeError` or
 * `RangeError` at once on invalid options.
 *
 * @example
 * ```ts
 * import { createWebhookSender } from "./webhook.ts";
 * const bodies: unknown[] = [];
 * const send = createWebhookSender({
 *   url: "https://alerts.example/hook",
 *   fetch: async (_url, init) => {
 *     bodies.push(JSON.parse(String(init?.body)));
 *     return new Response(null, { status: 204 });
 *   },
 * });
 * await send({ kind: "lag", message: "Posts arrive 90 s late", atMs: 0 });
 * console.assert((bodies[0] as { at: string }).at === "1970-01-01T00:00:00.000Z");
 * ```
 */
export function createWebhookSender(
  options: WebhookSenderOptions,
): (alert: Alert) => Promise<void> {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) {
    const issue = result.issues[0];
    throw invalidOption("WebhookSender", issue);
  }
  const { url, headers = {}, timeoutMs = 10_000 } = options;
  const fetchFn = options.fetch ?? globalThis.fetch;
  const onError = options.onError ?? (() => {});
  const report = (error: unknown): void => {
    try {
      onError(error);
    } catch {
      // Nowhere left to report to; a failing alert must never reach the stream reader.
    }
  };

  return async (alert: Alert): Promise<void> => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Raced as well as aborted: a fetch that ignores its signal must not hang the sender.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new Error(`Webhook gave no answer within ${timeoutMs} ms`);
        error.name = "TimeoutError";
        controller.abort(error);
        reject(error);
      }, timeoutMs);
    });
    try {
      const body: WebhookBody = {
        source: "holdfast",
        kind: alert.kind,
        message: alert.message,
        details: alert.details ?? {},
        atMs: alert.atMs,
        at: new Date(alert.atMs).toISOString(),
      };
      const response = await Promise.race([
        fetchFn(url, {
          method: "POST",
          headers: { ...headers, "content-type": "application/json" },
          body: JSON.stringify(body),
          signal: controller.signal,
        }),
        timeout,
      ]);
      if (!response.ok) {
        const text = await Promise.race([response.text(), timeout]).catch(() => undefined);
        report(new HttpError(response.status, response.headers, text?.slice(0, 65_536)));
      } else {
        response.body?.cancel().catch(() => {});
      }
    } catch (error) {
      report(error);
    } finally {
      clearTimeout(timer);
    }
  };
}
