/**
 * Word-level noise: word drop, local word shuffle and word duplication, with the `Perturbation`
 * signature `(text, rate, rng) => string`. A word is a run of non-whitespace (`\S+`, so a
 * trailing comma travels with its word); `rate` is a per-word probability. The whitespace runs
 * between words stay in place: a shuffle permutes words over the fixed gaps, a dropped word takes
 * the gap before it (the gap after it, for the first word), a duplicate is joined by one space.
 *
 * References:
 *   [1] G. Lample, A. Conneau, L. Denoyer, M. Ranzato. Unsupervised Machine Translation Using
 *       Monolingual Corpora Only. ICLR 2018 (word dropout p_wd = 0.1 and a local shuffle in which
 *       no word moves more than k = 3 positions, the noise model of their denoising auto-encoder).
 *   [2] E. Ma. nlpaug: Data Augmentation for NLP, 2019 (`RandomWordAug`: delete / swap / crop).
 */
import { ArgumentError } from '../errors.ts';
import { shuffleInPlace } from '../util/random.ts';
import { checkRate, joinWords, splitWords } from './noise-common.ts';

/**
 * Word drop (word dropout of [1]): each word is deleted with probability `rate`, but a non-empty
 * text keeps at least one word — if every word was drawn, one of them, chosen uniformly, stays.
 *
 * rate   probability per word; texts of fewer than two words are returned unchanged.
 * rate 1 leaves exactly one random word (with the text's leading and trailing whitespace).
 */
export function dropWords(text: string, rate: number, rng: () => number): string {
  checkRate('dropWords', rate);
  if (rate === 0) return text;
  const { words, seps } = splitWords(text);
  const n = words.length;
  if (n < 2) return text;
  const keep: boolean[] = [];
  for (let i = 0; i < n; i++) keep.push(!(rng() < rate));
  if (!keep.includes(true)) keep[Math.floor(rng() * n)] = true;
  let out = seps[0]!;
  let first = true;
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    out += (first ? '' : seps[i]!) + words[i]!;
    first = false;
  }
  return out + seps[n]!;
}

/** Default `window` of `shuffleWords`: no word moves more than 3 positions, as in [1]. */
export const DEFAULT_SHUFFLE_WINDOW = 3;

/**
 * Local word shuffle with displacement at most `window` (the bound of [1]'s permutation σ,
 * |σ(i) − i| ≤ k). Words are scanned left to right; at a word i, with probability
 *
 *     p = rate / (w + 1 − rate·w)        (w = window)
 *
 * the block of the next w + 1 words (fewer at the end of the text) is rearranged by a uniformly
 * random derangement — every word of the block changes position, none by more than w — and the
 * scan resumes after the block. The choice of p makes `rate` the expected fraction of words that
 * change position (on long texts: the scan is a renewal process in which a step covers w + 1
 * words with probability p and 1 word otherwise, so the covered fraction is p(w+1)/(1 + p·w)).
 * Repeated identical words may of course swap invisibly.
 *
 * This differs from [1]'s construction (sort by i + U(0, k + 1)), which has no rate: there
 * almost every word moves. Here rate 1 moves every word (except a lone last word when the word
 * count is ≡ 1 mod w + 1, which has no block partner).
 *
 * rate   expected fraction of words moved; texts of fewer than two words are returned unchanged.
 * window maximal displacement of a word, an integer ≥ 1 (default 3).
 */
export function shuffleWords(text: string, rate: number, rng: () => number, window = DEFAULT_SHUFFLE_WINDOW): string {
  checkRate('shuffleWords', rate);
  if (!Number.isInteger(window) || window < 1) {
    throw new ArgumentError(`shuffleWords: window must be an integer ≥ 1, got ${window}`);
  }
  if (rate === 0) return text;
  const split = splitWords(text);
  const { words } = split;
  const n = words.length;
  if (n < 2) return text;
  const p = rate / (window + 1 - rate * window);
  for (let i = 0; i < n; i++) {
    if (n - i < 2 || !(rng() < p)) continue;
    const m = Math.min(window + 1, n - i);
    const block = words.slice(i, i + m);
    const perm = Array.from({ length: m }, (_, k) => k);
    do shuffleInPlace(perm, rng);
    while (perm.some((v, k) => v === k));
    for (let k = 0; k < m; k++) words[i + k] = block[perm[k]!]!;
    i += m - 1;
  }
  return joinWords(split);
}

/**
 * Word duplication: each word is repeated in place, with probability `rate`, as `word word`
 * (joined by one space) — a stutter or a paste error.
 *
 * rate   probability per word; the expected growth is rate × words.
 * rate 1 doubles every word (`a b` → `a a b b`).
 */
export function duplicateWords(text: string, rate: number, rng: () => number): string {
  checkRate('duplicateWords', rate);
  if (rate === 0) return text;
  const split = splitWords(text);
  split.words = split.words.map((w) => (rng() < rate ? `${w} ${w}` : w));
  return joinWords(split);
}
