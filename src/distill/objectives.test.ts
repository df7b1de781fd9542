import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initEngine } from '../models/engine.ts';
import type { KonaOutput } from '../models/kona.ts';
import { MseObjective, OtObjective, ContrastiveObjective, makeObjective, type TeacherBatch } from './objectives.ts';
import { idfTable, tokenIdfWeights } from './idf.ts';
import { sinkhornUnbalanced } from '../ot/index.ts';

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

  it('mse gradient is 2(ŝ − t̂)/B', () => {
    const t = tf.tensor2d([unit([1, 0, 0]), unit([0, 1, 0])]);
    const s0 = tf.tensor2d([unit([1, 1, 0]), unit([0, 1, 1])]);
    const tb: TeacherBatch = { tokens: tf.zeros([2, 1, 3]), mask: tf.ones([2, 1]), embedding: t, lengths: new Int32Array([1, 1]) };
    const g = tf.grad((e: tf.Tensor) => new MseObjective().loss({ tokens: tf.zeros([2, 1, 3]), mask: tf.ones([2, 1]), pooled: e, embedding: e }, tb, new Int32Array([1, 1])).loss as tf.Scalar)(s0);
    const want = tf.div(tf.mul(tf.sub(s0, t), 2), 2).arraySync() as number[][];
    (g.arraySync() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(want.flat()[i]!, 6));
  });

  it('contrastive: hand-checked value on a 2×2 batch, and its gradient matches finite differences', () => {
    // S = G/τ with G = [[1, 0], [0, 1]], τ = 0.5: each row/column CE = −log(e²/(e² + 1)) = log(1 + e⁻²)
    const e = [[1, 0], [0, 1]];
    const z = [[[0, 0]], [[0, 0]]];
    const o = new ContrastiveObjective(0.5);
    expect(o.loss(outputs(z, e), teacher(z, e), new Int32Array([1, 1])).loss.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 5);
    const t = teacher(z, [unit([1, 0.3]), unit([0.2, 1])]);
    const f = (x: tf.Tensor) => o.loss({ tokens: tf.zeros([2, 1, 2]), mask: tf.ones([2, 1]), pooled: x, embedding: x }, t, new Int32Array([1, 1])).loss as tf.Scalar;
    const x0 = [0.6, 0.8, 0.3, 0.9];
    const g = tf.grad(f)(tf.tensor2d(x0, [2, 2])).dataSync();
    const h = 1e-2;
    for (let k = 0; k < 4; k++) {
      const up = [...x0];
      const dn = [...x0];
      up[k]! += h;
      dn[k]! -= h;
      const fd = (f(tf.tensor2d(up, [2, 2])).dataSync()[0]! - f(tf.tensor2d(dn, [2, 2])).dataSync()[0]!) / (2 * h);
      expect(g[k]!).toBeCloseTo(fd, 2);
    }
  });

  it('contrastive with a learnable temperature: one parameter log τ, gradient −Σ S ∂L/∂S, and τ is recorded', () => {
    const o = new ContrastiveObjective(0.5, true);
    const theta = o.params()['contrastive.logTemperature']!;
    expect(theta.dataSync()[0]).toBeCloseTo(Math.log(0.5), 6);
    const z = [[[0, 0]], [[0, 0]]];
    // positives perfectly separated (G = I): a lower τ always lowers the loss, so ∂L/∂θ > 0
    const sep = () => o.loss(outputs(z, [[1, 0], [0, 1]]), teacher(z, [[1, 0], [0, 1]]), new Int32Array([1, 1])).loss as tf.Scalar;
    const { value, grads } = tf.variableGrads(sep, [theta]);
    // hand-derived: L(θ) = log(1 + e^{−e^{−θ}}) per direction (G = I, B = 2), so
    // dL/dθ = e^{−θ} e^{−e^{−θ}} / (1 + e^{−e^{−θ}}) = 2 e⁻² / (1 + e⁻²) ≈ 0.2384 at τ = 0.5
    expect(value.dataSync()[0]).toBeCloseTo(Math.log(1 + Math.exp(-2)), 5);
    expect(grads[theta.name]!.dataSync()[0]).toBeCloseTo((2 * Math.exp(-2)) / (1 + Math.exp(-2)), 5);
    // positives as similar as negatives (G all equal): L = log 2 whatever τ, so ∂L/∂θ = 0
    const same = () => o.loss(outputs(z, [[1, 0], [1, 0]]), teacher(z, [[1, 0], [1, 0]]), new Int32Array([1, 1])).loss as tf.Scalar;
    const r2 = tf.variableGrads(same, [theta]);
    expect(r2.value.dataSync()[0]).toBeCloseTo(Math.log(2), 6);
    expect(r2.grads[theta.name]!.dataSync()[0]).toBeCloseTo(0, 6);
    expect(o.config()).toMatchObject({ name: 'contrastive', learnable: true, initialTemperature: 0.5 });
    expect(o.config().temperature).toBeCloseTo(0.5, 6);
    expect(new ContrastiveObjective(0.1).params()).toEqual({});
    expect(Object.keys(makeObjective('ot+contrastive', { learnTemperature: true }).params!())).toEqual(['contrastive.logTemperature']);
    expect(() => new ContrastiveObjective(0)).toThrow(/temperature must be/);
  });

  it('unbalanced ot is ~0 for tokens aligned one-to-one and its gradient moves the student towards the teacher', () => {
    const toks = [[[3, 0, 0], [0, 3, 0], [0, 0, 3]], [[1, 1, 0], [0, 1, 1]]];
    const emb = [unit([1, 1, 1]), unit([1, 2, 1])];
    const o = new OtObjective({ cost: 'sqeuclid', epsilon: 1e-3, scale: 9, tau: 1, maxIter: 5000, tol: 1e-9 });
    expect(o.config()).toMatchObject({ tau: 1 });
    expect(new OtObjective().config()).toMatchObject({ tau: 'balanced', marginals: 'uniform' });
    const r = o.loss(outputs([[toks[0]![1]!, toks[0]![2]!, toks[0]![0]!], toks[1]!], emb), teacher(toks, emb), new Int32Array([3, 2]));
    expect(Math.abs(r.loss.dataSync()[0]!)).toBeLessThan(1e-3);
    expect(r.parts['ot_mass']).toBeGreaterThan(0.9); // nothing to gain by destroying mass on zero-cost pairs
    const t = teacher([[[2, 0], [0, 2]]], [unit([1, 1])]);
    const u = new OtObjective({ cost: 'sqeuclid', scale: 4, epsilon: 0.01, tau: 0.5 });
    const f = (s: tf.Tensor) => u.loss({ tokens: s, mask: tf.ones([1, 2]), pooled: tf.zeros([1, 2]), embedding: tf.zeros([1, 2]) }, t, new Int32Array([2])).loss as tf.Scalar;
    const s0 = tf.tensor3d([[[1, 0], [0, 1]]]);
    const { value, grad } = tf.valueAndGrad(f)(s0);
    expect(value.dataSync()[0]).toBeGreaterThan(0.05);
    expect(f(tf.sub(s0, tf.mul(grad, 0.5))).dataSync()[0]).toBeLessThan(value.dataSync()[0]!);
    // a smaller τ lets the plan shed mass from costly pairs: less mass than with a larger τ
    const cheap = new OtObjective({ cost: 'sqeuclid', scale: 1, epsilon: 0.05, tau: 0.1 }).loss({ tokens: s0, mask: tf.ones([1, 2]), pooled: tf.zeros([1, 2]), embedding: tf.zeros([1, 2]) }, t, new Int32Array([2]));
    const strict = new OtObjective({ cost: 'sqeuclid', scale: 1, epsilon: 0.05, tau: 10 }).loss({ tokens: s0, mask: tf.ones([1, 2]), pooled: tf.zeros([1, 2]), embedding: tf.zeros([1, 2]) }, t, new Int32Array([2]));
    expect(cheap.parts['ot_mass']!).toBeLessThan(strict.parts['ot_mass']!);
    // ot_objective is the solver's full unbalanced objective (here for the one sentence of the batch)
    const direct = sinkhornUnbalanced([0.5, 0.5], [0.5, 0.5], [[1, 5], [5, 1]], { epsilon: 0.05, tau: 0.1 }); // C = |s_i − t_j|² / 1
    expect(cheap.parts['ot_objective']!).toBeCloseTo(direct.objective, 4);
  });

  it('weighted marginals (idf, norm) are met by the plan, padding included', () => {
    const s = outputs([[[1, 0], [0, 2], [3, 0]], [[1, 1], [2, 0]]], [[1, 0], [0, 1]]); // Ls = 3, second sentence padded
    const t = teacher([[[0, 1], [4, 0]], [[1, 0], [0, 1]]], [[1, 0], [0, 1]]);
    t.weights = Float32Array.from([1, 3, 2, 2]); // [B, Lt]
    const sw = Float32Array.from([1, 1, 2, 5, 5, 0]); // [B, Ls], 0 at padding
    const lens = new Int32Array([3, 2]);
    const check = (o: OtObjective, a: number[][], b: number[][]) => {
      const { plan } = o.transport(s, t, lens, sw);
      for (let k = 0; k < 2; k++) {
        for (let i = 0; i < 3; i++) expect(plan[(k * 3 + i) * 2]! + plan[(k * 3 + i) * 2 + 1]!).toBeCloseTo(a[k]![i]!, 5);
        for (let j = 0; j < 2; j++) expect(plan[k * 6 + j]! + plan[k * 6 + 2 + j]! + plan[k * 6 + 4 + j]!).toBeCloseTo(b[k]![j]!, 5);
      }
    };
    const opts = { epsilon: 0.1, scale: 16, maxIter: 5000, tol: 1e-9 };
    check(new OtObjective({ ...opts, marginals: 'idf' }), [[0.25, 0.25, 0.5], [0.5, 0.5, 0]], [[0.25, 0.75], [0.5, 0.5]]);
    // norm: student ‖·‖ = (1, 2, 3) and (√2, 2); teacher (1, 4) and (1, 1)
    const r2 = Math.SQRT2;
    check(new OtObjective({ ...opts, marginals: 'norm' }), [[1 / 6, 2 / 6, 3 / 6], [r2 / (r2 + 2), 2 / (r2 + 2), 0]], [[0.2, 0.8], [0.5, 0.5]]);
    expect(() => new OtObjective({ marginals: 'idf' }).loss(s, { ...t, weights: undefined }, lens)).toThrow(/need token IDF weights/);
    expect(() => new OtObjective({ marginals: 'tf' as never })).toThrow(/valid: uniform, idf, norm/);
    expect(new OtObjective({ marginals: 'idf' }).needsIdf).toBe(true);
    expect(makeObjective('ot+mse', { ot: { marginals: 'idf' } }).needsIdf).toBe(true);
  });

  it('idf = ln((1 + N)/(1 + df)) + 1, per token', () => {
    const docs = [[1, 2, 2], [1, 3], [1]];
    const idf = idfTable(docs);
    expect(idf.get(1)).toBeCloseTo(1, 12); // in every sentence
    expect(idf.get(2)).toBeCloseTo(Math.log(4 / 2) + 1, 12);
    expect(Array.from(tokenIdfWeights(docs)[0]!)).toEqual([1, Math.fround(Math.log(2) + 1), Math.fround(Math.log(2) + 1)]);
  });
});
