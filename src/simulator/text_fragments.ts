/**
 * Pools of text the post templates are made from. Mostly non-ASCII on purpose: 98% of real posts
 * carry some, and emoji (4-byte UTF-8, ZWJ sequences, flags, skin tones), CJK (3-byte) and RTL
 * scripts are what a byte-splitting bug corrupts. A few fragments carry characters JSON must
 * escape (quotes, backslash, newline) and U+2028, which JSON leaves raw.
 *
 * @module
 */

/** Short pieces of post text in many scripts. */
export const TEXT_FRAGMENTS: readonly string[] = [
  "Just landed in Tokyo ✈️",
  "東京は今日も雨です☔",
  "新しいプロジェクトを始めました！",
  "今天天气很好，我们去公园吧",
  "我们明天见 👋",
  "오늘도 화이팅 💪",
  "شكرا جزيلا على المتابعة",
  "Ça va très bien, merci beaucoup",
  "¡Qué día tan bonito! 🌞",
  "Schöne Grüße aus München 🍺",
  "Привет, мир! Как дела?",
  "नमस्ते दुनिया 🙏",
  "Ελληνικά: καλημέρα σε όλους",
  "ข่าวด่วนวันนี้",
  "🚀🚀🚀",
  "🎉 congratulations to the whole team 🎉",
  "👩‍💻 shipping code on a Sunday",
  "🇯🇵🇫🇷🇧🇷 world cup vibes",
  "❤️‍🔥 this is huge",
  "😂😂 I can't",
  "👍🏽 agreed",
  "🧑‍🤝‍🧑 together",
  "Breaking: markets open higher 📈",
  "streaming all day, every day",
  "日本語のテキストと絵文字😊の混在",
  'a "quoted" word and a back\\slash',
  "line one\nline two",
  "separator\u2028inside",
  "#holdfast #streaming @XDevelopers",
  "https://t.co/AbCdEf1234",
  "𝓯𝓪𝓷𝓬𝔂 𝓽𝓮𝔁𝓽",
  "Zürich → Köln → Paris",
  "½ price today only ‼️",
];

/** Display names for simulated authors. */
export const NAMES: readonly string[] = [
  "Aiko Tanaka",
  "李雷",
  "Zoë Müller",
  "Omar Al-Farsi",
  "Priya Sharma",
  "João Silva",
  "김민준",
  "Олег Петров",
  "Holdfast Bot 🤖",
  "Emma 🌸",
];

/** Languages matching the fragments' scripts (`lang` field). */
export const LANGS: readonly string[] = [
  "en",
  "ja",
  "zh",
  "ko",
  "ar",
  "fr",
  "es",
  "de",
  "ru",
  "hi",
];

/** Words for annotations and hashtags. */
export const TOPICS: readonly string[] = [
  "Technology",
  "Music",
  "Sports",
  "Politics",
  "Weather",
  "Travel",
  "Food",
  "Gaming",
  "Science",
  "Finance",
];
