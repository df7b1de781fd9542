/**
 * Dense symmetric positive definite systems A X = Y on ONNX Runtime: a blocked right-looking Cholesky
 * factorisation A + σI = L Lᵀ and the two triangular solves for many right-hand sides at once (Golub & Van
 * Loan, Matrix Computations, 4th ed., §4.2.9, "block Cholesky"). The closed-form fits (ridge-dense.ts) use it.
 *
 * Shapes: A [n, n] row-major float32 (read, not changed), σ ≥ 0 a diagonal shift, block size b, Y [n, d].
 * Factorisation, block k = rows/columns k0 .. k0 + bb (bb = min(b, n − k0)), m = n − k0 − bb rows below it;
 * T is the trailing matrix (A + σI minus the updates of the blocks before; its lower triangle, stored as below):
 *
 *     L11 = chol(T11)               [bb, bb]                     float64 in JS (b³/3 multiply-adds)
 *     W   = L11⁻¹                   [bb, bb]                     float64 in JS (b³/6), stored float32
 *     L21 = T21 Wᵀ                  [m, bb] @ [bb, bb]           GEMM
 *     T  ← T22 − L21 L21ᵀ           lower triangle only, by column strips (below): ~n³/3 flops in all
 *
 * Storage: only the lower triangle is kept, as column strips of width b: strip j holds columns
 * [j·b, j·b + w_j) of rows [j·b, n) contiguous, S_j [n − j·b, w_j] (its top [w_j, w_j] is a diagonal block,
 * of which only the lower half is read). Block k's T11 and T21 are then strip k as it stands, and the trailing
 * update of strip j > k is one GEMM on contiguous memory, whose output replaces the strip:
 *
 *     S_j ← S_j − L21[r₀:] L21[r₀ : r₀ + w_j]ᵀ      [n − j·b, w_j] − [n − j·b, bb] @ [bb, w_j],  r₀ = j·b − k0 − bb
 *
 * Updating both triangles with one [m, m] GEMM per block (as before 2026-11-23) costs twice the flops and a
 * copy of T22 per block.
 *
 * Solve L Lᵀ X = Y: forward Z_k = W_k Y_k, then Y_{>k} −= L21_k Z_k (right-looking); backward
 * X_k = W_kᵀ (Z_k − L21_kᵀ X_{>k}) from the last block up; 2·n²·d flops each way, all GEMMs.
 *
 * Precision: float32 storage and products (the diagonal blocks in float64). Cholesky is backward stable, so
 * the residual ‖Y − (A + σI) X‖ stays small relative to ‖Y‖ even when A's condition number makes the error in
 * X larger; callers that need a residual tolerance check it and refine (ridge-dense.ts).
 * Work: the trailing updates are ~n³/3 flops (plus the diagonal blocks' upper halves, b/n of it), ~2.7·10¹¹ for
 * n = 9.3k (ONNX Runtime GEMM ran at 86–206 GFLOP/s on the 2-core machine, 2026-11-23); `npm run bench:cholesky`
 * times the whole factorisation.
 */
import { ArgumentError } from '../errors.ts';
import type { OrtProducts } from '../models/onnx/index.ts';

export interface CholeskyBlock {
  k0: number;
  bb: number;
  /** [bb, bb] L11⁻¹ (lower triangular) */
  W: Float32Array;
  /** [m, bb] the factor's rows below the block (m = n − k0 − bb) */
  L21: Float32Array;
}

export interface CholeskyFactor {
  n: number;
  blocks: CholeskyBlock[];
}

/** L [b, b] (float64, lower) with L Lᵀ = the top-left [b, b] block of T (row stride `ld`); `at` names the pivot in errors. */
function cholSmall(T: Float32Array, ld: number, b: number, at: number): Float64Array {
  const L = new Float64Array(b * b);
  for (let i = 0; i < b; i++) {
    const li = i * b;
    for (let j = 0; j <= i; j++) {
      const lj = j * b;
      let s = T[i * ld + j]!;
      for (let k = 0; k < j; k++) s -= L[li + k]! * L[lj + k]!;
      if (i === j) {
        if (!(s > 0)) throw new ArgumentError(`cholesky: the matrix is not positive definite (pivot ${at + i} is ${s})`);
        L[li + i] = Math.sqrt(s);
      } else L[li + j] = s / L[lj + j]!;
    }
  }
  return L;
}

