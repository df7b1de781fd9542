import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ArgumentError, InputError } from '../errors.ts';
import { Tfidf, type CsrMatrix } from '../text/tfidf.ts';
import { mulberry32 } from '../util/random.ts';
import {
  choleskySolve,
  csrToCsc,
  denseKernelOperator,
  denseToCsr,
  fastExplicitKernelOperator,
  fastLinearKernelOperator,
  fitKernelRidge,
  gramMatrix,
  linearKernelOperator,
  polyKernel,
  predictKernelRidge,
  ridgePrimalNaive,
  solveMultiShiftCG,
} from './ridge.ts';
import { LinearBaseline, fitLinearBaseline } from './linear-baseline.ts';

/** CSR from a dense row-major [n, f] matrix (zeros skipped). */
function toCsr(A: number[][]): CsrMatrix {
  const f = A[0]!.length;
  const indptr = [0];
  const indices: number[] = [];
  const values: number[] = [];
  for (const row of A) {
    row.forEach((v, j) => {
      if (v !== 0) indices.push(j), values.push(v);
    });
    indptr.push(indices.length);
  }
  return { indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), values: Float32Array.from(values), nCols: f };
}

/** A seeded sparse problem: n rows, f features (about 40% non-zero, values exactly representable in f32), d targets. */
function problem(n: number, f: number, d: number, seed: number) {
  const rnd = mulberry32(seed);
  const A = Array.from({ length: n }, () => Array.from({ length: f }, () => (rnd() < 0.4 ? Math.round((rnd() - 0.3) * 64) / 64 : 0)));
  const Y = Float64Array.from({ length: n * d }, () => rnd() * 2 - 1);
  return { A, X: toCsr(A), dense: Float64Array.from(A.flat()), Y };
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
};

describe('kernel ridge (linear, dual) — hand-checked', () => {
  it('matches W = (XᵀX + λI)⁻¹XᵀY on a 3×2 example', () => {
    // X = [[1,0],[0,1],[1,1]], Y = [1,2,3], λ = 1, no intercept:
    //   XᵀX + I = [[3,1],[1,3]],  XᵀY = [1+3, 2+3] = [4,5],  (XᵀX + I)⁻¹ = (1/8)[[3,−1],[−1,3]]
    //   W = (1/8)[3·4 − 5, −4 + 3·5] = [7/8, 11/8];  f([1,1]) = 18/8 = 2.25,  f([2,0]) = 1.75
    const X = toCsr([[1, 0], [0, 1], [1, 1]]); // prettier-ignore
    const { models, solver } = fitKernelRidge(X, Float64Array.from([1, 2, 3]), 1, { lambdas: [1], center: false, tol: 1e-12 });
    expect(solver.status).toBe('converged');
    // dual: K = XXᵀ = [[1,0,1],[0,1,1],[1,1,2]], α = (K + I)⁻¹Y; check Xᵀα = W
    const a = models[0]!.alpha;
    expect(a[0]! + a[2]!).toBeCloseTo(7 / 8, 6);
    expect(a[1]! + a[2]!).toBeCloseTo(11 / 8, 6);
    const pred = predictKernelRidge(toCsr([[1, 1], [2, 0]]), csrToCsc(X), models[0]!);
    expect(pred[0]).toBeCloseTo(2.25, 6);
    expect(pred[1]).toBeCloseTo(1.75, 6);
  });

  it('fits an unpenalised intercept with center: true', () => {
    // X = [[1],[2],[3]], Y = [2,4,6] + 10 … centred: x̄ = 2, ȳ = 14, Xc = [−1,0,1], Yc = [−2,0,2]
    //   W = XcᵀYc / (XcᵀXc + λ) = 4 / (2 + 2) = 1 (λ = 2);  b = ȳ − x̄W = 12;  f([5]) = 17
    const X = toCsr([[1], [2], [3]]);
    const { models } = fitKernelRidge(X, Float64Array.from([12, 14, 16]), 1, { lambdas: [2], tol: 1e-12 });
    expect(models[0]!.bias[0]).toBeCloseTo(12, 5);
    expect(predictKernelRidge(toCsr([[5]]), csrToCsc(X), models[0]!)[0]).toBeCloseTo(17, 5);
  });
});

