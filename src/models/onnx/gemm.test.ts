/**
 * The fused products of gemm.ts and ln-linear.ts against plain float64 loops: `linearResidual`
 * (R + (A W + b) ⊙ mult ⊙ rowMask), `linearBackward` with its dy scaled by dropout multipliers and a row
 * mask, and the LN → dense backward with the residual gradient added in the graph (`acc`). Each factor is
 * checked present and absent, so a graph that ignored one would fail.
 */
import { describe, it, expect } from 'vitest';
import { OrtProducts } from './gemm.ts';
import { lnLinearBackward } from './ln-linear.ts';
import { ortUnavailableReason } from './runtime.ts';
import { mulberry32 } from '../../util/random.ts';

const why = ortUnavailableReason();
const rnd = mulberry32(11);
const rand = (n: number) => Float32Array.from({ length: n }, () => 2 * rnd() - 1);
/** max |a − b| / max |b| */
function rel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0, s = 0;
  for (let i = 0; i < b.length; i++) (m = Math.max(m, Math.abs(a[i]! - b[i]!))), (s = Math.max(s, Math.abs(b[i]!)));
  return m / s;
}
/** C [M, N] = A [M, K] @ B [K, N] in float64 */
function matmul(A: ArrayLike<number>, B: ArrayLike<number>, M: number, K: number, N: number): Float64Array {
  const C = new Float64Array(M * N);
  for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) C[i * N + j]! += A[i * K + k]! * B[k * N + j]!;
  return C;
}

describe.skipIf(why !== undefined)(`fused products on ONNX Runtime${why ? ` (skipped: ${why})` : ''}`, () => {
  const M = 13, K = 7, N = 5;
  const ops = new OrtProducts(1);
  const A = rand(M * K), W = rand(K * N), b = rand(N), R = rand(M * N);
  const mult = Float32Array.from({ length: M * N }, () => (rnd() < 0.2 ? 0 : 1.25));
  const rowMask = Float32Array.from({ length: M }, (_, i) => (i % 4 === 3 ? 0 : 1));

  for (const [label, scale] of [['no factor', {}], ['mult', { mult }], ['row mask', { rowMask }], ['both', { mult, rowMask }]] as const) {
    it(`linearResidual and the scaled linearBackward (${label})`, () => {
      const f = (i: number, j: number) => ('mult' in scale ? mult[i * N + j]! : 1) * ('rowMask' in scale ? rowMask[i]! : 1);
      const AW = matmul(A, W, M, K, N);
      const want = AW.map((v, k) => R[k]! + (v + b[k % N]!) * f(Math.floor(k / N), k % N));
      expect(rel(ops.linearResidual(A, W, b, R, M, K, N, scale), want)).toBeLessThan(1e-6);

      const dy = rand(M * N);
      const dys = dy.map((v, k) => v * f(Math.floor(k / N), k % N)); // what the graph differentiates with
      const r = ops.linearBackward(A, dy, W, M, K, N, { scale });
      const At = new Float64Array(K * M);
      for (let i = 0; i < M; i++) for (let k = 0; k < K; k++) At[k * M + i] = A[i * K + k]!;
      const Wt = new Float64Array(N * K);
      for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) Wt[j * K + k] = W[k * N + j]!;
      expect(rel(r.dW, matmul(At, dys, K, M, N))).toBeLessThan(1e-6);
      expect(rel(r.dx, matmul(dys, Wt, M, N, K))).toBeLessThan(1e-6);
      const db = new Float64Array(N);
      for (let k = 0; k < M * N; k++) db[k % N]! += dys[k]!;
      expect(rel(r.db, db)).toBeLessThan(1e-6);
    });
  }

  it('the LN → dense backward adds acc to dx and changes nothing else', () => {
    const D = 6, Mo = 4, rows = 9;
    const x = rand(rows * D), dy = rand(rows * Mo), acc = rand(rows * D);
    const w = { s: rand(D), beta: rand(D), W: rand(D * Mo), b: rand(Mo) };
    const plain = lnLinearBackward(ops, x, dy, w, rows, D, Mo, 1e-6);
    const withAcc = lnLinearBackward(ops, x, dy, w, rows, D, Mo, 1e-6, acc);
    expect(rel(withAcc.dx, plain.dx.map((v, i) => v + acc[i]!))).toBeLessThan(1e-6);
    expect(Array.from(withAcc.dW)).toEqual(Array.from(plain.dW));
    expect(Array.from(withAcc.ds)).toEqual(Array.from(plain.ds));
  });
});
