/**
 * X's documented numbers, each stated once, with its source. Everything else in holdfast reads
 * them from here (see `shared/reference/x-streaming-contract.md` and X's "Disconnections" page).
 *
 * @module
 */

/** v2 streams send a keep-alive `\r\n` at least every 20 s (X docs: "20-second keep alive heartbeat"). */
export const V2_HEARTBEAT_INTERVAL_MS = 20_000;
/** PowerTrack sends a keep-alive every 10 s (PowerTrack docs). */
export const POWERTRACK_HEARTBEAT_INTERVAL_MS = 10_000;
/** Margin added to the heartbeat interval before a silent connection is called stalled: heartbeats
 * often arrive a little late, so the margin keeps quiet streams from false alarms. */
export const HEARTBEAT_MARGIN_MS = 10_000;

/** TCP/IP-level failures: linear backoff, +250 ms per attempt (X docs). */
export const NETWORK_BACKOFF_STEP_MS = 250;
/** TCP/IP-level failures: at most 16 s (X docs). */
export const NETWORK_BACKOFF_MAX_MS = 16_000;
/** Retryable HTTP errors: exponential from 5 s (X docs). */
export const HTTP_BACKOFF_INITIAL_MS = 5_000;
/** Retryable HTTP errors: at most 320 s (X docs). */
export const HTTP_BACKOFF_MAX_MS = 320_000;
/** HTTP 429: exponential from 60 s (X docs: "Start with a 1 minute wait and double each attempt"). */
export const RATE_LIMIT_BACKOFF_INITIAL_MS = 60_000;
/** HTTP 429: X documents no maximum; holdfast stops doubling at 15 minutes (one rate-limit window)
 * so a person is alerted and the wait stays bounded. */
export const RATE_LIMIT_BACKOFF_MAX_MS = 960_000;

/** Filtered stream: 50 connect requests per 15-minute window (X rate limits). */
export const CONNECT_BUDGET_REQUESTS = 50;
/** The rate-limit window: 15 minutes (X rate limits). */
export const CONNECT_BUDGET_WINDOW_MS = 15 * 60_000;

/** `backfill_minutes` accepts 0 to 5 (X docs: Recovery and redundancy). */
export const MAX_BACKFILL_MINUTES = 5;
/** A Recovery (`start_time`/`end_time`) reaches back at most 24 hours. */
export const MAX_RECOVERY_WINDOW_MS = 24 * 60 * 60_000;
/** At most 2 recovery jobs at once. */
export const MAX_CONCURRENT_RECOVERIES = 2;
/** PowerTrack tolerates an extra connection for about one minute, then drops the newest. */
export const EXTRA_CONNECTION_GRACE_MS = 60_000;

/** A line longer than this is refused (messages are 0.3 to 10 KB; the cap bounds memory). */
export const DEFAULT_MAX_LINE_BYTES = 512 * 1024;

/** HTTP statuses that will never succeed as the request stands: stop instead of retrying. */
export const FATAL_HTTP_STATUSES: readonly number[] = [400, 404, 406, 413, 416];
