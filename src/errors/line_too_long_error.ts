/** Raised by {@linkcode LineSplitter} when a line exceeds its cap.
 * @module */

/** A line grew past `maxLineBytes` without a `\n`: refused so memory stays bounded. */
export class LineTooLongError extends Error {
  /** The cap that was exceeded, in bytes. */
  readonly maxLineBytes: number;
  /** How many bytes the line had reached when it was refused. */
  readonly receivedBytes: number;

  /** Creates a LineTooLongError for a line of `receivedBytes` against `maxLineBytes`. */
  constructor(maxLineBytes: number, receivedBytes: number, options?: ErrorOptions) {
    super(
      `Line exceeded maxLineBytes (${maxLineBytes}): ${receivedBytes} bytes received without a newline`,
      options,
    );
    this.name = "LineTooLongError";
    this.maxLineBytes = maxLineBytes;
    this.receivedBytes = receivedBytes;
  }
}
