/**
 * A seeded, deterministic corpus of X v2 stream bodies for the throughput benchmark, and a seeded
 * chunker that cuts it the way a network does (random 1 to 64 KiB chunks, some ending inside a
 * UTF-8 character or between `\r` and `\n`).
 *
 * Only integer and IEEE basic arithmetic is used (no `Math.log`/`exp`/`pow`, whose last bits differ
 * between V8 and JavaScriptCore), so Node, Deno and Bun build byte-identical corpora from one seed:
 * compare the `hash` each runtime prints.
 *
 * @module
 */

/** A 32-bit PRNG (mulberry32). Returns uint32s; identical on every engine. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

type Rng = () => number;
/** An integer in [lo, hi]. */
const int = (r: Rng, lo: number, hi: number): number => lo + (r() % (hi - lo + 1));
/** True with probability `p`. */
const chance = (r: Rng, p: number): boolean => r() / 4294967296 < p;
const pick = <T>(r: Rng, xs: readonly T[]): T => xs[r() % xs.length];

// ---- vocabulary -------------------------------------------------------------------------------

const EN = (
  "the a to and of in is it you that for on this with just my so be at all about now new what " +
  "today love live game watch people time good day really think going back best year team look " +
  "thread breaking update news market price week night first still never always world city"
).split(" ");
const ES_FR_PT = (
  "año mañana está también qué más información después así corazón niño señor canción fútbol " +
  "été très déjà à où français garçon façon naïve élève noël coração não então você é também " +
  "ação situação über schön grüße straße für Müller Zürich ça première œuvre"
).split(" ");
const JA = [
  "今日は",
  "ありがとう",
  "東京",
  "天気",
  "最高",
  "ニュース",
  "速報",
  "本当に",
  "楽しみ",
  "ライブ",
  "新しい",
  "動画",
  "公開",
  "おはようございます",
  "お疲れ様です",
  "試合",
  "応援",
  "発表",
];
const ZH = ["你好", "今天", "新闻", "中国", "北京", "朋友", "谢谢", "比赛", "视频", "直播", "消息"];
const KO = ["안녕하세요", "감사합니다", "오늘", "서울", "뉴스", "사랑해", "최고", "경기", "영상"];
const AR = ["مرحبا", "شكرا", "اليوم", "أخبار", "الله", "جميل", "مباراة"];
const RU = ["привет", "сегодня", "новости", "спасибо", "Москва", "матч", "видео"];
const EMOJI = [
  "😀",
  "😂",
  "🤣",
  "😍",
  "🥰",
  "😭",
  "🔥",
  "🎉",
  "👍",
  "👍🏽",
  "🙏",
  "💯",
  "❤️",
  "✨",
  "🚀",
  "👀",
  "🤔",
  "😎",
  "🇯🇵",
  "🇧🇷",
  "👩‍💻",
  "👨‍👩‍👧",
  "🏳️‍🌈",
  "⚽",
  "🎶",
  "📈",
  "💔",
  "🙌🏾",
];
const LANGS = ["en", "ja", "es", "pt", "fr", "ko", "zh", "ar", "ru", "de", "und"] as const;
const RULES = [
  ["1700000000000000001", "news"],
  ["1700000000000000002", "sports: football"],
  ["1700000000000000003", "brand mentions 🚀"],
  ["1700000000000000004", "japan 日本"],
  ["1700000000000000005", "crypto"],
  ["1700000000000000006", "music"],
  ["1700000000000000007", "politics"],
  ["1700000000000000008", "weather"],
] as const;
const DOMAINS = [
  ["46", "Business Taxonomy", "Categories within Brand Verticals"],
  ["47", "Brand", "Brands and Companies"],
  ["131", "Unified Twitter Taxonomy", "A taxonomy of user interests."],
  ["10", "Person", "Named people in the world like Nelson Mandela"],
  ["3", "TV Shows", "Television shows from around the world"],
  ["11", "Sport", "Types of sports, like soccer and basketball"],
] as const;

