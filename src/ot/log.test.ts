import { describe, expect, it } from 'vitest';
import { sinkhorn, sinkhornBatched, sinkhornLog, sinkhornLogBatched, type BatchedProblem } from './index.ts';
import { allFinite, cosineProblem, l1, marginals, maxAbsDiff, rng, simplex, uniform } from './testing.ts';

/** Closed form of entropic OT for 2×2 problems: P = [[x, a1−x], [b1−x, a2−b1+x]] with x(a2−b1+x) = k(a1−x)(b1−x), k = exp((C01+C10−C00−C11)/ε). */
function closed2x2(a: number[], b: number[], C: number[], eps: number): number[] {
  const [a1, a2] = a as [number, number];
  const [b1] = b as [number];
  const k = Math.exp(((C[1] as number) + (C[2] as number) - (C[0] as number) - (C[3] as number)) / eps);
  const A = 1 - k;
  const Bq = a2 - b1 + k * (a1 + b1);
  const Cq = -k * a1 * b1;
  const lo = Math.max(0, b1 - a2);
  const hi = Math.min(a1, b1);
  let x: number;
  if (Math.abs(A) < 1e-14) x = -Cq / Bq;
  else {
    const d = Math.sqrt(Bq * Bq - 4 * A * Cq);
    const r1 = (-Bq + d) / (2 * A);
    const r2 = (-Bq - d) / (2 * A);
    x = r1 >= lo - 1e-12 && r1 <= hi + 1e-12 ? r1 : r2;
  }
  return [x, a1 - x, b1 - x, a2 - b1 + x];
}

describe('sinkhornLog (phase 1)', () => {
  it('meets the marginals within tol on random problems', () => {
    const r = rng(1);
    for (let t = 0; t < 5; t++) {
      const N = 5 + t * 3;
      const M = 7 + t;
      const a = simplex(r, N);
      const b = simplex(r, M);
      const C = cosineProblem(100 + t, N, M);
      const res = sinkhornLog(a, b, C, { epsilon: 0.05, tol: 1e-8, maxIter: 10000 });
      expect(res.status).toBe('converged');
      const { r: rs, c: cs } = marginals(res.plan, N, M);
      expect(l1(rs, a) + l1(cs, b)).toBeLessThanOrEqual(1e-8);
      expect(res.marginalError).toBeLessThanOrEqual(1e-8);
    }
  });

  it('matches the 2×2 closed form', () => {
    const cases: [number[], number[], number[], number][] = [
      [[0.5, 0.5], [0.5, 0.5], [0, 1, 1, 0], 1],
      [[0.3, 0.7], [0.6, 0.4], [0.2, 1.5, 0.9, 0.1], 0.5],
      [[0.3, 0.7], [0.6, 0.4], [0.2, 1.5, 0.9, 0.1], 0.05],
    ];
    for (const [a, b, C, eps] of cases) {
      const res = sinkhornLog(a, b, C, { epsilon: eps, tol: 1e-12, maxIter: 100000 });
      const want = closed2x2(a, b, C, eps);
      expect(maxAbsDiff(res.plan, want)).toBeLessThan(1e-10);
    }
    // the documented example: p = 0.5/(1 + e^{-1})
    const ex = sinkhornLog([0.5, 0.5], [0.5, 0.5], [[0, 1], [1, 0]], { epsilon: 1 });
    expect(ex.plan[0]).toBeCloseTo(0.5 / (1 + Math.exp(-1)), 6);
  });

  it('recovers the permutation as ε → 0 on a permutation cost', () => {
    const n = 12;
    const r = rng(7);
    const perm = Array.from({ length: n }, (_, i) => i).sort(() => r() - 0.5);
    const C = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) C[i * n + j] = j === perm[i] ? 0 : 0.5 + r();
    const res = sinkhornLog(uniform(n), uniform(n), C, { epsilon: 1e-3 });
    expect(res.status).toBe('converged');
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(Math.abs((res.plan[i * n + j] as number) - (j === perm[i] ? 1 / n : 0))).toBeLessThan(1e-6);
      }
    }
    expect(res.value).toBeLessThan(1e-6);
  });

  it('stays finite at ε = 1e-3 with costs in [0, 2]', () => {
    for (const eps of [1e-3, 1e-2, 0.1, 1]) {
      const C = cosineProblem(3, 40, 30, 3);
      const res = sinkhornLog(uniform(40), uniform(30), C, { epsilon: eps, maxIter: 300 });
      expect(allFinite(res.plan)).toBe(true);
      expect(allFinite(res.f) && allFinite(res.g)).toBe(true);
      expect(Number.isFinite(res.value) && Number.isFinite(res.objective)).toBe(true);
      expect(res.status).not.toBe('numericalError');
    }
    // costs at the extremes 0 and 2 only
    const C = new Float64Array(64).map((_, k) => ((k * 7) % 3 === 0 ? 0 : 2));
    const res = sinkhornLog(uniform(8), uniform(8), C, { epsilon: 1e-3 });
    expect(allFinite(res.plan)).toBe(true);
  });

  it('float32 and float64 inputs give the same result', () => {
    const C = cosineProblem(5, 10, 10);
    const r64 = sinkhornLog(uniform(10), uniform(10), Float64Array.from(Float32Array.from(C)), { tol: 1e-9 });
    const r32 = sinkhornLog(new Float32Array(uniform(10)), new Float32Array(uniform(10)), Float32Array.from(C), { tol: 1e-9 });
    expect(maxAbsDiff(r64.plan, r32.plan)).toBeLessThan(1e-7);
  });

  it('reports maxIter when stopped early and keeps the dispatcher consistent', () => {
    const C = cosineProblem(9, 10, 10);
    const res = sinkhornLog(uniform(10), uniform(10), C, { maxIter: 1 });
    expect(res.status).toBe('maxIter');
    expect(res.converged).toBe(false);
    expect(res.iterations).toBe(1);
    const d = sinkhorn(uniform(10), uniform(10), C, { method: 'log', tol: 1e-9 });
    const l = sinkhornLog(uniform(10), uniform(10), C, { tol: 1e-9 });
    expect(maxAbsDiff(d.plan, l.plan)).toBe(0);
  });
});

