/**
 * The simulator's own timers (grace periods, flaps, Recovery ends, scenario steps), kept in one
 * place so `close()` can clear them all. Uses the global `setTimeout`, so fake timers drive it.
 *
 * @module
 */

/** A set of pending one-shot timers. */
export class TimerSet {
  readonly #pending = new Set<ReturnType<typeof setTimeout>>();

  /** Runs `callback` after `delayMs`; returns a handle for {@linkcode TimerSet.clear}. */
  set(callback: () => void, delayMs: number): ReturnType<typeof setTimeout> {
    const handle = setTimeout(() => {
      this.#pending.delete(handle);
      callback();
    }, Math.max(0, delayMs));
    this.#pending.add(handle);
    return handle;
  }

  /** Cancels one timer. */
  clear(handle: ReturnType<typeof setTimeout> | undefined): void {
    if (handle === undefined) return;
    clearTimeout(handle);
    this.#pending.delete(handle);
  }

  /** Cancels every pending timer. */
  clearAll(): void {
    for (const handle of this.#pending) clearTimeout(handle);
    this.#pending.clear();
  }
}
