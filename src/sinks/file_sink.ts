/**
 * An append-only NDJSON file sink with a flush and fsync schedule and rotation by size or time.
 * A runtime file: it uses `node:fs/promises`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import { open, rename } from "node:fs/promises";
import * as v from "valibot";
import { invalidOption, nonEmptyString, positiveInteger } from "../options_error.ts";
import type { PostMessage } from "../messages.ts";
import { freeRotationName, newestRotation, readTail, repairTornTail } from "./file_sink_disk.ts";
import type { PostSink, SinkPosition } from "./post_sink.ts";

/** 8 MiB: the last 30 s margin of a restart's backfill at over 250 posts/s of 1 KiB lines. */
export const DEFAULT_RECENT_IDS_BYTES = 8 * 1024 * 1024;

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
  /** How many bytes at the end of the output `recentIds()` reads back (from the newest rotated
   * file too when the current one is shorter). @default {8388608} (8 MiB) */
  readonly recentIdsBytes?: number;
  /** The clock, for rotation names and intervals. @default {Date.now} */
  readonly now?: () => number;
  /** Called when a scheduled flush, or the write of a batch already accepted, fails. The lines
   * stay pending and are tried again; until they are written, `write()` rejects. */
  readonly onError?: (error: unknown) => void;
  /** Opens the file (a test seam: inject failures such as a full disk). @default {`open` of
   * `node:fs/promises`} */
  readonly open?: (path: string, flags: "a") => Promise<FileSinkHandle>;
}

/** What {@linkcode FileSink} uses of an open file (a `FileHandle` of `node:fs/promises`). */
export interface FileSinkHandle {
  /** Writes `length` bytes of `buffer` from `offset`; may write fewer (see `bytesWritten`). */
  write(buffer: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }>;
  /** fsync. */
  sync(): Promise<void>;
  /** Closes the file. */
  close(): Promise<void>;
  /** The file's size, for rotation by size. */
  stat(): Promise<{ size: number }>;
}

