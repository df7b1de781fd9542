/**
 * Shared pieces of the noise perturbations (`noise-char.ts`, `noise-word.ts`, `noise.ts`): the
 * common signature, rate checking, and the two segmentations the perturbations work on.
 *
 * Units:
 *   cluster  a code point that is not a combining mark plus the combining marks (`\p{M}`) that
 *            follow it (a stray leading run of marks is its own cluster). "Grapheme-ish": it never
 *            splits a surrogate pair or separates a base letter from its accents, but unlike
 *            `Intl.Segmenter` it does not join ZWJ emoji sequences or regional-indicator pairs —
 *            which the character perturbations never touch anyway, since they only edit letters.
 *   letter   a cluster whose first code point is a letter (`\p{L}`), e.g. `a`, `é`, `e\u0301`, `ß`,
 *            `𝒜` (U+1D49C, two UTF-16 units), `ع`, `क्` (क + virama).
 *   word     (character perturbations) a maximal run of letters: digits, punctuation, apostrophes,
 *            ZWJ/ZWNJ and whitespace separate words (`ng'ombe` → `ng`, `ombe`).
 *   word     (word perturbations) a maximal run of non-whitespace (`\S+`), so punctuation travels
 *            with its word; the whitespace runs between words stay where they are.
 */
import { ArgumentError } from '../errors.ts';

/**
 * A seeded perturbation: returns a noisy copy of `text`. `rate` ∈ [0, 1] is a per-unit probability
 * (each function documents its unit); rate 0 returns `text` itself and draws nothing from `rng`.
 * `rng` returns uniforms in [0, 1) (e.g. `mulberry32(seed)`); the same `(text, rate, rng state)`
 * always gives the same output.
 */
export type Perturbation = (text: string, rate: number, rng: () => number) => string;

/** Throws unless `rate` is a number in [0, 1]. */
export function checkRate(fn: string, rate: number): void {
  if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
    throw new ArgumentError(`${fn}: rate must be a number in [0, 1], got ${rate}`);
  }
}

const CLUSTER = /\P{M}\p{M}*|\p{M}+/gu;
const LETTER_START = /^\p{L}/u;

/** `text` cut into clusters (see the file header); `clusters(t).join('') === t`. */
export function clusters(text: string): string[] {
  return text.match(CLUSTER) ?? [];
}

/** Whether a cluster is a letter (its first code point is `\p{L}`). */
export function isLetter(cluster: string): boolean {
  return LETTER_START.test(cluster);
}

/** Whitespace-separated words and the separators around them: `seps.length === words.length + 1`. */
export interface WordSplit {
  /** The `\S+` runs, in order. */
  words: string[];
  /** `seps[0]` leads, `seps[i]` precedes `words[i]`, `seps[n]` trails (each possibly empty). */
  seps: string[];
}

/** Splits `text` into `\S+` words and the whitespace between them. */
export function splitWords(text: string): WordSplit {
  const words: string[] = [];
  const seps: string[] = [];
  let last = 0;
  for (const m of text.matchAll(/\S+/gu)) {
    seps.push(text.slice(last, m.index));
    words.push(m[0]);
    last = m.index + m[0].length;
  }
  seps.push(text.slice(last));
  return { words, seps };
}

/** Inverse of `splitWords` (`words` may have been permuted; lengths must match). */
export function joinWords({ words, seps }: WordSplit): string {
  let out = seps[0]!;
  for (let i = 0; i < words.length; i++) out += words[i]! + seps[i + 1]!;
  return out;
}
