/**
 * Ridge regression onto dense targets, solved in the dual (kernel ridge regression) with
 * multi-shift conjugate gradients: one Krylov run gives the solutions for a whole grid of λ. (With the
 * linear kernel's Gram matrix in memory, `fitKernelRidgeGram` in ridge-dense.ts solves each λ directly.)
 *
 * Shapes (legend: N training rows, F features, D target dim, M query rows; row-major):
 *   X: [N, F]  sparse CSR (`CsrMatrix`, e.g. TF-IDF rows)     Y: [N, D] dense targets
 *   K = k(X, X): [N, N] (never stored for the linear kernel)   α: [N, D] dual coefficients
 *   W = Xᵀα: [F, D] primal weights (never stored)             b: [D] intercept
 *
 * Objective (primal, linear kernel):
 *
 *     W*, b* = argmin_{W, b}  ‖X W + 1 bᵀ − Y‖²_F + λ ‖W‖²_F
 *
 * where 1 is the all-ones [N] vector and b is unpenalised (omitted, b = 0, when `center` is false).
 * Dual form: since N ≪ F, solve the N×N system instead of the F×F one. With H = I − 11ᵀ/N (the
 * centring projector; H = I without intercept) and K = XXᵀ,
 *
 *     (H K H + λ I) α = H Y,        f(x) = k(x)ᵀ α + b  (= xᵀ W + b for the linear kernel)
 *
 * where
 *   k(x) = X x: [N] the kernel between x and the training rows,   W = Xᵀ α: [F, D],
 *   b = ȳ − mᵀ α: [D],   ȳ = Yᵀ1 / N: [D] the mean target,   m = K 1 / N: [N] the row means of K
 *
 * (1ᵀα = 0 because 1ᵀ(HKH + λI)α = λ 1ᵀα = 1ᵀHY = 0, so Xᵀα = XᵀHα.) This is the identity
 * (XᵀX + λI)⁻¹Xᵀ = Xᵀ(XXᵀ + λI)⁻¹ applied to the centred problem. The same formulas hold for any
 * positive semi-definite kernel k (kernel ridge regression); `polyKernel` gives the
 * cosine-normalised polynomial kernel ((x·y + c)/(1 + c))^p for unit-norm rows.
 *
 * Solver: the D right-hand sides are independent CG runs done in lockstep, so one kernel product
 * Q = K P ([N, N]·[N, D]) serves all of them. For the linear kernel K P = X (Xᵀ P) costs 2·nnz(X)·D
 * multiply-adds with sparse X, far cheaper than a dense N×N product (N²·D) or a dense Cholesky
 * (N³/6, ~2·10¹¹ for N = 10⁴). The shifted systems (K + λ_s I), λ_s ≥ λ_0, share the Krylov space
 * of the smallest shift λ_0, and their residuals are collinear with its residual, r_s = ζ_s r
 * (Jegerlehner [1]; Frommer [2]): with the base CG step sizes α_k, β_k and δ_s = λ_s − λ_0,
 *
 *     ζ_s^{k+1} = ζ_s^k ζ_s^{k−1} α_{k−1} / (α_k β_{k−1} (ζ_s^{k−1} − ζ_s^k) + ζ_s^{k−1} α_{k−1} (1 + α_k δ_s))
 *     α_s^k = α_k ζ_s^{k+1} / ζ_s^k,   β_s^k = β_k (ζ_s^{k+1} / ζ_s^k)²
 *     x_s += α_s^k p_s,   p_s ← ζ_s^{k+1} r_{k+1} + β_s^k p_s          (ζ^0 = ζ^{−1} = 1, α_{−1} = 1, β_{−1} = 0)
 *
 * so each extra λ costs two [N, D] vectors and O(N·D) work per iteration, no kernel products.
 * 0 < ζ_s ≤ 1, so the smallest λ converges last; the run stops when its relative residual
 * ‖(K + λ_0 I) α − Y‖ / ‖Y‖ is below `tol` in every column (columns stop updating once converged).
 * CG needs ~√κ iterations, κ = (μ_max + λ_0)/λ_0; centring removes K's largest eigenvalue (the mean
 * direction; μ_max ≈ N · mean cosine between rows), which is why `center` also speeds the solve.
 *
 * Choosing the formulation: the primal (XᵀX + λI) W = XᵀY has the same product cost per
 * iteration but F·D-sized iterates (F = 5·10⁴–10⁵ for TF-IDF); the dual's iterates are N·D, and
 * multi-shift CG makes a λ grid nearly free. Non-linear kernels need the dense K ([N, N],
 * `denseKernelOperator`), whose product costs N²·D per iteration (~5·10¹⁰ for N = 10⁴: not cheap).
 * The sparse product runs in a small WebAssembly SIMD module (`fastLinearKernelOperator`, ~2·10⁹
 * multiply-adds/s, ~7× the JS loops); measured on swh (N ≈ 9.3k, nnz ≈ 2.1–3.0M, D = 512): 1.2–3 s
 * per iteration, 60–80 iterations for λ₀ = 0.1 at tol 1e-3.
 *
 * References:
 *   [1] B. Jegerlehner. Krylov space solvers for shifted linear systems. arXiv:hep-lat/9612014, 1996.
 *   [2] A. Frommer. BiCGStab(ℓ) for families of shifted linear systems. Computing 70, 2003.
 *   [3] J. Shawe-Taylor, N. Cristianini. Kernel Methods for Pattern Analysis, ch. 2 (ridge
 *       regression in the dual), Cambridge University Press, 2004.
 */
import { ArgumentError } from '../errors.ts';
import type { CsrMatrix } from '../text/tfidf.ts';
import { uleb, sleb, str as wstr, vec as wvec, section as wsection, I32 as W_I32, V128 as W_V128 } from '../ot/wasm.ts';
import { RidgePool, RIDGE_PARALLEL_MIN_WORK, ridgeThreads } from './ridge-threads.ts';

