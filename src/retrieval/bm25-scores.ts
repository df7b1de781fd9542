/**
 * BM25 scores of every query against every document of a small collection held in memory (the
 * experiment runner's lexical baseline on raw text). Legend: Q queries, N documents.
 *
 * The formula, analyzer and IDF are those of the persistent index (`bm25.ts`, Robertson & Zaragoza 2009
 * with Lucene's IDF), computed exactly in float64 rather than through wink (which rounds each term score to
 * 9 decimals):
 *   score(q, d) = Σ_i idf(q_i) · tf(q_i, d) (k1 + 1) / (tf(q_i, d) + k1 (1 − b + b |d| / avgdl))
 *   idf(t)      = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))
 * over the words q_1 … q_m of the query (repeats count), with N, n_t and avgdl taken from `docs` alone.
 * A document sharing no word with the query scores 0.
 */
import { analyzeWords } from '../text/words.ts';
import { validateBm25, BM25_DEFAULTS, type Bm25Params } from './bm25.ts';

/** S [Q, N] row-major: S[i·N + j] = BM25 score of document j for query i. */
export function bm25Scores(queries: readonly string[], docs: readonly string[], params: Partial<Bm25Params> = {}): Float64Array {
  const { k1, b } = validateBm25({ ...BM25_DEFAULTS, ...params });
  const N = docs.length;
  const S = new Float64Array(queries.length * N);
  if (N === 0) return S;
  // postings: term → [(document, tf)]
  const postings = new Map<string, { doc: number; tf: number }[]>();
  const len = new Float64Array(N);
  docs.forEach((text, j) => {
    const words = analyzeWords(text);
    len[j] = words.length;
    const tf = new Map<string, number>();
    for (const w of words) tf.set(w, (tf.get(w) ?? 0) + 1);
    for (const [w, c] of tf) {
      let list = postings.get(w);
      if (!list) postings.set(w, (list = []));
      list.push({ doc: j, tf: c });
    }
  });
  const avgdl = len.reduce((s, x) => s + x, 0) / N || 1;
  queries.forEach((q, i) => {
    const row = i * N;
    for (const t of analyzeWords(q)) {
      const list = postings.get(t);
      if (!list) continue;
      const idf = Math.log(1 + (N - list.length + 0.5) / (list.length + 0.5));
      for (const { doc, tf } of list) S[row + doc]! += (idf * (tf * (k1 + 1))) / (tf + k1 * (1 - b + (b * len[doc]!) / avgdl));
    }
  });
  return S;
}
