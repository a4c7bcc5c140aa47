/**
 * SIGINT and SIGTERM, on every runtime (through `node:process`).
 *
 * @module
 */
import process from "node:process";

/** The signals that stop a command. */
export type StopSignal = "SIGINT" | "SIGTERM";

/**
 * Calls `onStop` once on the first SIGINT or SIGTERM. A second signal while stopping exits at
 * once with status 130 (a person pressing Ctrl-C twice wants out). Returns the function that
 * removes the handlers.
 *
 * @example
 * ```ts
 * import { onStopSignal } from "./signals.ts";
 * const remove = onStopSignal((signal) => console.log(`stopping on ${signal}`));
 * remove();
 * ```
 */
export function onStopSignal(onStop: (signal: StopSignal) => void): () => void {
  let stopping = false;
  const handle = (signal: StopSignal): void => {
    if (stopping) process.exit(130);
    stopping = true;
    onStop(signal);
  };
  const onInt = (): void => handle("SIGINT");
  const onTerm = (): void => handle("SIGTERM");
  process.on("SIGINT", onInt);
  process.on("SIGTERM", onTerm);
  return () => {
    process.off("SIGINT", onInt);
    process.off("SIGTERM", onTerm);
  };
}

/**
 * A promise that resolves with the first stop signal, and a function that removes the handlers.
 *
 * @example
 * ```ts
 * import { waitForStopSignal } from "./signals.ts";
 * const { signal, remove } = waitForStopSignal();
 * remove();
 * void signal;
 * ```
 */
export function waitForStopSignal(): { signal: Promise<StopSignal>; remove: () => void } {
  let resolve!: (signal: StopSignal) => void;
  const signal = new Promise<StopSignal>((r) => (resolve = r));
  const remove = onStopSignal(resolve);
  return { signal, remove };
}
