/**
 * Opens the sinks a command line names.
 *
 * @module
 */
import { FileSink } from "../sinks/file_sink.ts";
import type { PostSink } from "../sinks/post_sink.ts";
import { WritableSink } from "../sinks/writable_sink.ts";
import { stdoutWritable } from "./io.ts";
import type { SinkSpec } from "./parse_sink.ts";

/**
 * Opens every sink in order; if one fails, closes the ones already open and rethrows.
 *
 * @example
 * ```ts
 * import { mkdtemp } from "node:fs/promises";
 * import { tmpdir } from "node:os";
 * import { join } from "node:path";
 * import { openSinks } from "./open_sinks.ts";
 * const dir = await mkdtemp(join(tmpdir(), "holdfast-"));
 * const [sink] = await openSinks([{ kind: "file", path: join(dir, "posts.ndjson") }]);
 * await sink.close();
 * ```
 */
export async function openSinks(specs: readonly SinkSpec[]): Promise<PostSink[]> {
  const sinks: PostSink[] = [];
  try {
    for (const spec of specs) sinks.push(await openSink(spec));
  } catch (error) {
    await Promise.allSettled(sinks.map((sink) => sink.close()));
    throw error;
  }
  return sinks;
}

async function openSink(spec: SinkSpec): Promise<PostSink> {
  switch (spec.kind) {
    case "stdout":
      return new WritableSink(stdoutWritable());
    case "file": {
      const { kind: _, ...options } = spec;
      return await FileSink.open(options);
    }
    case "redis": {
      const { RedisSink } = await import("../sinks/redis_sink.ts");
      const { kind: _, ...options } = spec;
      return await RedisSink.connect(options);
    }
  }
}
