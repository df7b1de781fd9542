import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
  predictPrimal,
  primalWeights,
  ridgePrimalNaive,
  solveMultiShiftCG,
} from './ridge.ts';
import { LinearBaseline, fitLinearBaseline } from './linear-baseline.ts';
import { RIDGE_PARALLEL_MIN_WORK, RidgePool, ridgeThreads } from './ridge-threads.ts';

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

/** A seeded sparse X [n, f] built directly as CSR: `perRow` distinct sorted columns per row, float32 values. */
function sparseRows(n: number, f: number, perRow: number, seed: number): CsrMatrix {
  const rnd = mulberry32(seed);
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const cols = new Set<number>();
    while (cols.size < perRow) cols.add(Math.floor(rnd() * f));
    for (const c of [...cols].sort((x, y) => x - y)) indices.push(c), values.push(rnd() - 0.3);
    indptr[i + 1] = indices.length;
  }
  return { indptr, indices: Int32Array.from(indices), values: Float32Array.from(values), nCols: f };
}

/** The first index where a and b differ (Object.is, so bit for bit up to NaN payloads), or −1. */
const firstDiff = (a: Float64Array | Float32Array, b: Float64Array | Float32Array): number => {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return i;
  return -1;
};

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
      expect(firstDiff(q1, q2), `d=${d}, block=${block}`).toBe(-1);
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

