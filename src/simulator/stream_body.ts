/**
 * The body of one streaming connection: a pull-based `ReadableStream` fed from a bounded
 * server-side queue. Posts wait in the queue as sequence numbers and are encoded only when the
 * reader pulls, so a reader that does not read fills the queue, not memory; past
 * `bufferPosts` the connection is a slow reader and its owner closes it (the queued posts are
 * lost for it, as on X). Heartbeats, stalls, clean ends, resets and client cancels live here.
 *
 * @module
 */
import { ByteChunker, type Piece } from "./chunker.ts";
import type { BodyStats, CloseReason } from "./body_types.ts";
import { PostQueue } from "./post_queue.ts";
import type { Random } from "./prng.ts";

/** Options of a {@linkcode StreamBody}. */
export interface StreamBodyOptions {
  /** Chunk sizes and heartbeat jitter are drawn from it. */
  readonly random: Random;
  readonly minChunkBytes: number;
  readonly maxChunkBytes: number;
  readonly heartbeatIntervalMs: number;
  /** Each heartbeat comes up to this much late (X's often arrive a little after 20 s). */
  readonly heartbeatJitterMs: number;
  /** The server-side buffer, in posts; one more makes the connection a slow reader. */
  readonly bufferPosts: number;
  /** The line of a post (without `\r\n`); `undefined` when history no longer holds it. */
  readonly render: (seq: number) => string | undefined;
  /** Called once when the buffer overflows; the owner ends the body. */
  readonly onSlowReader: () => void;
  /** Called once when the body ends, for whatever reason. */
  readonly onEnd: (reason: CloseReason) => void;
  /** Called once, when its first post or heartbeat is sent. @default {undefined} */
  readonly onEstablished?: () => void;
  /** The request's signal: an abort ends the body like a dropped socket. */
  readonly signal?: AbortSignal;
}

const encoder = new TextEncoder();
const HEARTBEAT_PIECE: Piece = { kind: "heartbeat", bytes: encoder.encode("\r\n") };

/** One connection's byte stream. */
export class StreamBody {
  /** The response body. */
  readonly readable: ReadableStream<Uint8Array>;
  /** What has been sent and lost so far. */
  readonly stats: BodyStats = {
    postsDelivered: 0,
    heartbeatsDelivered: 0,
    controlLines: 0,
    bytesDelivered: 0,
    postsDropped: 0,
  };
  readonly #options: StreamBodyOptions;
  readonly #chunker: ByteChunker;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  readonly #queue = new PostQueue();
  #replay: Iterator<number> | undefined;
  #drainReason: CloseReason | undefined;
  #heartbeatTimer: ReturnType<typeof setTimeout> | undefined;
  #resumeTimer: ReturnType<typeof setTimeout> | undefined;
  #ended: CloseReason | undefined;
  #stalled = false;
  /** The stall ends after a while (posts queue meanwhile). */
  #pausing = false;
  #muted = false;
  readonly #onAbort = (): void => this.#abort();

