/**
 * The file sink's work on disk outside the write path: names for rotated files, finding the
 * newest one, reading a file's tail, and repairing a torn last line after a crash. A runtime file:
 * it uses `node:fs/promises` and `node:path`, which Deno, Bun and Node all provide.
 *
 * @module
 */
import { open, readdir, stat, truncate } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { idsInNdjson } from "./ndjson_ids.ts";

/** `posts.ndjson` rotated at 2026-11-23T11:26:00Z becomes `posts.20261123T112600Z.ndjson`. */
export async function freeRotationName(path: string, atMs: number): Promise<string> {
  const stamp = new Date(atMs).toISOString().replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z");
  const [stem, ext] = splitExtension(path);
  for (let n = 0;; n++) {
    const candidate = `${stem}.${stamp}${n === 0 ? "" : `-${n}`}${ext}`;
    if (!(await exists(candidate))) return candidate;
  }
}

function splitExtension(path: string): [string, string] {
  const slash = path.lastIndexOf("/");
  const dot = path.lastIndexOf(".");
  return dot > slash + 1 ? [path.slice(0, dot), path.slice(dot)] : [path, ""];
}

/** The newest `name.<stamp>[-n].ext` beside `path` (see {@linkcode freeRotationName}). */
export async function newestRotation(path: string): Promise<string | undefined> {
  const [stem, ext] = splitExtension(basename(path));
  const pattern = new RegExp(
    `^${escapeRegExp(stem)}\\.(\\d{8}T\\d{6}Z)(?:-(\\d+))?${escapeRegExp(ext)}$`,
  );
  let newest: { name: string; stamp: string; n: number } | undefined;
  for (const name of await readdir(dirname(path)).catch(() => [] as string[])) {
    const match = pattern.exec(name);
    if (match === null) continue;
    const candidate = { name, stamp: match[1], n: Number(match[2] ?? 0) };
    if (
      newest === undefined || candidate.stamp > newest.stamp ||
      (candidate.stamp === newest.stamp && candidate.n > newest.n)
    ) newest = candidate;
  }
  return newest === undefined ? undefined : join(dirname(path), newest.name);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The post ids in the last `maxBytes` of `path` (`undefined` if it does not exist). One byte
 * more is read when there is one, so a window that begins on a line's first byte keeps it. */
export async function readTail(
  path: string,
  maxBytes: number,
): Promise<{ ids: string[]; bytesRead: number; whole: boolean } | undefined> {
  const handle = await open(path, "r").catch((error) => {
    if ((error as { code?: string })?.code === "ENOENT") return undefined;
    throw error;
  });
  if (handle === undefined) return undefined;
  try {
    const { size } = await handle.stat();
    const whole = size <= maxBytes;
    const length = whole ? size : maxBytes + 1;
    const bytes = await readAt(handle, size - length, length);
    return { ids: idsInNdjson(bytes, whole), bytesRead: Math.min(size, maxBytes), whole };
  } finally {
    await handle.close();
  }
}

async function readAt(
  handle: Awaited<ReturnType<typeof open>>,
  position: number,
  length: number,
): Promise<Uint8Array> {
  const bytes = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(bytes, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return bytes.subarray(0, done);
}

const REPAIR_CHUNK_BYTES = 65_536;

/** Truncates `path` back to its last `\n` (to empty if it has none); returns the bytes cut. */
export async function repairTornTail(path: string): Promise<number> {
  const handle = await open(path, "r").catch((error) => {
    if ((error as { code?: string })?.code === "ENOENT") return undefined;
    throw error;
  });
  if (handle === undefined) return 0;
  let size: number;
  let keep = 0;
  try {
    size = (await handle.stat()).size;
    for (let end = size; end > 0;) {
      const start = Math.max(0, end - REPAIR_CHUNK_BYTES);
      const at = (await readAt(handle, start, end - start)).lastIndexOf(0x0a);
      if (at >= 0) {
        keep = start + at + 1;
        break;
      }
      end = start;
    }
  } finally {
    await handle.close();
  }
  if (keep === size) return 0;
  await truncate(path, keep);
  return size - keep;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