// ---- text -------------------------------------------------------------------------------------

/** A post text of about `chars` UTF-16 units. `ascii` keeps it pure ASCII. */
function text(r: Rng, chars: number, ascii: boolean): string {
  const style = ascii ? 0 : int(r, 1, 6);
  let s = "";
  let first = true;
  while (s.length < chars) {
    let w: string;
    const k = r() % 100;
    if (k < 4) w = "#" + pick(r, EN) + (ascii ? "" : pick(r, ["", "2026", "日本", "fútbol"]));
    else if (k < 8) w = "@user_" + int(r, 1, 99999);
    else if (k < 10) w = "https://t.co/" + (r() % 2176782336).toString(36);
    else if (k < 12) w = "&amp;";
    else if (k < 14) w = "\n";
    else if (!ascii && k < 30) w = pick(r, EMOJI);
    else if (style === 1 && k < 85) w = pick(r, JA) + pick(r, JA);
    else if (style === 2 && k < 75) w = pick(r, ES_FR_PT);
    else if (style === 3 && k < 80) w = pick(r, k % 2 ? ZH : KO);
    else if (style === 4 && k < 70) w = pick(r, k % 2 ? AR : RU);
    else if (style === 5 && k < 50) w = pick(r, ES_FR_PT);
    else w = pick(r, EN);
    s += first || w === "\n" ? w : " " + w;
    first = false;
  }
  // Ensure every non-ASCII post has at least one 4-byte emoji (the classic split-character case).
  if (!ascii && s.length > 8 && !/[\u{10000}-\u{10FFFF}]/u.test(s)) s += " " + pick(r, EMOJI);
  // Rarely, a raw U+2028 inside text (valid in JSON strings; not a line break for X's framing).
  if (!ascii && chance(r, 0.001)) s += "\u2028";
  return s;
}

// ---- objects ----------------------------------------------------------------------------------

const BASE_MS = Date.UTC(2026, 2, 1, 12, 0, 0);

function snowflake(r: Rng, n: number): string {
  // 19 digits, roughly time-ordered.
  return String(1890000000 + n) + String(100000000 + (r() % 900000000));
}

function user(r: Rng, id: string, ascii: boolean): Record<string, unknown> {
  const name = ascii
    ? "User " + pick(r, EN)
    : pick(r, [...JA, ...ES_FR_PT, ...KO]) + pick(r, EMOJI);
  return {
    created_at: new Date(BASE_MS - int(r, 1, 400000000) * 1000).toISOString(),
    description: text(r, int(r, 20, 160), ascii),
    id,
    location: ascii
      ? "Springfield"
      : pick(r, ["東京都 渋谷区", "São Paulo, Brasil", "서울", "Zürich"]),
    name,
    profile_image_url: "https://pbs.twimg.com/profile_images/" + id + "/" +
      (r() % 2176782336).toString(36) + "_normal.jpg",
    protected: false,
    public_metrics: {
      followers_count: int(r, 0, 2000000),
      following_count: int(r, 0, 5000),
      tweet_count: int(r, 0, 300000),
      listed_count: int(r, 0, 9000),
      like_count: int(r, 0, 90000),
      media_count: int(r, 0, 4000),
    },
    username: "user_" + (r() % 1679616).toString(36),
    verified: chance(r, 0.1),
    verified_type: pick(r, ["none", "blue", "business"]),
  };
}

function metrics(r: Rng): Record<string, number> {
  return {
    retweet_count: int(r, 0, 5000),
    reply_count: int(r, 0, 900),
    like_count: int(r, 0, 40000),
    quote_count: int(r, 0, 300),
    bookmark_count: int(r, 0, 800),
    impression_count: int(r, 0, 2000000),
  };
}

