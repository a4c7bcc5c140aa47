/**
 * Fans the collector's events out to its listeners, so that no listener can break a reader.
 *
 * @module
 */
import type { CollectorEvent } from "./collector_types.ts";

/**
 * Calls every listener with each event. A listener that throws (or whose promise rejects) is
 * reported once to the others as a `callback-error` event (`connectionId` -1 when the event
 * concerned no connection); a throw while handling a `callback-error` is dropped.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { CollectorHub } from "./collector_hub.ts";
 * const hub = new CollectorHub();
 * const seen: string[] = [];
 * hub.subscribe(() => { throw new Error("boom"); });
 * hub.subscribe((event) => void seen.push(event.type));
 * hub.emit({ type: "duplicate", atMs: 0, source: "connection-1", id: "1" });
 * assert.equal(seen.join(), "duplicate,callback-error");
 * ```
 */
export class CollectorHub {
  #listeners: ((event: CollectorEvent) => void)[] = [];

  /** Adds a listener; returns the function that removes it (idempotent). */
  subscribe(listener: (event: CollectorEvent) => void): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe as 'listener' must be a function: current value is ${String(listener)}`,
      );
    }
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Calls every listener with `event`; never throws. */
  emit(event: CollectorEvent): void {
    let failures: Array<[(event: CollectorEvent) => void, unknown]> | undefined;
    for (const listener of this.#listeners) {
      try {
        const result: unknown = listener(event);
        if (isThenable(result)) {
          result.then(undefined, (error: unknown) => this.#report(listener, event, error));
        }
      } catch (error) {
        (failures ??= []).push([listener, error]);
      }
    }
    if (failures === undefined) return;
    for (const [listener, error] of failures) this.#report(listener, event, error);
  }

  #report(failed: (event: CollectorEvent) => void, event: CollectorEvent, error: unknown): void {
    if (event.type === "callback-error") return;
    const report: CollectorEvent = {
      type: "callback-error",
      atMs: event.atMs,
      connectionId: "connectionId" in event ? event.connectionId : -1,
      error,
    };
    for (const listener of this.#listeners) {
      if (listener === failed) continue;
      try {
        const result: unknown = listener(report);
        if (isThenable(result)) result.then(undefined, () => {});
      } catch {
        // Dropped: reporting a reporter's failure could loop forever.
      }
    }
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null &&
    typeof (value as { then?: unknown }).then === "function";
}
