import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { parseRateLimit } from "../src/rate_limit.ts";

const VALID = {
  "x-rate-limit-limit": "50",
  "x-rate-limit-remaining": "49",
  "x-rate-limit-reset": "1700000000",
};

describe("parseRateLimit", () => {
  it("parseRateLimit reads the three headers, reset in epoch milliseconds", () => {
    assert.deepEqual(parseRateLimit(new Headers(VALID)), {
      limit: 50,
      remaining: 49,
      resetAtMs: 1_700_000_000_000,
    });
  });

  it("parseRateLimit accepts zero remaining and surrounding whitespace", () => {
    const rl = parseRateLimit(
      new Headers({ ...VALID, "x-rate-limit-remaining": "0", "x-rate-limit-limit": " 50 " }),
    );
    assert.deepEqual(rl, { limit: 50, remaining: 0, resetAtMs: 1_700_000_000_000 });
  });

  it("parseRateLimit reads header names case-insensitively", () => {
    const headers = new Headers({
      "X-Rate-Limit-Limit": "50",
      "X-RATE-LIMIT-REMAINING": "1",
      "x-Rate-limit-Reset": "1",
    });
    assert.deepEqual(parseRateLimit(headers), { limit: 50, remaining: 1, resetAtMs: 1000 });
  });

  it("parseRateLimit returns undefined when any header is missing", () => {
    assert.equal(parseRateLimit(new Headers()), undefined);
    for (const name of Object.keys(VALID)) {
      const headers = new Headers(VALID);
      headers.delete(name);
      assert.equal(parseRateLimit(headers), undefined, `without ${name}`);
    }
  });

  it("parseRateLimit returns undefined for non-numeric or negative values", () => {
    for (const bad of ["", "abc", "-1", "1.5", "1e3", "0x10", "12abc", "99999999999999999999"]) {
      for (const name of Object.keys(VALID)) {
        const headers = new Headers({ ...VALID, [name]: bad });
        assert.equal(parseRateLimit(headers), undefined, `${name}: ${JSON.stringify(bad)}`);
      }
    }
  });
});
