import { describe, it, expect, beforeAll } from 'vitest';
import { initEngine, tf } from '../models/engine.ts';
import { OtObjective } from '../distill/objectives.ts';
import { mulberry32 } from '../util/random.ts';
import { alignTokens, costMatrix, type TokenStates } from './alignment.ts';

const H = 16;
function states(n: number, seed: number, scale = 10): TokenStates {
  const r = mulberry32(seed);
  return { pieces: Array.from({ length: n }, (_, i) => `t${seed}.${i}`), states: Float32Array.from({ length: n * H }, () => (r() - 0.5) * scale), dim: H };
}

describe('alignment plans (explorer)', () => {
  beforeAll(() => initEngine());

  it('the ground cost is the training objective\'s, for both costs', () => {
    const s = states(5, 1);
    const t = states(7, 2);
    for (const cost of ['sqeuclid', 'cosine'] as const) {
      const ref = new OtObjective({ cost }).cost(tf.tensor3d(s.states, [1, 5, H]), tf.tensor3d(t.states, [1, 7, H])).dataSync();
      const C = costMatrix(s, t, cost);
      for (let k = 0; k < 35; k++) expect(C[k]).toBeCloseTo(ref[k]!, 4);
    }
  });

  it('uniform marginals, value = <P, C>, top pairs sorted with share = N·P', () => {
    const s = states(6, 3);
    const t = states(4, 4);
    const p = alignTokens(s, t, { epsilon: 0.05, cost: 'sqeuclid', topK: 5 });
    expect(p.status).toBe('converged');
    for (let i = 0; i < 6; i++) expect(p.plan.slice(i * 4, i * 4 + 4).reduce((a, b) => a + b, 0)).toBeCloseTo(1 / 6, 5);
    for (let j = 0; j < 4; j++) expect([0, 1, 2, 3, 4, 5].reduce((a, i) => a + p.plan[i * 4 + j]!, 0)).toBeCloseTo(1 / 4, 5);
    expect(p.value).toBeCloseTo(p.plan.reduce((a, x, k) => a + x * p.cost[k]!, 0), 5);
    expect(p.topPairs).toHaveLength(5);
    for (let k = 1; k < 5; k++) expect(p.topPairs[k]!.mass).toBeLessThanOrEqual(p.topPairs[k - 1]!.mass);
    for (const x of p.topPairs) {
      expect(x.share).toBeCloseTo(6 * x.mass, 5);
      expect(x.source).toBe(s.pieces[x.i]);
      expect(x.target).toBe(t.pieces[x.j]);
    }
  });

  it('a sentence aligned with a shuffled copy of itself: small ε recovers the permutation, large ε blurs it', () => {
    const s = states(6, 5);
    const perm = [3, 0, 5, 1, 4, 2];
    const t: TokenStates = { pieces: perm.map((i) => s.pieces[i]!), states: new Float32Array(6 * H), dim: H };
    perm.forEach((i, j) => t.states.set(s.states.subarray(i * H, (i + 1) * H), j * H));
    const sharp = alignTokens(s, t, { epsilon: 0.01, cost: 'sqeuclid', topK: 6 });
    for (const x of sharp.topPairs) {
      expect(x.source).toBe(x.target);
      expect(x.share).toBeGreaterThan(0.99);
    }
    const blurred = alignTokens(s, t, { epsilon: 5, cost: 'sqeuclid' });
    expect(blurred.value).toBeGreaterThan(sharp.value);
    expect(Math.max(...blurred.plan)).toBeLessThan(0.5 / 6);
  });
});
