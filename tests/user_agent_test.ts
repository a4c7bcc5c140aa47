import { afterEach, describe, it } from "node:test";
import assert from "node:assert/strict";
import { applyUserAgent, userAgent } from "../src/user_agent.ts";
import { VERSION } from "../src/version.ts";

const g = globalThis as Record<string, unknown>;

describe("userAgent", () => {
  it("names holdfast, its version, and the runtime with its version", () => {
    const ua = userAgent();
    assert.ok(ua.startsWith(`holdfast/${VERSION} (`), ua);
    const runtime = /\((.+)\)$/.exec(ua)?.[1] ?? "";
    const deno = (g["Deno"] as { version?: { deno?: string } } | undefined)?.version?.deno;
    const bun = (g["Bun"] as { version?: string } | undefined)?.version;
    const node = (g["process"] as { versions?: { node?: string } } | undefined)?.versions?.node;
    const expected = deno !== undefined
      ? `Deno/${deno}`
      : bun !== undefined
      ? `Bun/${bun}`
      : `Node.js/${node}`;
    assert.equal(runtime, expected);
  });
});

describe("applyUserAgent", () => {
  let hadDocument = false;
  afterEach(() => {
    if (!hadDocument) delete g["document"];
  });

  it("sets User-Agent and no x-user-agent where the runtime allows it", () => {
    hadDocument = "document" in g;
    const headers = new Headers({ authorization: "Bearer t" });
    applyUserAgent(headers);
    assert.equal(headers.get("user-agent"), userAgent());
    assert.equal(headers.get("x-user-agent"), null);
    assert.equal(headers.get("authorization"), "Bearer t");
  });

  it("also sets x-user-agent in a browser (a document is present)", () => {
    hadDocument = "document" in g;
    g["document"] = {};
    const headers = new Headers();
    applyUserAgent(headers);
    assert.equal(headers.get("x-user-agent"), userAgent());
  });

  it("sets x-user-agent when the headers refuse User-Agent", () => {
    hadDocument = "document" in g;
    const refusing = new Headers();
    const set = refusing.set.bind(refusing);
    refusing.set = (name: string, value: string) => {
      if (name.toLowerCase() === "user-agent") return; // what a forbidden-header guard does
      set(name, value);
    };
    applyUserAgent(refusing);
    assert.equal(refusing.get("user-agent"), null);
    assert.equal(refusing.get("x-user-agent"), userAgent());
  });
});
