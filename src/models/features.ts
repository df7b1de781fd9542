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
import type { Tfidf } from '../text/tfidf.ts';

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
  /** lexical-skip coefficients of the sentence's tokens (only with a lexicon; see `lexicalCoefficients`) */
  lexical?: SentenceLexical;
}

/**
 * Lexical coefficients of one sentence of T tokens and W words, packed in one buffer (a training bitext
 * keeps ~10k of these alive, and every full garbage collection marks each object; one object and four views
 * per sentence instead of two views and an object per word: 583k heap objects instead of 1.14M during training
 * on the README bitext, GC pauses 2.5 instead of 3.3 s over 40 steps; BENCHMARKS.md, 2026-11-23):
 *   word  [T]       the word of each token (−1: none); the pieces of a word share its coefficients
 *   start [W + 1]   word w's lexicon columns and coefficients are cols / coef [start[w], start[w + 1])
 *   cols, coef [nnz]
 */
export interface SentenceLexical {
  word: Int32Array;
  start: Int32Array;
  cols: Int32Array;
  coef: Float32Array;
}

/** The columns and coefficients of token t (empty when it belongs to no word). */
export function tokenLexical(lex: SentenceLexical, t: number): { cols: Int32Array; coef: Float32Array } {
  const w = lex.word[t] ?? -1;
  const [a, b] = w < 0 ? [0, 0] : [lex.start[w]!, lex.start[w + 1]!];
  return { cols: lex.cols.subarray(a, b), coef: lex.coef.subarray(a, b) };
}

/**
 * Per-token lexical coefficients from a fitted TF-IDF lexicon (words + character n-grams).
 *
 * v(x) [F] is the TF-IDF row of the whole (clipped) sentence, built from the keys of its words; a
 * column k of v belongs to the n_k tokens whose word produced key k. Token t gets
 *   a_tk = T · v_k(x) / n_k        (T tokens in the sentence)
 * so the mean over tokens gives back exactly the sentence row: (1/T) Σ_t a_tk = v_k(x). Each token's
 * coefficients point at its own word's features (token-level, for OT), while mean pooling carries the
 * TF-IDF vector of the linear baseline.
 */
export function lexicalCoefficients(lexicon: Tfidf, words: { start: number; end: number; text: string }[], T: number): SentenceLexical {
  const allKeys: string[] = [];
  const wordCols: number[][] = [];
  const count = new Map<number, number>();
  for (const w of words) {
    const keys = lexicon.analyze(w.text);
    allKeys.push(...keys);
    const cols = [...new Set(keys.map((k) => lexicon.column(k)).filter((c): c is number => c !== undefined))];
    wordCols.push(cols);
    for (const c of cols) count.set(c, (count.get(c) ?? 0) + (w.end - w.start));
  }
  const { cols, vals } = lexicon.row(allKeys);
  const v = new Map(cols.map((c, j) => [c, vals[j]!]));
  const W = words.length;
  const nnz = wordCols.reduce((n, cs) => n + cs.length, 0);
  const buf = new ArrayBuffer(4 * (T + W + 1 + 2 * nnz));
  const lex: SentenceLexical = {
    word: new Int32Array(buf, 0, T).fill(-1),
    start: new Int32Array(buf, 4 * T, W + 1),
    cols: new Int32Array(buf, 4 * (T + W + 1), nnz),
    coef: new Float32Array(buf, 4 * (T + W + 1 + nnz), nnz),
  };
  let at = 0;
  words.forEach((w, i) => {
    const cs = wordCols[i]!;
    lex.start[i] = at;
    for (let j = 0; j < cs.length; j++) {
      lex.cols[at + j] = cs[j]!;
      lex.coef[at + j] = (T * v.get(cs[j]!)!) / count.get(cs[j]!)!;
    }
    at += cs.length;
    lex.word.fill(i, w.start, w.end);
  });
  lex.start[W] = at;
  return lex;
}

/** Tokenise and (optionally) attach hashed n-gram features, clipping to `maxLength` pieces. */
export function featurize(tokenizer: Tokenizer, text: string, maxLength: number, ngram?: NgramConfig, lexicon?: Tfidf): Features {
  const enc = tokenizer.encodeWithPieces(text);
  const n = Math.min(enc.ids.length, maxLength);
  const ids = enc.ids.slice(0, n);
  const pieces = enc.pieces.slice(0, n);
  if (!ngram && !lexicon) return { ids, pieces };
  // group pieces into words: a word starts at a piece flagged as word start
  const words: { start: number; end: number; text: string }[] = [];
  let start = 0;
  for (let i = 0; i <= n; i++) {
    if (i === n || (i > start && enc.wordStarts[i])) {
      if (i > start) words.push({ start, end: i, text: pieces.slice(start, i).join('').replace(/▁/g, '').toLowerCase() });
      start = i;
    }
  }
  const out: Features = { ids, pieces };
  if (ngram) {
    out.ngrams = new Array(n);
    for (const w of words) {
      const feats = wordFeatures(w.text, ngram);
      for (let j = w.start; j < w.end; j++) out.ngrams[j] = feats;
    }
  }
  if (lexicon) out.lexical = lexicalCoefficients(lexicon, words, n);
  return out;
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
