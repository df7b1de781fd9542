/**
 * The linear kernel's Gram matrix stored dense, and kernel ridge solved on it directly (Cholesky on ONNX
 * Runtime): the fast path of the closed-form fits (lexical-init.ts) when N² float32 values fit in memory.
 *
 * Shapes (legend: N rows, F features, D target dim; row-major):
 *   X: [N, F] sparse CSR (TF-IDF rows)      K = X Xᵀ: [N, N] float32, symmetric      Y, α: [N, D]
 *
 * Why: multi-shift CG (ridge.ts) needs ~70 products K P = X (Xᵀ P) for the λ grid and ~45 for the refit,
 * ~1 s each in WebAssembly for the Swahili bitext (N ≈ 9.3k, nnz ≈ 2.1M, D = 512). Storing K does not make a
 * product cheaper (one GEMM of 2·N²·D = 88 GFLOP took 0.7 s: measured, not kept), but it allows a direct
 * solve: a blocked Cholesky per λ (~n³/3 useful flops, cholesky.ts) and two triangular solves, 10–14 s per λ
 * here, and the held-out predictions K_held,fit α become one small GEMM (BENCHMARKS.md, 2026-11-23).
 *
 * Building K: column f of X contributes x_f x_fᵀ, whose sparse cost is c_f² multiply-adds (c_f: the rows
 * holding feature f). Frequent columns (c_f ≥ `denseFrom`·N: common character n-grams and words) are cheaper
 * as one dense GEMM X_d X_dᵀ ([N, F_d] · [F_d, N], 2·N²·F_d flops on ONNX Runtime); the rest are summed
 * sparsely row by row over their postings, upper triangle only, in float64, and the sum is mirrored so K is
 * exactly symmetric.
 */
import { ArgumentError } from '../errors.ts';
import { OrtProducts, ortAvailable } from '../models/onnx/index.ts';
import type { CsrMatrix } from '../text/tfidf.ts';
import { dualModels, type KernelRidgeFit, type KernelRidgeOptions } from './ridge.ts';
import { choleskyFactor, choleskySolveFactored } from './cholesky.ts';

/** Largest N for which the closed-form fits store K (N² float32: 1.6 GB at 20k). */
export const DENSE_GRAM_MAX_ROWS = 20_000;

let shared: OrtProducts | undefined;
/** One product cache for every dense Gram operation of the process (sessions are built once). */
function products(): OrtProducts {
  return (shared ??= new OrtProducts());
}

/**
 * Whether the dense path is used for N rows: ONNX Runtime loads, N ≤ DENSE_GRAM_MAX_ROWS, and
 * `OPTICAL_RIDGE_DENSE` is not `0` (which keeps the sparse WebAssembly products, e.g. to compare).
 */
export function denseGramAvailable(n: number): boolean {
  return process.env['OPTICAL_RIDGE_DENSE'] !== '0' && n <= DENSE_GRAM_MAX_ROWS && ortAvailable();
}

export interface LinearGramOptions {
  /** Columns held by at least this share of the rows go to the dense GEMM (default 0.1; 1.01 = none). */
  denseFrom?: number;
  /** Cap on the dense columns (default 4096; the most frequent win). */
  maxDense?: number;
}

