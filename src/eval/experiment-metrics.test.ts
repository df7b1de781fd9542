import { describe, it, expect } from 'vitest';
import { cosineScores, metricsFromRanks, perQuery, ranksFromScores } from './experiment-metrics.ts';
import { evaluateBitextMining } from './mining.ts';
import { sparseCosine } from './experiment-methods.ts';
import { Tfidf } from '../text/tfidf.ts';
import { mulberry32 } from '../util/random.ts';

describe('experiment metrics from score matrices', () => {
  it('ranks by hand, ties to the lower index, both directions', () => {
    // S rows = foreign queries, columns = English; gold on the diagonal
    const S = [
      0.9, 0.1, 0.9, //  row 0: tie with column 2 (higher index) → rank 1
      0.8, 0.5, 0.2, //  row 1: column 0 beats → rank 2
      0.3, 0.3, 0.3, //  row 2: ties with columns 0 and 1 (lower) → rank 3
    ];
    const r = ranksFromScores(S, 3);
    expect(Array.from(r.x2en)).toEqual([1, 2, 3]);
    // columns: col 0 gold 0.9, competitors 0.8, 0.3 → 1; col 1 gold 0.5 vs 0.1, 0.3 → 1; col 2 gold 0.3 vs 0.9 (row 0), 0.2 → 2
    expect(Array.from(r.en2x)).toEqual([1, 1, 2]);
    expect(metricsFromRanks([1, 2, 3])).toEqual({ 'R@1': 1 / 3, 'R@5': 1, 'R@10': 1, MRR: (1 + 1 / 2 + 1 / 3) / 3 });
    expect(Array.from(perQuery([1, 2, 7, 12], 'R@5'))).toEqual([1, 1, 0, 0]);
    expect(Array.from(perQuery([1, 4], 'MRR'))).toEqual([1, 0.25]);
  });

  it('cosine scores reproduce evaluateBitextMining (ranks, R@k, MRR) on random embeddings with duplicates', () => {
    const rnd = mulberry32(4);
    const n = 40;
    const D = 8;
    const a = Float32Array.from({ length: n * D }, () => rnd() - 0.5);
    const b = Float32Array.from({ length: n * D }, (_, i) => a[i]! + 0.8 * (rnd() - 0.5));
    b.copyWithin(3 * D, 5 * D, 6 * D); // an exact duplicate target
    const ref = evaluateBitextMining(a, b, D);
    const r = ranksFromScores(cosineScores(a, b, D), n);
    expect(Array.from(r.x2en)).toEqual(Array.from(ref.perQuery.src2tgt.rank));
    expect(Array.from(r.en2x)).toEqual(Array.from(ref.perQuery.tgt2src.rank));
    expect(metricsFromRanks(r.x2en)['MRR']).toBeCloseTo(ref.mrr.src2tgt, 12);
  });

  it('sparse cosine equals the dense dot product of the TF-IDF rows', () => {
    const tf = new Tfidf({ words: false, charMode: 'text', charMin: 3, charMax: 3, minDf: 1 }).fit(['habari ya asubuhi', 'good morning', 'asubuhi njema', 'morning news']);
    const A = tf.transform(['habari asubuhi', 'njema']);
    const B = tf.transform(['good morning', 'asubuhi', 'zzz']);
    const dense = (M: typeof A, i: number) => {
      const v = new Float64Array(M.nCols);
      for (let p = M.indptr[i]!; p < M.indptr[i + 1]!; p++) v[M.indices[p]!] = M.values[p]!;
      return v;
    };
    const S = sparseCosine(A, B);
    for (let i = 0; i < 2; i++) {
      for (let j = 0; j < 3; j++) {
        const x = dense(A, i);
        const y = dense(B, j);
        expect(S[i * 3 + j]).toBeCloseTo(x.reduce((s, v, k) => s + v * y[k]!, 0), 6);
      }
    }
    expect(S[0 * 3 + 1]).toBeGreaterThan(0.3); // shares "asubuhi"
    expect(S[0 * 3 + 2]).toBe(0); // no known n-gram
  });
});
