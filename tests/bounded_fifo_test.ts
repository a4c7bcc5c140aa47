import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { BoundedFifo, type FifoEvent } from "../src/queue/bounded_fifo.ts";

function drain<T>(fifo: BoundedFifo<T>): T[] {
  const out: T[] = [];
  for (let item = fifo.tryTake(); item !== undefined; item = fifo.tryTake()) out.push(item);
  return out;
}

describe("BoundedFifo", () => {
  it("BoundedFifo with drop-oldest keeps the newest items and reports each drop", () => {
    const events: FifoEvent[] = [];
    const fifo = new BoundedFifo<number>({
      maxItems: 3,
      policy: "drop-oldest",
      onEvent: (e) => events.push(e),
    });
    assert.deepEqual([1, 2, 3].map((n) => fifo.offer(n)), ["queued", "queued", "queued"]);
    assert.equal(fifo.offer(4), "dropped-oldest");
    assert.equal(fifo.offer(5), "dropped-oldest");
    assert.deepEqual(drain(fifo), [3, 4, 5]);
    assert.deepEqual(events, [
      { type: "queue-drop", policy: "drop-oldest", count: 1, totalDropped: 1, depth: 3, bytes: 0 },
      { type: "queue-drop", policy: "drop-oldest", count: 1, totalDropped: 2, depth: 3, bytes: 0 },
    ]);
    const stats = fifo.stats();
    assert.equal(stats.droppedOldest, 2);
    assert.equal(stats.droppedNewest, 0);
    assert.equal(stats.queued, 5);
    assert.equal(stats.taken, 3);
  });

  it("BoundedFifo with drop-newest refuses new items while full and reports each drop", () => {
    const events: FifoEvent[] = [];
    const fifo = new BoundedFifo<number>({
      maxItems: 2,
      policy: "drop-newest",
      onEvent: (e) => events.push(e),
    });
    fifo.offer(1);
    fifo.offer(2);
    assert.equal(fifo.offer(3), "dropped-newest");
    assert.deepEqual(drain(fifo), [1, 2]);
    assert.equal(fifo.offer(4), "queued");
    assert.deepEqual(events, [
      { type: "queue-drop", policy: "drop-newest", count: 1, totalDropped: 1, depth: 2, bytes: 0 },
    ]);
    assert.equal(fifo.stats().droppedNewest, 1);
    assert.equal(fifo.stats().queued, 3);
  });

  it("BoundedFifo bounds bytes: drop-oldest drops as many as the new item needs", () => {
    const events: FifoEvent[] = [];
    const fifo = new BoundedFifo<string>({
      maxBytes: 10,
      sizeOf: (s) => s.length,
      policy: "drop-oldest",
      onEvent: (e) => events.push(e),
    });
    fifo.offer("aaa");
    fifo.offer("bbb");
    fifo.offer("cccc");
    assert.equal(fifo.bytes, 10);
    assert.equal(fifo.offer("dddddddd"), "dropped-oldest");
    assert.equal(fifo.bytes, 8);
    assert.deepEqual(events.map((e) => e.type === "queue-drop" && e.count), [3]);
    assert.equal(fifo.stats().peakBytes, 10);
    assert.deepEqual(drain(fifo), ["dddddddd"]);
    assert.equal(fifo.bytes, 0);
  });

  it("BoundedFifo accepts one oversized item into an empty queue rather than stall", () => {
    const fifo = new BoundedFifo<string>({ maxBytes: 4, sizeOf: (s) => s.length });
    assert.equal(fifo.offer("far too long"), "queued");
    assert.equal(fifo.offer("x"), "full");
  });

  it("BoundedFifo with block refuses while full, warns once, and wakes the producer on take", async () => {
    const events: FifoEvent[] = [];
    const fifo = new BoundedFifo<number>({ maxItems: 2, onEvent: (e) => events.push(e) });
    fifo.offer(1);
    fifo.offer(2);
    assert.equal(fifo.offer(3), "full");
    assert.equal(fifo.offer(3), "full");
    let woke = false;
    const writable = fifo.whenWritable().then(() => woke = true);
    await Promise.resolve();
    assert.equal(woke, false);
    assert.equal(await fifo.take(), 1);
    await writable;
    assert.equal(fifo.offer(3), "queued");
    assert.deepEqual(drain(fifo), [2, 3]);
    assert.equal(events.length, 1);
    assert.equal(events[0].type, "queue-blocked");
    assert.match((events[0] as { message: string }).message, /X will disconnect a slow reader/);
    assert.equal(fifo.stats().blockedWaits, 2);
    assert.equal(fifo.stats().droppedNewest + fifo.stats().droppedOldest, 0);
  });

  it("BoundedFifo with block waits until the refused item's bytes fit", async () => {
    const fifo = new BoundedFifo<string>({ maxBytes: 6, sizeOf: (s) => s.length });
    fifo.offer("aa");
    fifo.offer("bb");
    fifo.offer("cc");
    assert.equal(fifo.offer("dddd"), "full");
    let woke = false;
    const writable = fifo.whenWritable().then(() => woke = true);
    fifo.tryTake(); // 2 bytes free: not enough for 4
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(woke, false);
    fifo.tryTake();
    await writable;
    assert.equal(fifo.offer("dddd"), "queued");
  });

  it("BoundedFifo with block loses nothing between a fast producer and a slow consumer", async () => {
    const fifo = new BoundedFifo<number>({ maxItems: 8 });
    const producer = (async () => {
      for (let i = 0; i < 1000; i++) {
        while (fifo.offer(i) === "full") await fifo.whenWritable();
      }
      fifo.close();
    })();
    const got: number[] = [];
    for await (const n of fifo) {
      got.push(n);
      if (n % 7 === 0) await new Promise((r) => setTimeout(r, 0));
    }
    await producer;
    assert.deepEqual(got, Array.from({ length: 1000 }, (_, i) => i));
    assert.ok(fifo.stats().peakDepth <= 8);
  });

  it("BoundedFifo whenBelow waits until depth and bytes are under the limits, or it closes", async () => {
    const fifo = new BoundedFifo<string>({ maxItems: 10, maxBytes: 100, sizeOf: (s) => s.length });
    for (const item of ["a".repeat(30), "b", "c", "d"]) fifo.offer(item);
    assert.equal(fifo.maxItems, 10);
    assert.equal(fifo.maxBytes, 100);
    let below = false;
    void fifo.whenBelow(3, 20).then(() => below = true);
    await Promise.resolve();
    fifo.tryTake(); // 3 items, 3 bytes: not fewer than 3 items yet
    await Promise.resolve();
    assert.equal(below, false);
    fifo.tryTake();
    await Promise.resolve();
    assert.equal(below, true, "2 items and 2 bytes");
    let closed = false;
    void fifo.whenBelow(1).then(() => closed = true);
    fifo.close();
    await Promise.resolve();
    assert.equal(closed, true, "closing releases the waiter");
    assert.equal(await Promise.race([fifo.whenBelow(0), "pending"]), undefined);
  });

  it("BoundedFifo take resolves waiting consumers in order, with items in order", async () => {
    const fifo = new BoundedFifo<string>();
    const first = fifo.take();
    const second = fifo.take();
    fifo.offer("a");
    fifo.offer("b");
    fifo.offer("c");
    assert.deepEqual(await Promise.all([first, second]), ["a", "b"]);
    assert.equal(await fifo.take(), "c");
    assert.equal(fifo.stats().taken, 3);
    assert.equal(fifo.stats().peakDepth, 1, "a and b went straight to the waiting takes");
  });

  it("BoundedFifo close lets held items drain, then ends every consumer", async () => {
    const fifo = new BoundedFifo<number>();
    fifo.offer(1);
    fifo.offer(2);
    fifo.close();
    assert.equal(fifo.offer(3), "closed");
    assert.equal(await fifo.take(), 1);
    assert.equal(await fifo.take(), 2);
    assert.equal(await fifo.take(), undefined);
    const waiting = new BoundedFifo<number>();
    const pending = waiting.take();
    waiting.close();
    assert.equal(await pending, undefined);
    await waiting.whenWritable(); // resolves at once when closed
  });

  it("BoundedFifo readable pulls one item per read and never copies the backlog", async () => {
    const fifo = new BoundedFifo<number>();
    for (let i = 0; i < 100; i++) fifo.offer(i);
    const reader = fifo.readable.getReader();
    await Promise.resolve();
    assert.equal(fifo.depth, 100, "creating the reader pulled nothing");
    assert.deepEqual(await reader.read(), { done: false, value: 0 });
    assert.equal(fifo.depth, 99);
    fifo.close();
    let n = 1;
    for (let r = await reader.read(); !r.done; r = await reader.read()) assert.equal(r.value, n++);
    assert.equal(n, 100);
    assert.equal(fifo.readable, fifo.readable, "one stream per queue");
  });

  it("BoundedFifo readable waits for items and closes the queue when cancelled", async () => {
    const fifo = new BoundedFifo<string>();
    const reader = fifo.readable.getReader();
    const read = reader.read();
    fifo.offer("late");
    assert.deepEqual(await read, { done: false, value: "late" });
    await reader.cancel();
    assert.equal(fifo.closed, true);
  });

  it("BoundedFifo keeps order through 100k offers and takes across ring wrap-around", () => {
    const fifo = new BoundedFifo<number>({ maxItems: 100_000 });
    let next = 0;
    let expected = 0;
    // Fill to 60k, then alternate bursts so head and tail wrap the ring many times.
    while (next < 60_000) fifo.offer(next++);
    while (expected < 160_000) {
      for (let i = 0; i < 37 && next < 200_000; i++) assert.equal(fifo.offer(next++), "queued");
      for (let i = 0; i < 41; i++) assert.equal(fifo.tryTake(), expected++);
    }
    while (fifo.depth > 0) assert.equal(fifo.tryTake(), expected++);
    assert.equal(expected, next);
    const stats = fifo.stats();
    assert.equal(stats.queued, next);
    assert.equal(stats.taken, next);
    assert.equal(stats.peakDepth, 60_037, "60k, then one burst of 37 before the first takes");
  });

  it("BoundedFifo reports a throwing sizeOf or onEvent and keeps working", () => {
    const events: FifoEvent[] = [];
    const fifo = new BoundedFifo<string>({
      maxBytes: 100,
      sizeOf: (s) => {
        if (s === "bad") throw new Error("cannot measure");
        return s.length;
      },
      onEvent: (e) => events.push(e),
    });
    assert.equal(fifo.offer("bad"), "queued");
    assert.equal(events[0].type, "callback-error");
    assert.equal(fifo.bytes, 0);

    const throwing = new BoundedFifo<number>({
      maxItems: 1,
      policy: "drop-newest",
      onEvent: () => {
        throw new Error("listener broke");
      },
    });
    throwing.offer(1);
    assert.equal(throwing.offer(2), "dropped-newest");
  });

  it("BoundedFifo refuses invalid options with the std message grammar", () => {
    assert.throws(() => new BoundedFifo({ maxItems: 0 }), {
      name: "RangeError",
      message:
        "Cannot construct BoundedFifo as 'maxItems' must be a positive integer: current value is 0",
    });
    assert.throws(() => new BoundedFifo({ policy: "wait" as "block" }), {
      name: "RangeError",
      message:
        `Cannot construct BoundedFifo as 'policy' must be "block", "drop-oldest" or "drop-newest": current value is "wait"`,
    });
    assert.throws(() => new BoundedFifo({ maxBytes: 1024 }), {
      name: "TypeError",
      message:
        "Cannot construct BoundedFifo as 'sizeOf' must be a function when 'maxBytes' is set: current value is undefined",
    });
  });
});
