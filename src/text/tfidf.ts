/**
 * A fitted TF-IDF featuriser: word unigrams plus character n-grams, the input of the closed-form
 * distillation baseline (`src/distill/linear-baseline.ts`).
 *
 * Shapes (legend: N texts, F features): `transform(texts)` returns a CSR sparse matrix [N, F]
 * (`indptr` [N + 1], `indices`/`values` [nnz], column indices ascending within each row).
 *
 * Analysis of one text:
 *   1. NFKC, lower-case; words are the maximal runs of Unicode letters, marks and digits
 *      (`/[\p{L}\p{M}\p{N}]+/gu`), so punctuation and apostrophes split words (`ng'ombe` → `ng`, `ombe`).
 *   2. Word block: each word is a feature (all lengths, no stop list).
 *   3. Character block, `charMode`:
 *        'word'  n-grams of `<word>` with boundary markers (fastText / scikit-learn `char_wb`; the
 *                same n-grams as `charNgrams`), so prefixes and suffixes are their own features;
 *        'text'  n-grams of the word sequence joined by single spaces and padded, ` w1 w2 … `
 *                (scikit-learn `char` without punctuation): they also span word boundaries;
 *        'none'  no character block.
 *      n runs over `charMin..charMax` code points (default 3–5).
 *    Default 'word': on the Swahili ridge baseline (`experiments/linear-swh.ts`, held-out 10% of
 *    the training bitext) 'text' was no better (within ±1 point of accuracy either way) while
 *    having ~1.45× the features and ~1.4× the non-zeros, hence slower solves.
 *
 * Weights, for a feature t of block b in text d (document frequencies over the N_fit fit texts):
 *
 *     w(t, d) = (1 + ln tf(t, d)) · idf(t),      idf(t) = ln((1 + N_fit) / (1 + df(t))) + 1
 *
 * (sublinear tf, smooth idf: scikit-learn's `sublinear_tf=True, smooth_idf=True`). Each block is
 * L2-normalised on its own, scaled by its weight (`wordWeight` for words, 1 for characters), and the
 * concatenated row is L2-normalised again; so with `wordWeight = 1` the two blocks carry equal
 * energy whatever their sizes (a word has ~15 character n-grams), as in a scikit-learn FeatureUnion
 * of two TF-IDF vectorisers, and every non-empty row has unit norm. A text with no known feature
 * gives an empty (all-zero) row.
 *
 * Vocabulary: built from the fit texts only, keeping features with df ≥ `minDf` (default 2).
 * Chosen over hashing because a feature seen once cannot get a useful weight in a closed-form fit
 * (its column touches one training row only) and because it keeps F small and collision-free;
 * features unseen at fit time are dropped by `transform`. Feature order is first occurrence in the
 * fit texts (deterministic).
 */
import { ArgumentError, InputError } from '../errors.ts';
import { charNgrams } from './ngrams.ts';

/** Compressed sparse rows: row i is `indices/values[indptr[i] .. indptr[i + 1])`. */
export interface CsrMatrix {
  /** [N + 1] row offsets into `indices` / `values`. */
  indptr: Int32Array;
  /** [nnz] column indices, ascending within a row. */
  indices: Int32Array;
  /** [nnz] values. */
  values: Float32Array;
  /** F, the number of columns. */
  nCols: number;
}

export const TFIDF_CHAR_MODES = ['word', 'text', 'none'] as const;
export type TfidfCharMode = (typeof TFIDF_CHAR_MODES)[number];

export interface TfidfOptions {
  /** Include the word-unigram block. Default true. */
  words?: boolean;
  /** Character n-grams: within `<word>` ('word'), across the whole text ('text') or none. Default 'word'. */
  charMode?: TfidfCharMode;
  /** Smallest character n-gram length, in code points. Default 3. */
  charMin?: number;
  /** Largest character n-gram length. Default 5. */
  charMax?: number;
  /** Keep features occurring in at least this many fit texts. Default 2. */
  minDf?: number;
  /** Weight of the (normalised) word block relative to the character block. Default 1. */
  wordWeight?: number;
}

export type ResolvedTfidfOptions = Required<TfidfOptions>;

const DEFAULTS: ResolvedTfidfOptions = { words: true, charMode: 'word', charMin: 3, charMax: 5, minDf: 2, wordWeight: 1 };

/** Block prefixes of the feature keys (word and character features never collide). */
const WORD = 'w\u0000';
const CHAR = 'c\u0000';

const WORD_RE = /[\p{L}\p{M}\p{N}]+/gu;

/** The words of a text: NFKC, lower-cased, runs of letters/marks/digits. */
export function tfidfWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD_RE) ?? [];
}

