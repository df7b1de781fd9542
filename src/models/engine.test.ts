import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initEngine, matmul, bmm, embeddingLookup } from './engine.ts';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

describe('engine custom-gradient ops (explicit transposes, scatter-add lookup)', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('runs on the wasm backend', () => {
    expect(tf.getBackend()).toBe('wasm');
  });

  it('matmul: value and gradients equal tf.matMul', () => {
    const x = tf.randomNormal([2, 3, 5], 0, 1, 'float32', 1);
    const w = tf.randomNormal([5, 4], 0, 1, 'float32', 2);
    const dy = tf.randomNormal([2, 3, 4], 0, 1, 'float32', 3);
    const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(matmul(a, b), dy)))([x, w]);
    const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a.reshape([6, 5]), b as tf.Tensor2D).reshape([2, 3, 4]), dy)))([x, w]);
    expect(maxAbsDiff(matmul(x, w).dataSync(), tf.matMul(x.reshape([6, 5]), w as tf.Tensor2D).dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(ours[0]!.dataSync(), ref[0]!.dataSync())).toBeLessThan(1e-5);
    expect(maxAbsDiff(ours[1]!.dataSync(), ref[1]!.dataSync())).toBeLessThan(1e-5);
  });

  it('bmm: gradients equal tf.matMul on 3-D tensors', () => {
    const a = tf.randomNormal([3, 4, 5], 0, 1, 'float32', 4);
    const b = tf.randomNormal([3, 5, 2], 0, 1, 'float32', 5);
    const ours = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(bmm(p, q))))([a, b]);
    const ref = tf.grads((p: tf.Tensor, q: tf.Tensor) => tf.sum(tf.square(tf.matMul(p as tf.Tensor3D, q as tf.Tensor3D))))([a, b]);
    expect(maxAbsDiff(ours[0]!.dataSync(), ref[0]!.dataSync())).toBeLessThan(1e-4);
    expect(maxAbsDiff(ours[1]!.dataSync(), ref[1]!.dataSync())).toBeLessThan(1e-4);
  });

  it('embeddingLookup: rows gathered; gradient is the scatter-add of dy by id', () => {
    const table = tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2]);
    const ids = tf.tensor2d([2, 0, 2, 1], [2, 2], 'int32');
    expect(Array.from(embeddingLookup(table, ids).dataSync())).toEqual([5, 6, 1, 2, 5, 6, 3, 4]);
    const dy = tf.tensor3d([1, 1, 2, 2, 3, 3, 4, 4], [2, 2, 2]);
    const [g] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(embeddingLookup(t, ids), dy)))([table]);
    // id 0 ← dy[1] = (2,2); id 1 ← dy[3] = (4,4); id 2 ← dy[0] + dy[2] = (4,4)
    expect(Array.from(g!.dataSync())).toEqual([2, 2, 4, 4, 4, 4]);
  });
});
