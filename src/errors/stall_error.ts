/** Thrown (as a stream error) by {@linkcode HeartbeatWatchdog} when nothing arrives in time.
 * @module */

/** Neither data nor a heartbeat arrived for `timeoutMs`: the connection is presumed dead. */
export class StallError extends Error {
  /** How long the connection had been silent, in milliseconds. */
  readonly silentMs: number;
  /** The watchdog's timeout, in milliseconds. */
  readonly timeoutMs: number;

  /** Creates a StallError for a connection silent for `silentMs` against a `timeoutMs` budget. */
  constructor(silentMs: number, timeoutMs: number, options?: ErrorOptions) {
    super(
      `No data or heartbeat for ${silentMs} ms (timeout ${timeoutMs} ms): stream stalled`,
      options,
    );
    this.name = "StallError";
    this.silentMs = silentMs;
    this.timeoutMs = timeoutMs;
  }
}
