/** A non-2xx answer to a stream or API request.
 * @module */

/** The server answered with a status other than 2xx. */
export class HttpError extends Error {
  /** The HTTP status code. */
  readonly status: number;
  /** The response headers (rate-limit figures live here). */
  readonly headers: Headers;
  /** The response body as text (at most 64 KiB), when it could be read. */
  readonly body: string | undefined;

  /** Creates an HttpError from a status, headers and (optionally) the body text. */
  constructor(status: number, headers: Headers, body?: string, options?: ErrorOptions) {
    super(`HTTP ${status}${body ? `: ${body.slice(0, 300)}` : ""}`, options);
    this.name = "HttpError";
    this.status = status;
    this.headers = headers;
    this.body = body;
  }
}