describe('multi-shift CG', () => {
  it('solves (K + λI)α = Y for every λ like a Cholesky solve', () => {
    const n = 30, f = 12, d = 3; // prettier-ignore
    const { X, Y } = problem(n, f, d, 7);
    const K = gramMatrix(X);
    const lambdas = [0.3, 0.05, 2];
    const res = solveMultiShiftCG(linearKernelOperator(X, 2), Y, d, lambdas, { tol: 1e-11 });
    expect(res.status).toBe('converged');
    expect(res.iterations).toBeLessThanOrEqual(60);
    lambdas.forEach((l, s) => {
      const A = Float64Array.from(K);
      for (let i = 0; i < n; i++) A[i * n + i]! += l;
      const ref = choleskySolve(A, n, Y, d);
      expect(maxAbsDiff(res.alphas[s]!, ref), `λ=${l}`).toBeLessThan(1e-7);
      expect(res.residuals[s]!).toBeLessThan(1e-10);
    });
    // the error history is the smallest λ's and ends below tol
    expect(res.errHistory.at(-1)!).toBeLessThan(1e-11);
  });

  it('computes K P identically with the wasm SIMD kernel and in JS', () => {
    const n = 37, f = 23; // prettier-ignore
    const { X } = problem(n, f, 1, 17);
    for (const [d, block] of [[1, 8], [13, 8], [40, 16], [5, 64]] as const) {
      const rnd = mulberry32(d);
      const P = Float64Array.from({ length: n * d }, () => rnd() - 0.5);
      const q1 = new Float64Array(n * d);
      const q2 = new Float64Array(n * d);
      linearKernelOperator(X, 3).apply(P, q1, d);
      fastLinearKernelOperator(X, block).apply(P, q2, d);
      expect(maxAbsDiff(q1, q2), `d=${d}, block=${block}`).toBeLessThan(1e-12);
    }
    expect(() => fastLinearKernelOperator(X, 12)).toThrow(ArgumentError);
    // an explicit (dense, as CSR) kernel: wasm gather vs the JS dense product
    const K = gramMatrix(X, polyKernel(2, 1));
    const P = Float64Array.from({ length: n * 9 }, (_, k) => Math.sin(k));
    const q1 = new Float64Array(n * 9);
    const q2 = new Float64Array(n * 9);
    denseKernelOperator(Float32Array.from(K), n).apply(P, q1, 9);
    fastExplicitKernelOperator(denseToCsr(K, n), 8).apply(P, q2, 9);
    expect(maxAbsDiff(q1, q2)).toBeLessThan(1e-12);
  });

  it('reports maxIter when it runs out of iterations', () => {
    const { X, Y } = problem(20, 8, 2, 3);
    const res = solveMultiShiftCG(linearKernelOperator(X), Y, 2, [0.01], { maxIter: 1 });
    expect(res.status).toBe('maxIter');
    expect(res.iterations).toBe(1);
  });

  it('rejects bad arguments', () => {
    const { X, Y } = problem(5, 4, 1, 1);
    expect(() => solveMultiShiftCG(linearKernelOperator(X), Y, 1, [])).toThrow(ArgumentError);
    expect(() => solveMultiShiftCG(linearKernelOperator(X), Y, 1, [0])).toThrow(ArgumentError);
    expect(() => solveMultiShiftCG(linearKernelOperator(X), Y, 2, [1])).toThrow(ArgumentError);
    expect(() => fitKernelRidge(X, Y, 2, { lambdas: [1] })).toThrow(ArgumentError);
  });
});

