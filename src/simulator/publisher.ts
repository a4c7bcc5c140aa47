/**
 * The publisher: a timer loop that publishes posts at `postsPerSecond` (in batches per tick, so
 * thousands per second stay cheap) and compliance events, appends them to history and offers
 * them to every live connection that carries them.
 *
 * @module
 */
import type { SimContext } from "./context.ts";
import { isoTime } from "./ids_and_times.ts";
import { type Random, seededRandom } from "./prng.ts";
import type { FeedName } from "./stream_catalog.ts";

/** A published post, as `posts()` and `publish()` report it. */
export interface PublishedPost {
  /** The history sequence number (0, 1, 2, ...). */
  readonly seq: number;
  /** The post id (a snowflake). */
  readonly id: string;
  /** Publish time (epoch ms); also the post's `created_at`. */
  readonly atMs: number;
  /** `created_at` as the post carries it. */
  readonly createdAt: string;
  /** Ids of the filtered-stream rules it matched (empty: not on the filtered stream). */
  readonly ruleIds: readonly string[];
}

/** Publishes posts and compliance events on a timer. */
export class Publisher {
  readonly #ctx: SimContext;
  readonly #random: Random;
  #postsPerSecond: number;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #lastTickMs: number;
  #lastAtMs = 0;
  #carry = 0;
  #complianceCarry = 0;
  #running = false;

  /** Creates a stopped publisher. */
  constructor(ctx: SimContext) {
    this.#ctx = ctx;
    this.#random = seededRandom(ctx.options.seed, "publish");
    this.#postsPerSecond = ctx.options.postsPerSecond;
    this.#lastTickMs = ctx.now();
  }

  /** The current rate. */
  get postsPerSecond(): number {
    return this.#postsPerSecond;
  }

  /** True while the timer loop runs. */
  get running(): boolean {
    return this.#running;
  }

  /** Starts (or resumes) the timer loop. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#lastTickMs = this.#ctx.now();
    this.#schedule();
  }

  /** Stops the timer loop (publishing on demand still works). */
  stop(): void {
    this.#running = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Changes the rate from now on. */
  setPostsPerSecond(postsPerSecond: number): void {
    this.#postsPerSecond = postsPerSecond;
  }

  /** Publishes `count` posts now; returns their sequence numbers. */
  publish(count: number): number[] {
    const now = this.#ctx.now();
    return this.#publishPosts(Array.from({ length: count }, () => now));
  }

  /** Describes a post still in history. */
  describe(seq: number): PublishedPost {
    const { histories, factory, rules } = this.#ctx;
    const history = histories.posts;
    const atMs = history.atMs(seq);
    const ruleIds: string[] = [];
    for (let slot = 0; slot < 3; slot++) {
      const index = history.rule(seq, slot);
      if (index >= 0) ruleIds.push(rules.ref(index).id);
    }
    return { seq, id: factory.postId(seq, atMs), atMs, createdAt: isoTime(atMs), ruleIds };
  }

  #schedule(): void {
    this.#timer = setTimeout(() => this.#tick(), this.#ctx.options.publishTickMs);
  }

  #tick(): void {
    const { histories, options } = this.#ctx;
    const now = this.#ctx.now();
    const elapsed = Math.max(0, now - this.#lastTickMs);
    const from = this.#lastTickMs;
    this.#lastTickMs = now;
    this.#carry += (this.#postsPerSecond * elapsed) / 1000;
    const count = Math.floor(this.#carry);
    this.#carry -= count;
    // Spread the batch over the tick so publish times (and ids) look continuous.
    this.#publishPosts(
      Array.from({ length: count }, (_, i) => from + Math.floor(((i + 1) * elapsed) / count)),
    );
    this.#complianceCarry += (options.complianceEventsPerSecond * elapsed) / 1000;
    const events = Math.floor(this.#complianceCarry);
    this.#complianceCarry -= events;
    if (events > 0) {
      this.#publishEvents("tweet-compliance", events, now);
      this.#publishEvents("user-compliance", events, now);
    }
    for (const history of Object.values(histories)) history.prune(now);
    if (this.#running) this.#schedule();
  }

  #publishPosts(times: readonly number[]): number[] {
    if (times.length === 0) return [];
    const { histories, rules, powertrackRules, registry } = this.#ctx;
    const history = histories.posts;
    const seqs: number[] = [];
    for (const time of times) {
      const atMs = this.#lastAtMs = Math.max(this.#lastAtMs, time);
      const [r0, r1, r2] = rules.pickMatches(this.#random);
      const pt = powertrackRules.length > 0
        ? Math.floor(this.#random() * powertrackRules.length)
        : -1;
      seqs.push(history.append(atMs, r0, r1, r2, pt));
    }
    const from = Math.max(seqs[0] as number, history.firstSeq);
    registry.deliver("posts", history, from, history.nextSeq);
    return seqs.filter((seq) => history.has(seq));
  }

  #publishEvents(feed: FeedName, count: number, atMs: number): void {
    const history = this.#ctx.histories[feed];
    const from = history.nextSeq;
    for (let i = 0; i < count; i++) history.append(atMs);
    this.#ctx.registry.deliver(feed, history, Math.max(from, history.firstSeq), history.nextSeq);
  }
}
