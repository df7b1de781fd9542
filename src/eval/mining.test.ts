import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { evaluateBitextMining, l2NormalizeRows } from './mining.ts';
import { binomialTwoSidedHalf, mcnemarExact } from './significance.ts';

const f32 = (rows: number[][]) => Float32Array.from(rows.flat());

describe('evaluateBitextMining: hand-worked example with ties', () => {
  // tgt: t0 = e1, t1 = e2, t2 = e3.  src: s0 = e1, s1 = e1, s2 = (0, 1, 1) (norm √2).
  // S = cos(src, tgt) =
  //        t0   t1     t2
  //   s0 [ 1    0      0    ]
  //   s1 [ 1    0      0    ]
  //   s2 [ 0    1/√2   1/√2 ]
  // src→tgt (rows), gold on the diagonal, ties go to the lower index:
  //   s0: gold 1, nothing above           → rank 1, pred 0
  //   s1: gold 0, t0 above (1 > 0); t2 ties but 2 > 1 → rank 2, pred 0
  //   s2: gold 1/√2, t1 ties and 1 < 2 counts → rank 2, pred 1
  //   Acc = R@1 = 1/3, R@5 = R@10 = 1, MRR = (1 + 1/2 + 1/2) / 3 = 2/3
  // tgt→src (columns):
  //   t0: gold 1, s1 ties but 1 > 0      → rank 1, pred 0
  //   t1: gold 0, s2 above; s0 ties and 0 < 1 counts → rank 3, pred 2
  //   t2: gold 1/√2, nothing above        → rank 1, pred 2
  //   Acc = 2/3, R@1 = 2/3, R@2 = 2/3, R@3 = 1, MRR = (1 + 1/3 + 1) / 3 = 7/9
  const src = f32([[1, 0, 0], [1, 0, 0], [0, 1, 1]]); // prettier-ignore
  const tgt = f32([[1, 0, 0], [0, 1, 0], [0, 0, 1]]); // prettier-ignore

  it('ranks, predictions, accuracy, R@k and MRR', () => {
    const r = evaluateBitextMining(src, tgt, 3, { ks: [1, 2, 3, 5, 10] });
    expect(r.n).toBe(3);
    expect(Array.from(r.perQuery.src2tgt.rank)).toEqual([1, 2, 2]);
    expect(Array.from(r.perQuery.src2tgt.pred)).toEqual([0, 0, 1]);
    expect(r.perQuery.src2tgt.correct).toEqual([true, false, false]);
    expect(Array.from(r.perQuery.tgt2src.rank)).toEqual([1, 3, 1]);
    expect(Array.from(r.perQuery.tgt2src.pred)).toEqual([0, 2, 2]);
    expect(r.src2tgt).toBeCloseTo(1 / 3, 12);
    expect(r.tgt2src).toBeCloseTo(2 / 3, 12);
    expect(r.recall.src2tgt).toEqual({ 1: 1 / 3, 2: 1, 3: 1, 5: 1, 10: 1 });
    expect(r.recall.tgt2src).toEqual({ 1: 2 / 3, 2: 2 / 3, 3: 1, 5: 1, 10: 1 });
    expect(r.mrr.src2tgt).toBeCloseTo(2 / 3, 12);
    expect(r.mrr.tgt2src).toBeCloseTo(7 / 9, 12);
    expect(r.primaryMetric).toBe('Acc');
    expect(r.aggregate['Acc']).toBeCloseTo(0.5, 12);
    expect(r.aggregate['src2tgt/R@5']).toBe(1);
    expect(r.aggregate['tgt2src/RR']).toBeCloseTo(7 / 9, 12);
  });

  it('default cutoffs are 1, 5, 10; cosine ignores row scale', () => {
    const scaled = f32([[4, 0, 0], [0.5, 0, 0], [0, 8, 8]]); // prettier-ignore
    const r = evaluateBitextMining(scaled, tgt, 3);
    expect(Object.keys(r.recall.src2tgt)).toEqual(['1', '5', '10']);
    expect(Array.from(r.perQuery.src2tgt.rank)).toEqual([1, 2, 2]);
    expect(Array.from(r.perQuery.tgt2src.rank)).toEqual([1, 3, 1]);
  });

  it('identical embeddings on both sides give accuracy 1; all-equal rows rank i-th at i + 1', () => {
    const e = f32([[1, 2], [3, -1], [-2, 5], [0.5, 0.25], [7, 7]]); // prettier-ignore
    expect(evaluateBitextMining(e, e, 2).aggregate['Acc']).toBe(1);
    const same = new Float32Array(6 * 4).fill(1); // every cosine is exactly 1: lower index always wins
    const r = evaluateBitextMining(same, same, 4);
    expect(Array.from(r.perQuery.src2tgt.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(r.perQuery.tgt2src.pred)).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('rejects bad shapes and non-finite values', () => {
    expect(() => evaluateBitextMining(new Float32Array(6), new Float32Array(6), 4)).toThrow(ArgumentError);
    expect(() => evaluateBitextMining(new Float32Array(6), new Float32Array(9), 3)).toThrow(/2 rows but tgt has 3/);
    expect(() => evaluateBitextMining(Float32Array.of(NaN, 1), Float32Array.of(1, 1), 2)).toThrow(/src: row 0/);
  });
});

/** Straightforward reference: full S, same tie rule. */
function naive(src: Float32Array, tgt: Float32Array, d: number) {
  const n = src.length / d;
  const a = l2NormalizeRows(src, d);
  const b = l2NormalizeRows(tgt, d);
  const S: number[][] = [];
  for (let i = 0; i < n; i++) {
    S.push([]);
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < d; k++) s += a[i * d + k]! * b[j * d + k]!;
      S[i]!.push(s);
    }
  }
  const rankOf = (score: (q: number, c: number) => number) =>
    Array.from({ length: n }, (_, q) => {
      let r = 1;
      for (let c = 0; c < n; c++) if (score(q, c) > score(q, q) || (score(q, c) === score(q, q) && c < q)) r++;
      return r;
    });
  return { s2t: rankOf((q, c) => S[q]![c]!), t2s: rankOf((q, c) => S[c]![q]!) };
}

describe('evaluateBitextMining: blocked kernel equals the naive reference', () => {
  it('random and tie-heavy embeddings, sizes not multiples of the blocks', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
    for (const [n, d, quantised] of [
      [1, 3, false],
      [5, 2, true],
      [37, 13, false],
      [41, 3, true], // entries in {-1, 0, 1}: many exact ties and duplicate rows
      [64, 8, false],
    ] as const) {
      const gen = () => Float32Array.from({ length: n * d }, () => (quantised ? Math.round(rnd()) : rnd()));
      const src = gen();
      // target = source + noise, so that accuracy is neither 0 nor 1
      const tgt = quantised ? gen() : Float32Array.from(src, (x) => x + 0.8 * rnd());
      const ref = naive(src, tgt, d);
      for (const tileCols of [1, 6, 256]) {
        const r = evaluateBitextMining(src, tgt, d, { tileCols });
        expect(Array.from(r.perQuery.src2tgt.rank), `n=${n} d=${d} tile=${tileCols}`).toEqual(ref.s2t);
        expect(Array.from(r.perQuery.tgt2src.rank), `n=${n} d=${d} tile=${tileCols}`).toEqual(ref.t2s);
        const top = ref.s2t.filter((x) => x === 1).length / n;
        expect(r.src2tgt).toBe(top);
      }
    }
  });
});

