/**
 * A scripted, in-process `fetch` for connect-loop tests: each request gets the next scripted
 * answer (status, headers, body steps played over fake time, a rejection, or silence), and every
 * request is recorded with its URL, headers and abort state.
 *
 * @module
 */

/** One step of a scripted body. */
export type BodyStep =
  /** Bytes to send now (a string is UTF-8 encoded). */
  | string
  | Uint8Array
  /** Wait this long (on the installed clock) before the next step. */
  | { readonly waitMs: number }
  /** End the body cleanly (EOF). */
  | { readonly end: true }
  /** Fail the body read with this error (a reset connection). */
  | { readonly error: unknown };

/** One scripted answer. A body that does not `end` stays open (as X's does) until aborted. */
export interface ScriptedAnswer {
  /** @default 200 */
  readonly status?: number;
  readonly headers?: HeadersInit;
  readonly body?: readonly BodyStep[];
  /** Reject the fetch with this error (DNS, refused, TLS...). */
  readonly reject?: unknown;
  /** Never answer: the fetch hangs until aborted. */
  readonly hang?: boolean;
  /** Answer after this long. @default 0 */
  readonly respondAfterMs?: number;
}

/** What the fake recorded about one request. */
export interface RecordedRequest {
  readonly index: number;
  readonly url: URL;
  readonly headers: Headers;
  readonly signal: AbortSignal | undefined;
  /** The request itself (held, as a real fetch holds it while the exchange lasts). */
  readonly request: Request;
  /** `Date.now()` when fetch was called. */
  readonly atMs: number;
  /** How many earlier requests were still open (neither aborted nor finished) at this call. */
  readonly openAtStart: number;
  /** True once the request's signal aborted. */
  readonly aborted: boolean;
  /** True once the body ended, errored, or was cancelled by the reader. */
  readonly finished: boolean;
  /** True when the reader cancelled the body. */
  readonly cancelled: boolean;
}

/** The fake and what it saw. */
export interface FakeFetch {
  readonly fetch: (input: RequestInfo | URL, init?: RequestInit) => Promise<Response>;
  readonly requests: readonly RecordedRequest[];
}

type Script = readonly ScriptedAnswer[] | ((index: number, url: URL) => ScriptedAnswer);

/** The answer once an array script is used up: silence until aborted. */
const EXHAUSTED: ScriptedAnswer = { hang: true };

/**
 * Creates a fake fetch answering request `i` with `script[i]` (or `script(i, url)`).
 *
 * @example
 * ```ts
 * import { createFakeFetch } from "./fake_fetch.ts";
 * const fake = createFakeFetch([{ body: ["hello", { end: true }] }]);
 * const response = await fake.fetch("https://x.example/");
 * console.assert((await response.text()) === "hello" && fake.requests.length === 1);
 * ```
 */
export function createFakeFetch(script: Script): FakeFetch {
  const requests: Array<
    RecordedRequest & { aborted: boolean; finished: boolean; cancelled: boolean }
  > = [];
  const fetch = (input: RequestInfo | URL, init: RequestInit = {}): Promise<Response> => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const index = requests.length;
    const answer = typeof script === "function" ? script(index, url) : script[index] ?? EXHAUSTED;
    const signal = request.signal;
    const record = {
      index,
      url,
      headers: new Headers(request.headers),
      signal,
      request,
      atMs: Date.now(),
      openAtStart: requests.filter((r) => !r.aborted && !r.finished).length,
      aborted: signal?.aborted ?? false,
      finished: false,
      cancelled: false,
    };
    requests.push(record);
    const timers = new Set<ReturnType<typeof setTimeout>>();
    const sleep = (ms: number): Promise<void> =>
      new Promise((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, ms);
        timers.add(timer);
      });
    const stopTimers = (): void => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    };

    return new Promise<Response>((resolve, reject) => {
      let bodyController: ReadableStreamDefaultController<Uint8Array> | undefined;
      const onAbort = (): void => {
        record.aborted = true;
        stopTimers();
        const reason = signal?.reason ?? new DOMException("aborted", "AbortError");
        reject(reason);
        if (bodyController !== undefined && !record.finished) {
          record.finished = true;
          bodyController.error(reason);
        }
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener("abort", onAbort, { once: true });

      const respond = async (): Promise<void> => {
        if (answer.respondAfterMs) await sleep(answer.respondAfterMs);
        if (record.aborted) return;
        if (answer.hang) return;
        if (answer.reject !== undefined) {
          record.finished = true;
          return reject(answer.reject);
        }
        const body = new ReadableStream<Uint8Array>({
          start(controller) {
            bodyController = controller;
            void play(controller);
          },
          cancel() {
            record.cancelled = true;
            record.finished = true;
            stopTimers();
          },
        });
        resolve(new Response(body, { status: answer.status ?? 200, headers: answer.headers }));
      };
      const play = async (
        controller: ReadableStreamDefaultController<Uint8Array>,
      ): Promise<void> => {
        for (const step of answer.body ?? []) {
          if (record.finished) return;
          if (typeof step === "string") controller.enqueue(new TextEncoder().encode(step));
          else if (step instanceof Uint8Array) controller.enqueue(step);
          else if ("waitMs" in step) await sleep(step.waitMs);
          else if ("end" in step) {
            record.finished = true;
            return controller.close();
          } else {
            record.finished = true;
            return controller.error(step.error);
          }
        }
      };
      void respond();
    });
  };
  return { fetch, requests };
}
