import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { emd, sinkhorn } from './index.ts';
import { cosineProblem, marginals, l1, maxAbsDiff, rng, simplex, uniform } from './testing.ts';

/** Brute force over permutations: exact OT for uniform n×n problems is an assignment problem. */
function bruteAssignment(C: Float64Array, n: number): number {
  let best = Infinity;
  const perm = Array.from({ length: n }, (_, i) => i);
  const rec = (k: number, acc: number): void => {
    if (acc >= best) return;
    if (k === n) {
      best = acc;
      return;
    }
    for (let t = k; t < n; t++) {
      [perm[k], perm[t]] = [perm[t] as number, perm[k] as number];
      rec(k + 1, acc + (C[k * n + (perm[k] as number)] as number));
      [perm[k], perm[t]] = [perm[t] as number, perm[k] as number];
    }
  };
  rec(0, 0);
  return best / n;
}

/** 1-D OT by the monotone (north-west corner) rule on sorted points: optimal for convex costs |x − y|^p, p ≥ 1. */
function sorted1d(x: number[], a: number[], y: number[], b: number[], p: number): { value: number; plan: Float64Array } {
  const n = x.length;
  const m = y.length;
  const ix = Array.from({ length: n }, (_, i) => i).sort((i, j) => (x[i] as number) - (x[j] as number));
  const iy = Array.from({ length: m }, (_, i) => i).sort((i, j) => (y[i] as number) - (y[j] as number));
  const plan = new Float64Array(n * m);
  let i = 0;
  let j = 0;
  let ra = a[ix[0] as number] as number;
  let rb = b[iy[0] as number] as number;
  let value = 0;
  while (i < n && j < m) {
    const t = Math.min(ra, rb);
    const si = ix[i] as number;
    const sj = iy[j] as number;
    plan[si * m + sj] = (plan[si * m + sj] as number) + t;
    value += t * Math.abs((x[si] as number) - (y[sj] as number)) ** p;
    ra -= t;
    rb -= t;
    if (ra <= 1e-15 && i < n) {
      i++;
      if (i < n) ra = a[ix[i] as number] as number;
    }
    if (rb <= 1e-15 && j < m) {
      j++;
      if (j < m) rb = b[iy[j] as number] as number;
    }
  }
  return { value, plan };
}

function cost1d(x: number[], y: number[], p: number): Float64Array {
  const C = new Float64Array(x.length * y.length);
  for (let i = 0; i < x.length; i++) for (let j = 0; j < y.length; j++) C[i * y.length + j] = Math.abs((x[i] as number) - (y[j] as number)) ** p;
  return C;
}

describe('emd (exact OT)', () => {
  it('matches brute-force assignment on small uniform problems', () => {
    for (let seed = 1; seed <= 6; seed++) {
      const n = 3 + (seed % 4);
      const C = cosineProblem(seed, n, n, 3);
      const r = emd(uniform(n), uniform(n), C);
      expect(r.status).toBe('converged');
      expect(Math.abs(r.value - bruteAssignment(C, n))).toBeLessThan(1e-14);
    }
  });

  it('returns optimal duals: feasible, tight on the support, strong duality', () => {
    const r0 = rng(3);
    const n = 25;
    const m = 31;
    const a = simplex(r0, n);
    const b = simplex(r0, m);
    const C = cosineProblem(9, n, m);
    const r = emd(a, b, C);
    let dual = 0;
    for (let i = 0; i < n; i++) dual += (a[i] as number) * (r.f[i] as number);
    for (let j = 0; j < m; j++) dual += (b[j] as number) * (r.g[j] as number);
    expect(Math.abs(dual - r.value)).toBeLessThan(1e-12);
    let nnz = 0;
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < m; j++) {
        const slack = (C[i * m + j] as number) - (r.f[i] as number) - (r.g[j] as number);
        expect(slack).toBeGreaterThan(-1e-12);
        if ((r.plan[i * m + j] as number) > 0) {
          nnz++;
          expect(Math.abs(slack)).toBeLessThan(1e-12);
        }
      }
    }
    expect(nnz).toBeLessThanOrEqual(n + m - 1); // a vertex of the transport polytope
    const { r: rs, c: cs } = marginals(r.plan, n, m);
    expect(l1(rs, a) + l1(cs, b)).toBeLessThan(1e-14);
  });

  it('solves 1-D problems like the sorted matching', () => {
    const r0 = rng(11);
    for (const p of [1, 2]) {
      // uniform, equal sizes: a permutation
      const n = 40;
      const x = Array.from({ length: n }, () => r0() * 2);
      const y = Array.from({ length: n }, () => r0() * 2 - 0.3);
      const ref = sorted1d(x, Array.from(uniform(n)), y, Array.from(uniform(n)), p);
      const r = emd(uniform(n), uniform(n), cost1d(x, y, p));
      expect(Math.abs(r.value - ref.value)).toBeLessThan(1e-13);
      if (p === 2) expect(maxAbsDiff(r.plan, ref.plan)).toBeLessThan(1e-15); // unique for strictly convex cost
      // weighted, different sizes
      const m = 23;
      const a = Array.from(simplex(r0, n));
      const b = Array.from(simplex(r0, m));
      const y2 = Array.from({ length: m }, () => r0() * 2);
      const ref2 = sorted1d(x, a, y2, b, p);
      const r2 = emd(a, b, cost1d(x, y2, p));
      expect(Math.abs(r2.value - ref2.value)).toBeLessThan(1e-13);
      if (p === 2) expect(maxAbsDiff(r2.plan, ref2.plan)).toBeLessThan(1e-13);
    }
  });

  it('is the ε → 0 limit of entropic OT (plan and cost) on random small problems', () => {
    for (let seed = 1; seed <= 4; seed++) {
      const r0 = rng(seed);
      const n = 8;
      const m = 10;
      const a = simplex(r0, n);
      const b = simplex(r0, m);
      const C = cosineProblem(100 + seed, n, m, 3);
      const ex = emd(a, b, C);
      let prev = Infinity;
      for (const eps of [1e-1, 1e-2, 1e-3]) {
        const r = sinkhorn(a, b, C, { epsilon: eps, tol: 1e-10, maxIter: 100000 });
        expect(r.status).toBe('converged');
        const gap = r.value - ex.value;
        expect(gap).toBeGreaterThan(-1e-9); // the exact plan is optimal for <P, C>
        expect(gap).toBeLessThan(prev + 1e-12);
        prev = gap;
      }
      const r = sinkhorn(a, b, C, { epsilon: 1e-3, tol: 1e-10, maxIter: 100000 });
      expect(r.value - ex.value).toBeLessThan(1e-3 * Math.log(n * m));
      expect(maxAbsDiff(r.plan, ex.plan)).toBeLessThan(1e-2);
    }
  });

  it('handles zero-mass entries and rejects bad input', () => {
    const C = cosineProblem(4, 4, 3);
    const r = emd([0.5, 0, 0.5, 0], [0.2, 0.8, 0], C);
    expect(r.status).toBe('converged');
    for (let j = 0; j < 3; j++) expect(r.plan[1 * 3 + j]).toBe(0);
    for (let i = 0; i < 4; i++) expect(r.plan[i * 3 + 2]).toBe(0);
    expect(() => emd([0.5, 0.5], [1, 1], [0, 1, 1, 0])).toThrow(ArgumentError);
    expect(() => emd([0.5, 0.5], [0.5, 0.5], [0, 1, 1])).toThrow(/expected N·M/);
  });
});