/** A padded batch with random lengths. */
function makeBatch(seed: number, B: number, N: number, M: number, withMarginals: boolean): BatchedProblem {
  const r = rng(seed);
  const cost = new Float32Array(B * N * M);
  const rowLengths = new Int32Array(B);
  const colLengths = new Int32Array(B);
  const a = new Float64Array(B * N);
  const b = new Float64Array(B * M);
  for (let k = 0; k < B; k++) {
    const n = 1 + Math.floor(r() * N);
    const m = 1 + Math.floor(r() * M);
    rowLengths[k] = n;
    colLengths[k] = m;
    const C = cosineProblem(seed * 1000 + k, n, m);
    for (let i = 0; i < N; i++) for (let j = 0; j < M; j++) cost[k * N * M + i * M + j] = i < n && j < m ? (C[i * m + j] as number) : 5 + r(); // junk in padding
    a.set(simplex(r, n), k * N);
    b.set(simplex(r, m), k * M);
    for (let i = n; i < N; i++) a[k * N + i] = r(); // junk in padding: must be ignored
  }
  return { cost, batch: B, rows: N, cols: M, rowLengths, colLengths, ...(withMarginals ? { a, b } : {}) };
}

describe('sinkhornLogBatched (phase 1)', () => {
  for (const withMarginals of [false, true]) {
    it(`equals per-problem results and puts zero mass on padding (marginals given: ${withMarginals})`, () => {
      const B = 12;
      const N = 9;
      const M = 7;
      const p = makeBatch(11, B, N, M, withMarginals);
      const res = sinkhornLogBatched(p, { epsilon: 0.05, tol: 1e-9, maxIter: 5000 });
      for (let k = 0; k < B; k++) {
        const n = p.rowLengths![k] as number;
        const m = p.colLengths![k] as number;
        const C = new Float64Array(n * m);
        for (let i = 0; i < n; i++) for (let j = 0; j < m; j++) C[i * m + j] = p.cost[k * N * M + i * M + j] as number;
        const a = withMarginals ? p.a!.slice(k * N, k * N + n) : uniform(n);
        const b = withMarginals ? p.b!.slice(k * M, k * M + m) : uniform(m);
        const single = sinkhornLog(a, b, C, { epsilon: 0.05, tol: 1e-9, maxIter: 5000 });
        expect(res.value[k]).toBe(single.value);
        expect(res.iterations[k]).toBe(single.iterations);
        expect(res.converged[k]).toBe(1);
        expect(res.marginalError[k]).toBe(single.marginalError);
        for (let i = 0; i < N; i++) {
          for (let j = 0; j < M; j++) {
            const got = res.plan[k * N * M + i * M + j] as number;
            if (i < n && j < m) expect(got).toBe(single.plan[i * m + j]);
            else expect(got).toBe(0);
          }
          expect(res.f[k * N + i]).toBe(i < n ? single.f[i] : 0);
        }
        for (let j = 0; j < M; j++) expect(res.g[k * M + j]).toBe(j < m ? single.g[j] : 0);
      }
    });
  }

  it('stops each problem on its own and stays finite at ε = 1e-3', () => {
    const p = makeBatch(5, 6, 10, 10, false);
    const res = sinkhornLogBatched(p, { epsilon: 1e-3, maxIter: 200 });
    expect(allFinite(res.plan) && allFinite(res.f) && allFinite(res.g) && allFinite(res.value)).toBe(true);
    const its = new Set(res.iterations);
    expect(its.size).toBeGreaterThan(1);
  });

  it('sinkhornBatched with any method matches sinkhornLogBatched', () => {
    const p = makeBatch(3, 8, 6, 6, true);
    const ref = sinkhornLogBatched(p, { tol: 1e-10, maxIter: 20000 });
    for (const method of ['auto', 'stabilized', 'epsilonScaling', 'log'] as const) {
      const res = sinkhornBatched(p, { tol: 1e-10, maxIter: 20000, method });
      expect(maxAbsDiff(res.plan, ref.plan)).toBeLessThan(1e-8);
      expect(Array.from(res.converged)).toEqual(Array.from(ref.converged));
    }
  });
});