/** A symmetric positive semi-definite N×N operator applied to D columns at once. */
export interface KernelOperator {
  /** N. */
  readonly n: number;
  /** Q ← K P for P, Q: [N, D] row-major (`d` = D). Must not keep references to P or Q. */
  apply(P: Float64Array, Q: Float64Array, d: number): void;
  /** Release worker threads (operators that have them); the operator still works, on one thread. */
  dispose?(): void;
}

export interface RidgeSolverOptions {
  /** Relative residual ‖(K + λ₀I)α − Y‖/‖Y‖ per column for the smallest λ. Default 1e-4. */
  tol?: number;
  /** Iteration cap (each iteration is one kernel product). Default 500. */
  maxIter?: number;
  /** Called after each iteration with the largest relative residual over columns (smallest λ). */
  onIteration?: (iteration: number, residual: number) => void;
}

export interface MultiShiftResult {
  /** λ values, in the order given. */
  lambdas: number[];
  /** α for each λ, [N, D] each. */
  alphas: Float64Array[];
  /** 'converged' or 'maxIter' (the smallest λ did not reach `tol`). */
  status: 'converged' | 'maxIter';
  iterations: number;
  /** Largest relative column residual of each λ's system at the end (from ζ; exact in exact arithmetic). */
  residuals: number[];
  /** Largest relative column residual of the smallest λ, per iteration. */
  errHistory: number[];
}

function checkLambdas(lambdas: readonly number[]): void {
  if (lambdas.length === 0) throw new ArgumentError('ridge: need at least one λ');
  for (const l of lambdas) if (!(l > 0) || !Number.isFinite(l)) throw new ArgumentError(`ridge: λ must be finite and > 0, got ${l}`);
}

/**
 * Solve (K + λ_s I) α_s = Y for every λ_s in `lambdas` by multi-shift CG (see the file header).
 * K is `op` ([N, N]), Y is [N, D] (`d` = D).
 */
export function solveMultiShiftCG(op: KernelOperator, Y: Float64Array, d: number, lambdas: readonly number[], opts: RidgeSolverOptions = {}): MultiShiftResult {
  checkLambdas(lambdas);
  const n = op.n;
  if (!Number.isInteger(d) || d < 1 || Y.length !== n * d) throw new ArgumentError(`ridge: Y has ${Y.length} values, expected N·D = ${n}·${d}`);
  const tol = opts.tol ?? 1e-4;
  const maxIter = opts.maxIter ?? 500;
  if (!(tol > 0)) throw new ArgumentError(`ridge: tol must be > 0, got ${tol}`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new ArgumentError(`ridge: maxIter must be a positive integer, got ${maxIter}`);

  const l0 = Math.min(...lambdas);
  const S = lambdas.length;
  const delta = lambdas.map((l) => l - l0);
  const nd = n * d;
  const r = Float64Array.from(Y);
  const p = Float64Array.from(Y);
  const q = new Float64Array(nd);
  const xs = lambdas.map(() => new Float64Array(nd));
  const ps = lambdas.map(() => Float64Array.from(Y));
  // per column c: base scalars; per (shift s, column c): ζ history
  const rr = new Float64Array(d);
  const yNorm = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) rr[c]! += r[i * d + c]! ** 2;
  for (let c = 0; c < d; c++) yNorm[c] = Math.sqrt(rr[c]!);
  const alphaPrev = new Float64Array(d).fill(1);
  const betaPrev = new Float64Array(d);
  const alpha = new Float64Array(d);
  const beta = new Float64Array(d);
  const zeta = lambdas.map(() => new Float64Array(d).fill(1));
  const zetaPrev = lambdas.map(() => new Float64Array(d).fill(1));
  const zetaNext = lambdas.map(() => new Float64Array(d));
  const active = new Uint8Array(d);
  const pq = new Float64Array(d);
  const relRes = (c: number): number => (yNorm[c]! > 0 ? Math.sqrt(rr[c]!) / yNorm[c]! : 0);
  let nActive = 0;
  for (let c = 0; c < d; c++) if (relRes(c) >= tol) (active[c] = 1), nActive++;

  const errHistory: number[] = [];
  let it = 0;
  while (nActive > 0 && it < maxIter) {
    it++;
    op.apply(p, q, d);
    pq.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < d; c++) {
        const v = q[o + c]! + l0 * p[o + c]!;
        q[o + c] = v;
        pq[c]! += p[o + c]! * v;
      }
    }
    for (let c = 0; c < d; c++) alpha[c] = active[c] && pq[c]! > 0 ? rr[c]! / pq[c]! : 0;
    // shifted step sizes and iterates
    for (let s = 0; s < S; s++) {
      const z = zeta[s]!, zp = zetaPrev[s]!, zn = zetaNext[s]!, ds = delta[s]!; // prettier-ignore
      const as = new Float64Array(d);
      for (let c = 0; c < d; c++) {
        if (!active[c]) {
          zn[c] = z[c]!;
          continue;
        }
        const den = alpha[c]! * betaPrev[c]! * (zp[c]! - z[c]!) + zp[c]! * alphaPrev[c]! * (1 + alpha[c]! * ds);
        zn[c] = den !== 0 ? (z[c]! * zp[c]! * alphaPrev[c]!) / den : 0;
        as[c] = z[c]! !== 0 ? (alpha[c]! * zn[c]!) / z[c]! : 0;
      }
      const x = xs[s]!, pv = ps[s]!; // prettier-ignore
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < d; c++) x[o + c]! += as[c]! * pv[o + c]!;
      }
    }
    // base residual
    const rrNew = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < d; c++) {
        const v = r[o + c]! - alpha[c]! * q[o + c]!;
        r[o + c] = v;
        rrNew[c]! += v * v;
      }
    }
    for (let c = 0; c < d; c++) beta[c] = active[c] && rr[c]! > 0 ? rrNew[c]! / rr[c]! : 0;
    // directions: base and shifted
    for (let s = 0; s < S; s++) {
      const z = zeta[s]!, zn = zetaNext[s]!, pv = ps[s]!; // prettier-ignore
      const bs = new Float64Array(d);
      const zc = new Float64Array(d);
      for (let c = 0; c < d; c++) {
        if (!active[c]) continue;
        const ratio = z[c]! !== 0 ? zn[c]! / z[c]! : 0;
        bs[c] = beta[c]! * ratio * ratio;
        zc[c] = zn[c]!;
      }
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < d; c++) if (active[c]) pv[o + c] = zc[c]! * r[o + c]! + bs[c]! * pv[o + c]!;
      }
      // rotate the ζ buffers: (ζ^{k−1}, ζ^k, ζ^{k+1}) ← (ζ^k, ζ^{k+1}, reused)
      const old = zetaPrev[s]!;
      zetaPrev[s] = z;
      zeta[s] = zn;
      zetaNext[s] = old;
    }
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < d; c++) if (active[c]) p[o + c] = r[o + c]! + beta[c]! * p[o + c]!;
    }
    let worst = 0;
    for (let c = 0; c < d; c++) {
      if (!active[c]) continue;
      alphaPrev[c] = alpha[c]!;
      betaPrev[c] = beta[c]!;
      rr[c] = rrNew[c]!;
      const e = relRes(c);
      worst = Math.max(worst, e);
      if (e < tol) (active[c] = 0), nActive--;
    }
    errHistory.push(worst);
    opts.onIteration?.(it, worst);
  }
  let worstBase = 0;
  for (let c = 0; c < d; c++) worstBase = Math.max(worstBase, relRes(c));
  const residuals = lambdas.map((_, s) => {
    let w = 0;
    for (let c = 0; c < d; c++) w = Math.max(w, Math.abs(zeta[s]![c]!) * relRes(c));
    return w;
  });
  return { lambdas: [...lambdas], alphas: xs, status: nActive === 0 ? 'converged' : 'maxIter', iterations: it, residuals, errHistory };
}

