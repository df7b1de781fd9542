/**
 * Text → model inputs for Kona encoders: subword ids, plus (for students that use them) hashed character
 * n-grams of the word each piece belongs to (fastText-style subword information, Bojanowski et al. 2017).
 *
 * For a token t inside word w (lower-cased, `▁` removed), its n-gram features are
 *   { hash("<w>") } ∪ { hash(g) : g a character n-gram of "<w>", nMin ≤ |g| ≤ nMax }   (mod `buckets`),
 * at most `maxPerToken` of them (the whole word first, then n-grams by length, left to right).
 * All pieces of a word share its features, so a rare word split into many pieces still gets one
 * consistent lexical signal — the strength of the character n-gram linear baselines.
 */
import { charNgrams, hashString, type Tokenizer } from '../text/index.ts';

export interface NgramConfig {
  nMin: number;
  nMax: number;
  buckets: number;
  maxPerToken: number;
}

export const DEFAULT_NGRAMS: NgramConfig = { nMin: 3, nMax: 5, buckets: 1 << 17, maxPerToken: 24 };

export interface Features {
  /** piece ids, clipped to maxLength */
  ids: number[];
  /** per token: n-gram bucket ids (only when n-grams are configured) */
  ngrams?: number[][];
  /** the pieces, for display and alignment inspection */
  pieces: string[];
}

/** Tokenise and (optionally) attach hashed n-gram features, clipping to `maxLength` pieces. */
export function featurize(tokenizer: Tokenizer, text: string, maxLength: number, ngram?: NgramConfig): Features {
  const enc = tokenizer.encodeWithPieces(text);
  const n = Math.min(enc.ids.length, maxLength);
  const ids = enc.ids.slice(0, n);
  const pieces = enc.pieces.slice(0, n);
  if (!ngram) return { ids, pieces };
  // group pieces into words: a word starts at a piece flagged as word start
  const ngrams: number[][] = new Array(n);
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || (i > start && enc.wordStarts[i])) {
      const word = pieces.slice(start, i).join('').replace(/▁/g, '').toLowerCase();
      const feats = wordFeatures(word, ngram);
      for (let j = start; j < i; j++) ngrams[j] = feats;
      start = i;
    }
  }
  return { ids, ngrams, pieces };
}

const cache = new Map<string, number[]>();

/** Hashed features of one word (memoised: the same words recur across a corpus). */
export function wordFeatures(word: string, cfg: NgramConfig): number[] {
  const key = `${cfg.nMin},${cfg.nMax},${cfg.buckets},${cfg.maxPerToken}\u0000${word}`;
  let f = cache.get(key);
  if (f) return f;
  if (word.length === 0) f = [];
  else {
    const grams = [`<${word}>`, ...charNgrams(word, cfg.nMin, cfg.nMax).filter((g) => g !== `<${word}>`)];
    f = [...new Set(grams.slice(0, cfg.maxPerToken).map((g) => hashString(g, cfg.buckets)))];
  }
  if (cache.size > 500_000) cache.clear();
  cache.set(key, f);
  return f;
}
