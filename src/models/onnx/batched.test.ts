/**
 * The ONNX Runtime batched product (batched.ts) equals tfjs's `bmm`: values and both gradients, to float32
 * rounding (relative to the largest |value|), on ragged shapes; and it checks its operands' shapes.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, bmm, initEngine, type Tensor } from '../engine.ts';
import { batchedMatMul } from './batched.ts';
import { ortUnavailableReason } from './runtime.ts';
import { mulberry32 } from '../../util/random.ts';

const why = ortUnavailableReason();

function randomTensor(shape: number[], seed: number): Tensor {
  const r = mulberry32(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => 2 * r() - 1), shape);
}
function relDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.dataSync(), y = b.dataSync();
  let m = 0, s = 0;
  for (let i = 0; i < x.length; i++) {
    m = Math.max(m, Math.abs(x[i]! - y[i]!));
    s = Math.max(s, Math.abs(x[i]!));
  }
  return m / s;
}

describe.skipIf(why !== undefined)(`batchedMatMul on ONNX Runtime${why ? ` (skipped: ${why})` : ''}`, () => {
  beforeAll(() => initEngine());

  it.each([
    [3, 5, 7, 4],
    [2, 1, 16, 9],
    [4, 13, 64, 11],
  ])('equals tfjs bmm with B=%i N=%i K=%i M=%i, gradients included', (B, N, K, M) => {
    const a = randomTensor([B, N, K], 1), b = randomTensor([B, K, M], 2), w = randomTensor([B, N, M], 3);
    const y1 = bmm(a, b), y2 = batchedMatMul(a, b);
    expect(relDiff(y1, y2)).toBeLessThan(1e-6);
    // a loss that weights every output differently, so both gradients are non-trivial
    const [da1, db1] = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(bmm(x, y), w)))([a, b]);
    const [da2, db2] = tf.grads((x: Tensor, y: Tensor) => tf.sum(tf.mul(batchedMatMul(x, y), w)))([a, b]);
    expect(relDiff(da1!, da2!)).toBeLessThan(1e-6);
    expect(relDiff(db1!, db2!)).toBeLessThan(1e-6);
    // the gradient is ∂L/∂A = W Bᵀ: check one entry by hand
    const Bm = b.arraySync() as number[][][], W = w.arraySync() as number[][][];
    let e = 0;
    for (let m = 0; m < M; m++) e += W[B - 1]![N - 1]![m]! * Bm[B - 1]![K - 1]![m]!;
    expect((da2!.arraySync() as number[][][])[B - 1]![N - 1]![K - 1]).toBeCloseTo(e, 5);
  });

  it('rejects operands whose shapes do not fit', () => {
    expect(() => batchedMatMul(tf.zeros([2, 3, 4]), tf.zeros([2, 5, 6]))).toThrow(/do not fit/);
    expect(() => batchedMatMul(tf.zeros([2, 3, 4]), tf.zeros([3, 4, 6]))).toThrow(/do not fit/);
  });
});