// ---------------------------------------------------------------------------------------------
// Kernel operators

/**
 * K = X Xᵀ for sparse X [N, F] as an operator: Q = X (Xᵀ P), processed `block` columns of P at a
 * time so the [F, block] intermediate stays small. Cost 2·nnz(X)·D multiply-adds per product.
 */
export function linearKernelOperator(X: CsrMatrix, block = 64): KernelOperator {
  const n = X.indptr.length - 1;
  const { indptr, indices, values, nCols } = X;
  let Z = new Float64Array(0);
  return {
    n,
    apply(P, Q, d) {
      for (let c0 = 0; c0 < d; c0 += block) {
        const B = Math.min(block, d - c0);
        if (Z.length < nCols * B) Z = new Float64Array(nCols * B);
        else Z.fill(0, 0, nCols * B);
        // Z = Xᵀ P[:, c0:c0+B]
        for (let i = 0; i < n; i++) {
          const po = i * d + c0;
          for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
            const zo = indices[k]! * B;
            const v = values[k]!;
            for (let c = 0; c < B; c++) Z[zo + c]! += v * P[po + c]!;
          }
        }
        // Q[:, c0:c0+B] = X Z
        for (let i = 0; i < n; i++) {
          const qo = i * d + c0;
          for (let c = 0; c < B; c++) Q[qo + c] = 0;
          for (let k = indptr[i]!; k < indptr[i + 1]!; k++) {
            const zo = indices[k]! * B;
            const v = values[k]!;
            for (let c = 0; c < B; c++) Q[qo + c]! += v * Z[zo + c]!;
          }
        }
      }
    },
  };
}

// ---------------------------------------------------------------------------------------------
// WebAssembly SIMD kernel for K P = X (Xᵀ P)
//
// Both sparse passes are one "gather" over B-wide float64 rows: for each row r of a CSR matrix A,
// dst[r] = Σ_k v_k · src[f_k] (summed in stored order, starting from 0). Z = Xᵀ P is the gather of
// Xᵀ (X's CSC: postings of feature f in increasing row order i) and Q = X Z the gather of X. The first
// pass is the JS operator's scatter (for i, for f of row i: Z[f] += v · P[i]) reordered by f, so every
// element of Z sums the same products in the same order (increasing i), from the same 0: results are
// bit-identical to the JS loops. As a gather it reads the small [N, B] P block at random and writes Z
// once, in order, where the scatter read-modify-wrote the [F, B] Z at random (and had to zero it): for
// F = 2·10⁵ (Z = 100 MB) that is 1.6× faster (bench/ridge's X, 2026-11-22, loaded machine, one thread,
// alternating runs: 4.3–5.2 s → 2.6–2.9 s per product). The JS loops run at ~0.3–0.4 G multiply-adds/s;
// this module (f64x2, 8 doubles per loop step, assembled here byte by byte, no toolchain) is several
// times faster.

const w = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  i32load: [0x28, 2, 0],
  f32load: [0x2a, 2, 0],
  f64promote: [0xbb],
  i32geU: [0x4f],
  i32add: [0x6a],
  i32mul: [0x6c],
  i32shl: [0x74],
  vload: (off: number) => [0xfd, 0x00, 3, ...uleb(off)],
  vstore: (off: number) => [0xfd, 0x0b, 3, ...uleb(off)],
  vzero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x14],
  vadd: [0xfd, 0xf0, 0x01],
  vmul: [0xfd, 0xf2, 0x01],
};
const winc = (l: number, c: number) => [...w.get(l), ...w.i32(c), ...w.i32add, ...w.set(l)];
/** `while (a <u b) { body }` */
const wwhile = (a: number, b: number, body: number[]) => [...w.block, ...w.loop, ...w.get(a), ...w.get(b), ...w.i32geU, ...w.brIf(1), ...body, ...w.br(0), ...w.end, ...w.end];

/**
 * Body of `gather(indptr, indices, values, r0, r1, rows, Z, rowBytes)` (pointers are byte offsets;
 * rowBytes = 8·B, a multiple of 64): rows[i] = Σ_k v_k · Z[f_k] for the rows i in [r0, r1).
 */