describe('evaluateBitextMining: hubness-corrected scores', () => {
  // D = 5, s_i = e_i (i = 0..3); t1 = e1, t2 = e2; t0 = (0.55, 0, 0, 0, √(1 − 0.55²)); the hub
  // t3 = (0.6, 0, 0, 0.7, √0.15): cos(s0, t3) = 0.6 > cos(s0, t0) = 0.55, so cosine gets s0 wrong.
  // k = 1: r_S = row maxima [0.6, 1, 1, 0.7], r_T = column maxima [0.55, 1, 1, 0.7].
  //   csls(s0, t0) = 1.1 − 0.6 − 0.55 = −0.05 > csls(s0, t3) = 1.2 − 0.6 − 0.7 = −0.1   → right
  //   margin(s0, t0) = 0.55 / 0.575 = 0.957 > margin(s0, t3) = 0.6 / 0.65 = 0.923          → right
  //   s3: csls(s3, t3) = 1.4 − 0.7 − 0.7 = 0 > csls(s3, t0) = −1.25                        → right
  const src = f32([[1, 0, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 1, 0]]); // prettier-ignore
  const tgt = f32([[0.55, 0, 0, 0, Math.sqrt(1 - 0.55 ** 2)], [0, 1, 0, 0, 0], [0, 0, 1, 0, 0], [0.6, 0, 0, 0.7, Math.sqrt(0.15)]]); // prettier-ignore

  it('CSLS and the ratio margin recover the pair a hub target steals under cosine (by hand)', () => {
    const cos = evaluateBitextMining(src, tgt, 5);
    expect(Array.from(cos.perQuery.src2tgt.rank)).toEqual([2, 1, 1, 1]);
    expect(cos.perQuery.src2tgt.pred[0]).toBe(3);
    for (const score of ['csls', 'margin'] as const) {
      const r = evaluateBitextMining(src, tgt, 5, { score, k: 1 });
      expect(Array.from(r.perQuery.src2tgt.rank)).toEqual([1, 1, 1, 1]);
      expect(Array.from(r.perQuery.tgt2src.rank)).toEqual([1, 1, 1, 1]);
    }
  });

  it('bad score and k are ArgumentErrors', () => {
    expect(() => evaluateBitextMining(src, tgt, 5, { score: 'nope' as never })).toThrow(/score must be one of cosine, csls, margin/);
    expect(() => evaluateBitextMining(src, tgt, 5, { score: 'csls', k: 5 })).toThrow(/k \(the csls neighbourhood\) must be an integer from 1 to the number of rows \(4\)/);
    expect(() => evaluateBitextMining(src, tgt, 5, { score: 'margin', k: 0 })).toThrow(ArgumentError);
    const neg = f32([[-1, 0, 0, 0, 0], [0, -1, 0, 0, 0], [0, 0, -1, 0, 0], [0, 0, 0, -1, 0]]); // prettier-ignore
    expect(() => evaluateBitextMining(neg, src, 5, { score: 'margin', k: 1 })).toThrow(/positive neighbourhood means.*use csls/);
  });
});