/** K = X Xᵀ: [N, N] float32 (see the file header). Needs ONNX Runtime when any column is dense. */
export function linearGram(X: CsrMatrix, opts: LinearGramOptions = {}): Float32Array {
  const n = X.indptr.length - 1;
  const F = X.nCols;
  const denseFrom = opts.denseFrom ?? 0.1;
  const maxDense = opts.maxDense ?? 4096;
  const df = new Int32Array(F);
  for (let k = 0; k < X.indices.length; k++) df[X.indices[k]!]!++;
  // dense columns: the most frequent ones above the threshold; slot[f] = their column in X_d, or −1
  const frequent = [...df.keys()].filter((f) => df[f]! >= denseFrom * n).sort((a, b) => df[b]! - df[a]! || a - b).slice(0, maxDense);
  const slot = new Int32Array(F).fill(-1);
  frequent.forEach((f, j) => (slot[f] = j));
  const Fd = frequent.length;

  let K: Float32Array;
  if (Fd > 0) {
    const Xd = new Float32Array(n * Fd); // [N, F_d]
    for (let i = 0; i < n; i++) {
      for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
        const j = slot[X.indices[k]!]!;
        if (j >= 0) Xd[i * Fd + j] = X.values[k]!;
      }
    }
    K = products().mm(Xd, Xd, n, Fd, n, { tb: true }); // X_d X_dᵀ
  } else K = new Float32Array(n * n);

  // sparse columns: postings (rows ascending) with a cursor per column at the current row's own entry
  const colptr = new Int32Array(F + 1);
  for (let k = 0; k < X.indices.length; k++) if (slot[X.indices[k]!]! < 0) colptr[X.indices[k]! + 1]!++;
  for (let f = 0; f < F; f++) colptr[f + 1]! += colptr[f]!;
  const cursor = colptr.slice(0, F);
  const rows = new Int32Array(colptr[F]!);
  const vals = new Float32Array(colptr[F]!);
  const seen = new Int32Array(F).fill(-1);
  for (let i = 0; i < n; i++) {
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
      const f = X.indices[k]!;
      if (seen[f] === i) throw new ArgumentError(`ridge: row ${i} holds column ${f} twice`);
      seen[f] = i;
      if (slot[f]! >= 0) continue;
      const at = cursor[f]!++;
      rows[at] = i;
      vals[at] = X.values[k]!;
    }
  }
  cursor.set(colptr.subarray(0, F));
  const acc = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    acc.fill(0, i);
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
      const f = X.indices[k]!;
      if (slot[f]! >= 0) continue;
      const v = X.values[k]!;
      const start = cursor[f]!++; // row i's own entry: the postings from here on are rows ≥ i
      for (let t = start; t < colptr[f + 1]!; t++) acc[rows[t]!]! += v * vals[t]!;
    }
    const o = i * n;
    for (let j = i; j < n; j++) {
      const v = K[o + j]! + acc[j]!; // the dense part's upper triangle + the sparse sum
      K[o + j] = v;
      K[j * n + i] = v;
    }
  }
  return K;
}

/** K[rows, cols]: [rows.length, cols.length] (float32) from the dense [n, n] K. */
export function subGram(K: Float32Array, n: number, rows: readonly number[], cols: readonly number[]): Float32Array {
  if (K.length !== n * n) throw new ArgumentError(`ridge: dense K has ${K.length} values, expected ${n}²`);
  const out = new Float32Array(rows.length * cols.length);
  rows.forEach((r, i) => {
    const o = i * cols.length;
    const ro = r * n;
    for (let j = 0; j < cols.length; j++) out[o + j] = K[ro + cols[j]!]!;
  });
  return out;
}

/** Row means of the dense [n, n] K (m = K 1 / N, for the intercept). */
export function gramRowMeans(K: Float32Array, n: number): Float64Array {
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < n; j++) s += K[i * n + j]!;
    m[i] = s / n;
  }
  return m;
}

/**
 * Kernel ridge regression on a precomputed dense Gram matrix K [N, N] (float32), solved directly: for each λ,
 * the centred system (H K H + λI) α = H Y (ridge.ts, file header) by a blocked Cholesky factorisation on ONNX
 * Runtime (cholesky.ts), then refined while the relative residual of any column exceeds `tol` (each
 * refinement: one product K α and one more pair of triangular solves; at most `maxRefine`; `onIteration`
 * is not called: `solver.residuals` holds each λ's final residual). The models of `fitKernelRidge` (multi-
 * shift CG on sparse products; linear kernel, `kernel` ignored here) to the tolerance.
 * H K H is formed explicitly: K_ij − m_i − m_j + m̄ with m = K 1 / N, m̄ its mean.
 */