function gatherBody(): number[] {
  const IP = 0, IX = 1, VAL = 2, R0 = 3, R1 = 4, ROWS = 5, Z = 6, RB = 7; // prettier-ignore
  const I = 8, K = 9, KE = 10, RP = 11, ZP = 12, DP = 13, SP = 14, DE = 15, V = 16; // prettier-ignore
  const locals = wvec([[...uleb(8), W_I32], [...uleb(1), W_V128]]);
  const dst = RP;
  const src = ZP;
  const addr4 = (base: number, idx: number) => [...w.get(base), ...w.get(idx), ...w.i32(2), ...w.i32shl, ...w.i32add];
  const code = [
    ...w.get(R0), ...w.set(I),
    ...wwhile(I, R1, [
      ...w.get(ROWS), ...w.get(I), ...w.get(RB), ...w.i32mul, ...w.i32add, ...w.set(RP),
      ...w.get(RP), ...w.set(DP), ...w.get(RP), ...w.get(RB), ...w.i32add, ...w.set(DE),
      ...wwhile(DP, DE, [...[0, 16, 32, 48].flatMap((o) => [...w.get(DP), ...w.vzero, ...w.vstore(o)]), ...winc(DP, 64)]),
      ...addr4(IP, I), ...w.i32load, ...w.set(K),
      ...w.get(I), ...w.i32(1), ...w.i32add, ...w.set(KE), ...addr4(IP, KE), ...w.i32load, ...w.set(KE),
      ...wwhile(K, KE, [
        ...w.get(Z), ...addr4(IX, K), ...w.i32load, ...w.get(RB), ...w.i32mul, ...w.i32add, ...w.set(ZP),
        ...addr4(VAL, K), ...w.f32load, ...w.f64promote, ...w.splat, ...w.set(V),
        ...w.get(dst), ...w.set(DP), ...w.get(src), ...w.set(SP), ...w.get(dst), ...w.get(RB), ...w.i32add, ...w.set(DE),
        ...wwhile(DP, DE, [
          ...[0, 16, 32, 48].flatMap((o) => [
            ...w.get(DP), ...w.get(DP), ...w.vload(o), ...w.get(SP), ...w.vload(o), ...w.get(V), ...w.vmul, ...w.vadd, ...w.vstore(o),
          ]),
          ...winc(DP, 64), ...winc(SP, 64),
        ]),
        ...winc(K, 1),
      ]),
      ...winc(I, 1),
    ]),
    ...w.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** The module: imports `env.memory`, exports `gather` (see `gatherBody`). */
export function assembleSpmmModule(): Uint8Array {
  const type = wvec([[0x60, ...wvec(new Array(8).fill([W_I32])), ...wvec([])]]);
  const imp = wvec([[...wstr('env'), ...wstr('memory'), 0x02, 0x01, ...uleb(1), ...uleb(65536)]]);
  const func = wvec([uleb(0)]);
  const exp = wvec([[...wstr('gather'), 0x00, ...uleb(0)]]);
  const code = wvec([gatherBody()]);
  // prettier-ignore
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...wsection(1, type), ...wsection(2, imp), ...wsection(3, func), ...wsection(7, exp), ...wsection(10, code)]);
}

/** Minimal typings of the WebAssembly JS API (the project's lib settings do not include them). */
interface WasmMemoryLike {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApiLike {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number }) => WasmMemoryLike;
}
type SpmmFn = (indptr: number, indices: number, values: number, r0: number, r1: number, rows: number, Z: number, rowBytes: number) => void;

let spmmModule: object | null | undefined;
/** The compiled SIMD module (cached), or null when WebAssembly SIMD is unavailable. */
export function getSpmmModule(): object | null {
  if (spmmModule !== undefined) return spmmModule;
  spmmModule = null;
  const WA = (globalThis as unknown as { WebAssembly?: WasmApiLike }).WebAssembly;
  try {
    const bytes = assembleSpmmModule();
    if (WA && WA.validate(bytes)) spmmModule = new WA.Module(bytes);
  } catch {
    spmmModule = null;
  }
  return spmmModule;
}

/**
 * Sparse matrices copied into one wasm instance's memory (`mats`: CSR arrays, and the number of
 * columns) with [N, B] `rows` (N: rows of the first matrix) and [F, B] `Z` (F: its columns) float64
 * work blocks. Returns the instance's `gather`, the byte offsets and the views.
 */
function wasmArena(mod: object, mats: readonly CsrMatrix[], B: number) {
  if (B % 8 !== 0 || B < 8) throw new ArgumentError(`ridge: wasm block must be a positive multiple of 8, got ${B}`);
  const WA = (globalThis as unknown as { WebAssembly: WasmApiLike }).WebAssembly;
  const n = mats[0]!.indptr.length - 1;
  const f = mats[0]!.nCols;
  const align = (x: number) => Math.ceil(x / 64) * 64;
  let top = 0;
  const take = (bytes: number): number => {
    const at = top;
    top = align(top + bytes);
    return at;
  };
  const offs = mats.map((A) => ({ ip: take(4 * A.indptr.length), ix: take(4 * A.indices.length), val: take(4 * A.indices.length), rows: A.indptr.length - 1 }));
  const oRows = take(8 * B * n);
  const oZ = take(8 * B * f);
  if (top > 2 ** 31) throw new ArgumentError(`ridge: the wasm kernel needs ${top} bytes (> 2 GiB); use a smaller block`);
  const memory = new WA.Memory({ initial: Math.ceil(top / 65536), maximum: 65536 });
  const inst = new WA.Instance(mod, { env: { memory } });
  const buf = memory.buffer;
  mats.forEach((A, m) => {
    new Int32Array(buf, offs[m]!.ip, A.indptr.length).set(A.indptr);
    new Int32Array(buf, offs[m]!.ix, A.indices.length).set(A.indices);
    new Float32Array(buf, offs[m]!.val, A.indices.length).set(A.values);
  });
  return { gather: inst.exports['gather'] as SpmmFn, offs, oRows, oZ, n, rows: new Float64Array(buf, oRows, n * B), Z: new Float64Array(buf, oZ, f * B) };
}

/** A CSR matrix A [N, F] copied into a wasm instance's memory, with [N, B] and [F, B] float64 work blocks. */
interface WasmCsr {
  n: number;
  B: number;
  /** [N, B] */
  rows: Float64Array;
  /** [F, B] */
  Z: Float64Array;
  /** rows[i] = Σ v · Z[f] over the stored (i, f, v): rows = A Z. */
  gather(): void;
}

