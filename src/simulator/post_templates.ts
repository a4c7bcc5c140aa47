/**
 * A pool of post templates, built once per run from the seed. A template is the post JSON cut at
 * its variable places (`@@id@@`, `@@ts@@`, ...), so rendering a post costs a few string
 * concatenations: thousands of posts per second stay cheap. Sizes range from about 0.3 to 6 KB.
 *
 * @module
 */
import { pick, type Random, randomInt } from "./prng.ts";
import { LANGS, NAMES, TEXT_FRAGMENTS, TOPICS } from "./text_fragments.ts";

/** The variable places of a template. */
export type TemplateSlot = "id" | "idnum" | "ts" | "classic" | "tsms" | "suffix";

/** A post JSON cut at its variable places: `parts[even]` are literal text, `parts[odd]` slot names. */
export interface Template {
  /** Literal text and slot names, alternating, without the closing `}` of the object. */
  readonly parts: readonly string[];
}

/** One template, in both wire shapes (v2 and PowerTrack). */
export interface PostTemplate {
  readonly v2: Template;
  readonly powertrack: Template;
  readonly authorId: string;
}

const SLOT_PATTERN = /@@(id|idnum|ts|classic|tsms|suffix)@@/;
const MAX_BYTES = 6_000;
const encoder = new TextEncoder();

/** Cuts `JSON.stringify(value)` at its `@@slot@@` markers (and unquotes `"@@idnum@@"`). */
function toTemplate(value: unknown): Template {
  const json = JSON.stringify(value).replace('"@@idnum@@"', "@@idnum@@");
  return { parts: json.slice(0, -1).split(SLOT_PATTERN) };
}

function postText(random: Random, minChars: number): string {
  let text = pick(random, TEXT_FRAGMENTS);
  while (text.length < minChars) text += " " + pick(random, TEXT_FRAGMENTS);
  return text;
}

function user(random: Random, id: string, rich: boolean): Record<string, unknown> {
  const name = pick(random, NAMES);
  const base: Record<string, unknown> = { id, name, username: `user_${id.slice(-6)}` };
  if (rich) {
    base.description = postText(random, randomInt(random, 40, 160));
    base.created_at = "2015-03-14T09:26:53.000Z";
    base.public_metrics = { followers_count: randomInt(random, 0, 90_000), following_count: 321 };
    base.verified = random() < 0.2;
  }
  return base;
}

function annotation(random: Random): Record<string, unknown> {
  const topic = pick(random, TOPICS);
  return {
    domain: { id: String(randomInt(random, 10, 170)), name: topic, description: `${topic} topics` },
    entity: { id: String(randomInt(random, 1e15, 9e15)), name: `${topic} news` },
  };
}

/** Builds one template pair with a size drawn between about 0.3 and 6 KB. */
export function buildTemplate(random: Random): PostTemplate {
  const targetBytes = 300 + Math.floor(random() ** 2.5 * (MAX_BYTES - 300));
  const authorId = String(randomInt(random, 1e9, 9e17));
  const lang = pick(random, LANGS);
  const text = postText(random, randomInt(random, 10, 200)) + " @@suffix@@";
  const data: Record<string, unknown> = {
    id: "@@id@@",
    text,
    created_at: "@@ts@@",
    author_id: authorId,
    edit_history_tweet_ids: ["@@id@@"],
    lang,
  };
  const includeUsers = random() < 0.6;
  const v2: Record<string, unknown> = { data };
  if (includeUsers) v2.includes = { users: [user(random, authorId, random() < 0.5)] };
  const size = () => encoder.encode(JSON.stringify(v2)).length;
  if (size() < targetBytes) {
    data.public_metrics = { retweet_count: 3, reply_count: 1, like_count: 42 };
  }
  const annotations: unknown[] = [];
  while (size() < targetBytes - 1500 && annotations.length < 6) {
    annotations.push(annotation(random));
    data.context_annotations = annotations;
  }
  if (size() < targetBytes - 200) {
    data.note_tweet = { text: postText(random, Math.min(2500, (targetBytes - size()) / 3)) };
  }
  if (includeUsers) {
    const users = (v2.includes as { users: unknown[] }).users;
    while (size() < targetBytes && users.length < 8) {
      users.push(user(random, String(randomInt(random, 1e9, 9e17)), true));
    }
  }
  const full = (data.note_tweet as { text?: string } | undefined)?.text;
  const powertrack: Record<string, unknown> = {
    created_at: "@@classic@@",
    id: "@@idnum@@",
    id_str: "@@id@@",
    text,
    source: '<a href="https://mobile.x.com" rel="nofollow">X Web App</a>',
    truncated: full !== undefined,
    user: {
      id_str: authorId,
      name: pick(random, NAMES),
      screen_name: `user_${authorId.slice(-6)}`,
    },
    lang,
    timestamp_ms: "@@tsms@@",
    filter_level: "low",
  };
  if (full !== undefined) powertrack.extended_tweet = { full_text: full };
  return { v2: toTemplate(v2), powertrack: toTemplate(powertrack), authorId };
}

/** Builds the pool of templates a run draws its posts from. */
export function buildTemplatePool(random: Random, count: number): PostTemplate[] {
  const pool: PostTemplate[] = [];
  for (let i = 0; i < count; i++) pool.push(buildTemplate(random));
  return pool;
}
