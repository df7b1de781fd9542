/**
 * Word-level analysis for the lexical baselines (BM25, dictionary translation), language-agnostic.
 *
 * `wordSpans(text)` segments with ICU's word-break rules (`Intl.Segmenter`, granularity "word"), which
 * split scripts written without spaces (Thai, Chinese, Japanese, Khmer, …) by dictionary and everything else
 * at Unicode word boundaries (UAX #29: "don't" and "3.5" stay one word, punctuation is dropped). Only
 * word-like segments (letters or digits) are kept.
 *
 * `normalizeTerm(w)` = NFKC, then locale-independent lower case: the form BM25 indexes and the
 * dictionary is looked up with. There is no stemming and no stop list (neither exists for most of the
 * languages this project targets); BM25's IDF discounts frequent words.
 */

/** One word of a text: `[start, end)` UTF-16 offsets into it. */
export interface WordSpan {
  word: string;
  start: number;
  end: number;
}

const segmenter = new Intl.Segmenter(undefined, { granularity: 'word' });

/** The word-like segments of `text`, in order, with their offsets. */
export function wordSpans(text: string): WordSpan[] {
  const out: WordSpan[] = [];
  for (const s of segmenter.segment(text)) {
    if (s.isWordLike) out.push({ word: s.segment, start: s.index, end: s.index + s.segment.length });
  }
  return out;
}

/** NFKC + lower case (the analyzer's term form). */
export function normalizeTerm(word: string): string {
  return word.normalize('NFKC').toLowerCase();
}

/** The analyzer: normalised words of `text` (repetitions kept, in order). */
export function analyzeWords(text: string): string[] {
  return wordSpans(text).map((s) => normalizeTerm(s.word));
}

/** The analyzer's name, recorded in indexes so that a different analyzer is detected. */
export const WORD_ANALYZER = 'icu-words-nfkc-lower';