function wasmCsr(mod: object, A: CsrMatrix, B: number): WasmCsr {
  const a = wasmArena(mod, [A], B);
  const o = a.offs[0]!;
  return { n: a.n, B, rows: a.rows, Z: a.Z, gather: () => a.gather(o.ip, o.ix, o.val, 0, a.n, a.oRows, a.oZ, 8 * B) };
}

/**
 * X [N, F] and Xᵀ (X's CSC, as CSR) in one wasm instance's memory, for K P = X (Xᵀ P) one [N, B]
 * block at a time. Memory: 24 bytes per stored value + 8·B·(N + F) bytes.
 */
export interface WasmKernel {
  n: number;
  B: number;
  /** [N, B]: P's block before `product`, Q's after. */
  rows: Float64Array;
  /** rows ← X (Xᵀ rows): Z = Xᵀ rows (gather over Xᵀ), then rows = X Z (gather over X). */
  product(): void;
}

export function wasmKernel(mod: object, X: CsrMatrix, B: number): WasmKernel {
  const n = X.indptr.length - 1;
  const csc = csrToCsc(X);
  const Xt: CsrMatrix = { indptr: csc.colptr, indices: csc.rows, values: csc.values, nCols: n };
  const a = wasmArena(mod, [X, Xt], B);
  const [x, t] = [a.offs[0]!, a.offs[1]!];
  return {
    n,
    B,
    rows: a.rows,
    product: () => {
      a.gather(t.ip, t.ix, t.val, 0, t.rows, a.oZ, a.oRows, 8 * B);
      a.gather(x.ip, x.ix, x.val, 0, n, a.oRows, a.oZ, 8 * B);
    },
  };
}

/** dst[:, 0:B] ← src[:, c0:c0+b] (zero-padded), for [n, B] dst and [n, d] src. */
function packBlock(src: Float64Array, d: number, c0: number, b: number, dst: Float64Array, B: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * B;
    const so = i * d + c0;
    for (let c = 0; c < b; c++) dst[o + c] = src[so + c]!;
    for (let c = b; c < B; c++) dst[o + c] = 0;
  }
}

/** dst[:, c0:c0+b] ← src[:, 0:b]. */
function unpackBlock(src: Float64Array, B: number, dst: Float64Array, d: number, c0: number, b: number, n: number): void {
  for (let i = 0; i < n; i++) {
    const o = i * B;
    const qo = i * d + c0;
    for (let c = 0; c < b; c++) dst[qo + c] = src[o + c]!;
  }
}

/**
 * Column block k of Q ← X (Xᵀ P) for P, Q [N, d]: Q[:, kB : kB + b] with B = `w.B`, b = min(B, d − kB)
 * (a partial block is zero-padded to B). The one computation every thread runs (ridge-threads.ts).
 */
export function spmmBlock(w: WasmKernel, P: Float64Array, Q: Float64Array, d: number, k: number): void {
  const c0 = k * w.B;
  const b = Math.min(w.B, d - c0);
  packBlock(P, d, c0, b, w.rows, w.B, w.n);
  w.product();
  unpackBlock(w.rows, w.B, Q, d, c0, b, w.n);
}

function wasmModuleOrNull(): object | null {
  return process.env['OPTICAL_RIDGE_WASM'] === '0' ? null : getSpmmModule();
}

export interface KernelThreadOptions {
  /** Threads for the product, main included (default `ridgeThreads()`: `OPTICAL_RIDGE_THREADS`, else the core count capped at 4). */
  threads?: number;
  /** Products with nnz(X)·D below this run on one thread (default `RIDGE_PARALLEL_MIN_WORK`). */
  minWork?: number;
}

/** A kernel operator that may use worker threads: call `dispose()` when done. */
export interface LinearKernelOperator extends KernelOperator {
  /** Threads the last `apply` was shared between, main included (1 before the first). */
  readonly threadsUsed: number;
  /** Column blocks computed by worker threads so far (over all products). */
  readonly workerBlocks: number;
  dispose(): void;
}

/**
 * K = X Xᵀ as an operator computed by the WebAssembly SIMD module (X and Xᵀ copied into wasm memory
 * once; P and Q pass through it `block` columns at a time). Falls back to `linearKernelOperator`
 * (JS, one thread) when wasm SIMD is unavailable or `OPTICAL_RIDGE_WASM=0`. Memory: X and Xᵀ (24 bytes
 * per stored value) + 8·block·(F + N) bytes, per thread.
 *
 * With `threads` > 1, products of more than one block and at least `minWork` multiply-adds share their
 * column blocks with worker threads (ridge-threads.ts; bit-identical results), started on the first
 * such product. Workers are unref'd; `dispose()` ends them.
 */
export function fastLinearKernelOperator(X: CsrMatrix, block = 64, opts: KernelThreadOptions = {}): LinearKernelOperator {
  const threads = opts.threads ?? ridgeThreads();
  const minWork = opts.minWork ?? RIDGE_PARALLEL_MIN_WORK;
  if (!Number.isInteger(threads) || threads < 1) throw new ArgumentError(`ridge: threads must be a positive integer, got ${threads}`);
  const mod = wasmModuleOrNull();
  if (!mod) {
    const js = linearKernelOperator(X, block);
    return { n: js.n, apply: js.apply, threadsUsed: 1, workerBlocks: 0, dispose() {} };
  }
  const w = wasmKernel(mod, X, block);
  const n = w.n;
  const nnz = X.indices.length;
  const local = (P: Float64Array, Q: Float64Array, d: number, k: number): void => spmmBlock(w, P, Q, d, k);
  let pool: RidgePool | null | undefined; // undefined: not started yet; null: unavailable or disposed
  let used = 1;
  let workerBlocks = 0;
  return {
    n,
    get threadsUsed() {
      return used;
    },
    get workerBlocks() {
      return workerBlocks;
    },
    apply(P, Q, d) {
      const nb = Math.ceil(d / block);
      if (threads > 1 && nb > 1 && nnz * d >= minWork && pool !== null) {
        pool ??= RidgePool.start(X, block, Math.min(threads, nb) - 1);
        if (pool) {
          used = pool.threads;
          workerBlocks += pool.apply(P, Q, d, local);
          if (pool.closed) pool = null;
          return;
        }
      }
      used = 1;
      for (let k = 0; k < nb; k++) local(P, Q, d, k);
    },
    dispose() {
      pool?.dispose();
      pool = null;
    },
  };
}

