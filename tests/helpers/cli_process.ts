/**
 * Runs the `holdfast` CLI as a child process on the runtime running the test (Deno:
 * `deno run -A src/cli.ts`, Bun: `bun src/cli.ts`, Node: `node --import tsx src/cli.ts`), and
 * the simulator in the test process over a real loopback socket, with a tap on every byte it sends.
 */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { listen, type Listener } from "../../src/server/listen.ts";
import { createSimulator, type Simulator } from "../../src/simulator/mod.ts";
import type { SimulatorOptions } from "../../src/simulator/mod.ts";

/** The repository root (the CLI runs from there, so Node finds `tsx`). */
export const REPO_ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The runtime running this test. */
export const RUNTIME: "deno" | "bun" | "node" = "Deno" in globalThis
  ? "deno"
  : "Bun" in globalThis
  ? "bun"
  : "node";

/** The command and arguments that run `src/cli.ts` on this runtime. */
export function cliCommand(args: readonly string[]): [string, string[]] {
  const prefix = RUNTIME === "deno"
    ? ["run", "-A", "src/cli.ts"]
    : RUNTIME === "bun"
    ? ["src/cli.ts"]
    : ["--import", "tsx", "src/cli.ts"];
  return [process.execPath, [...prefix, ...args]];
}

/** Resolves once `check` returns a value other than `undefined`/`false`, polling every `everyMs`. */
export async function pollUntil<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
  everyMs = 25,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

/** A CLI child process with its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout so far. */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  readonly exited: Promise<number | string>;
  /** Sends `signal` to the process (by pid: Deno's `child.kill()` reports the signal as the exit
   * cause even when the process handled it and exited 0). */
  signal(signal: "SIGTERM" | "SIGINT" | "SIGKILL"): void;
  /** Waits until stderr (or stdout with `stream: "stdout"`) matches. */
  waitFor(
    pattern: RegExp,
    timeoutMs?: number,
    stream?: "stdout" | "stderr",
  ): Promise<RegExpMatchArray>;
}

/** Starts the CLI with `args`; `env` is added to (or, with `undefined` values, removed from) the
 * environment. */
export function startCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
): CliProcess {
  const [cmd, argv] = cliCommand(args);
  const childEnv: Record<string, string> = {};
  for (const [key, value] of Object.entries({ ...process.env, ...env })) {
    if (value !== undefined) childEnv[key] = value;
  }
  const child = spawn(cmd, argv, {
    cwd: REPO_ROOT,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stdout!.setEncoding("utf8");
  child.stderr!.setEncoding("utf8");
  child.stdout!.on("data", (chunk: string) => (out += chunk));
  child.stderr!.on("data", (chunk: string) => (err += chunk));
  const exited = new Promise<number | string>((resolve) => {
    child.on("close", (code, signal) => resolve(code ?? signal ?? -1));
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    signal: (name) => {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(child.pid, name);
      } catch {
        // It exited in the meantime.
      }
    },
    waitFor: (pattern, timeoutMs = 10_000, stream = "stderr") =>
      pollUntil(
        `${stream} to match ${pattern}; stderr so far:\n${err}`,
        () => (stream === "stderr" ? err : out).match(pattern) ?? undefined,
        timeoutMs,
      ),
  };
}

/** Runs the CLI to the end (at most `timeoutMs`, then kills it). */
export async function runCli(
  args: readonly string[],
  env: Record<string, string | undefined> = {},
  timeoutMs = 15_000,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const cli = startCli(args, env);
  const timer = setTimeout(() => cli.signal("SIGKILL"), timeoutMs);
  const code = await cli.exited;
  clearTimeout(timer);
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A simulator served on a loopback port, with every byte of every stream body recorded. */
export interface ServedSimulator {
  readonly sim: Simulator;
  readonly server: Listener;
  readonly url: string;
  /** The lines (`\r\n`-separated) of every stream body sent so far, decoded. */
  sentLines(): string[];
  close(): Promise<void>;
}

/** Starts a simulator on `127.0.0.1`, port 0. */
export async function serveSimulator(options: SimulatorOptions): Promise<ServedSimulator> {
  const sim = createSimulator(options);
  const bodies: Uint8Array[][] = [];
  const server = await listen(async (request) => {
    const response = await sim.fetch(request);
    if (response.body === null || !new URL(request.url).pathname.endsWith("/stream")) {
      return response;
    }
    const chunks: Uint8Array[] = [];
    bodies.push(chunks);
    // A pass-through tap: cancelling the response still cancels the simulator's body.
    const tap = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        chunks.push(chunk.slice());
        controller.enqueue(chunk);
      },
    });
    return new Response(response.body.pipeThrough(tap), {
      status: response.status,
      headers: response.headers,
    });
  });
  return {
    sim,
    server,
    url: server.url,
    sentLines: () =>
      bodies.flatMap((chunks) => {
        const total = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
        let offset = 0;
        for (const c of chunks) total.set(c, (offset += c.length) - c.length);
        return new TextDecoder().decode(total).split("\r\n");
      }),
    close: async () => {
      sim.close();
      await server.close();
    },
  };
}