describe('multi-threaded K P (ridge-threads.ts)', () => {
  // N = 1009 (prime), D = 200: column blocks of 64, 64, 64, 8; nnz·D ≈ 3.4·10⁷ ≥ RIDGE_PARALLEL_MIN_WORK
  const n = 1009, f = 4999, d = 200; // prettier-ignore
  const X = sparseRows(n, f, 170, 23);
  const randomP = (seed: number, cols = d) => {
    const rnd = mulberry32(seed);
    return Float64Array.from({ length: n * cols }, () => rnd() - 0.5);
  };

  it('2 threads give the 1-thread Q bit for bit (uneven blocks 64, 64, 64, 8), product after product', () => {
    expect(X.indices.length * d).toBeGreaterThanOrEqual(RIDGE_PARALLEL_MIN_WORK);
    const one = fastLinearKernelOperator(X, 64, { threads: 1 });
    const two = fastLinearKernelOperator(X, 64, { threads: 2 });
    const q1 = new Float64Array(n * d);
    const q2 = new Float64Array(n * d);
    try {
      for (const seed of [4, 5]) {
        const P = randomP(seed);
        q2.fill(NaN);
        one.apply(P, q1, d);
        two.apply(P, q2, d);
        expect(one.threadsUsed).toBe(1);
        expect(two.threadsUsed).toBe(2);
        expect(firstDiff(q1, q2), `seed ${seed}`).toBe(-1);
      }
      expect(two.workerBlocks).toBeGreaterThan(0); // the worker's path was taken (blocks are claimed dynamically)
      // and it is K P, bit for bit the JS loops' (the same products summed in the same order; X's
      // float32 values times P's 32-bit fractions are not exact in float64, so the order shows)
      const q3 = new Float64Array(n * d);
      linearKernelOperator(X).apply(randomP(5), q3, d);
      expect(q3.reduce((m, v) => Math.max(m, Math.abs(v)), 0)).toBeGreaterThan(1);
      expect(firstDiff(q2, q3)).toBe(-1);
    } finally {
      two.dispose();
    }
    // disposed: still correct, on one thread
    q2.fill(NaN);
    two.apply(randomP(4), q2, d);
    one.apply(randomP(4), q1, d);
    expect(two.threadsUsed).toBe(1);
    expect(firstDiff(q1, q2)).toBe(-1);
  });

  it('stays on one thread for small products, and splits tiny ones when told to (minWork: 0)', () => {
    const op = fastLinearKernelOperator(X, 64, { threads: 2 });
    const P = randomP(6, 64);
    op.apply(P, new Float64Array(n * 64), 64); // one block
    expect(op.threadsUsed).toBe(1);
    const small = problem(37, 23, 1, 17).X;
    const P45 = Float64Array.from({ length: 37 * 45 }, (_, k) => Math.sin(k));
    const q1 = new Float64Array(37 * 45);
    const q2 = new Float64Array(37 * 45);
    const below = fastLinearKernelOperator(small, 8, { threads: 2 });
    below.apply(P45, q1, 45); // nnz·D far below RIDGE_PARALLEL_MIN_WORK
    expect(below.threadsUsed).toBe(1);
    const forced = fastLinearKernelOperator(small, 8, { threads: 2, minWork: 0 });
    try {
      forced.apply(P45, q2, 45); // blocks 8 × 5 + 5 (the main thread may claim them all, before the worker wakes)
      expect(forced.threadsUsed).toBe(2);
      expect(firstDiff(q1, q2)).toBe(-1);
    } finally {
      forced.dispose();
    }
    expect(() => fastLinearKernelOperator(X, 64, { threads: 0 })).toThrow(ArgumentError);
  });

  it('fitKernelRidge on 2 threads gives the 1-thread α exactly', () => {
    const rnd = mulberry32(9);
    const Y = Float32Array.from({ length: n * d }, () => rnd() * 2 - 1);
    const opts = { lambdas: [0.3, 1], maxIter: 6, tol: 1e-9 };
    const a = fitKernelRidge(X, Y, d, { ...opts, threads: 1 });
    const b = fitKernelRidge(X, Y, d, { ...opts, threads: 2 });
    expect(a.threads).toBe(1);
    expect(b.threads).toBe(2);
    expect(a.workerBlocks).toBe(0);
    expect(b.workerBlocks).toBeGreaterThan(0);
    expect(b.solver.iterations).toBe(6);
    expect(b.solver.errHistory).toEqual(a.solver.errHistory);
    a.solver.alphas.forEach((alpha, s) => {
      expect(alpha.some((v) => v !== 0)).toBe(true);
      expect(firstDiff(alpha, b.solver.alphas[s]!), `λ=${opts.lambdas[s]}`).toBe(-1);
      expect(firstDiff(a.models[s]!.bias, b.models[s]!.bias)).toBe(-1);
    });
  });

  it('falls back to one thread: workers that cannot start, and OPTICAL_RIDGE_WASM=0 (JS)', () => {
    // a block that is not a multiple of 8 makes the worker's wasm set-up throw: no pool
    expect(RidgePool.start(X, 12, 1)).toBeNull();
    const prev = process.env['OPTICAL_RIDGE_WASM'];
    process.env['OPTICAL_RIDGE_WASM'] = '0';
    try {
      const P = randomP(7);
      const q1 = new Float64Array(n * d);
      const q2 = new Float64Array(n * d);
      const op = fastLinearKernelOperator(X, 64, { threads: 2 });
      op.apply(P, q1, d);
      expect(op.threadsUsed).toBe(1);
      linearKernelOperator(X, 64).apply(P, q2, d);
      expect(firstDiff(q1, q2)).toBe(-1);
    } finally {
      if (prev === undefined) delete process.env['OPTICAL_RIDGE_WASM'];
      else process.env['OPTICAL_RIDGE_WASM'] = prev;
    }
  });

  it('reads OPTICAL_RIDGE_THREADS (default: the core count, at most 4)', () => {
    const prev = process.env['OPTICAL_RIDGE_THREADS'];
    try {
      delete process.env['OPTICAL_RIDGE_THREADS'];
      expect(ridgeThreads()).toBe(Math.min(4, availableParallelism()));
      process.env['OPTICAL_RIDGE_THREADS'] = '1';
      expect(ridgeThreads()).toBe(1);
      process.env['OPTICAL_RIDGE_THREADS'] = '3';
      expect(ridgeThreads()).toBe(3);
      process.env['OPTICAL_RIDGE_THREADS'] = 'two';
      expect(() => ridgeThreads()).toThrow(ArgumentError);
    } finally {
      if (prev === undefined) delete process.env['OPTICAL_RIDGE_THREADS'];
      else process.env['OPTICAL_RIDGE_THREADS'] = prev;
    }
  });

  it('workers never keep a process alive, even without dispose()', () => {
    const ridge = new URL('./ridge.ts', import.meta.url).href;
    const code = [
      `import { fastLinearKernelOperator } from ${JSON.stringify(ridge)};`,
      `const X = { indptr: Int32Array.from([0, 2, 3, 5]), indices: Int32Array.from([0, 2, 1, 0, 1]), values: Float32Array.from([1, 2, 3, 4, 5]), nCols: 3 };`,
      `const op = fastLinearKernelOperator(X, 8, { threads: 2, minWork: 0 });`,
      `const Q = new Float64Array(3 * 20);`,
      `op.apply(Float64Array.from({ length: 3 * 20 }, (_, k) => k), Q, 20);`,
      `console.log(op.threadsUsed, Q[0]);`,
    ].join('\n');
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.error, r.stderr).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    // row 0 of K = X Xᵀ: [1·1 + 2·2, 0, 1·4] = [5, 0, 4]; Q[0][0] = 5·P[0][0] + 4·P[2][0] = 4·40
    expect(r.stdout.trim()).toBe('2 160');
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
        // the same predictions through the primal weights Xᵀα (lexical-init.ts chooses λ with these)
        expect(maxAbsDiff(predictPrimal(q.X, primalWeights(X, models[s]!), models[s]!.bias), ref), `λ=${l}, primal`).toBeLessThan(1e-5);
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