/**
 * An explicit symmetric K [N, N] given as CSR (dense kernels: every entry stored, float32 values)
 * as a wasm operator: Q = K P, N²·D multiply-adds per product for a dense K. JS fallback as
 * `fastLinearKernelOperator`.
 */
export function fastExplicitKernelOperator(K: CsrMatrix, block = 64): KernelOperator {
  const n = K.indptr.length - 1;
  if (K.nCols !== n) throw new ArgumentError(`ridge: explicit K must be square, got [${n}, ${K.nCols}]`);
  const mod = wasmModuleOrNull();
  if (!mod) {
    return {
      n,
      apply(P, Q, d) {
        Q.fill(0, 0, n * d);
        for (let i = 0; i < n; i++) {
          for (let k = K.indptr[i]!; k < K.indptr[i + 1]!; k++) {
            const po = K.indices[k]! * d;
            const v = K.values[k]!;
            for (let c = 0; c < d; c++) Q[i * d + c]! += v * P[po + c]!;
          }
        }
      },
    };
  }
  const w = wasmCsr(mod, K, block);
  return {
    n,
    apply(P, Q, d) {
      for (let c0 = 0; c0 < d; c0 += block) {
        const b = Math.min(block, d - c0);
        packBlock(P, d, c0, b, w.Z, block, n);
        w.gather();
        unpackBlock(w.rows, block, Q, d, c0, b, n);
      }
    },
  };
}

/** A dense [N, N] row-major matrix as CSR with every entry stored (float32 values). */
export function denseToCsr(K: Float32Array | Float64Array, n: number): CsrMatrix {
  if (K.length !== n * n) throw new ArgumentError(`ridge: dense K has ${K.length} values, expected ${n}²`);
  const indptr = Int32Array.from({ length: n + 1 }, (_, i) => i * n);
  const indices = new Int32Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) indices[i * n + j] = j;
  return { indptr, indices, values: Float32Array.from(K), nCols: n };
}

/** A dense symmetric K ([N, N], row-major) as an operator; N²·D multiply-adds per product. */
export function denseKernelOperator(K: Float32Array | Float64Array, n: number): KernelOperator {
  if (K.length !== n * n) throw new ArgumentError(`ridge: dense K has ${K.length} values, expected ${n}²`);
  return {
    n,
    apply(P, Q, d) {
      Q.fill(0, 0, n * d);
      for (let i = 0; i < n; i++) {
        const qo = i * d;
        for (let j = 0; j < n; j++) {
          const v = K[i * n + j]!;
          if (v === 0) continue;
          const po = j * d;
          for (let c = 0; c < d; c++) Q[qo + c]! += v * P[po + c]!;
        }
      }
    },
  };
}

/**
 * H K H for the centring projector H = I − 11ᵀ/N: centre P's columns, apply K, centre the result.
 */
export function centeredOperator(op: KernelOperator): KernelOperator {
  const n = op.n;
  let Pc = new Float64Array(0);
  const centre = (A: Float64Array, out: Float64Array, d: number): void => {
    const mean = new Float64Array(d);
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c]! += A[i * d + c]!;
    for (let c = 0; c < d; c++) mean[c]! /= n;
    for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) out[i * d + c] = A[i * d + c]! - mean[c]!;
  };
  return {
    n,
    apply(P, Q, d) {
      if (Pc.length < n * d) Pc = new Float64Array(n * d);
      centre(P, Pc, d);
      op.apply(Pc, Q, d);
      centre(Q, Q, d);
    },
    dispose: () => op.dispose?.(),
  };
}

// ---------------------------------------------------------------------------------------------
// Kernels on sparse rows

/** An elementwise function of the linear kernel value: k(x, y) = g(x·y). */
export type KernelFn = (dot: number) => number;

/**
 * Cosine-normalised polynomial kernel for unit-norm rows: k(x, y) = ((x·y + c)/(1 + c))^p, so
 * k(x, x) = 1. PSD for integer p ≥ 1 and c ≥ 0.
 */
export function polyKernel(p: number, c: number): KernelFn {
  if (!Number.isInteger(p) || p < 1 || !(c >= 0)) throw new ArgumentError(`polyKernel: need integer p ≥ 1 and c ≥ 0, got p=${p}, c=${c}`);
  return (dot) => ((dot + c) / (1 + c)) ** p;
}

/** CSC copy of a CSR matrix ([F] column postings: `colptr` [F + 1], `rows`, `values`). */
export interface CscMatrix {
  colptr: Int32Array;
  rows: Int32Array;
  values: Float32Array;
  nRows: number;
}

export function csrToCsc(X: CsrMatrix): CscMatrix {
  const n = X.indptr.length - 1;
  const colptr = new Int32Array(X.nCols + 1);
  for (const f of X.indices) colptr[f + 1]!++;
  for (let f = 0; f < X.nCols; f++) colptr[f + 1]! += colptr[f]!;
  const fill = colptr.slice(0, X.nCols);
  const rows = new Int32Array(X.indices.length);
  const values = new Float32Array(X.indices.length);
  for (let i = 0; i < n; i++) {
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
      const f = X.indices[k]!;
      const at = fill[f]!++;
      rows[at] = i;
      values[at] = X.values[k]!;
    }
  }
  return { colptr, rows, values, nRows: n };
}

/**
 * Cross kernel k(Xq, X) = g(Xq Xᵀ): [M, N] dense (float64), through the postings of X (`csc`).
 * `g` defaults to the identity (linear kernel). Row r of the result is query row r0 + r.
 */
