/**
 * A seeded pseudo-random source, so that a simulator run reproduces byte for byte.
 *
 * @module
 */

/** A source of floats in `[0, 1)`, like `Math.random`, but seeded. */
export type Random = () => number;

/**
 * Mulberry32: a tiny, fast 32-bit generator. Good enough for simulated traffic; not for secrets.
 *
 * @example
 * ```ts
 * import { mulberry32 } from "./prng.ts";
 * const a = mulberry32(42), b = mulberry32(42);
 * console.assert(a() === b());
 * ```
 */
export function mulberry32(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Derives an independent seed for one purpose (`"chunks"`, a connection number, ...) from the
 * run's seed, so that each consumer of randomness has its own stream and adding one consumer does
 * not shift the numbers another one sees.
 */
export function deriveSeed(seed: number, label: string | number): number {
  let h = (0x811c9dc5 ^ (seed >>> 0)) >>> 0;
  const text = String(label);
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  // murmur3 finaliser: spreads nearby seeds apart.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A seeded generator for one purpose: `seededRandom(seed, "chunks")`. */
export function seededRandom(seed: number, label: string | number): Random {
  return mulberry32(deriveSeed(seed, label));
}

/** An integer in `[min, max]` (both inclusive). */
export function randomInt(random: Random, min: number, max: number): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** One element of a non-empty list. */
export function pick<T>(random: Random, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)] as T;
}

/** A 32-bit FNV-1a hash of a string, as 8 hex digits (used to name credentials without showing them). */
export function fingerprint(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).padStart(8, "0");
}
