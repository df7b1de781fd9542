/**
 * One conformance suite over every OT variant (hono-style shared cases): marginals within tol,
 * agreement between entropic variants within 1e-5 on a seeded problem, `maxIter: 1` reports
 * non-convergence, finite results for ε ∈ [1e-3, 1] with costs in [0, 2], potentials consistent
 * with the plan.
 */
import { describe, expect, it } from 'vitest';
import {
  emd,
  sinkhorn,
  sinkhornAuto,
  sinkhornBatched,
  sinkhornEpsilonScaling,
  sinkhornLog,
  sinkhornLogBatched,
  sinkhornStabilized,
  sinkhornUnbalanced,
  type SolverOptions,
} from './index.ts';
import { allFinite, cosineProblem, l1, marginals, maxAbsDiff, rng, simplex } from './testing.ts';

interface Out {
  plan: Float64Array;
  value: number;
  converged: boolean;
  marginalError: number;
  iterations: number;
  f: Float64Array;
  g: Float64Array;
}
type Variant = { name: string; entropic: boolean; run: (a: Float64Array, b: Float64Array, C: Float64Array, o: SolverOptions) => Out };

/** Solve one problem through a batched solver (batch of 3 copies, padded by 2 rows/cols), returning problem 1. */
function viaBatch(solve: typeof sinkhornLogBatched) {
  return (a: Float64Array, b: Float64Array, C: Float64Array, o: SolverOptions): Out => {
    const n = a.length;
    const m = b.length;
    const N = n + 2;
    const M = m + 2;
    const B = 3;
    const cost = new Float64Array(B * N * M);
    const A = new Float64Array(B * N);
    const Bm = new Float64Array(B * M);
    for (let k = 0; k < B; k++) {
      for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) cost[k * N * M + i * M + j] = C[i * m + j] as number;
      A.set(a, k * N);
      Bm.set(b, k * M);
    }
    const len = (x: number) => new Int32Array(B).fill(x);
    const r = solve({ cost, batch: B, rows: N, cols: M, rowLengths: len(n), colLengths: len(m), a: A, b: Bm }, o);
    const plan = new Float64Array(n * m);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < M; j++) {
        const p = r.plan[N * M + i * M + j] as number;
        if (i < n && j < m) plan[i * m + j] = p;
        else expect(p).toBe(0);
      }
    }
    return {
      plan,
      value: r.value[1] as number,
      converged: r.converged[1] === 1,
      marginalError: r.marginalError[1] as number,
      iterations: r.iterations[1] as number,
      f: r.f.slice(N, N + n),
      g: r.g.slice(M, M + m),
    };
  };
}

const VARIANTS: Variant[] = [
  { name: 'sinkhorn (auto)', entropic: true, run: (a, b, C, o) => sinkhorn(a, b, C, o) },
  { name: 'sinkhornAuto', entropic: true, run: (a, b, C, o) => sinkhornAuto(a, b, C, o) },
  { name: 'sinkhornLog', entropic: true, run: (a, b, C, o) => sinkhornLog(a, b, C, o) },
  { name: 'sinkhornStabilized', entropic: true, run: (a, b, C, o) => sinkhornStabilized(a, b, C, o) },
  { name: 'sinkhornEpsilonScaling', entropic: true, run: (a, b, C, o) => sinkhornEpsilonScaling(a, b, C, o) },
  { name: "sinkhorn method 'log'", entropic: true, run: (a, b, C, o) => sinkhorn(a, b, C, { ...o, method: 'log' }) },
  { name: 'sinkhornLogBatched', entropic: true, run: viaBatch(sinkhornLogBatched) },
  { name: 'sinkhornBatched (auto)', entropic: true, run: viaBatch(sinkhornBatched) },
  { name: 'sinkhornBatched (stabilized)', entropic: true, run: viaBatch((p, o) => sinkhornBatched(p, { ...o, method: 'stabilized' })) },
  { name: 'sinkhornBatched (epsilonScaling)', entropic: true, run: viaBatch((p, o) => sinkhornBatched(p, { ...o, method: 'epsilonScaling' })) },
  { name: 'sinkhornUnbalanced (τ = ∞)', entropic: true, run: (a, b, C, o) => sinkhornUnbalanced(a, b, C, { ...o, tau: Infinity }) },
  { name: 'emd', entropic: false, run: (a, b, C, o) => emd(a, b, C, { maxIter: o.maxIter === 1 ? 1 : undefined }) },
];

