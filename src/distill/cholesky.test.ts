/**
 * The blocked Cholesky on ONNX Runtime (cholesky.ts) solves what the float64 reference `choleskySolve`
 * (ridge.ts) solves: several sizes and block sizes (one block, a partial last block, many blocks), a
 * diagonal shift, many right-hand sides; and it refuses a matrix that is not positive definite.
 */
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { OrtProducts, ortAvailable } from '../models/onnx/index.ts';
import { mulberry32 } from '../util/random.ts';
import { choleskyFactor, choleskySolveFactored } from './cholesky.ts';
import { choleskySolve } from './ridge.ts';

/** A seeded SPD matrix G Gᵀ / k ([n, n], G [n, k]) and Y [n, d]. */
function spd(n: number, k: number, d: number, seed: number) {
  const rnd = mulberry32(seed);
  const G = Float64Array.from({ length: n * k }, () => rnd() - 0.5);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let t = 0; t < k; t++) s += G[i * k + t]! * G[j * k + t]!;
    A[i * n + j] = s / k;
  }
  return { A, Y: Float64Array.from({ length: n * d }, () => rnd() * 2 - 1) };
}

const maxAbs = (a: ArrayLike<number>) => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
};

(ortAvailable() ? describe : describe.skip)('blocked Cholesky on ONNX Runtime', () => {
  const ops = new OrtProducts(1);

  for (const [n, block] of [[7, 16], [50, 16], [64, 16], [97, 32]] as const) {
    it(`n = ${n}, block ${block}, shift 0.3: X equals the float64 reference`, () => {
      const d = 5, shift = 0.3;
      const { A, Y } = spd(n, Math.max(3, n >> 1), d, n);
      const F = choleskyFactor(Float32Array.from(A), n, ops, { shift, block });
      expect(F.blocks.length).toBe(Math.ceil(n / block));
      const X = choleskySolveFactored(F, Float32Array.from(Y), d, ops);
      const As = Float64Array.from(A);
      for (let i = 0; i < n; i++) As[i * n + i]! += shift;
      const want = choleskySolve(As, n, Y, d);
      const diff = Array.from(X, (x, i) => x - want[i]!);
      expect(maxAbs(diff)).toBeLessThan(1e-4 * Math.max(1, maxAbs(want)));
    });
  }

  it('a matrix that is not positive definite is refused, naming the pivot', () => {
    const A = Float32Array.from([1, 2, 2, 1]); // eigenvalues 3, −1
    expect(() => choleskyFactor(A, 2, ops)).toThrow(ArgumentError);
    expect(() => choleskyFactor(A, 2, ops)).toThrow(/pivot 1/);
  });
});