export function fitKernelRidgeGram(K: Float32Array, Y: Float32Array | Float64Array, dim: number, opts: KernelRidgeOptions & { maxRefine?: number }): KernelRidgeFit {
  const n = Math.round(Math.sqrt(K.length));
  if (n * n !== K.length) throw new ArgumentError(`ridge: dense K has ${K.length} values, not a square`);
  if (Y.length !== n * dim) throw new ArgumentError(`ridge: Y has ${Y.length} values, expected N·D = ${n}·${dim}`);
  const center = opts.center ?? true;
  const tol = opts.tol ?? 1e-4;
  const maxRefine = opts.maxRefine ?? 3;
  const ops = products();
  const m = center ? gramRowMeans(K, n) : undefined;
  let Kc = K;
  if (m) {
    let mbar = 0;
    for (let i = 0; i < n; i++) mbar += m[i]! / n;
    Kc = new Float32Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) Kc[i * n + j] = K[i * n + j]! - m[i]! - m[j]! + mbar;
  }
  const ybar = new Float64Array(dim);
  if (center) for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) ybar[c]! += Y[i * dim + c]! / n;
  const Yc = new Float64Array(n * dim);
  for (let i = 0; i < n * dim; i++) Yc[i] = Y[i]! - ybar[i % dim]!;
  const yNorm = columnNorms(Yc, n, dim);

  const alphas: Float64Array[] = [];
  const residuals: number[] = [];
  let refinements = 0;
  let converged = true;
  for (const lambda of opts.lambdas) {
    if (!(lambda > 0) || !Number.isFinite(lambda)) throw new ArgumentError(`ridge: λ must be finite and > 0, got ${lambda}`);
    const F = choleskyFactor(Kc, n, ops, { shift: lambda });
    const alpha = new Float64Array(choleskySolveFactored(F, new Float32Array(Yc), dim, ops));
    let res = Infinity;
    for (let it = 0; ; it++) {
      // r = Yc − (Kc + λI) α
      const Ka = ops.mm(Kc, new Float32Array(alpha), n, n, dim);
      const r = new Float64Array(n * dim);
      for (let i = 0; i < n * dim; i++) r[i] = Yc[i]! - Ka[i]! - lambda * alpha[i]!;
      const rn = columnNorms(r, n, dim);
      res = 0;
      for (let c = 0; c < dim; c++) if (yNorm[c]! > 0) res = Math.max(res, rn[c]! / yNorm[c]!);
      if (res <= tol || it >= maxRefine) break;
      const delta = choleskySolveFactored(F, new Float32Array(r), dim, ops);
      for (let i = 0; i < n * dim; i++) alpha[i]! += delta[i]!;
      refinements++;
    }
    if (res > tol) converged = false;
    alphas.push(alpha);
    residuals.push(res);
  }
  const models = dualModels(alphas, opts.lambdas, ybar, m, dim);
  const solver = { lambdas: [...opts.lambdas], alphas, status: converged ? ('converged' as const) : ('maxIter' as const), iterations: refinements, residuals, errHistory: [] };
  return { models, solver, threads: 1, workerBlocks: 0, dense: true };
}

/** ‖column c‖₂ of a row-major [n, d] matrix. */
function columnNorms(A: Float64Array, n: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[c]! += A[i * d + c]! ** 2;
  for (let c = 0; c < d; c++) out[c] = Math.sqrt(out[c]!);
  return out;
}

/** Predictions K_q α + b: [M, D] float32 for the cross Gram K_q [M, N] and α [N, D] (one GEMM). */
export function predictGram(Kq: Float32Array, m: number, alpha: Float32Array, bias: Float32Array): Float32Array {
  const D = bias.length;
  const n = alpha.length / D;
  if (Kq.length !== m * n) throw new ArgumentError(`ridge: cross K has ${Kq.length} values, expected ${m}·${n}`);
  const out = products().mm(Kq, alpha, m, n, D);
  for (let i = 0; i < m; i++) for (let c = 0; c < D; c++) out[i * D + c]! += bias[c]!;
  return out;
}