export function crossKernel(Xq: CsrMatrix, csc: CscMatrix, g?: KernelFn, r0 = 0, r1 = Xq.indptr.length - 1): Float64Array {
  const n = csc.nRows;
  const out = new Float64Array((r1 - r0) * n);
  for (let r = r0; r < r1; r++) {
    const o = (r - r0) * n;
    for (let k = Xq.indptr[r]!; k < Xq.indptr[r + 1]!; k++) {
      const f = Xq.indices[k]!;
      if (f >= csc.colptr.length - 1) continue;
      const v = Xq.values[k]!;
      for (let t = csc.colptr[f]!; t < csc.colptr[f + 1]!; t++) out[o + csc.rows[t]!]! += v * csc.values[t]!;
    }
    if (g) for (let j = 0; j < n; j++) out[o + j] = g(out[o + j]!);
  }
  return out;
}

/** Dense Gram matrix g(X Xᵀ) [N, N] (float64), for non-linear kernels. */
export function gramMatrix(X: CsrMatrix, g?: KernelFn, csc = csrToCsc(X)): Float64Array {
  return crossKernel(X, csc, g);
}

// ---------------------------------------------------------------------------------------------
// Fitting and prediction

export interface KernelRidgeOptions extends RidgeSolverOptions {
  /** Regularisation strengths; one solution per λ. */
  lambdas: readonly number[];
  /** Fit an unpenalised intercept (centre K and Y). Default true. */
  center?: boolean;
  /** Non-linear kernel g(x·y) (dense K, N² memory and N²·D per iteration). Default: linear, sparse. */
  kernel?: KernelFn;
  /** Threads for the linear kernel's products (`fastLinearKernelOperator`; default `ridgeThreads()`). */
  threads?: number;
}

/** One fitted dual model: f(x) = k(x)ᵀ α + b. */
export interface KernelRidgeModel {
  lambda: number;
  /** [N, D] dual coefficients. */
  alpha: Float32Array;
  /** [D] intercept (zeros without `center`). */
  bias: Float32Array;
  dim: number;
}

export interface KernelRidgeFit {
  models: KernelRidgeModel[];
  solver: MultiShiftResult;
  /** Threads the last kernel product was shared between (linear kernel; 1 otherwise). */
  threads: number;
  /** Column blocks of the kernel products computed by worker threads (ridge-threads.ts). */
  workerBlocks: number;
  /** Whether the fit was solved directly on a dense Gram matrix (`fitKernelRidgeGram`, ridge-dense.ts). */
  dense: boolean;
}

/**
 * Kernel ridge regression from sparse rows X [N, F] onto Y [N, D] for every λ in `opts.lambdas`
 * (see the file header for the objective and the solver).
 *
 * @example
 * const { models } = fitKernelRidge(X, Y, 512, { lambdas: [0.1, 0.3, 1] });
 * const pred = predictKernelRidge(Xq, X, models[1]!); // [M, 512]
 */
export function fitKernelRidge(X: CsrMatrix, Y: Float32Array | Float64Array, dim: number, opts: KernelRidgeOptions): KernelRidgeFit {
  const n = X.indptr.length - 1;
  checkLambdas(opts.lambdas);
  if (n < 1) throw new ArgumentError('ridge: no training rows');
  if (Y.length !== n * dim) throw new ArgumentError(`ridge: Y has ${Y.length} values, expected N·D = ${n}·${dim}`);
  const center = opts.center ?? true;
  let op: KernelOperator;
  let linear: LinearKernelOperator | undefined;
  let csc: CscMatrix | undefined;
  let K: Float64Array | undefined;
  if (opts.kernel) {
    csc = csrToCsc(X);
    K = gramMatrix(X, opts.kernel, csc);
    op = fastExplicitKernelOperator(denseToCsr(K, n));
  } else op = linear = fastLinearKernelOperator(X, 64, { threads: opts.threads });
  const ybar = new Float64Array(dim);
  if (center) {
    for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) ybar[c]! += Y[i * dim + c]!;
    for (let c = 0; c < dim; c++) ybar[c]! /= n;
  }
  const Yc = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) for (let c = 0; c < dim; c++) Yc[i * dim + c] = Y[i * dim + c]! - ybar[c]!;
  let solver: MultiShiftResult;
  try {
    solver = solveMultiShiftCG(center ? centeredOperator(op) : op, Yc, dim, opts.lambdas, opts);
  } finally {
    op.dispose?.();
  }

  // m = K 1 / N (only needed with centring): the row means of K
  let m: Float64Array | undefined;
  if (center) {
    m = new Float64Array(n);
    if (K) {
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let j = 0; j < n; j++) s += K[i * n + j]!;
        m[i] = s / n;
      }
    } else {
      // linear: m = X (Xᵀ 1) / N
      const colSum = new Float64Array(X.nCols);
      for (let k = 0; k < X.indices.length; k++) colSum[X.indices[k]!]! += X.values[k]!;
      for (let i = 0; i < n; i++) {
        let s = 0;
        for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) s += X.values[k]! * colSum[X.indices[k]!]!;
        m[i] = s / n;
      }
    }
  }
  const models = dualModels(solver.alphas, solver.lambdas, ybar, m, dim);
  return { models, solver, threads: linear?.threadsUsed ?? 1, workerBlocks: linear?.workerBlocks ?? 0, dense: false };
}

/**
 * The fitted models of dual solutions α_s ([N, D] each, for λ_s): intercept b = ȳ − mᵀα with m = K 1 / N
 * the row means of K (file header), or b = ȳ without centring (`m` undefined; ȳ then zeros).
 */
export function dualModels(alphas: readonly Float64Array[], lambdas: readonly number[], ybar: Float64Array, m: Float64Array | undefined, dim: number): KernelRidgeModel[] {
  return alphas.map((a, s): KernelRidgeModel => {
    const bias = new Float32Array(dim);
    for (let c = 0; c < dim; c++) {
      let v = ybar[c]!;
      if (m) for (let i = 0; i < m.length; i++) v -= m[i]! * a[i * dim + c]!;
      bias[c] = v;
    }
    return { lambda: lambdas[s]!, alpha: Float32Array.from(a), bias, dim };
  });
}

