import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { sinkhornLog, sinkhornUnbalanced } from './index.ts';
import { cosineProblem, marginals, maxAbsDiff, rng, simplex } from './testing.ts';

describe('sinkhornUnbalanced', () => {
  const r0 = rng(21);
  const n = 12;
  const m = 9;
  const a = simplex(r0, n);
  const b = simplex(r0, m);
  const C = cosineProblem(5, n, m, 4);

  it('τ → ∞ equals balanced OT', () => {
    const bal = sinkhornLog(a, b, C, { epsilon: 0.1, tol: 1e-12, maxIter: 100000 });
    const inf = sinkhornUnbalanced(a, b, C, { epsilon: 0.1, tau: Infinity, tol: 1e-12, maxIter: 100000 });
    expect(maxAbsDiff(inf.plan, bal.plan)).toBeLessThan(1e-12);
    let prev = Infinity;
    for (const tau of [1e2, 1e4, 1e6]) {
      const u = sinkhornUnbalanced(a, b, C, { epsilon: 0.1, tau, tol: 1e-12, maxIter: 100000 });
      expect(u.status).toBe('converged');
      const d = maxAbsDiff(u.plan, bal.plan);
      expect(d).toBeLessThan(prev);
      prev = d;
    }
    expect(prev).toBeLessThan(1e-6);
  });

  it('satisfies its first-order conditions and beats perturbed plans', () => {
    const tau = 0.5;
    const eps = 0.1;
    const b2 = b.map((x) => 2 * x); // masses 1 and 2
    const u = sinkhornUnbalanced(a, b2, C, { epsilon: eps, tau, tol: 1e-12, maxIter: 100000 });
    expect(u.status).toBe('converged');
    const { r, c } = marginals(u.plan, n, m);
    for (let i = 0; i < n; i++) expect(Math.abs((r[i] as number) - (a[i] as number) * Math.exp(-(u.f[i] as number) / tau))).toBeLessThan(1e-11);
    for (let j = 0; j < m; j++) expect(Math.abs((c[j] as number) - (b2[j] as number) * Math.exp(-(u.g[j] as number) / tau))).toBeLessThan(1e-11);
    let mass = 0;
    for (const p of u.plan) mass += p;
    expect(mass).toBeGreaterThan(1);
    expect(mass).toBeLessThan(2);
    // objective at P·(1 + δ·noise) is never lower (convexity + optimality)
    const obj = (P: Float64Array): number => {
      const { r: rr, c: cc } = marginals(P, n, m);
      let v = 0;
      for (let k = 0; k < P.length; k++) {
        const p = P[k] as number;
        v += p * (C[k] as number) + eps * (p * Math.log(p) - p);
      }
      const kl = (x: Float64Array, y: Float64Array | number[]) => x.reduce((s, xi, i) => s + xi * Math.log(xi / (y[i] as number)) - xi + (y[i] as number), 0);
      return v + tau * kl(rr, Array.from(a)) + tau * kl(cc, Array.from(b2));
    };
    expect(Math.abs(obj(u.plan) - u.objective)).toBeLessThan(1e-12);
    const rr = rng(2);
    for (let t = 0; t < 20; t++) {
      const P = u.plan.map((p) => p * (1 + 1e-3 * (rr() - 0.5)));
      expect(obj(P)).toBeGreaterThan(u.objective - 1e-15);
    }
  });

  it('semi-relaxed: τ_a = ∞ keeps the row marginal exactly', () => {
    const b3 = b.map((x) => 3 * x);
    const u = sinkhornUnbalanced(a, b3, C, { epsilon: 0.05, tauA: Infinity, tauB: 1, tol: 1e-10, maxIter: 100000 });
    expect(u.status).toBe('converged');
    const { r } = marginals(u.plan, n, m);
    expect(maxAbsDiff(r, a)).toBeLessThan(1e-10);
  });

  it('rejects bad τ', () => {
    expect(() => sinkhornUnbalanced(a, b, C, { tau: 0 })).toThrow(ArgumentError);
    expect(() => sinkhornUnbalanced(a, b, C, { tauA: -1 })).toThrow(/tauA must be > 0/);
    expect(() => sinkhornUnbalanced(a, b.map((x) => 2 * x), C, { tau: Infinity })).toThrow(/unequal mass/);
  });
});
