import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { ClientStatus } from "../src/client_status.ts";
import { createHealthApp } from "../src/server/health_app.ts";
import { listen } from "../src/server/listen.ts";
import { makeStatus } from "./helpers/client_status_fixture.ts";

const runtime = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node";

const status: ClientStatus = makeStatus({
  state: "idle",
  sinceMs: 0,
  attempts: 0,
  connectedAtMs: undefined,
  lastActivityMs: undefined,
});

async function refused(url: string): Promise<boolean> {
  try {
    const res = await fetch(url);
    await res.body?.cancel();
    return false;
  } catch {
    return true;
  }
}

describe(`listen on ${runtime}`, () => {
  it(`serves /healthz on a free 127.0.0.1 port with the ${runtime} server, and stops accepting after close()`, async () => {
    const server = await listen(createHealthApp({ status: () => status }).fetch, { port: 0 });
    try {
      assert.equal(server.runtime, runtime);
      assert.equal(server.hostname, "127.0.0.1");
      assert.ok(server.port > 0);
      assert.equal(server.url, `http://127.0.0.1:${server.port}`);
      // Keep-alive connection left open on purpose: close() must not wait for it.
      const res = await fetch(`${server.url}/healthz`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { status: "pass" });
      const metrics = await fetch(`${server.url}/metrics`);
      assert.equal(metrics.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      await metrics.body?.cancel();
    } finally {
      await server.close();
    }
    assert.ok(await refused(`${server.url}/healthz`), "port still accepts after close()");
    await server.close(); // a second close is harmless
  });

  it("close() ends an endless streamed response instead of waiting for it", async () => {
    const endless = () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start: (c) => c.enqueue(new TextEncoder().encode("first\n")),
          pull: () => new Promise<void>(() => {}),
        }),
      );
    const server = await listen(endless);
    const res = await fetch(server.url);
    const reader = res.body!.getReader();
    assert.equal(new TextDecoder().decode((await reader.read()).value), "first\n");
    const rest = reader.read().then(() => "ended", () => "ended");
    await server.close(); // Deno's shutdown() alone would wait for this body forever
    assert.equal(await rest, "ended");
  });

  it("closes when the signal aborts, and refuses to start on an aborted signal", async () => {
    const controller = new AbortController();
    const server = await listen(() => new Response("ok"), { signal: controller.signal });
    const res = await fetch(server.url);
    assert.equal(await res.text(), "ok");
    controller.abort();
    await server.close(); // resolves once the abort-triggered close is done
    assert.ok(await refused(server.url));
    await assert.rejects(
      listen(() => new Response("ok"), { signal: controller.signal }),
      (error: unknown) => (error as Error).name === "AbortError",
    );
  });

  it("rejects when the port is taken, and refuses an invalid port", async () => {
    const first = await listen(() => new Response("first"));
    try {
      await assert.rejects(listen(() => new Response("second"), { port: first.port }));
    } finally {
      await first.close();
    }
    await assert.rejects(listen(() => new Response(""), { port: 70_000 }), {
      name: "RangeError",
      message: "Cannot listen as 'port' must be an integer from 0 to 65535: current value is 70000",
    });
  });
});
