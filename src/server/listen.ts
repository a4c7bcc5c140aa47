/**
 * Puts a fetch handler on a TCP port with the runtime's own server: `Deno.serve`, `Bun.serve`,
 * or `@hono/node-server` on Node. The only file of the health server that knows a runtime.
 *
 * @module
 */

/** Where and how long to listen. */
export interface ListenOptions {
  /** TCP port; 0 picks a free one. @default {0} */
  readonly port?: number;
  /** Interface to bind. The default keeps the server off the network. @default {"127.0.0.1"} */
  readonly hostname?: string;
  /** Aborting it closes the server (as `close()` does). */
  readonly signal?: AbortSignal;
}

/** A running server. */
export interface Listener {
  /** The bound port (the free one picked when `port` was 0). */
  readonly port: number;
  /** The bound address. */
  readonly hostname: string;
  /** `http://hostname:port`, without a trailing slash. */
  readonly url: string;
  /** Which server runs it. */
  readonly runtime: "deno" | "bun" | "node";
  /** Stops accepting, closes open (also idle keep-alive) connections, and resolves once closed.
   * Safe to call more than once. */
  close(): Promise<void>;
}

/** The handler: `app.fetch` of a Hono app, or any `(Request) => Response`. */
export type FetchHandler = (request: Request) => Response | Promise<Response>;

/** The little of `Deno` used here (typed locally so the file also checks under tsc with Node types). */
interface DenoLike {
  serve(
    options: {
      port: number;
      hostname: string;
      onListen(addr: { hostname: string; port: number }): void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): { shutdown(): Promise<void> };
}

/** The little of `Bun` used here. */
interface BunLike {
  serve(
    options: { port: number; hostname: string; idleTimeout: number; fetch: FetchHandler },
  ): {
    readonly port: number;
    readonly hostname: string;
    stop(closeActiveConnections?: boolean): Promise<void> | void;
  };
}

/** The little of Node's `http.Server` used here. */
interface NodeServerLike {
  once(event: "error", listener: (error: Error) => void): unknown;
  off(event: "error", listener: (error: Error) => void): unknown;
  close(callback?: (error?: Error) => void): unknown;
  closeAllConnections?(): void;
}

type Started = Omit<Listener, "close" | "url"> & { stop(): Promise<void> };

/**
 * Serves `fetchHandler` on `hostname:port` (default `127.0.0.1`, a free port) and resolves once
 * it accepts connections. Rejects if the port cannot be bound, or with `signal.reason` if
 * `signal` is already aborted.
 *
 * @example
 * ```ts
 * import { listen } from "./listen.ts";
 * const server = await listen(() => new Response("ok"), { port: 0 });
 * const res = await fetch(`${server.url}/`);
 * console.assert((await res.text()) === "ok");
 * await server.close();
 * ```
 */
export async function listen(
  fetchHandler: FetchHandler,
  options: ListenOptions = {},
): Promise<Listener> {
  const { port = 0, hostname = "127.0.0.1", signal } = options;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `Cannot listen as 'port' must be an integer from 0 to 65535: current value is ${port}`,
    );
  }
  signal?.throwIfAborted();
  const started = await start(fetchHandler, port, hostname);
  if (signal?.aborted) {
    await started.stop();
    throw signal.reason;
  }
  let closing: Promise<void> | undefined;
  // A failed close is reported to whoever calls close(), which returns the same promise.
  const onAbort = (): void => void close().catch(() => {});
  const close = (): Promise<void> => {
    signal?.removeEventListener("abort", onAbort);
    closing ??= started.stop();
    return closing;
  };
  signal?.addEventListener("abort", onAbort, { once: true });
  const host = started.hostname.includes(":") ? `[${started.hostname}]` : started.hostname;
  return {
    port: started.port,
    hostname: started.hostname,
    url: `http://${host}:${started.port}`,
    runtime: started.runtime,
    close,
  };
}

function start(handler: FetchHandler, port: number, hostname: string): Promise<Started> {
  const runtime = globalThis as unknown as { Deno?: DenoLike; Bun?: BunLike };
  if (runtime.Deno?.serve) return startDeno(runtime.Deno, handler, port, hostname);
  if (runtime.Bun?.serve) return Promise.resolve(startBun(runtime.Bun, handler, port, hostname));
  return startNode(handler, port, hostname);
}

