/**
 * Fans the collector's events out to its listeners, so that no listener can break a reader.
 *
 * @module
 */
import { EventHub } from "../client/event_hub.ts";
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
export class CollectorHub extends EventHub<CollectorEvent> {}
