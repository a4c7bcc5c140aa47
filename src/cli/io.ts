/**
 * The CLI's terminal I/O over `node:process` (Deno, Bun and Node all provide it).
 *
 * @module
 */
import process from "node:process";

/**
 * Writes text to stdout.
 *
 * @example
 * ```ts ignore
 * import { printOut } from "./io.ts";
 * printOut("hello\n");
 * ```
 */
export function printOut(text: string): void {
  process.stdout.write(text);
}

/**
 * Writes text to stderr.
 *
 * @example
 * ```ts ignore
 * import { printErr } from "./io.ts";
 * printErr("warning\n");
 * ```
 */
export function printErr(text: string): void {
  process.stderr.write(text);
}

/**
 * Whether stdout is a terminal (the demo then rewrites one status line in place).
 *
 * @example
 * ```ts
 * import { stdoutIsTty } from "./io.ts";
 * console.assert(typeof stdoutIsTty() === "boolean");
 * ```
 */
export function stdoutIsTty(): boolean {
  return process.stdout.isTTY === true;
}

/**
 * The terminal's width in columns (80 when unknown).
 *
 * @example
 * ```ts
 * import { stdoutColumns } from "./io.ts";
 * console.assert(stdoutColumns() > 0);
 * ```
 */
export function stdoutColumns(): number {
  const columns = process.stdout.columns;
  return typeof columns === "number" && columns > 0 ? columns : 80;
}

/**
 * Stdout as a web `WritableStream` (for the stdout sink). Each write resolves once the runtime has
 * taken the bytes, so closing it and then exiting loses nothing.
 *
 * @example
 * ```ts ignore
 * import { stdoutWritable } from "./io.ts";
 * const writer = stdoutWritable().getWriter();
 * await writer.write(new TextEncoder().encode("a line\n"));
 * await writer.close();
 * ```
 */
export function stdoutWritable(): WritableStream<Uint8Array> {
  return new WritableStream<Uint8Array>({
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        process.stdout.write(chunk, (error) => (error ? reject(error) : resolve()));
      }),
  });
}

/**
 * The process environment as a plain record (credentials are read from it).
 *
 * @example
 * ```ts
 * import { environment } from "./io.ts";
 * console.assert(typeof environment() === "object");
 * ```
 */
export function environment(): Record<string, string | undefined> {
  return { ...process.env };
}