describe('fitKernelRidge vs the primal closed form', () => {
  for (const center of [false, true]) {
    it(`gives the primal ridge predictions (center: ${center})`, () => {
      const n = 25, f = 10, d = 4; // prettier-ignore
      const { X, dense, Y } = problem(n, f, d, 11);
      const lambdas = [0.1, 1];
      const { models } = fitKernelRidge(X, Y, d, { lambdas, center, tol: 1e-11 });
      const q = problem(6, f, 1, 99);
      const pred = lambdas.map((_, s) => predictKernelRidge(q.X, csrToCsc(X), models[s]!));
      lambdas.forEach((l, s) => {
        const { W, b } = ridgePrimalNaive(dense, n, f, Y, d, l, center);
        const ref = new Float64Array(6 * d);
        for (let r = 0; r < 6; r++) {
          for (let c = 0; c < d; c++) {
            let v = b[c]!;
            for (let k = 0; k < f; k++) v += q.dense[r * f + k]! * W[k * d + c]!;
            ref[r * d + c] = v;
          }
        }
        expect(maxAbsDiff(pred[s]!, ref), `λ=${l}`).toBeLessThan(1e-5);
      });
    });
  }

  it('fits a non-linear kernel like a dense Cholesky solve', () => {
    const n = 20, f = 8, d = 2; // prettier-ignore
    const { X, Y } = problem(n, f, d, 5);
    const g = polyKernel(2, 1);
    const { models } = fitKernelRidge(X, Y, d, { lambdas: [0.5], center: false, kernel: g, tol: 1e-12 });
    const K = gramMatrix(X, g);
    for (let i = 0; i < n; i++) K[i * n + i]! += 0.5;
    expect(maxAbsDiff(models[0]!.alpha, choleskySolve(K, n, Y, d))).toBeLessThan(1e-6);
    expect(g(0.5)).toBeCloseTo((1.5 / 2) ** 2, 12);
    expect(() => polyKernel(0, 1)).toThrow(ArgumentError);
  });
});

describe('fitLinearBaseline (TF-IDF → kernel ridge)', () => {
  const texts = ['mtoto anasoma kitabu', 'mtoto analala sasa', 'kitabu kizuri sana', 'walimu wanasoma vitabu', 'sasa ni asubuhi', 'asubuhi njema mtoto'];

  it('encodes like the primal closed form, and save → load → encode is identical', () => {
    const d = 4;
    const rnd = mulberry32(3);
    const Y = Float32Array.from({ length: texts.length * d }, () => rnd() * 2 - 1);
    const features = { charMode: 'word' as const, minDf: 1 };
    const model = fitLinearBaseline(texts, Y, { lambda: 0.5, features, tol: 1e-12 });
    const queries = ['mtoto anasoma', 'vitabu vizuri sana', 'xyz'];
    const emb = model.encode(queries);
    // reference: dense primal ridge on the same TF-IDF rows, then L2-normalised rows
    const tf = new Tfidf(features);
    const X = tf.fitTransform(texts);
    const F = X.nCols;
    const dense = (M: CsrMatrix) => {
      const n = M.indptr.length - 1;
      const out = new Float64Array(n * F);
      for (let i = 0; i < n; i++) for (let k = M.indptr[i]!; k < M.indptr[i + 1]!; k++) out[i * F + M.indices[k]!] = M.values[k]!;
      return out;
    };
    const { W, b } = ridgePrimalNaive(dense(X), texts.length, F, Float64Array.from(Y), d, 0.5, true);
    const Q = dense(tf.transform(queries));
    for (let r = 0; r < queries.length; r++) {
      const p = Array.from({ length: d }, (_, c) => b[c]! + Array.from({ length: F }, (_, k) => Q[r * F + k]! * W[k * d + c]!).reduce((s, v) => s + v, 0));
      const norm = Math.hypot(...p);
      for (let c = 0; c < d; c++) expect(emb[r * d + c]!).toBeCloseTo(p[c]! / norm, 5);
    }
    const dir = mkdtempSync(join(tmpdir(), 'optical-linear-'));
    try {
      model.save(dir);
      const back = LinearBaseline.load(dir);
      expect(back.encode(queries)).toEqual(emb);
      expect(back.lambda).toBe(0.5);
      writeFileSync(join(dir, 'config.json'), '{"format":"other"}');
      expect(() => LinearBaseline.load(dir)).toThrow(InputError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => fitLinearBaseline(texts, new Float32Array(7))).toThrow(ArgumentError);
  });
});