/** Character n-grams (n in [nMin, nMax], code points) of `s`, start-major order, duplicates kept. */
function textNgrams(s: string, nMin: number, nMax: number, out: string[]): void {
  const cs = Array.from(s);
  for (let i = 0; i < cs.length; i++) {
    let g = '';
    for (let n = 1; n <= nMax && i + n <= cs.length; n++) {
      g += cs[i + n - 1];
      if (n >= nMin) out.push(g);
    }
  }
}

function resolveOptions(opts: TfidfOptions): ResolvedTfidfOptions {
  const o = { ...DEFAULTS, ...opts };
  if (!(TFIDF_CHAR_MODES as readonly string[]).includes(o.charMode)) {
    throw new ArgumentError(`tfidf: unknown charMode ${JSON.stringify(o.charMode)}; valid: ${TFIDF_CHAR_MODES.join(', ')}`);
  }
  if (!Number.isInteger(o.charMin) || !Number.isInteger(o.charMax) || o.charMin < 1 || o.charMax < o.charMin) {
    throw new ArgumentError(`tfidf: need integers 1 ≤ charMin ≤ charMax, got ${o.charMin}, ${o.charMax}`);
  }
  if (!Number.isInteger(o.minDf) || o.minDf < 1) throw new ArgumentError(`tfidf: minDf must be a positive integer, got ${o.minDf}`);
  if (!(o.wordWeight >= 0) || !Number.isFinite(o.wordWeight)) throw new ArgumentError(`tfidf: wordWeight must be finite and ≥ 0, got ${o.wordWeight}`);
  if (!o.words && o.charMode === 'none') throw new ArgumentError('tfidf: no features (words: false and charMode: none)');
  return o;
}

/** Serialised featuriser (`toJSON` / `fromJSON`). */
export interface TfidfJson {
  format: 'optical-tfidf';
  version: 1;
  options: ResolvedTfidfOptions;
  /** Number of texts the featuriser was fitted on. */
  nFit: number;
  /** [F] feature keys in column order: `w\u0000<word>` or `c\u0000<n-gram>`. */
  vocab: string[];
  /** [F] idf per column. */
  idf: number[];
}

/**
 * Word + character n-gram TF-IDF (see the file header).
 *
 * @example
 * const tf = new Tfidf({ charMode: 'word' });
 * const Xtrain = tf.fitTransform(trainTexts); // CSR [N, F]
 * const Xtest = tf.transform(testTexts);       // same F columns
 */
export class Tfidf {
  readonly options: ResolvedTfidfOptions;
  private vocab = new Map<string, number>();
  private keys: string[] = [];
  private idf: Float64Array = new Float64Array(0);
  /** 1 for word columns, 0 for character columns ([F]). */
  private isWord = new Uint8Array(0);
  private nFit = 0;
  private fitted = false;

  constructor(opts: TfidfOptions = {}) {
    this.options = resolveOptions(opts);
  }

  /** F, the number of columns (0 before `fit`). */
  get nFeatures(): number {
    return this.keys.length;
  }

  /** Column keys in order (`w\u0000word` / `c\u0000gram`). */
  get featureKeys(): readonly string[] {
    return this.keys;
  }

  /** The feature keys of one text, with repeats (its raw term counts). */
  analyze(text: string): string[] {
    const o = this.options;
    const words = tfidfWords(text);
    const out: string[] = [];
    if (o.words) for (const w of words) out.push(WORD + w);
    if (o.charMode === 'word') {
      for (const w of words) for (const g of charNgrams(w, o.charMin, o.charMax)) out.push(CHAR + g);
    } else if (o.charMode === 'text' && words.length > 0) {
      const grams: string[] = [];
      textNgrams(` ${words.join(' ')} `, o.charMin, o.charMax, grams);
      for (const g of grams) out.push(CHAR + g);
    }
    return out;
  }

  /** Build the vocabulary and idf from `texts` (only). Returns `this`. */
  fit(texts: readonly string[]): this {
    this.fitCounts(texts.map((t) => this.analyze(t)));
    return this;
  }

  /** `fit(texts)` then `transform(texts)`, analysing each text once. */
  fitTransform(texts: readonly string[]): CsrMatrix {
    const analysed = texts.map((t) => this.analyze(t));
    this.fitCounts(analysed);
    return this.build(analysed);
  }

  /** CSR [N, F] TF-IDF rows of `texts` (features unseen at fit time are dropped). */
  transform(texts: readonly string[]): CsrMatrix {
    if (!this.fitted) throw new ArgumentError('tfidf: transform before fit');
    return this.build(texts.map((t) => this.analyze(t)));
  }

