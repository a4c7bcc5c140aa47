/**
 * What a disconnect means for the collector: a full buffer (backfill impossible, plan a
 * Recovery), or a sudden stop (a full buffer whose notice never came, if the reader lagged).
 *
 * @module
 */
import type { DisconnectCause } from "../disconnect_cause.ts";

/**
 * True when X dropped the connection as a slow reader: PowerTrack's full-buffer message or a v2
 * `operational-disconnect` of the `SlowReader` kind. Backfill is not available afterwards.
 *
 * @example
 * ```ts
 * import { isFullBuffer } from "./disconnect_kinds.ts";
 * console.assert(isFullBuffer({ kind: "disconnect-message", disconnectType: "SlowReader" }));
 * console.assert(!isFullBuffer({ kind: "eof" }));
 * ```
 */
export function isFullBuffer(cause: DisconnectCause): boolean {
  return (cause.kind === "system-message" && cause.systemKind === "full-buffer") ||
    (cause.kind === "disconnect-message" && cause.disconnectType === "SlowReader");
}

/**
 * True for an end without a word from X (end of body, a failed read, silence): if the reader
 * lagged at that moment, it may have been a slow-reader drop whose notice never arrived.
 *
 * @example
 * ```ts
 * import { isSuddenStop } from "./disconnect_kinds.ts";
 * console.assert(isSuddenStop({ kind: "eof" }) && !isSuddenStop({ kind: "closed" }));
 * ```
 */
export function isSuddenStop(cause: DisconnectCause): boolean {
  return cause.kind === "eof" || cause.kind === "network" || cause.kind === "stall";
}
