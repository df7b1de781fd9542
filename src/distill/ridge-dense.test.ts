import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { ortAvailable } from '../models/onnx/index.ts';
import type { CsrMatrix } from '../text/tfidf.ts';
import { mulberry32 } from '../util/random.ts';
import { csrToCsc, crossKernel, fitKernelRidge, gramMatrix, predictKernelRidge } from './ridge.ts';
import { fitKernelRidgeGram, gramRowMeans, linearGram, predictGram, subGram } from './ridge-dense.ts';

/**
 * A seeded sparse X [n, f] with a Zipf-like column frequency (column c held by a row with probability
 * ~1/(1 + c/3)), so that some columns are frequent (the dense GEMM part) and most are rare (the sparse part).
 */
function zipfRows(n: number, f: number, seed: number): CsrMatrix {
  const rnd = mulberry32(seed);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < f; c++) if (rnd() < 1 / (1 + c / 3)) indices.push(c), values.push(rnd() - 0.3);
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values), nCols: f };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

const onOrt = ortAvailable() ? describe : describe.skip;

describe('dense Gram matrix (ridge-dense.ts)', () => {
  const n = 70;
  const X = zipfRows(n, 200, 7);
  const ref = gramMatrix(X); // float64 X Xᵀ through the postings

  it('linearGram with every column sparse equals X Xᵀ, exactly symmetric', () => {
    const K = linearGram(X, { denseFrom: 1.01 });
    expect(maxAbsDiff(K, ref)).toBeLessThan(1e-5);
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
  });

  it('rejects a row that holds a column twice', () => {
    const bad: CsrMatrix = { indptr: Int32Array.from([0, 2]), indices: Int32Array.from([3, 3]), values: Float32Array.from([1, 1]), nCols: 5 };
    expect(() => linearGram(bad, { denseFrom: 1.01 })).toThrow(ArgumentError);
  });

  it('subGram and gramRowMeans read blocks and row means of K', () => {
    const K = linearGram(X, { denseFrom: 1.01 });
    const rows = [5, 0, 9], cols = [2, 2, 69, 1];
    const S = subGram(K, n, rows, cols);
    rows.forEach((r, i) => cols.forEach((c, j) => expect(S[i * cols.length + j]).toBe(K[r * n + c])));
    const m = gramRowMeans(K, n);
    let s = 0;
    for (let j = 0; j < n; j++) s += K[3 * n + j]!;
    expect(m[3]).toBeCloseTo(s / n, 10);
  });

  onOrt('on ONNX Runtime', () => {
    it('linearGram with frequent columns on the GEMM equals X Xᵀ (both parts used)', () => {
      let frequent = 0;
      const df = new Int32Array(X.nCols);
      for (const f of X.indices) df[f]!++;
      for (const c of df) if (c >= 0.1 * n) frequent++;
      expect(frequent).toBeGreaterThan(5); // the dense part is not empty …
      expect(frequent).toBeLessThan(X.nCols - 50); // … nor everything
      const K = linearGram(X);
      expect(maxAbsDiff(K, ref)).toBeLessThan(1e-5);
      for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) expect(K[i * n + j]).toBe(K[j * n + i]);
    });

    it('fitKernelRidgeGram gives the models of fitKernelRidge (sparse CG); predictGram their predictions', () => {
      const d = 4;
      const rnd = mulberry32(2);
      const Y = Float32Array.from({ length: n * d }, () => rnd() * 2 - 1);
      const q = zipfRows(9, 200, 8);
      const Kq = Float32Array.from(crossKernel(q, csrToCsc(X)));
      for (const center of [true, false]) {
        const opts = { lambdas: [0.3, 1], tol: 1e-7, maxIter: 500, center };
        const sparse = fitKernelRidge(X, Y, d, opts);
        const dense = fitKernelRidgeGram(linearGram(X), Y, d, { ...opts, tol: 1e-6 });
        expect(dense.dense).toBe(true);
        expect(sparse.dense).toBe(false);
        expect(dense.solver.status).toBe('converged');
        for (const r of dense.solver.residuals) expect(r).toBeLessThanOrEqual(1e-6);
        dense.models.forEach((m, s) => {
          expect(maxAbsDiff(m.alpha, sparse.models[s]!.alpha), `center ${center}`).toBeLessThan(1e-4);
          expect(maxAbsDiff(m.bias, sparse.models[s]!.bias)).toBeLessThan(1e-4);
          expect(maxAbsDiff(predictGram(Kq, 9, m.alpha, m.bias), predictKernelRidge(q, csrToCsc(X), sparse.models[s]!))).toBeLessThan(1e-4);
        });
      }
      // a tolerance float32 cannot reach: every λ refines maxRefine times, says so, and stays accurate
      const strict = fitKernelRidgeGram(linearGram(X), Y, d, { lambdas: [0.3], tol: 1e-15, maxRefine: 2 });
      expect(strict.solver.status).toBe('maxIter');
      expect(strict.solver.iterations).toBe(2);
      const ref = fitKernelRidge(X, Y, d, { lambdas: [0.3], tol: 1e-9, maxIter: 500 });
      expect(maxAbsDiff(strict.models[0]!.alpha, ref.models[0]!.alpha)).toBeLessThan(1e-4);
    });
  });
});
