/**
 * Faults waiting for the next connect attempts: forced HTTP statuses, injected rate limits and
 * flaps. Taken in the order they were queued, each by as many attempts as its `count`, and
 * forgotten once expired (an outage does not wait for a client that backs off longer).
 *
 * @module
 */
import type { EndpointName } from "./stream_catalog.ts";

/** A fault that answers a connect attempt. */
export type ConnectFault =
  | { readonly kind: "http-status"; readonly status: number }
  | { readonly kind: "rate-limit"; readonly resetInMs: number }
  | { readonly kind: "flap"; readonly afterMs: number };

interface Pending {
  readonly fault: ConnectFault;
  readonly endpoint: EndpointName | undefined;
  /** Dropped, unused, after this time (epoch ms). */
  readonly expiresAtMs: number;
  remaining: number;
}

/** The queue of connect faults. */
export class ConnectFaultQueue {
  #pending: Pending[] = [];

  /** Queues `fault` for the next `count` attempts (to `endpoint`, or any), until `expiresAtMs`. */
  add(
    fault: ConnectFault,
    count: number,
    endpoint: EndpointName | undefined,
    expiresAtMs = Infinity,
  ): void {
    this.#pending.push({ fault, endpoint, expiresAtMs, remaining: count });
  }

  /** Takes the fault for an attempt to `endpoint` at `nowMs`, if one waits. */
  take(endpoint: EndpointName, nowMs: number): ConnectFault | undefined {
    this.#pending = this.#pending.filter((p) => p.expiresAtMs > nowMs);
    const index = this.#pending.findIndex((p) =>
      p.endpoint === undefined || p.endpoint === endpoint
    );
    if (index < 0) return undefined;
    const pending = this.#pending[index] as Pending;
    if (--pending.remaining <= 0) this.#pending.splice(index, 1);
    return pending.fault;
  }

  /** How many attempts are still to be answered by a fault. */
  get size(): number {
    return this.#pending.reduce((sum, p) => sum + p.remaining, 0);
  }

  /** Forgets every pending fault. */
  clear(): void {
    this.#pending = [];
  }
}
