/**
 * The file-backed parts of holdfast, for a collector on one machine: an append-only NDJSON
 * {@linkcode FileSink} (flushed and fsynced on a schedule, rotated by size or time) and a
 * {@linkcode FileWatermarkStore} that lets a restarted process resume where it stopped. They use
 * `node:fs/promises`, which Deno, Bun and Node all provide; edge runtimes have no files.
 *
 * @example
 * ```ts ignore
 * import { FileSink, FileWatermarkStore } from "@holdfast/holdfast/file";
 * const sink = new FileSink({ path: "posts.ndjson" });
 * const watermarks = new FileWatermarkStore({ path: "state/watermark.json" });
 * ```
 *
 * @module
 */
export { FileSink, type FileSinkHandle, type FileSinkOptions } from "../sinks/file_sink.ts";
export { FileWatermarkStore, type FileWatermarkStoreOptions } from "./file_watermark_store.ts";