describe('mcnemarExact', () => {
  it('hand-checked p-values', () => {
    // b = 1, c = 6: n = 7, P(X <= 1) = (C(7,0) + C(7,1)) / 2^7 = 8/128, p = 2 · 8/128 = 0.125
    // query 0: only A right (b); queries 1-6: only B right (c); 7: both right; 8: both wrong
    const A = [true, false, false, false, false, false, false, true, false];
    const B = [false, true, true, true, true, true, true, true, false];
    expect(mcnemarExact(A, B)).toEqual({ b: 1, c: 6, p: 0.125 });
    // b = 3, c = 12: P(X <= 3) = (1 + 15 + 105 + 455) / 2^15 = 576/32768, p = 1152/32768 = 0.03515625
    expect(binomialTwoSidedHalf(3, 15)).toBeCloseTo(0.03515625, 14);
    expect(binomialTwoSidedHalf(12, 15)).toBeCloseTo(0.03515625, 14);
    // b = 0, c = 5: p = 2 / 32 = 0.0625;  b = 10, c = 0: p = 2 / 1024
    expect(binomialTwoSidedHalf(0, 5)).toBeCloseTo(0.0625, 15);
    expect(binomialTwoSidedHalf(10, 10)).toBeCloseTo(2 / 1024, 15);
    // balanced: capped at 1; no discordant pairs: 1
    expect(binomialTwoSidedHalf(3, 6)).toBe(1);
    expect(mcnemarExact([true, false], [true, false])).toEqual({ b: 0, c: 0, p: 1 });
  });
  it('large n (log-space path above 1000) matches exact rational arithmetic', () => {
    // references: Python fractions, 2 * sum(comb(n, i) for i <= k) / 2**n; log space keeps ~1e-12 relative
    expect(binomialTwoSidedHalf(480, 1000)).toBeCloseTo(0.21744829320414094, 13);
    expect(binomialTwoSidedHalf(950, 2000)).toBeCloseTo(0.026824146240280695, 11);
    expect(binomialTwoSidedHalf(4900, 10000)).toBeCloseTo(0.04658552770494739, 11);
    expect(binomialTwoSidedHalf(5100, 10000)).toBeCloseTo(0.04658552770494739, 11);
  });
  it('length mismatch is an ArgumentError', () => {
    expect(() => mcnemarExact([true], [true, false])).toThrow(ArgumentError);
  });
});