function entities(r: Rng, t: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const tags = [...t.matchAll(/#(\S+)/g)];
  const mentions = [...t.matchAll(/@(user_\d+)/g)];
  const urls = [...t.matchAll(/https:\/\/t\.co\/\w+/g)];
  if (tags.length) {
    out.hashtags = tags.map((m) => ({
      start: m.index!,
      end: m.index! + m[0].length,
      tag: m[1],
    }));
  }
  if (mentions.length) {
    out.mentions = mentions.map((m) => ({
      start: m.index!,
      end: m.index! + m[0].length,
      username: m[1],
      id: String(1000000 + (r() % 900000000)),
    }));
  }
  if (urls.length) {
    out.urls = urls.map((m) => ({
      start: m.index!,
      end: m.index! + m[0].length,
      url: m[0],
      expanded_url: "https://example.com/" + pick(r, EN) + "/" + (r() % 99999),
      display_url: "example.com/" + pick(r, EN) + "/…",
    }));
  }
  if (chance(r, 0.3)) {
    out.annotations = [{
      start: 0,
      end: 5,
      probability: (r() % 1000) / 1000,
      type: pick(r, ["Person", "Place", "Organization", "Product"]),
      normalized_text: pick(r, [...EN, ...JA]),
    }];
  }
  return out;
}

/** UTF-8 length of a string (no allocation). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

const size = (v: unknown): number => utf8Length(JSON.stringify(v));

/** Line size distribution (bytes): quantiles, interpolated linearly. Mean about 1.7 KB. */
const QUANTILES: readonly (readonly [number, number])[] = [
  [0, 300],
  [0.08, 500],
  [0.25, 850],
  [0.5, 1320],
  [0.75, 2020],
  [0.9, 2950],
  [0.97, 4200],
  [1, 6000],
];

function targetSize(r: Rng): number {
  const u = r() / 4294967296;
  for (let i = 1; i < QUANTILES.length; i++) {
    const [p1, v1] = QUANTILES[i];
    if (u <= p1) {
      const [p0, v0] = QUANTILES[i - 1];
      return Math.floor(v0 + ((u - p0) / (p1 - p0)) * (v1 - v0));
    }
  }
  return 6000;
}

/** One v2 post line (without `\r\n`) of about `target` bytes (always 300 to 6,144 bytes). */
function postLine(
  r: Rng,
  n: number,
  target: number,
  ascii: boolean,
): { line: string; text: string } {
  const id = snowflake(r, n);
  const authorId = String(10000000 + (r() % 1900000000));
  const rules = Array.from({ length: int(r, 1, 3) }, () => {
    const [rid, tag] = pick(r, RULES);
    return { id: rid, tag };
  });
  const data: Record<string, unknown> = { edit_history_tweet_ids: [id], id };
  const includes: Record<string, unknown[]> = {};
  const post: Record<string, unknown> = { data, matching_rules: rules };
  let t = text(r, target < 500 ? int(r, 30, 90) : int(r, 60, 280), ascii);
  data.text = t;
  let bytes = size(post);
  const steps: (() => void)[] = [
    () => {
      data.author_id = authorId;
      data.conversation_id = id;
      data.created_at = new Date(BASE_MS + n * 9).toISOString();
      data.lang = ascii ? "en" : pick(r, LANGS);
      data.possibly_sensitive = false;
      data.reply_settings = "everyone";
    },
    () => (data.public_metrics = metrics(r)),
    () => (data.entities = entities(r, t)),
    () => {
      includes.users = [user(r, authorId, ascii)];
      post.includes = includes;
    },
  ];
  for (const step of steps) {
    if (bytes >= target - 120) break;
    step();
    bytes = size(post);
  }
  // Grow towards the target with the usual expansions.
  let guard = 0;
  while (bytes < target - 250 && guard++ < 40) {
    const k = r() % 4;
    if (k === 0) {
      const ca = (data.context_annotations ??= []) as unknown[];
      const [did, dname, ddesc] = pick(r, DOMAINS);
      ca.push({
        domain: { id: did, name: dname, description: ddesc },
        entity: {
          id: String(800000000000000000 + (r() % 99999999)),
          name: pick(r, [...EN, ...JA]),
        },
      });
    } else if (k === 1) {
      const rid = snowflake(r, n - int(r, 1, 100000));
      (data.referenced_tweets ??= []) as unknown[];
      (data.referenced_tweets as unknown[]).push({
        type: pick(r, ["quoted", "replied_to"]),
        id: rid,
      });
      (includes.tweets ??= []).push({
        author_id: String(10000000 + (r() % 1900000000)),
        created_at: new Date(BASE_MS - int(r, 1, 9000000) * 1000).toISOString(),
        edit_history_tweet_ids: [rid],
        id: rid,
        lang: ascii ? "en" : pick(r, LANGS),
        public_metrics: metrics(r),
        text: text(r, int(r, 40, 280), ascii),
      });
      post.includes = includes;
    } else if (k === 2) {
      (includes.users ??= []).push(user(r, String(10000000 + (r() % 1900000000)), ascii));
      post.includes = includes;
    } else {
      const key = "3_" + snowflake(r, n);
      data.attachments ??= { media_keys: [] } as { media_keys: string[] };
      (data.attachments as { media_keys: string[] }).media_keys.push(key);
      (includes.media ??= []).push({
        media_key: key,
        type: pick(r, ["photo", "video", "animated_gif"]),
        url: "https://pbs.twimg.com/media/" + (r() % 2176782336).toString(36) + ".jpg",
        width: int(r, 200, 4096),
        height: int(r, 200, 4096),
        alt_text: chance(r, 0.5) ? text(r, int(r, 10, 120), ascii) : undefined,
      });
      post.includes = includes;
    }
    bytes = size(post);
  }
  // Fine-tune with the text (long posts carry a note_tweet in real payloads; keep it in `text`).
  if (bytes < target - 60) {
    t = t + " " + text(r, Math.floor((target - bytes) / (ascii ? 1 : 2)), ascii);
    data.text = t;
    if (data.entities !== undefined) data.entities = entities(r, t);
  }
  if (chance(r, 0.01)) {
    // Partial errors riding along with `data` (a deleted referenced post): still a post.
    post.errors = [{
      value: snowflake(r, n - 7),
      detail: "Could not find tweet with referenced_tweets.id: [" + snowflake(r, n - 7) + "].",
      title: "Not Found Error",
      resource_type: "tweet",
      parameter: "referenced_tweets.id",
      resource_id: snowflake(r, n - 7),
      type: "https://api.twitter.com/2/problems/resource-not-found",
    }];
  }
  let line = JSON.stringify(post);
  let b = utf8Length(line);
  while (b > 6144) { // Rare overshoot: drop the tail expansion and retry the measure.
    if (Array.isArray(includes.users) && includes.users.length > 1) includes.users.pop();
    else if (Array.isArray(includes.tweets) && includes.tweets.length > 0) includes.tweets.pop();
    else data.text = t = t.slice(0, Math.floor(t.length * 0.8));
    line = JSON.stringify(post);
    b = utf8Length(line);
  }
  while (b < 300) {
    data.text = t = t + " " + pick(r, ascii ? EN : EMOJI);
    line = JSON.stringify(post);
    b = utf8Length(line);
  }
  return { line, text: t };
}

/** What a corpus holds, to check every contestant against. */
export interface CorpusInfo {
  seed: number;
  bytes: number;
  posts: number;
  heartbeats: number;
  /** Sum of `data.text.length` (UTF-16 units) over all posts: any lost or altered text shows. */
  textUnits: number;
  /** Posts with U+FFFD anywhere (0: the generator never writes one). */
  replacementPosts: number;
  /** Posts whose line has any non-ASCII byte. */
  nonAsciiPosts: number;
  /** Posts with 4-byte characters (emoji). */
  emojiPosts: number;
  minLineBytes: number;
  maxLineBytes: number;
  meanLineBytes: number;
  /** FNV-1a 32 of all bytes, hex: equal on every runtime for one seed and size. */
  hash: string;
}

/** Builds `targetBytes` (approximately; whole lines only) of v2 stream body: posts with `\r\n`,
 * a heartbeat `\r\n` every 30 to 70 posts. Deterministic for a seed. */
export function buildCorpus(
  targetBytes: number,
  seed = 42,
): { body: Uint8Array; info: CorpusInfo } {
  const r = prng(seed);
  const enc = new TextEncoder();
  const body = new Uint8Array(targetBytes + 16384);
  let pos = 0;
  let posts = 0, heartbeats = 0, textUnits = 0, nonAscii = 0, emoji = 0, rep = 0;
  let minLine = Infinity, maxLine = 0, lineBytes = 0;
  let untilHeartbeat = int(r, 30, 70);
  while (pos < targetBytes) {
    const ascii = chance(r, 0.02);
    const { line, text: t } = postLine(r, posts, targetSize(r), ascii);
    const { written } = enc.encodeInto(line + "\r\n", body.subarray(pos));
    if (written === undefined || pos + written > body.length - 2) break;
    pos += written;
    posts++;
    textUnits += t.length;
    const lb = written - 2;
    lineBytes += lb;
    if (lb < minLine) minLine = lb;
    if (lb > maxLine) maxLine = lb;
    if (lb !== line.length) nonAscii++;
    if (/[\u{10000}-\u{10FFFF}]/u.test(line)) emoji++;
    if (line.includes("\uFFFD")) rep++;
    if (--untilHeartbeat === 0) {
      body[pos++] = 0x0d;
      body[pos++] = 0x0a;
      heartbeats++;
      untilHeartbeat = int(r, 30, 70);
    }
  }
  const out = body.slice(0, pos);
  return {
    body: out,
    info: {
      seed,
      bytes: pos,
      posts,
      heartbeats,
      textUnits,
      replacementPosts: rep,
      nonAsciiPosts: nonAscii,
      emojiPosts: emoji,
      minLineBytes: minLine,
      maxLineBytes: maxLine,
      meanLineBytes: Math.round(lineBytes / posts),
      hash: fnv1a(out),
    },
  };
}

/** FNV-1a 32-bit of bytes, as 8 hex digits. */
export function fnv1a(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}

/** How a body was cut. */
export interface ChunkInfo {
  chunks: number;
  minChunk: number;
  maxChunk: number;
  /** Chunks whose end falls inside a multi-byte UTF-8 character. */
  endInsideChar: number;
  /** Chunks that end with `\r` whose `\n` starts the next chunk. */
  endBetweenCrLf: number;
}

/** Cuts `body` into separate Uint8Arrays (own buffers, like network reads) of `min..max` bytes. */
export function chunkBody(
  body: Uint8Array,
  seed = 7,
  min = 1024,
  max = 65536,
): { chunks: Uint8Array[]; info: ChunkInfo } {
  const r = prng(seed ^ 0x9e3779b9);
  const chunks: Uint8Array[] = [];
  let insideChar = 0, betweenCrLf = 0, minC = Infinity, maxC = 0;
  for (let pos = 0; pos < body.length;) {
    const n = Math.min(int(r, min, max), body.length - pos);
    const end = pos + n;
    chunks.push(body.slice(pos, end));
    if (end < body.length && (body[end] & 0xc0) === 0x80) insideChar++;
    if (end < body.length && body[end - 1] === 0x0d && body[end] === 0x0a) betweenCrLf++;
    if (n < minC) minC = n;
    if (n > maxC) maxC = n;
    pos = end;
  }
  return {
    chunks,
    info: {
      chunks: chunks.length,
      minChunk: minC,
      maxChunk: maxC,
      endInsideChar: insideChar,
      endBetweenCrLf: betweenCrLf,
    },
  };
}
