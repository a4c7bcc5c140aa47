/** A `ClientStatus` builder for the health server's tests: connected a minute before `NOW`. */
import type { ClientStatus } from "../../src/client_status.ts";

/** The fixed "now" the fixture's times are relative to. */
export const NOW: number = Date.parse("2025-01-01T12:00:00.000Z");
/** No failed attempts in any class. */
export const ZERO = { immediate: 0, network: 0, http: 0, "rate-limit": 0, budget: 0 } as const;

/** A connected client's status, with `overrides` applied. */
export function makeStatus(overrides: Partial<ClientStatus> = {}): ClientStatus {
  return {
    state: "connected",
    sinceMs: NOW - 60_000,
    url: "https://api.x.com/2/tweets/search/stream",
    attempts: 1,
    attemptsByClass: ZERO,
    connectedAtMs: NOW - 60_000,
    lastActivityMs: NOW - 1_000,
    lastDisconnect: undefined,
    lastError: undefined,
    nextRetryAtMs: undefined,
    nextRetryClass: undefined,
    rateLimit: undefined,
    counts: { posts: 0, heartbeats: 0, disconnects: 0, malformed: 0, bytes: 0 },
    newestPostAtMs: undefined,
    stallTimeoutMs: 30_000,
    stopReason: undefined,
    ...overrides,
  };
}
