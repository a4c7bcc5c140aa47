/**
 * An append-only NDJSON file sink with a flush and fsync schedule and rotation by size or time.
 * A runtime file: it uses `node:fs/promises`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import { open, rename, stat } from "node:fs/promises";
import type { FileHandle } from "node:fs/promises";
import type { PostMessage } from "../messages.ts";
import type { PostSink, SinkPosition } from "./post_sink.ts";

/** Options of {@linkcode FileSink}. */
export interface FileSinkOptions {
  /** The file to append to (created if missing). */
  readonly path: string;
  /** Queued lines are written at least this often. @default {1000} */
  readonly flushIntervalMs?: number;
  /** Written data is fsynced at least this often, and always at `flush()`/`close()`. @default {5000} */
  readonly fsyncIntervalMs?: number;
  /** Lines are gathered up to this many bytes before one write. @default {65536} */
  readonly batchBytes?: number;
  /** Rotate when the file reaches this many bytes. @default {undefined} (never) */
  readonly rotateBytes?: number;
  /** Rotate when the file has been open this long. @default {undefined} (never) */
  readonly rotateIntervalMs?: number;
  /** The clock, for rotation names and intervals. @default {Date.now} */
  readonly now?: () => number;
  /** Called when a scheduled flush fails (the next write or flush rethrows it too). */
  readonly onError?: (error: unknown) => void;
}

/**
 * Appends each post's original line plus `\n` to a file. Only whole lines are written, so after
 * `flush()` or `close()` the file's last line is complete. Rotation renames the current file to
 * `name.<UTC stamp>.ext` and opens a fresh one.
 *
 * @example
 * ```ts ignore
 * import { FileSink } from "holdfast/file";
 * const sink = await FileSink.open({ path: "posts.ndjson", rotateBytes: 1 << 30 });
 * // for await (const post of client) await sink.write(post);
 * await sink.close();
 * ```
 */
export class FileSink implements PostSink {
  #options:
    & Required<Pick<FileSinkOptions, "flushIntervalMs" | "fsyncIntervalMs" | "batchBytes">>
    & FileSinkOptions;
  #now: () => number;
  #handle: FileHandle;
  #fileBytes: number;
  #openedAtMs: number;
  #encoder = new TextEncoder();
  #pending: string[] = [];
  #pendingChars = 0;
  #posts = 0;
  #bytes = 0;
  #rotations = 0;
  #dirty = false;
  #lastSyncMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #closed = false;

  private constructor(options: FileSinkOptions, handle: FileHandle, size: number) {
    this.#options = {
      flushIntervalMs: 1000,
      fsyncIntervalMs: 5000,
      batchBytes: 65_536,
      ...options,
    };
    this.#now = options.now ?? Date.now;
    this.#handle = handle;
    this.#fileBytes = size;
    this.#openedAtMs = this.#now();
    this.#lastSyncMs = this.#openedAtMs;
    this.#timer = setInterval(() => this.#scheduled(), this.#options.flushIntervalMs);
  }

  /** Validates the options and opens (or creates) the file for appending. */
  static async open(options: FileSinkOptions): Promise<FileSink> {
    validate(options);
    const handle = await open(options.path, "a");
    const { size } = await handle.stat();
    return new FileSink(options, handle, size);
  }

  /** Queues the post's line; writes when the batch is full. */
  write(post: PostMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new TypeError("Cannot write to a closed FileSink"));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    this.#pending.push(post.line);
    this.#pendingChars += post.line.length + 1;
    this.#posts++;
    if (this.#pendingChars < this.#options.batchBytes) return Promise.resolve();
    return this.#enqueue(() => this.#drain());
  }

  /** Writes every queued line and fsyncs the file. */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      await this.#drain();
      await this.#sync();
    });
  }

  /** Flushes, fsyncs and closes the file. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return await this.#chain;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#enqueue(async () => {
      await this.#drain();
      await this.#sync();
      await this.#handle.close();
    });
  }

  /** Posts and bytes written, the current file and how many rotations happened. */
  position(): SinkPosition {
    return {
      kind: "file",
      posts: this.#posts,
      bytes: this.#bytes,
      detail: { path: this.#options.path, fileBytes: this.#fileBytes, rotations: this.#rotations },
    };
  }

  #scheduled(): void {
    void this.#enqueue(async () => {
      await this.#drain();
      if (this.#dirty && this.#now() - this.#lastSyncMs >= this.#options.fsyncIntervalMs) {
        await this.#sync();
      }
    }).catch((error) => this.#options.onError?.(error));
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    // Keep the chain alive after a failure, but remember it so later writes rethrow it.
    this.#chain = run.catch((error) => {
      this.#failure ??= error;
    });
    return run;
  }

  async #drain(): Promise<void> {
    if (this.#pending.length > 0) {
      const bytes = this.#encoder.encode(this.#pending.join("\n") + "\n");
      this.#pending = [];
      this.#pendingChars = 0;
      await writeAll(this.#handle, bytes);
      this.#bytes += bytes.byteLength;
      this.#fileBytes += bytes.byteLength;
      this.#dirty = true;
    }
    if (this.#rotationDue()) await this.#rotate();
  }

  async #sync(): Promise<void> {
    if (!this.#dirty) return;
    await this.#handle.sync();
    this.#dirty = false;
    this.#lastSyncMs = this.#now();
  }

  #rotationDue(): boolean {
    const { rotateBytes, rotateIntervalMs } = this.#options;
    if (this.#fileBytes === 0) return false;
    if (rotateBytes !== undefined && this.#fileBytes >= rotateBytes) return true;
    return rotateIntervalMs !== undefined && this.#now() - this.#openedAtMs >= rotateIntervalMs;
  }

  async #rotate(): Promise<void> {
    await this.#sync();
    await this.#handle.close();
    await rename(this.#options.path, await freeRotationName(this.#options.path, this.#now()));
    this.#handle = await open(this.#options.path, "a");
    this.#fileBytes = 0;
    this.#openedAtMs = this.#now();
    this.#rotations++;
  }
}

async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.byteLength) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.byteLength - offset);
    offset += bytesWritten;
  }
}

/** `posts.ndjson` rotated at 2026-11-23T11:26:00Z becomes `posts.20261123T112600Z.ndjson`. */
async function freeRotationName(path: string, atMs: number): Promise<string> {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  const [stem, ext] = dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
  for (let n = 0;; n++) {
    const candidate = `${stem}.${stamp}${n === 0 ? "" : `-${n}`}${ext}`;
    if (!(await exists(candidate))) return candidate;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

function validate(options: FileSinkOptions): void {
  if (typeof options?.path !== "string" || options.path.length === 0) {
    throw new TypeError(
      `Cannot construct FileSink as 'path' must be a non-empty string: current value is ${
        JSON.stringify(options?.path)
      }`,
    );
  }
  for (
    const key of [
      "flushIntervalMs",
      "fsyncIntervalMs",
      "batchBytes",
      "rotateBytes",
      "rotateIntervalMs",
    ] as const
  ) {
    const value = options[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < 1) {
      throw new RangeError(
        `Cannot construct FileSink as '${key}' must be a positive integer: current value is ${value}`,
      );
    }
  }
}