async function startDeno(
  deno: DenoLike,
  handler: FetchHandler,
  port: number,
  hostname: string,
): Promise<Started> {
  // Deno's shutdown() is graceful only: it waits for every response body to end, so one endless
  // streamed body (a simulated stream) would hang close(). Bodies are piped through a stream that
  // close() ends cleanly (aborting it would make Deno log an error); a body that errors by itself
  // still errors the response, so the client sees a broken connection as before.
  // Deno's own `request.signal` warns (once per process) that it "aborts on successful
  // responses"; the handler gets a copy of the request whose signal aborts when the response
  // body ends, fails, or is cancelled by the client going away.
  const closing = new AbortController();
  const serveOne = async (req: Request): Promise<Response> => {
    const gone = new AbortController();
    const init: RequestInit & { duplex?: "half" } = {
      method: req.method,
      headers: req.headers,
      signal: gone.signal,
    };
    if (req.body !== null) Object.assign(init, { body: req.body, duplex: "half" });
    const res = await handler(new Request(req.url, init));
    if (res.body === null) {
      gone.abort();
      return res;
    }
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    res.body.pipeTo(writable, { signal: closing.signal, preventAbort: true }).catch((error) =>
      (closing.signal.aborted ? writable.close() : writable.abort(error)).catch(() => {})
    ).finally(() => gone.abort());
    return new Response(readable, {
      status: res.status,
      statusText: res.statusText,
      headers: res.headers,
    });
  };
  let bound!: (addr: { hostname: string; port: number }) => void;
  const listening = new Promise<{ hostname: string; port: number }>((resolve) => (bound = resolve));
  // Passing onListen also stops Deno from printing "Listening on ...".
  const server = deno.serve({ port, hostname, onListen: (addr) => bound(addr) }, serveOne);
  const addr = await listening;
  return {
    runtime: "deno",
    port: addr.port,
    hostname: addr.hostname,
    stop: () => {
      closing.abort();
      return server.shutdown();
    },
  };
}

function startBun(bun: BunLike, handler: FetchHandler, port: number, hostname: string): Started {
  // idleTimeout 0: Bun would otherwise cut a response after 10 s without a byte, and a stream
  // may be silent longer than that on purpose (a simulated stall, or heartbeats every 20 s).
  const server = bun.serve({ port, hostname, idleTimeout: 0, fetch: (req) => handler(req) });
  return {
    runtime: "bun",
    port: server.port,
    hostname: server.hostname,
    // stop(true) also closes active (keep-alive) connections; plain stop() waits for them.
    stop: async () => await server.stop(true),
  };
}

async function startNode(handler: FetchHandler, port: number, hostname: string): Promise<Started> {
  const { serve } = await import("@hono/node-server");
  return await new Promise<Started>((resolve, reject) => {
    // overrideGlobalObjects: false keeps the process's global Request/Response untouched.
    const server = serve(
      {
        fetch: (req: Request, env?: { outgoing?: { destroy(): void } }) =>
          endQuietly(req, env, handler),
        port,
        hostname,
        overrideGlobalObjects: false,
      },
      (info) => {
        node.off("error", reject);
        resolve({
          runtime: "node",
          port: info.port,
          hostname: info.address,
          stop: () => stopNode(node),
        });
      },
    );
    const node = server as unknown as NodeServerLike;
    node.once("error", reject);
  });
}

/**
 * How a streamed body that errors ends on Node. When the client went away (its request signal
 * aborted), quietly: @hono/node-server would otherwise log the abort as a server error ("Error:
 * aborted"). Otherwise (a server-side failure, or the simulator's "connection reset") the socket
 * is destroyed at once, so the client sees a broken connection, without node-server logging the
 * error and writing a 500 trailer into a stream that is already under way.
 */
async function endQuietly(
  req: Request,
  env: { outgoing?: { destroy(): void } } | undefined,
  handler: FetchHandler,
): Promise<Response> {
  const res = await handler(req);
  if (res.body === null) return res;
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  res.body.pipeTo(writable, { preventAbort: true }).catch((error) => {
    if (req.signal.aborted) return writable.close().catch(() => {});
    if (env?.outgoing !== undefined) return env.outgoing.destroy();
    return writable.abort(error).catch(() => {});
  });
  return new Response(readable, {
    status: res.status,
    statusText: res.statusText,
    headers: res.headers,
  });
}

function stopNode(server: NodeServerLike): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.close((error) => (error ? reject(error) : resolve()));
    // close() alone waits for keep-alive sockets to time out (5 s by default): end them now.
    server.closeAllConnections?.();
  });
}