  private fitCounts(analysed: string[][]): void {
    if (analysed.length === 0) throw new ArgumentError('tfidf: fit on an empty list of texts');
    const df = new Map<string, number>();
    for (const keys of analysed) for (const k of new Set(keys)) df.set(k, (df.get(k) ?? 0) + 1);
    const n = analysed.length;
    const keys: string[] = [];
    const idf: number[] = [];
    for (const [k, d] of df) {
      if (d < this.options.minDf) continue;
      keys.push(k);
      idf.push(Math.log((1 + n) / (1 + d)) + 1);
    }
    this.setVocab(keys, Float64Array.from(idf), n);
  }

  private setVocab(keys: string[], idf: Float64Array, nFit: number): void {
    this.keys = keys;
    this.vocab = new Map(keys.map((k, i) => [k, i]));
    this.idf = idf;
    this.isWord = Uint8Array.from(keys, (k) => (k.startsWith(WORD) ? 1 : 0));
    this.nFit = nFit;
    this.fitted = true;
  }

  /** Column of a feature key (`analyze` output), or undefined when it is not in the vocabulary. */
  column(key: string): number | undefined {
    return this.vocab.get(key);
  }

  /**
   * The TF-IDF row of one analysed text (its keys with repeats): columns ascending, weights as in the
   * file header (unknown keys dropped; an empty row when none is known).
   */
  row(keys: readonly string[]): { cols: number[]; vals: number[] } {
    if (!this.fitted) throw new ArgumentError('tfidf: transform before fit');
    const ww = this.options.wordWeight;
    const tf = new Map<number, number>();
    for (const k of keys) {
      const c = this.vocab.get(k);
      if (c !== undefined) tf.set(c, (tf.get(c) ?? 0) + 1);
    }
    const cols = [...tf.keys()].sort((a, b) => a - b);
    const vals = cols.map((c) => (1 + Math.log(tf.get(c)!)) * this.idf[c]!);
    // per-block L2 norms, then block weights, then the whole row
    let sw = 0;
    let sc = 0;
    cols.forEach((c, j) => {
      if (this.isWord[c]) sw += vals[j]! ** 2;
      else sc += vals[j]! ** 2;
    });
    const fw = sw > 0 ? ww / Math.sqrt(sw) : 0;
    const fc = sc > 0 ? 1 / Math.sqrt(sc) : 0;
    let ss = 0;
    cols.forEach((c, j) => {
      vals[j]! *= this.isWord[c] ? fw : fc;
      ss += vals[j]! ** 2;
    });
    const f = ss > 0 ? 1 / Math.sqrt(ss) : 0;
    for (let j = 0; j < vals.length; j++) vals[j]! *= f;
    return { cols, vals };
  }

  private build(analysed: string[][]): CsrMatrix {
    const indptr = new Int32Array(analysed.length + 1);
    const rows = analysed.map((keys) => this.row(keys));
    rows.forEach((r, i) => (indptr[i + 1] = indptr[i]! + r.cols.length));
    const nnz = indptr[analysed.length]!;
    const indices = new Int32Array(nnz);
    const values = new Float32Array(nnz);
    rows.forEach(({ cols, vals }, i) => {
      indices.set(cols, indptr[i]!);
      values.set(vals, indptr[i]!);
    });
    return { indptr, indices, values, nCols: this.keys.length };
  }

  toJSON(): TfidfJson {
    if (!this.fitted) throw new ArgumentError('tfidf: toJSON before fit');
    return { format: 'optical-tfidf', version: 1, options: { ...this.options }, nFit: this.nFit, vocab: [...this.keys], idf: Array.from(this.idf) };
  }

  /** Rebuild a fitted featuriser; `file` names the source in error messages. */
  static fromJSON(json: unknown, file?: string): Tfidf {
    const j = json as Partial<TfidfJson> | null;
    if (typeof j !== 'object' || j === null || j.format !== 'optical-tfidf' || j.version !== 1) {
      throw new InputError('not an optical TF-IDF featuriser (format "optical-tfidf", version 1)', file);
    }
    if (!Array.isArray(j.vocab) || !Array.isArray(j.idf) || j.vocab.length !== j.idf.length || typeof j.nFit !== 'number') {
      throw new InputError('TF-IDF featuriser: "vocab" and "idf" must be arrays of equal length, "nFit" a number', file);
    }
    let tf: Tfidf;
    try {
      tf = new Tfidf(j.options ?? {});
    } catch (e) {
      throw new InputError(`TF-IDF featuriser: bad options (${(e as Error).message})`, file);
    }
    tf.setVocab(j.vocab.map(String), Float64Array.from(j.idf, Number), j.nFit);
    return tf;
  }
}
