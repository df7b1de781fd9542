/**
 * Token IDF weights for the OT marginals (`--ot-marginals idf`): rare tokens carry more mass, so the
 * transport spends its budget on content words rather than on frequent function words and punctuation.
 *
 * Over the N sentences of one side of the training bitext (each a list of token ids),
 *   idf(t) = ln((1 + N) / (1 + df(t))) + 1          (df(t): sentences containing t; scikit-learn's smooth idf)
 * so every weight is ≥ 1 and a token in every sentence gets exactly 1.
 */

/** idf by token id over the sentences `docs` (each a list of token ids). */
export function idfTable(docs: readonly (readonly number[])[]): Map<number, number> {
  const df = new Map<number, number>();
  for (const d of docs) for (const t of new Set(d)) df.set(t, (df.get(t) ?? 0) + 1);
  const N = docs.length;
  const idf = new Map<number, number>();
  for (const [t, n] of df) idf.set(t, Math.log((1 + N) / (1 + n)) + 1);
  return idf;
}

/** Per sentence, the idf of each of its tokens ([len_i] each), from the table of the same sentences. */
export function tokenIdfWeights(docs: readonly (readonly number[])[]): Float32Array[] {
  const idf = idfTable(docs);
  return docs.map((d) => Float32Array.from(d, (t) => idf.get(t)!));
}
