/** Why a client stopped for good instead of reconnecting.
 * @module */

/** The client stopped because retrying cannot help (400/404/406/413/416, InvalidRules,
 * usage-capped, ...). `reason` is a short machine-readable tag; `message` says it for a person. */
export class StreamStoppedError extends Error {
  /** A short tag: `"http-400"`, `"invalid-rules"`, `"usage-capped"`, ... */
  readonly reason: string;

  /** Creates a StreamStoppedError with a tag and a human message. */
  constructor(reason: string, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "StreamStoppedError";
    this.reason = reason;
  }
}