function seeded(seed: number, n: number, m: number) {
  const r = rng(seed);
  return { a: simplex(r, n), b: simplex(r, m), C: cosineProblem(seed, n, m, 4) };
}

describe.each(VARIANTS)('conformance: $name', (v) => {
  const { a, b, C } = seeded(42, 17, 13);
  const opts: SolverOptions = { epsilon: 0.1, tol: 1e-9, maxIter: 20000 };

  it('meets the marginals within tol and reports convergence', () => {
    const r = v.run(a, b, C, opts);
    expect(r.converged).toBe(true);
    const { r: rs, c: cs } = marginals(r.plan, a.length, b.length);
    expect(l1(rs, a) + l1(cs, b)).toBeLessThanOrEqual(1e-9);
    expect(r.marginalError).toBeLessThanOrEqual(1e-9);
  });

  it('maxIter: 1 reports non-convergence', () => {
    const r = v.run(a, b, C, { ...opts, maxIter: 1 });
    expect(r.converged).toBe(false);
    expect(r.iterations).toBeLessThanOrEqual(1);
  });

  if (v.entropic) {
    it('agrees with the log-domain reference within 1e-5', () => {
      const ref = sinkhornLog(a, b, C, { epsilon: 0.1, tol: 1e-12, maxIter: 100000 });
      const r = v.run(a, b, C, opts);
      expect(maxAbsDiff(r.plan, ref.plan)).toBeLessThan(1e-5);
      expect(Math.abs(r.value - ref.value)).toBeLessThan(1e-5);
      // potentials are unique up to (f + c, g − c)
      const c = (r.f[0] as number) - (ref.f[0] as number);
      for (let i = 0; i < a.length; i++) expect(Math.abs((r.f[i] as number) - (ref.f[i] as number) - c)).toBeLessThan(1e-5);
      for (let j = 0; j < b.length; j++) expect(Math.abs((r.g[j] as number) - (ref.g[j] as number) + c)).toBeLessThan(1e-5);
    });

    it('returns potentials consistent with the plan: P = exp((f ⊕ g − C)/ε)', () => {
      const r = v.run(a, b, C, opts);
      for (let i = 0; i < a.length; i++) {
        for (let j = 0; j < b.length; j++) {
          const p = Math.exp(((r.f[i] as number) + (r.g[j] as number) - (C[i * b.length + j] as number)) / 0.1);
          expect(Math.abs((r.plan[i * b.length + j] as number) - p)).toBeLessThanOrEqual(1e-12 + 1e-9 * p);
        }
      }
    });

    it('reports numericalError (not NaN garbage) when the iterates overflow', () => {
      if (v.name.includes('Batched')) return; // batches take no warm start
      const huge = { f: new Float64Array(a.length).fill(1e308), g: new Float64Array(b.length).fill(1e308) };
      const r = v.run(a, b, C, { ...opts, warmStart: huge }) as Out & { status?: string };
      expect(r.converged).toBe(false);
      if (r.status !== undefined) expect(r.status).toBe('numericalError');
    });

        it('is finite for ε ∈ [1e-3, 1] with costs in [0, 2]', () => {
      const n = 30;
      const r0 = rng(5);
      const C2 = cosineProblem(77, n, n, 2); // low dimension: costs spread over [0, 2]
      for (let k = 0; k < n * n; k += 7) C2[k] = r0() < 0.5 ? 0 : 2; // include the extremes
      const u = new Float64Array(n).fill(1 / n);
      for (const eps of [1e-3, 3e-3, 1e-2, 0.05, 0.2, 1]) {
        const r = v.run(u, u, C2, { epsilon: eps, maxIter: 200, tol: 1e-6 });
        expect(allFinite(r.plan) && allFinite(r.f) && allFinite(r.g) && Number.isFinite(r.value)).toBe(true);
        expect(r.marginalError).toBeLessThan(1); // not garbage even when not converged
      }
    });
  }
});
