/**
 * Delivers client events to user listeners, so that no listener can break the connect loop.
 *
 * @module
 */
import type { ClientEvent } from "../client_events.ts";

/** A function that receives client events. */
export type ClientEventListener = (event: ClientEvent) => void;

/** What a hub can carry: tagged, timed events with a `callback-error` variant of this shape. */
export interface HubEvent {
  /** The tag. */
  readonly type: string;
  /** When it happened, epoch ms. */
  readonly atMs: number;
}

/**
 * Fans events out to listeners. A listener that throws (or returns a promise that rejects) is
 * caught, and the error is reported once, as a `callback-error` event, to the OTHER listeners; a
 * throw while handling a `callback-error` is dropped, so errors never cascade.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { EventHub } from "./event_hub.ts";
 * import type { ClientEvent } from "../client_events.ts";
 * const hub = new EventHub();
 * const seen: string[] = [];
 * hub.subscribe(() => { throw new Error("boom"); });
 * hub.subscribe((e: ClientEvent) => seen.push(e.type));
 * hub.emit({ type: "heartbeat", atMs: 0, connectionId: 0 });
 * assert.equal(seen.join(), "heartbeat,callback-error");
 * ```
 */
export class EventHub<E extends HubEvent = ClientEvent> {
  #listeners: ((event: E) => void)[] = [];

  /** Adds a listener; returns the function that removes it (idempotent). */
  subscribe(listener: (event: E) => void): () => void {
    if (typeof listener !== "function") {
      throw new TypeError(
        `Cannot subscribe as 'listener' must be a function: current value is ${String(listener)}`,
      );
    }
    // Copy on write: an emit in progress keeps the list it started with.
    this.#listeners = [...this.#listeners, listener];
    return () => {
      this.#listeners = this.#listeners.filter((l) => l !== listener);
    };
  }

  /** Calls every listener with `event`, then reports any throw; never throws. */
  emit(event: E): void {
    let failures: Array<[(event: E) => void, unknown]> | undefined;
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
    if (failures !== undefined) {
      for (const [listener, error] of failures) this.#report(listener, event, error);
    }
  }

  /** Tells the other listeners that `failed` threw; a throw while told is dropped (no cascade).
   * The report's `connectionId` is the event's, or -1 when the event concerned no connection. */
  #report(failed: (event: E) => void, event: E, error: unknown): void {
    if (event.type === "callback-error") return;
    const connectionId = (event as { connectionId?: number }).connectionId ?? -1;
    const report = { type: "callback-error", atMs: event.atMs, connectionId, error } as const;
    for (const listener of this.#listeners) {
      if (listener === failed) continue;
      try {
        // Both ClientEvent and CollectorEvent have this variant.
        const result: unknown = listener(report as unknown as E);
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