/**
 * Appends each post's original line plus `\n` to a file. Only whole lines are written, so after
 * `flush()` or `close()` the file's last line is complete. Rotation renames the current file to
 * `name.<UTC stamp>.ext` and opens a fresh one.
 *
 * A failed write (a full disk, EIO) is not final: the bytes not written stay pending, and the
 * next `write()`, `flush()` or scheduled flush continues from the first byte the file did not
 * take, so no line is lost or written twice. While bytes are pending after a failure, `write()`
 * first retries them and rejects, without taking its post, if they still fail: a caller that
 * retries that post (as the collector does) writes it once. A `write()` that resolved has taken
 * its post. Only a closed sink refuses for good.
 *
 * After a crash: `open()` repairs a torn last line (a process killed in the middle of a write
 * leaves a file that does not end with `\n`) by truncating the file back to its last `\n`; the
 * bytes cut are in {@linkcode FileSink.repairedBytes}. The post cut is not lost: the collector's
 * restart replays the margin before its watermark. `recentIds()` reads the ids of the last
 * `recentIdsBytes` of output back, so the collector drops the replayed posts the file already
 * holds.
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
    & Required<
      Pick<FileSinkOptions, "flushIntervalMs" | "fsyncIntervalMs" | "batchBytes" | "recentIdsBytes">
    >
    & FileSinkOptions;
  #now: () => number;
  #handle: FileSinkHandle;
  readonly #open: (path: string, flags: "a") => Promise<FileSinkHandle>;
  /** Encoded lines taken from `#pending`, from `#outOffset` not yet written. */
  #out: Uint8Array | undefined;
  #outOffset = 0;
  /** The last write failed: `write()` retries the pending bytes before taking a post. */
  #failing = false;
  #handleOpen = true;
  #fileBytes: number;
  #openedAtMs: number;
  #encoder = new TextEncoder();
  /** Where batches are encoded, reused (see `#encodePending`). */
  #buffer = new Uint8Array(0);
  #pending: string[] = [];
  #pendingChars = 0;
  #posts = 0;
  #bytes = 0;
  #rotations = 0;
  #dirty = false;
  #lastSyncMs: number;
  #timer: ReturnType<typeof setInterval> | undefined;
  #chain: Promise<void> = Promise.resolve();
  #closed = false;
  #released = false;
  /** Bytes of a torn last line that `open()` cut off (0: the file was whole). */
  readonly repairedBytes: number;

  private constructor(
    options: FileSinkOptions,
    handle: FileSinkHandle,
    size: number,
    repairedBytes: number,
  ) {
    this.#options = {
      flushIntervalMs: 1000,
      fsyncIntervalMs: 5000,
      batchBytes: 65_536,
      recentIdsBytes: DEFAULT_RECENT_IDS_BYTES,
      ...options,
    };
    this.repairedBytes = repairedBytes;
    this.#now = options.now ?? Date.now;
    this.#handle = handle;
    this.#open = options.open ?? open;
    this.#fileBytes = size;
    this.#openedAtMs = this.#now();
    this.#lastSyncMs = this.#openedAtMs;
    this.#timer = setInterval(() => this.#scheduled(), this.#options.flushIntervalMs);
  }

  /** Validates the options, repairs a torn last line (see {@linkcode FileSink.repairedBytes})
   * and opens (or creates) the file for appending. */
  static async open(options: FileSinkOptions): Promise<FileSink> {
    validate(options);
    const repaired = await repairTornTail(options.path);
    const handle = await (options.open ?? open)(options.path, "a");
    const { size } = await handle.stat();
    return new FileSink(options, handle, size, repaired);
  }

  /**
   * The ids of the posts in the last `recentIdsBytes` of output, oldest first: the tail of the
   * current file, preceded by the tail of the newest rotated file when the current one is
   * shorter (a rotation just before a crash must not hide the posts the restart replays).
   * Complete lines only. Reads what the file holds once the writes queued before it are done
   * (lines still batched in memory are not in the file: call it before writing, as the
   * collector does at start).
   */
  recentIds(): Promise<string[]> {
    const { path, recentIdsBytes } = this.#options;
    const run = this.#chain.then(async () => {
      const current = await readTail(path, recentIdsBytes);
      const rest = recentIdsBytes - (current?.bytesRead ?? 0);
      const ids = current?.ids ?? [];
      if (rest <= 0 || (current !== undefined && !current.whole)) return ids;
      const rotated = await newestRotation(path);
      const older = rotated === undefined ? undefined : await readTail(rotated, rest);
      return older === undefined ? ids : [...older.ids, ...ids];
    });
    this.#chain = run.then(() => {}, () => {});
    return run;
  }

  /** Queues the post's line; writes when the batch is full. After a failed write, first writes
   * what is pending and rejects without taking the post if that fails again. */
  write(post: PostMessage): Promise<void> {
    if (this.#closed) return Promise.reject(new TypeError("Cannot write to a closed FileSink"));
    if (!this.#failing) {
      this.#take(post);
      if (this.#pendingChars < this.#options.batchBytes) return Promise.resolve();
      return this.#enqueue(() => this.#drainTaken());
    }
    return this.#enqueue(async () => {
      if (this.#failing) await this.#drain();
      if (this.#closed) throw new TypeError("Cannot write to a closed FileSink");
      this.#take(post);
      if (this.#pendingChars >= this.#options.batchBytes) await this.#drainTaken();
    });
  }

  /** Writes every queued line and fsyncs the file. */
  flush(): Promise<void> {
    return this.#enqueue(async () => {
      if (this.#released) return;
      await this.#drain();
      await this.#sync();
    });
  }

  /** Flushes, fsyncs and closes the file. Idempotent; after a failure (the pending lines stay
   * pending), a later call tries again. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#enqueue(async () => {
      if (this.#released) return;
      await this.#drain();
      await this.#sync();
      if (this.#handleOpen) await this.#handle.close();
      this.#handleOpen = false;
      this.#released = true;
    });
  }

  /** Posts and bytes written, the current file and how many rotations happened. */
  position(): SinkPosition {
    return {
      kind: "file",
      posts: this.#posts,
      bytes: this.#bytes,
      detail: {
        path: this.#options.path,
        fileBytes: this.#fileBytes,
        rotations: this.#rotations,
        ...(this.repairedBytes === 0 ? {} : { repairedBytes: this.repairedBytes }),
      },
    };
  }

  #scheduled(): void {
    void this.#enqueue(async () => {
      await this.#drain();
      if (this.#dirty && this.#now() - this.#lastSyncMs >= this.#options.fsyncIntervalMs) {
        await this.#sync();
      }
    }).catch((error) => this.#report(error));
  }

  #enqueue(task: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(task);
    // Keep the chain alive after a failure: what was not written stays pending for the next try.
    this.#chain = run.catch(() => {});
    return run;
  }

  #take(post: PostMessage): void {
    const line = post.line; // read once: a queued post's line is decoded on each read
    this.#pending.push(line);
    this.#pendingChars += line.length + 1;
    this.#posts++;
  }

  /** Drains for a `write()` that has already taken its post: a failure must not reject it (its
   * caller would write the post again); it is reported, and the next `write()` retries. */
  async #drainTaken(): Promise<void> {
    try {
      await this.#drain();
    } catch (error) {
      this.#report(error);
    }
  }

  async #drain(): Promise<void> {
    try {
      if (!this.#handleOpen) await this.#reopen();
      for (;;) {
        if (this.#out === undefined) {
          if (this.#pending.length === 0) break;
          this.#out = this.#encodePending();
          this.#outOffset = 0;
          this.#pending = [];
          this.#pendingChars = 0;
        }
        await this.#writeOut(this.#out);
        this.#out = undefined;
      }
      if (this.#rotationDue()) await this.#rotate();
      this.#failing = false;
    } catch (error) {
      this.#failing = true;
      throw error;
    }
  }

  /**
   * The pending lines as UTF-8, one `\n` after each, encoded into a buffer kept for the next
   * batch (it is not touched again until `#out` is written). Not `join` + `encode`: a batch of
   * 64 KB of characters joins into a string of 128 KB when any is outside Latin-1 (emoji, CJK),
   * which V8 allocates straight into the old generation (a large object, freed only by a full
   * collection), and a fresh byte array per batch adds to the external memory that makes V8
   * scavenge early, promoting whatever the queue holds at that moment.
   */
  #encodePending(): Uint8Array {
    // At most 3 bytes per UTF-16 code unit; `#pendingChars` counts the newlines too.
    const most = this.#pendingChars * 3;
    let buffer = this.#buffer;
    if (buffer.length < most) {
      // Kept while no larger than a full batch can need (a backlog after failures is one-off).
      const limit = this.#options.batchBytes * 6;
      buffer = new Uint8Array(Math.max(most, Math.min(2 * buffer.length, limit)));
      if (buffer.length <= limit) this.#buffer = buffer;
    }
    let at = 0;
    for (const line of this.#pending) {
      at += this.#encoder.encodeInto(line, buffer.subarray(at)).written;
      buffer[at++] = LF;
    }
    return buffer.subarray(0, at);
  }

  /** Writes `out` from `#outOffset`, counting every byte the file took (a partial write is not
   * written again). */
  async #writeOut(out: Uint8Array): Promise<void> {
    while (this.#outOffset < out.byteLength) {
      const { bytesWritten } = await this.#handle.write(
        out,
        this.#outOffset,
        out.byteLength - this.#outOffset,
      );
      this.#outOffset += bytesWritten;
      this.#bytes += bytesWritten;
      this.#fileBytes += bytesWritten;
      if (bytesWritten > 0) this.#dirty = true;
    }
  }

  async #reopen(): Promise<void> {
    this.#handle = await this.#open(this.#options.path, "a");
    this.#handleOpen = true;
    this.#fileBytes = (await this.#handle.stat()).size;
    this.#openedAtMs = this.#now();
  }

  #report(error: unknown): void {
    try {
      this.#options.onError?.(error);
    } catch {
      // A throwing onError must not turn a taken post into a rejected write.
    }
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
    this.#handleOpen = false;
    // A failed rename leaves the file in place: the next drain reopens it and tries again.
    await rename(this.#options.path, await freeRotationName(this.#options.path, this.#now()));
    this.#rotations++;
    await this.#reopen();
  }
}

const LF = 0x0a;

const fn = v.optional(v.function("must be a function"));

const OptionsSchema = v.object({
  path: nonEmptyString,
  now: fn,
  onError: fn,
  open: fn,
  flushIntervalMs: v.optional(positiveInteger),
  fsyncIntervalMs: v.optional(positiveInteger),
  batchBytes: v.optional(positiveInteger),
  rotateBytes: v.optional(positiveInteger),
  rotateIntervalMs: v.optional(positiveInteger),
  recentIdsBytes: v.optional(positiveInteger),
}, "must be an object");

function validate(options: FileSinkOptions): void {
  const result = v.safeParse(OptionsSchema, options);
  if (!result.success) throw invalidOption("FileSink", result.issues[0]);
}
