/**
 * A file for `FileSink`'s `open` seam that can be "killed" as a process is by `kill -9`: the
 * write in flight reaches the disk only in part, and nothing written after it does.
 */
import { open as fsOpen } from "node:fs/promises";
import { setImmediate } from "node:timers";
import type { FileSinkHandle } from "../../src/sinks/file_sink.ts";

/** A killable disk: pass `open` to `FileSink.open`. */
export interface KillableDisk {
  readonly open: (path: string, flags: "a") => Promise<FileSinkHandle>;
  /** The next write takes half its bytes and the process is dead from then on. */
  killAtNextWrite(): void;
  /** Resolves once the kill happened (the torn write is on disk). */
  readonly dead: Promise<void>;
}

/** Creates a {@linkcode KillableDisk}. */
export function killableOpen(): KillableDisk {
  let armed = false;
  let isDead = false;
  let died!: () => void;
  const dead = new Promise<void>((resolve) => (died = resolve));
  return {
    dead,
    killAtNextWrite: () => void (armed = true),
    open: async (path, flags) => {
      const real = await fsOpen(path, flags);
      return {
        write: async (buffer, offset, length) => {
          if (isDead) return { bytesWritten: length };
          if (!armed) return await real.write(buffer, offset, length);
          const half = Math.max(1, Math.floor(length / 2));
          // A torn line: cut inside a line, never right after a newline.
          const cut = buffer[offset + half - 1] === 0x0a ? half + 1 : half;
          await real.write(buffer, offset, Math.min(cut, length));
          isDead = true;
          died();
          return { bytesWritten: length };
        },
        sync: () => (isDead ? Promise.resolve() : real.sync()),
        close: () => real.close(),
        stat: () => real.stat(),
      };
    },
  };
}

/** Lets pending real I/O (file reads and writes) finish: a few turns of the real event loop,
 * which fake timers do not control. */
export async function settleIo(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
