import { describe, it, expect } from 'vitest';
import { pairedBootstrapCI, pairedRandomizationTest, pairedTest } from './significance.ts';

describe('paired bootstrap and randomization tests', () => {
  it('randomization: exact enumeration on a hand-checked example', () => {
    // d = (1, 1, 1, 0): the zero does not matter; of the 2³ = 8 sign patterns of the three ones, only
    // (+,+,+) and (−,−,−) reach |Σ| = 3, so p = 2/8 = 0.25
    expect(pairedRandomizationTest([1, 1, 1, 0], [0, 0, 0, 0])).toEqual({ p: 0.25, exact: true });
    // d = (1, 1, −1): |Σ| = 1; patterns with |Σ| ≥ 1: all 8 (sums ±1 or ±3), so p = 1
    expect(pairedRandomizationTest([1, 1, 0], [0, 0, 1]).p).toBe(1);
    // d = (2, 1, 1): |Σ| = 4; reached by (+,+,+) and (−,−,−) only: p = 2/8
    expect(pairedRandomizationTest([2, 1, 1], [0, 0, 0]).p).toBe(0.25);
    // no discordant query: p = 1
    expect(pairedRandomizationTest([1, 0], [1, 0]).p).toBe(1);
  });

  it('randomization: sampled p approaches the exact one, is seeded and never 0', () => {
    // 12 ones and 4 zeros in d (n' = 12 → 4096 patterns): exact p = 2/4096 for |Σ| = 12
    const a = Array(16).fill(1);
    const b = [...Array(12).fill(0), ...Array(4).fill(1)];
    expect(pairedRandomizationTest(a, b, { samples: 5000 })).toEqual({ p: 2 / 4096, exact: true });
    const s = pairedRandomizationTest(a, b, { samples: 2000, seed: 3 });
    expect(s.exact).toBe(false);
    expect(s.p).toBeGreaterThan(0);
    expect(s.p).toBeLessThan(0.01);
    expect(pairedRandomizationTest(a, b, { samples: 2000, seed: 3 })).toEqual(s);
    // a balanced case: d = ±1 in equal numbers → p near 1
    const r = pairedRandomizationTest([...Array(10).fill(1), ...Array(10).fill(0)], [...Array(10).fill(0), ...Array(10).fill(1)], { samples: 1000, seed: 1 });
    expect(r.p).toBeGreaterThan(0.8);
  });

  it('bootstrap CI: hand-checked quantiles of a binomial mean', () => {
    // d = nine 1s and one 0: a resample mean is X/10 with X ~ Binomial(10, 0.9).
    // P(X ≤ 6) = 0.0128, P(X ≤ 7) = 0.0702 → the 2.5% quantile is 0.7; P(X = 10) = 0.349 → the 97.5% is 1.
    const [lo, hi] = pairedBootstrapCI([...Array(9).fill(1), 0], Array(10).fill(0), { samples: 20000, seed: 5 });
    expect(lo).toBeCloseTo(0.7, 12);
    expect(hi).toBe(1);
    // d = (1, 0): means 0, ½, 1 with probabilities ¼, ½, ¼ → [0, 1]; a constant d gives [c, c]
    expect(pairedBootstrapCI([1, 0], [0, 0])).toEqual([0, 1]);
    expect(pairedBootstrapCI([0.5, 0.5, 0.5], [0, 0, 0])).toEqual([0.5, 0.5]);
  });

  it('pairedTest combines both, seeded, and rejects mismatched inputs', () => {
    const r = pairedTest([1, 1, 1, 0], [0, 0, 0, 0], { samples: 1000, seed: 2 });
    expect(r).toMatchObject({ n: 4, meanA: 0.75, meanB: 0, delta: 0.75, p: 0.25, exact: true, samples: 1000, seed: 2 });
    expect(r.ci[0]).toBeLessThanOrEqual(0.75);
    expect(r.ci[1]).toBe(1);
    expect(pairedTest([1, 1, 1, 0], [0, 0, 0, 0], { samples: 1000, seed: 2 })).toEqual(r);
    expect(() => pairedTest([1], [1, 0])).toThrow(/differ in length/);
    expect(() => pairedTest([], [])).toThrow(/at least one/);
  });
});
