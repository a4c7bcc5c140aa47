/**
 * A {@linkcode WatermarkStore} in one JSON file (a runtime file: it uses `node:fs/promises`, which
 * Deno, Bun and Node all provide).
 *
 * @module
 */
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { dirname } from "node:path";
import * as v from "valibot";
import { invalidOption } from "../options_error.ts";
import type { Watermark, WatermarkStore } from "./watermark.ts";

/** Options of {@linkcode FileWatermarkStore}. */
export interface FileWatermarkStoreOptions {
  /** The JSON file; its folder is created when missing. One process per file. */
  readonly path: string;
  /**
   * What to do with a file that cannot be read as watermarks. `"throw"` refuses and leaves the file
   * as it is; `"move-aside"` renames it to `FILE.corrupt-<time>` and starts empty. @default {"throw"}
   */
  readonly onCorrupt?: "throw" | "move-aside";
  /** The clock, in epoch ms (names the moved-aside file). @default {Date.now} */
  readonly now?: () => number;
}

const OptionsSchema = v.object({
  path: v.pipe(v.string("must be a string"), v.minLength(1, "must not be empty")),
  onCorrupt: v.optional(v.picklist(["throw", "move-aside"], 'must be "throw" or "move-aside"')),
  now: v.optional(v.function("must be a function")),
}, "must be an object");

const FileSchema = v.object({
  version: v.literal(1),
  watermarks: v.record(
    v.string(),
    v.object({
      streamKey: v.string(),
      partition: v.optional(v.number()),
      lastActivityMs: v.number(),
      newestPostId: v.optional(v.string()),
      newestPostAtMs: v.optional(v.number()),
      updatedAtMs: v.number(),
    }),
  ),
});

/**
 * Keeps a map of stream key to {@linkcode Watermark} in one JSON file. Every save writes a
 * temporary file, syncs it and renames it over the old one, so a crash leaves either the old file
 * or the new one. A corrupt file is never overwritten: by default every call rejects with an error
 * naming the file.
 *
 * @example
 * ```ts
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { FileWatermarkStore } from "./file_watermark_store.ts";
 * const dir = await mkdtemp(join(tmpdir(), "holdfast-"));
 * const store = new FileWatermarkStore({ path: join(dir, "state", "watermarks.json") });
 * await store.save({ streamKey: "filtered", lastActivityMs: 1, updatedAtMs: 2 });
 * console.assert((await store.load("filtered"))?.lastActivityMs === 1);
 * ```
 */
export class FileWatermarkStore implements WatermarkStore {
  readonly #path: string;
  readonly #onCorrupt: "throw" | "move-aside";
  readonly #now: () => number;
  #watermarks: Map<string, Watermark> | undefined;
  #queue: Promise<unknown> = Promise.resolve();

  /** Creates a store; touches no file until the first `load` or `save`. */
  constructor(options: FileWatermarkStoreOptions) {
    const result = v.safeParse(OptionsSchema, options);
    if (!result.success) {
      const issue = result.issues[0];
      throw invalidOption("FileWatermarkStore", issue);
    }
    this.#path = options.path;
    this.#onCorrupt = options.onCorrupt ?? "throw";
    this.#now = options.now ?? Date.now;
  }

  /** The watermark saved under `streamKey`, or `undefined` (also when the file does not exist). */
  load(streamKey: string): Promise<Watermark | undefined> {
    return this.#serialise(async () => {
      const found = (await this.#read()).get(streamKey);
      return found && { ...found };
    });
  }

  /** Saves `watermark` under its `streamKey`, keeping the others in the file. */
  save(watermark: Watermark): Promise<void> {
    return this.#serialise(async () => {
      const watermarks = new Map(await this.#read());
      watermarks.set(watermark.streamKey, { ...watermark });
      await this.#write(watermarks);
      this.#watermarks = watermarks;
    });
  }

  /** Runs one file operation after another, so saves never interleave. */
  #serialise<T>(operation: () => Promise<T>): Promise<T> {
    const next = this.#queue.then(operation);
    this.#queue = next.catch(() => {});
    return next;
  }

  async #read(): Promise<Map<string, Watermark>> {
    if (this.#watermarks) return this.#watermarks;
    let text: string;
    try {
      text = await readFile(this.#path, "utf8");
    } catch (error) {
      if ((error as { code?: unknown }).code !== "ENOENT") throw error;
      return this.#watermarks = new Map();
    }
    let reason: string;
    let cause: unknown;
    try {
      const parsed = v.safeParse(FileSchema, JSON.parse(text));
      if (parsed.success) {
        return this.#watermarks = new Map(Object.entries(parsed.output.watermarks));
      }
      const issue = parsed.issues[0];
      reason = `${v.getDotPath(issue) ?? "the top level"}: ${issue.message}`;
    } catch (error) {
      reason = `not JSON: ${(error as Error).message}`;
      cause = error;
    }
    if (this.#onCorrupt === "move-aside") {
      const stamp = new Date(this.#now()).toISOString().replace(/[:.]/g, "-");
      await rename(this.#path, `${this.#path}.corrupt-${stamp}`);
      return this.#watermarks = new Map();
    }
    throw new Error(
      `Watermark file ${this.#path} is corrupt (${reason}). It was left untouched: fix or remove it, ` +
        `or pass onCorrupt: "move-aside" to set it aside and start afresh`,
      { cause },
    );
  }

  async #write(watermarks: Map<string, Watermark>): Promise<void> {
    const json = JSON.stringify(
      { version: 1, watermarks: Object.fromEntries(watermarks) },
      null,
      2,
    );
    const temp = `${this.#path}.${crypto.getRandomValues(new Uint32Array(1))[0].toString(36)}.tmp`;
    await mkdir(dirname(this.#path), { recursive: true });
    try {
      const file = await open(temp, "w");
      try {
        await file.writeFile(`${json}\n`, "utf8");
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temp, this.#path);
    } catch (error) {
      await rm(temp, { force: true }).catch(() => {});
      throw error;
    }
  }
}
