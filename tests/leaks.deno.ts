/**
 * Deno-only leak checks (run explicitly: `deno test -A tests/leaks.deno.ts`; the name keeps the
 * other runners from collecting it). Deno's op and resource sanitizers fail a test that leaves a
 * timer, a fetch body or a connection behind: exactly what close() and a cancelled reader must not.
 */
import assert from "node:assert/strict";
import { connect } from "../src/client/connect.ts";

const encoder = new TextEncoder();

/** A real server on port 0 that streams a post every 5 ms and a heartbeat every 20 ms, forever. */
function endlessStream(): {
  url: string;
  server: Deno.HttpServer<Deno.NetAddr>;
  opened: () => number;
} {
  let opened = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    opened++;
    let timer: ReturnType<typeof setInterval> | undefined;
    let n = 0;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        timer = setInterval(() => {
          n++;
          const line = n % 4 === 0 ? "\r\n" : `{"data":{"id":"${n}","text":"post ${n}"}}\r\n`;
          try {
            controller.enqueue(encoder.encode(line));
          } catch {
            clearInterval(timer);
          }
        }, 5);
      },
      cancel() {
        clearInterval(timer);
      },
    });
    return new Response(body, { headers: { "content-type": "application/json" } });
  });
  const { port } = server.addr;
  return { url: `http://127.0.0.1:${port}/2/tweets/search/stream`, server, opened: () => opened };
}

Deno.test({
  name: "close() leaves no timer, body or connection open",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { url, server, opened } = endlessStream();
    try {
      const client = connect({ url, auth: { bearer: "t" } });
      const reader = client.readable.getReader();
      const ids: string[] = [];
      while (ids.length < 3) {
        const { value } = await reader.read();
        ids.push(value!.id!);
      }
      reader.releaseLock();
      assert.deepEqual(ids, ["1", "2", "3"]);
      await client.close();
      assert.equal(client.status().state, "stopped");
      assert.equal(opened(), 1);
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "cancelling the readable's reader closes the client and leaves nothing open",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const { url, server } = endlessStream();
    try {
      const client = connect({ url, auth: { bearer: "t" } });
      const reader = client.readable.getReader();
      for (let i = 0; i < 3; i++) await reader.read();
      await reader.cancel();
      await client.closed;
      assert.equal(client.status().state, "stopped");
      assert.equal(client.status().stopReason, "closed");
    } finally {
      await server.shutdown();
    }
  },
});

Deno.test({
  name: "close() during a backoff wait leaves no timer",
  sanitizeOps: true,
  sanitizeResources: true,
  async fn() {
    const server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen() {} },
      () => new Response('{"title":"Service Unavailable"}', { status: 503 }),
    );
    try {
      const client = connect({
        url: `http://127.0.0.1:${server.addr.port}/2/tweets/search/stream`,
      });
      await new Promise<void>((resolve) => {
        const unsubscribe = client.subscribe((event) => {
          if (event.type === "retry-scheduled") {
            unsubscribe();
            resolve();
          }
        });
      });
      assert.equal(client.status().state, "waiting");
      await client.close();
    } finally {
      await server.shutdown();
    }
  },
});