/**
 * Predictions k(Xq, X) α + b: [M, D] (float32, not normalised). `trainCsc` is `csrToCsc(X)` (pass
 * it when predicting repeatedly); `kernel` must be the one used to fit. Queries are processed in
 * chunks of `chunk` rows.
 */
export function predictKernelRidge(Xq: CsrMatrix, trainCsc: CscMatrix, model: KernelRidgeModel, kernel?: KernelFn, chunk = 256): Float32Array {
  const M = Xq.indptr.length - 1;
  const n = trainCsc.nRows;
  const D = model.dim;
  if (model.alpha.length !== n * D) throw new ArgumentError(`ridge: α has ${model.alpha.length} values, expected N·D = ${n}·${D}`);
  const out = new Float32Array(M * D);
  const acc = new Float64Array(D);
  for (let r0 = 0; r0 < M; r0 += chunk) {
    const r1 = Math.min(M, r0 + chunk);
    const Kq = crossKernel(Xq, trainCsc, kernel, r0, r1);
    for (let r = r0; r < r1; r++) {
      acc.set(model.bias);
      const ko = (r - r0) * n;
      for (let j = 0; j < n; j++) {
        const k = Kq[ko + j]!;
        if (k === 0) continue;
        const ao = j * D;
        for (let c = 0; c < D; c++) acc[c]! += k * model.alpha[ao + c]!;
      }
      out.set(acc, r * D);
    }
  }
  return out;
}

/**
 * Primal weights of a linear-kernel model, W = Xᵀ α: [F, D] (float32), so that predictions are
 * Xq W + b (equal to `predictKernelRidge` with the linear kernel, at nnz(Xq)·D cost per batch).
 */
export function primalWeights(X: CsrMatrix, model: KernelRidgeModel): Float32Array {
  const n = X.indptr.length - 1;
  const D = model.dim;
  if (model.alpha.length !== n * D) throw new ArgumentError(`ridge: α has ${model.alpha.length} values, expected N·D = ${n}·${D}`);
  const W = new Float64Array(X.nCols * D);
  const a = model.alpha;
  for (let i = 0; i < n; i++) {
    const ao = i * D;
    for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
      const wo = X.indices[k]! * D;
      const v = X.values[k]!;
      for (let c = 0; c < D; c++) W[wo + c]! += v * a[ao + c]!;
    }
  }
  return Float32Array.from(W);
}

/** Xq W + b: [M, D] (float32) for primal weights W [F, D] (see `primalWeights`). */
export function predictPrimal(Xq: CsrMatrix, W: Float32Array, bias: Float32Array): Float32Array {
  const M = Xq.indptr.length - 1;
  const D = bias.length;
  if (W.length % D !== 0) throw new ArgumentError(`ridge: W has ${W.length} values, not a multiple of D = ${D}`);
  const F = W.length / D;
  const out = new Float32Array(M * D);
  const acc = new Float64Array(D);
  for (let r = 0; r < M; r++) {
    acc.set(bias);
    for (let k = Xq.indptr[r]!; k < Xq.indptr[r + 1]!; k++) {
      const f = Xq.indices[k]!;
      if (f >= F) continue;
      const wo = f * D;
      const v = Xq.values[k]!;
      for (let c = 0; c < D; c++) acc[c]! += v * W[wo + c]!;
    }
    out.set(acc, r * D);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Naive references (small problems, tests)

/** Solve A Z = B for symmetric positive definite A [n, n] and B [n, d] by Cholesky (float64). */
export function choleskySolve(A: Float64Array, n: number, B: Float64Array, d: number): Float64Array {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j]!;
      for (let k = 0; k < j; k++) s -= L[i * n + k]! * L[j * n + k]!;
      if (i === j) {
        if (!(s > 0)) throw new ArgumentError(`choleskySolve: matrix not positive definite (pivot ${i} = ${s})`);
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j]!;
    }
  }
  const Z = Float64Array.from(B);
  for (let c = 0; c < d; c++) {
    for (let i = 0; i < n; i++) {
      let s = Z[i * d + c]!;
      for (let k = 0; k < i; k++) s -= L[i * n + k]! * Z[k * d + c]!;
      Z[i * d + c] = s / L[i * n + i]!;
    }
    for (let i = n - 1; i >= 0; i--) {
      let s = Z[i * d + c]!;
      for (let k = i + 1; k < n; k++) s -= L[k * n + i]! * Z[k * d + c]!;
      Z[i * d + c] = s / L[i * n + i]!;
    }
  }
  return Z;
}

/**
 * Primal ridge in closed form for dense X [N, F]: with an intercept (`center`), centre X's columns
 * and Y, W = (XcᵀXc + λI)⁻¹ XcᵀYc, b = ȳ − x̄ᵀW. Returns W [F, D] and b [D]. O(F³): tests only.
 */
export function ridgePrimalNaive(X: Float64Array, n: number, f: number, Y: Float64Array, d: number, lambda: number, center = true): { W: Float64Array; b: Float64Array } {
  const xbar = new Float64Array(f);
  const ybar = new Float64Array(d);
  if (center) {
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < f; k++) xbar[k]! += X[i * f + k]! / n;
      for (let c = 0; c < d; c++) ybar[c]! += Y[i * d + c]! / n;
    }
  }
  const A = new Float64Array(f * f);
  const B = new Float64Array(f * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < f; a++) {
      const xa = X[i * f + a]! - xbar[a]!;
      for (let b = 0; b < f; b++) A[a * f + b]! += xa * (X[i * f + b]! - xbar[b]!);
      for (let c = 0; c < d; c++) B[a * d + c]! += xa * (Y[i * d + c]! - ybar[c]!);
    }
  }
  for (let a = 0; a < f; a++) A[a * f + a]! += lambda;
  const W = choleskySolve(A, f, B, d);
  const b = Float64Array.from(ybar);
  for (let k = 0; k < f; k++) for (let c = 0; c < d; c++) b[c]! -= xbar[k]! * W[k * d + c]!;
  return { W, b };
}