/** L⁻¹ for lower-triangular L [b, b] (float64): W_ii = 1/L_ii, W_ij = −(Σ_{j≤k<i} L_ik W_kj) / L_ii. */
function invLower(L: Float64Array, b: number): Float32Array {
  const W = new Float64Array(b * b);
  const col = new Float64Array(b); // column j of W, contiguous
  for (let j = 0; j < b; j++) {
    col.fill(0);
    col[j] = 1 / L[j * b + j]!;
    for (let i = j + 1; i < b; i++) {
      const li = i * b;
      let s = 0;
      for (let k = j; k < i; k++) s += L[li + k]! * col[k]!;
      col[i] = -s / L[li + i]!;
    }
    for (let i = j; i < b; i++) W[i * b + j] = col[i]!;
  }
  return new Float32Array(W);
}

/** Factor A + σI = L Lᵀ (see the file header). Throws an ArgumentError when it is not positive definite. */
export function choleskyFactor(A: Float32Array, n: number, ops: OrtProducts, o: { shift?: number; block?: number } = {}): CholeskyFactor {
  if (A.length !== n * n) throw new ArgumentError(`cholesky: A has ${A.length} values, expected ${n}²`);
  const b = o.block ?? 512;
  const shift = o.shift ?? 0;
  // the lower triangle of A + σI as column strips (file header): strip j = S_j [n − j·b, w_j]
  const strips: Float32Array[] = [];
  for (let c0 = 0; c0 < n; c0 += b) {
    const w = Math.min(b, n - c0);
    const S = new Float32Array((n - c0) * w);
    for (let i = 0; i < n - c0; i++) S.set(A.subarray((c0 + i) * n + c0, (c0 + i) * n + c0 + w), i * w);
    if (shift !== 0) for (let i = 0; i < w; i++) S[i * w + i]! += shift;
    strips.push(S);
  }
  const blocks: CholeskyBlock[] = [];
  for (let k = 0; k < strips.length; k++) {
    const k0 = k * b;
    const S = strips[k]!; // [bb + m, bb]: T11 on top of T21
    const bb = Math.min(b, n - k0);
    const m = n - k0 - bb;
    const W = invLower(cholSmall(S, bb, bb, k0), bb);
    let L21: Float32Array = new Float32Array(0);
    if (m > 0) {
      L21 = ops.mm(S.subarray(bb * bb), W, m, bb, bb, { tb: true }); // T21 Wᵀ  [m, bb]
      for (let j = k + 1; j < strips.length; j++) {
        const r0 = j * b - k0 - bb; // strip j's first row, as a row of L21
        const w = Math.min(b, n - j * b);
        const rows = m - r0;
        // S_j − L21[r0:] L21[r0 : r0 + w]ᵀ  [rows, w]: the lower part of T22 − L21 L21ᵀ in strip j
        strips[j] = ops.mmSub(strips[j]!, L21.subarray(r0 * bb), L21.subarray(r0 * bb, (r0 + w) * bb), rows, bb, w, { tb: true });
      }
    }
    strips[k] = new Float32Array(0); // done with: its memory can go
    blocks.push({ k0, bb, W, L21 });
  }
  return { n, blocks };
}

/** X [n, d] with L Lᵀ X = Y for the factor F of A + σI (float32; see the file header). */
export function choleskySolveFactored(F: CholeskyFactor, Y: Float32Array, d: number, ops: OrtProducts): Float32Array {
  const n = F.n;
  if (Y.length !== n * d) throw new ArgumentError(`cholesky: Y has ${Y.length} values, expected ${n}·${d}`);
  const Z = Y.slice();
  for (const { k0, bb, W, L21 } of F.blocks) {
    const zk = ops.mm(W, Z.subarray(k0 * d, (k0 + bb) * d), bb, bb, d); // W_k Y_k  [bb, d]
    Z.set(zk, k0 * d);
    const m = n - k0 - bb;
    if (m > 0) Z.set(ops.mmSub(Z.subarray((k0 + bb) * d), L21, zk, m, bb, d), (k0 + bb) * d); // Y_{>k} − L21 Z_k
  }
  for (let bi = F.blocks.length - 1; bi >= 0; bi--) {
    const { k0, bb, W, L21 } = F.blocks[bi]!;
    const m = n - k0 - bb;
    const zk = Z.subarray(k0 * d, (k0 + bb) * d);
    const t = m > 0 ? ops.mmSub(zk, L21, Z.subarray((k0 + bb) * d), bb, m, d, { ta: true }) : zk; // Z_k − L21ᵀ X_{>k}
    Z.set(ops.mm(W, t, bb, bb, d, { ta: true }), k0 * d); // W_kᵀ (…)
  }
  return Z;
}
