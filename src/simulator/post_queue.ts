/**
 * A connection's server-side queue: post sequence numbers and heartbeat markers, in order, with
 * O(1) take from the front and a count of the posts (heartbeats do not fill the buffer).
 *
 * @module
 */

/** What the queue holds: a post's sequence number, or a heartbeat. */
export type QueueItem = number | "heartbeat";

/** A FIFO of posts and heartbeats. */
export class PostQueue {
  #items: QueueItem[] = [];
  #head = 0;
  #posts = 0;

  /** Posts waiting (heartbeats not counted). */
  get posts(): number {
    return this.#posts;
  }

  /** True when nothing waits. */
  get empty(): boolean {
    return this.#head >= this.#items.length;
  }

  /** Appends a post or a heartbeat. */
  push(item: QueueItem): void {
    this.#items.push(item);
    if (item !== "heartbeat") this.#posts++;
  }

  /** Takes the oldest item, if any. */
  shift(): QueueItem | undefined {
    if (this.empty) return undefined;
    const item = this.#items[this.#head++] as QueueItem;
    if (item !== "heartbeat") this.#posts--;
    // Compact now and then, so a long-lived connection's array does not grow for ever.
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  /** Empties the queue; returns how many posts it held. */
  clear(): number {
    const dropped = this.#posts;
    this.#items = [];
    this.#head = this.#posts = 0;
    return dropped;
  }
}
