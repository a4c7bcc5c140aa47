/**
 * The fake clock tests share: timers and `Date` faked, never `setImmediate` (faking it breaks
 * Node's test reporting).
 */
import FakeTimers from "@sinonjs/fake-timers";

/** 2025-01-01T00:00:00Z: a fixed start so ids and times reproduce. */
export const START_MS = Date.UTC(2025, 0, 1);

/** The fake clock of a test. */
export type TestClock = ReturnType<typeof FakeTimers.install>;

/** Installs fake timers and `Date`, starting at `now`. */
export function installClock(now = START_MS): TestClock {
  return FakeTimers.install({
    now,
    toFake: ["setTimeout", "clearTimeout", "setInterval", "clearInterval", "Date"],
  });
}
