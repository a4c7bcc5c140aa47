/**
 * Reads the (short) body of an error response without letting a huge or hanging body block the
 * connect loop.
 *
 * @module
 */

/** The most of an error body that is read (64 KiB): X's problem documents are a few hundred bytes. */
export const MAX_ERROR_BODY_BYTES = 64 * 1024;

/**
 * Reads `response`'s body as UTF-8 text, stopping at `maxBytes` or after `timeoutMs`, whichever
 * comes first, and cancels the rest of the body. Returns what was read (possibly partial), or
 * `undefined` when there is no body or nothing could be read. Never rejects.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { readBodyText } from "./read_body.ts";
 * const text = await readBodyText(new Response("x".repeat(100)), { maxBytes: 10, timeoutMs: 1_000 });
 * assert.ok(text === "x".repeat(10));
 * ```
 */
export async function readBodyText(
  response: Response,
  options: { maxBytes?: number; timeoutMs: number },
): Promise<string | undefined> {
  const body = response.body;
  if (body === null) return undefined;
  const maxBytes = options.maxBytes ?? MAX_ERROR_BODY_BYTES;
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  // A pending read resolves as done once the reader is cancelled.
  const timer: ReturnType<typeof setTimeout> = setTimeout(() => {
    reader.cancel().catch(() => {});
  }, options.timeoutMs);
  try {
    while (received < maxBytes) {
      const { done, value } = await reader.read();
      if (done) break;
      const take = value.length > maxBytes - received
        ? value.subarray(0, maxBytes - received)
        : value;
      received += take.length;
      text += decoder.decode(take, { stream: true });
    }
  } catch {
    // The body failed part-way: what arrived is still worth reporting.
  } finally {
    clearTimeout(timer);
    await reader.cancel().catch(() => {});
  }
  text += decoder.decode();
  return received === 0 ? undefined : text;
}
