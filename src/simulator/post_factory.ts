/**
 * Renders the lines a stream carries from a post's sequence number and publish time: v2 posts,
 * PowerTrack activities and compliance events. Rendering is a pure function of
 * `(seed, seq, atMs, rules)`, so history keeps only numbers and any post can be rendered again
 * for a replay, byte for byte.
 *
 * @module
 */
import { classicTime, isoTime, snowflakeId } from "./ids_and_times.ts";
import { seededRandom } from "./prng.ts";
import { buildTemplatePool, type PostTemplate, type Template } from "./post_templates.ts";

/** A rule as it appears in a post's `matching_rules`. */
export interface RuleRef {
  readonly id: string;
  readonly tag: string | undefined;
}

const TWEET_EVENTS = ["delete", "delete", "delete", "tweet_edit", "withheld", "drop", "undrop"];
const USER_EVENTS = [
  "user_delete",
  "user_undelete",
  "user_protect",
  "user_unprotect",
  "user_suspend",
  "user_unsuspend",
  "user_withheld",
  "scrub_geo",
  "profile_update",
];

/** Renders posts and compliance events for one simulator run. */
export class PostFactory {
  readonly #pool: PostTemplate[];

  /** Builds the run's template pool from `seed` (`poolSize` templates, 48 by default). */
  constructor(seed: number, poolSize = 48) {
    this.#pool = buildTemplatePool(seededRandom(seed, "templates"), poolSize);
  }

  /** The post id of `seq` published at `atMs` (a snowflake: increases with both). */
  postId(seq: number, atMs: number): string {
    return snowflakeId(atMs, seq);
  }

  /** A v2 post line (`{"data":...,"includes":...,"matching_rules":[...]}`), without `\r\n`. */
  v2Line(seq: number, atMs: number, rules?: readonly RuleRef[]): string {
    const body = render(this.#template(seq).v2, seq, atMs);
    if (rules === undefined) return body + "}";
    const matching = rules.map((r) =>
      `{"id":${JSON.stringify(r.id)},"tag":${JSON.stringify(r.tag ?? "")}}`
    );
    return `${body},"matching_rules":[${matching.join(",")}]}`;
  }

  /** A PowerTrack activity line (the post JSON itself, no `data` wrapper), without `\r\n`. */
  powertrackLine(seq: number, atMs: number, rules: readonly RuleRef[]): string {
    const body = render(this.#template(seq).powertrack, seq, atMs);
    const matching = rules.map((r) =>
      `{"tag":${
        r.tag === undefined ? "null" : JSON.stringify(r.tag)
      },"id":${r.id},"id_str":"${r.id}"}`
    );
    return `${body},"matching_rules":[${matching.join(",")}]}`;
  }

  /** A v2 post-compliance event (`delete`, `tweet_edit`, `withheld`, `drop`, `undrop`). */
  tweetComplianceLine(seq: number, atMs: number): string {
    const kind = TWEET_EVENTS[seq % TWEET_EVENTS.length] as string;
    const tweetId = snowflakeId(atMs - 3_600_000 - (seq % 997) * 1000, seq);
    const tweet = { id: tweetId, author_id: this.#template(seq).authorId };
    const event: Record<string, unknown> = { tweet };
    if (kind === "tweet_edit") {
      const editedId = snowflakeId(atMs, seq);
      event.tweet = { ...tweet, id: editedId };
      event.initial_tweet_id = tweetId;
      event.edit_tweet_ids = [tweetId, editedId];
    }
    if (kind === "withheld") event.withheld_in_countries = ["DE", "FR"];
    event.event_at = isoTime(atMs);
    return JSON.stringify({ data: { [kind]: event } });
  }

  /** A v2 user-compliance event (`user_delete`, `user_suspend`, `scrub_geo`, ...). */
  userComplianceLine(seq: number, atMs: number): string {
    const kind = USER_EVENTS[seq % USER_EVENTS.length] as string;
    const event: Record<string, unknown> = { user: { id: this.#template(seq).authorId } };
    if (kind === "user_withheld") event.withheld_in_countries = ["IN"];
    if (kind === "scrub_geo") event.up_to_tweet_id = snowflakeId(atMs - 60_000, seq);
    event.event_at = isoTime(atMs);
    return JSON.stringify({ data: { [kind]: event } });
  }

  #template(seq: number): PostTemplate {
    // Multiplicative hashing spreads consecutive posts over the pool.
    return this.#pool[(Math.imul(seq, 0x9e3779b1) >>> 0) % this.#pool.length] as PostTemplate;
  }
}

function render(template: Template, seq: number, atMs: number): string {
  const parts = template.parts;
  let id: string | undefined;
  let out = parts[0] as string;
  for (let i = 1; i < parts.length; i += 2) {
    switch (parts[i]) {
      case "id":
      case "idnum":
        out += id ??= snowflakeId(atMs, seq);
        break;
      case "ts":
        out += isoTime(atMs);
        break;
      case "classic":
        out += classicTime(atMs);
        break;
      case "tsms":
        out += String(Math.floor(atMs));
        break;
      case "suffix":
        out += `#s${seq.toString(36)}`;
        break;
    }
    out += parts[i + 1] as string;
  }
  return out;
}