  /** Opens the body and starts its heartbeat clock. */
  constructor(options: StreamBodyOptions) {
    this.#options = options;
    this.#chunker = new ByteChunker({
      random: options.random,
      minBytes: options.minChunkBytes,
      maxBytes: options.maxChunkBytes,
    });
    this.readable = new ReadableStream<Uint8Array>({
      start: (controller) => {
        this.#controller = controller;
      },
      pull: () => this.#pump(),
      cancel: () => this.#finish("client-cancel"),
    }, { highWaterMark: 1 });
    options.signal?.addEventListener("abort", this.#onAbort);
    // Aborted before we got here (a listener passing a dead request): end once the owner is set up.
    if (options.signal?.aborted) queueMicrotask(this.#onAbort);
    this.#scheduleHeartbeat();
  }

  /** Why the body ended; `undefined` while open. */
  get ended(): CloseReason | undefined {
    return this.#ended;
  }

  /** True once a post or a heartbeat was sent: the connection proved healthy. */
  get established(): boolean {
    return this.stats.postsDelivered + this.stats.heartbeatsDelivered > 0;
  }

  /** True while silenced by a stall. */
  get stalled(): boolean {
    return this.#stalled;
  }

  /** Posts waiting in the server-side buffer. */
  get queuedPosts(): number {
    return this.#queue.posts;
  }

  /** Live posts for this connection. Overflowing the buffer makes it a slow reader. */
  offerPosts(seqs: readonly number[]): void {
    for (const seq of seqs) {
      if (this.#ended) return;
      // A stall that ends is a pause of the network: posts wait in the server's buffer (and may
      // overflow it). One that never ends is a dead connection: its posts are lost for it.
      if (this.#muted || (this.#stalled && !this.#pausing)) {
        this.stats.postsDropped++;
        continue;
      }
      if (this.#queue.posts >= this.#options.bufferPosts) {
        this.#options.onSlowReader();
        return;
      }
      this.#queue.push(seq);
    }
    this.#pump();
  }

  /** Sends these history posts before any queued live post (backfill, Recovery). */
  replay(seqs: Iterator<number>): void {
    this.#replay = seqs;
    this.#pump();
  }

  /** Ends the body cleanly, with `reason`, once everything replayed and queued has been sent. */
  finishWhenDrained(reason: CloseReason): void {
    this.#drainReason = reason;
    this.#pump();
  }

  /**
   * Ends the body now: finishes the line in progress, sends `line` (a disconnect message) if
   * given, and closes cleanly (PowerTrack's zero-byte chunk). Queued posts are dropped.
   */
  endWith(line: string | undefined, reason: CloseReason): void {
    if (this.#ended) return;
    const rest = this.#chunker.takeRest((piece) => this.#count(piece));
    try {
      if (rest) this.#enqueue(rest);
      if (line !== undefined) {
        this.#enqueue(encoder.encode(line + "\r\n"));
        this.stats.controlLines++;
      }
      this.#controller.close();
    } catch { /* the reader went away meanwhile */ }
    this.#finish(reason);
  }

  /** Ends the body abruptly: the reader's next read fails, like a TCP reset. */
  reset(): void {
    if (this.#ended) return;
    this.#chunker.discard();
    try {
      this.#controller.error(new TypeError("Connection reset by peer (simulated by holdfast)"));
    } catch { /* already gone */ }
    this.#finish("reset");
  }

  /** Silence: no heartbeats, no posts, socket open. Without `durationMs` the posts are lost for
   * this connection; with it, they queue in the server buffer (a reader that lets it overflow
   * is dropped as a slow reader) and flow when it resumes, after `durationMs`. */
  stall(durationMs?: number): void {
    if (this.#ended) return;
    this.#stalled = true;
    this.#pausing = durationMs !== undefined;
    clearTimeout(this.#heartbeatTimer);
    clearTimeout(this.#resumeTimer);
    if (durationMs !== undefined) this.#resumeTimer = setTimeout(() => this.resume(), durationMs);
  }

  /** Ends a stall (or a mute): heartbeats and posts flow again. */
  resume(): void {
    if (this.#ended || (!this.#stalled && !this.#muted)) return;
    this.#stalled = this.#muted = this.#pausing = false;
    this.#scheduleHeartbeat();
    this.#pump();
  }

  /** Accepts but never sends (a connection about to flap). */
  mute(): void {
    this.#muted = true;
    clearTimeout(this.#heartbeatTimer);
  }

  #pump(): void {
    if (this.#ended || this.#stalled || this.#muted) return;
    while ((this.#controller.desiredSize ?? 0) > 0) {
      const chunk = this.#chunker.take(() => this.#next(), (piece) => this.#count(piece));
      if (!chunk) break;
      this.#enqueue(chunk);
    }
    const drained = !this.#replay && this.#queue.empty && !this.#chunker.hasPartial;
    if (this.#drainReason && drained) this.endWith(undefined, this.#drainReason);
  }

  #next(): Piece | undefined {
    while (this.#replay) {
      const step = this.#replay.next();
      if (step.done) this.#replay = undefined;
      else {
        const piece = this.#postPiece(step.value);
        if (piece) return piece;
      }
    }
    for (let item = this.#queue.shift(); item !== undefined; item = this.#queue.shift()) {
      if (item === "heartbeat") return HEARTBEAT_PIECE;
      const piece = this.#postPiece(item);
      if (piece) return piece;
    }
    return undefined;
  }

  #postPiece(seq: number): Piece | undefined {
    const line = this.#options.render(seq);
    return line === undefined ? undefined : { kind: "post", bytes: encoder.encode(line + "\r\n") };
  }

  #count(piece: Piece): void {
    const first = !this.established;
    if (piece.kind === "post") this.stats.postsDelivered++;
    else if (piece.kind === "heartbeat") this.stats.heartbeatsDelivered++;
    if (first && this.established) this.#options.onEstablished?.();
  }

  #enqueue(chunk: Uint8Array): void {
    this.#controller.enqueue(chunk);
    this.stats.bytesDelivered += chunk.length;
  }

  #scheduleHeartbeat(): void {
    clearTimeout(this.#heartbeatTimer);
    const { heartbeatIntervalMs, heartbeatJitterMs, random } = this.#options;
    const delay = heartbeatIntervalMs +
      (heartbeatJitterMs > 0 ? Math.floor(random() * heartbeatJitterMs) : 0);
    this.#heartbeatTimer = setTimeout(() => {
      this.#heartbeatTimer = undefined;
      if (this.#ended || this.#stalled || this.#muted) return;
      this.#queue.push("heartbeat");
      this.#scheduleHeartbeat();
      this.#pump();
    }, delay);
  }

  #abort(): void {
    if (this.#ended) return;
    const reason = this.#options.signal?.reason ??
      new DOMException("The operation was aborted.", "AbortError");
    try {
      this.#controller.error(reason);
    } catch { /* already gone */ }
    this.#finish("client-abort");
  }

  #finish(reason: CloseReason): void {
    if (this.#ended) return;
    this.#ended = reason;
    clearTimeout(this.#heartbeatTimer);
    clearTimeout(this.#resumeTimer);
    this.#options.signal?.removeEventListener("abort", this.#onAbort);
    this.stats.postsDropped += this.#queue.clear();
    this.#replay = undefined;
    this.#options.onEnd(reason);
  }
}
