import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initEngine } from '../models/engine.ts';
import type { KonaOutput } from '../models/kona.ts';
import { MseObjective, OtObjective, ContrastiveObjective, makeObjective, type TeacherBatch } from './objectives.ts';

/** Build a KonaOutput-like student output and a teacher batch from plain arrays. */
function outputs(tokens: number[][][], emb: number[][]): KonaOutput {
  const B = tokens.length;
  const L = Math.max(...tokens.map((t) => t.length));
  const H = tokens[0]![0]!.length;
  const flat = new Float32Array(B * L * H);
  const mask = new Float32Array(B * L);
  tokens.forEach((s, b) => s.forEach((t, l) => (flat.set(t, (b * L + l) * H), (mask[b * L + l] = 1))));
  return { tokens: tf.tensor3d(flat, [B, L, H]), mask: tf.tensor2d(mask, [B, L]), pooled: tf.tensor2d(emb), embedding: tf.tensor2d(emb) };
}
function teacher(tokens: number[][][], emb: number[][]): TeacherBatch {
  const o = outputs(tokens, emb);
  return { tokens: o.tokens, mask: o.mask, embedding: o.embedding, lengths: Int32Array.from(tokens, (t) => t.length) };
}
const unit = (v: number[]) => {
  const n = Math.hypot(...v);
  return v.map((x) => x / n);
};

describe('objectives', () => {
  beforeAll(async () => {
    await initEngine();
  });

  it('mse is 0 for identical embeddings and equals (1/B)Σ‖s−t‖² otherwise', () => {
    const e = [unit([1, 2, 2]), unit([0, 1, 0])];
    const o = new MseObjective();
    expect(o.loss(outputs([[[0, 0, 0]], [[0, 0, 0]]], e), teacher([[[0, 0, 0]], [[0, 0, 0]]], e), new Int32Array([1, 1])).loss.dataSync()[0]).toBeCloseTo(0, 6);
    const s = [unit([1, 0, 0]), unit([0, 1, 0])];
    const t = [unit([0, 1, 0]), unit([0, 1, 0])];
    // (‖(1,−1,0)‖² + 0) / 2 = 1
    expect(o.loss(outputs([[[0, 0, 0]], [[0, 0, 0]]], s), teacher([[[0, 0, 0]], [[0, 0, 0]]], t), new Int32Array([1, 1])).loss.dataSync()[0]).toBeCloseTo(1, 5);
  });

  it('ot is ~0 when student tokens equal teacher tokens (aligned one-to-one, in any order), for both costs', () => {
    const toks = [
      [[3, 0, 0], [0, 3, 0], [0, 0, 3]],
      [[1, 1, 0], [0, 1, 1]],
    ];
    const permuted = [[toks[0]![2]!, toks[0]![0]!, toks[0]![1]!], toks[1]!];
    const emb = [unit([1, 1, 1]), unit([1, 2, 1])];
    for (const cost of ['sqeuclid', 'cosine'] as const) {
      const o = new OtObjective({ cost, epsilon: 1e-3, scale: 9, maxIter: 2000, tol: 1e-9 });
      const v = o.loss(outputs(permuted, emb), teacher(toks, emb), new Int32Array([3, 2])).loss.dataSync()[0]!;
      expect(Math.abs(v)).toBeLessThan(1e-3);
    }
  });

  it('ot loss is positive for mismatched tokens and its gradient moves the student towards the teacher', () => {
    const t = teacher([[[2, 0], [0, 2]]], [unit([1, 1])]);
    const o = new OtObjective({ cost: 'sqeuclid', scale: 4, epsilon: 0.01 });
    const s0 = tf.tensor3d([[[1, 0], [0, 1]]]);
    const f = (s: tf.Tensor) => o.loss({ tokens: s, mask: tf.ones([1, 2]), pooled: tf.zeros([1, 2]), embedding: tf.zeros([1, 2]) }, t, new Int32Array([2])).loss as tf.Scalar;
    const { value, grad } = tf.valueAndGrad(f)(s0);
    expect(value.dataSync()[0]).toBeGreaterThan(0.1);
    const s1 = tf.sub(s0, tf.mul(grad, 0.5));
    expect(f(s1).dataSync()[0]).toBeLessThan(value.dataSync()[0]!);
  });

  it('contrastive loss falls when positives get closer', () => {
    const t = [unit([1, 0, 0]), unit([0, 1, 0]), unit([0, 0, 1])];
    const far = [unit([1, 1, 1]), unit([1, 1.2, 1]), unit([1, 1, 1.2])];
    const near = [unit([1, 0.2, 0.2]), unit([0.2, 1, 0.2]), unit([0.2, 0.2, 1])];
    const z = [[[0, 0, 0]], [[0, 0, 0]], [[0, 0, 0]]];
    const o = new ContrastiveObjective(0.1);
    const lFar = o.loss(outputs(z, far), teacher(z, t), new Int32Array([1, 1, 1])).loss.dataSync()[0]!;
    const lNear = o.loss(outputs(z, near), teacher(z, t), new Int32Array([1, 1, 1])).loss.dataSync()[0]!;
    expect(lNear).toBeLessThan(lFar);
  });

  it('makeObjective parses combinations and rejects unknown names with the valid list', () => {
    expect(makeObjective('ot+mse').name).toBe('ot+mse');
    expect(makeObjective('ot+contrastive').needsTokens).toBe(true);
    expect(makeObjective('mse').needsTokens).toBe(false);
    expect(() => makeObjective('kl')).toThrow(/unknown objective "kl" \(valid: mse, ot, contrastive/);
  });
});
