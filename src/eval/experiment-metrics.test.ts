import { describe, it, expect } from 'vitest';
import { cosineScores, hubnessScores, metricsFromRanks, perQuery, ranksFromScores } from './experiment-metrics.ts';
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

  it('hubness correction by hand: CSLS and the ratio margin demote a hub target (k = 1)', () => {
    // column 2 is a hub: row 0 prefers it (0.6 > 0.55) under cosine.
    const S = Float64Array.from([0.55, 0.1, 0.6, 0.2, 0.7, 0.69, 0.1, 0.2, 0.3]);
    expect(Array.from(ranksFromScores(S, 3).x2en)).toEqual([2, 1, 1]);
    // k = 1: r_a = row maxima [0.6, 0.7, 0.3]; r_b = column maxima [0.55, 0.7, 0.69]
    // csls = 2S − r_a(i) − r_b(j):
    //   row 0: [1.1 − 0.6 − 0.55, 0.2 − 0.6 − 0.7, 1.2 − 0.6 − 0.69] = [−0.05, −1.1, −0.09]
    //   row 1: [0.4 − 0.7 − 0.55, 1.4 − 0.7 − 0.7, 1.38 − 0.7 − 0.69] = [−0.85, 0, −0.01]
    //   row 2: [0.2 − 0.3 − 0.55, 0.4 − 0.3 − 0.7, 0.6 − 0.3 − 0.69] = [−0.65, −0.6, −0.39]
    const csls = hubnessScores(S, 3, 3, 'csls', 1);
    const want = [-0.05, -1.1, -0.09, -0.85, 0, -0.01, -0.65, -0.6, -0.39];
    want.forEach((w, q) => expect(csls[q]).toBeCloseTo(w, 12));
    const r = ranksFromScores(csls, 3);
    expect(Array.from(r.x2en)).toEqual([1, 1, 1]);
    expect(Array.from(r.en2x)).toEqual([1, 1, 3]); // column 2's gold (−0.39) is still last
    // margin = S / ((r_a + r_b) / 2): row 0 = [0.55 / 0.575, 0.1 / 0.65, 0.6 / 0.645]
    const margin = hubnessScores(S, 3, 3, 'margin', 1);
    [0.55 / 0.575, 0.1 / 0.65, 0.6 / 0.645].forEach((w, q) => expect(margin[q]).toBeCloseTo(w, 12));
    expect(Array.from(ranksFromScores(margin, 3).x2en)).toEqual([1, 1, 1]);
    expect(hubnessScores(S, 3, 3, 'cosine', 1)).toBe(S);
  });

  it('hubness correction of the cosine matrix reproduces evaluateBitextMining with csls and margin', () => {
    const rnd = mulberry32(11);
    const n = 37;
    const D = 9;
    const a = Float32Array.from({ length: n * D }, () => rnd() - 0.5);
    const b = Float32Array.from({ length: n * D }, (_, i) => a[i]! + 0.9 * (rnd() - 0.5));
    const hub = Float32Array.from({ length: D }, (_, k) => a[k]! + a[D + k]! + a[2 * D + k]!);
    b.set(hub, 7 * D); // target 7 sits near several sources
    for (const score of ['csls', 'margin'] as const) {
      for (const k of [1, 4, 10]) {
        const ref = evaluateBitextMining(a, b, D, { score, k, tileCols: 8 });
        const r = ranksFromScores(hubnessScores(cosineScores(a, b, D), n, n, score, k), n);
        expect(Array.from(r.x2en)).toEqual(Array.from(ref.perQuery.src2tgt.rank));
        expect(Array.from(r.en2x)).toEqual(Array.from(ref.perQuery.tgt2src.rank));
      }
    }
    expect(() => hubnessScores(cosineScores(a, b, D), n, n, 'csls', 0)).toThrow(/k \(the csls neighbourhood\)/);
    expect(() => hubnessScores(Float64Array.from([-1, -2, -3, -4]), 2, 2, 'margin', 1)).toThrow(/positive neighbourhood means.*use csls/);
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
