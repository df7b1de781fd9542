import { describe, expect, it } from 'vitest';
import { emd, otGradients, sinkhorn, sinkhornDivergence } from './index.ts';
import { cosineProblem, rng, simplex, unitVectors } from './testing.ts';

const OPTS = { epsilon: 0.1, tol: 1e-13, maxIter: 100000, method: 'log' as const };

describe('otGradients', () => {
  const r0 = rng(8);
  const n = 7;
  const m = 6;
  const a = simplex(r0, n);
  const b = simplex(r0, m);
  const C = cosineProblem(12, n, m, 3);

  it('∂W/∂C = plan (finite differences of the entropic objective)', () => {
    const base = sinkhorn(a, b, C, OPTS);
    const grad = otGradients(base);
    const h = 1e-6;
    for (const k of [0, 5, 17, 41]) {
      const Cp = C.slice();
      const Cm = C.slice();
      Cp[k] = (Cp[k] as number) + h;
      Cm[k] = (Cm[k] as number) - h;
      const fd = (sinkhorn(a, b, Cp, OPTS).objective - sinkhorn(a, b, Cm, OPTS).objective) / (2 * h);
      expect(Math.abs(fd - (grad.cost[k] as number))).toBeLessThan(1e-7);
    }
  });

  it('∂W/∂a = f, ∂W/∂b = g along mass-preserving directions', () => {
    const base = sinkhorn(a, b, C, OPTS);
    const grad = otGradients(base);
    const h = 1e-6;
    for (const [i, k] of [[0, 3], [2, 6], [5, 1]] as const) {
      const ap = a.slice();
      const am = a.slice();
      ap[i] = (ap[i] as number) + h;
      ap[k] = (ap[k] as number) - h;
      am[i] = (am[i] as number) - h;
      am[k] = (am[k] as number) + h;
      const fd = (sinkhorn(ap, b, C, OPTS).objective - sinkhorn(am, b, C, OPTS).objective) / (2 * h);
      expect(Math.abs(fd - ((grad.a[i] as number) - (grad.a[k] as number)))).toBeLessThan(1e-7);
    }
    const bp = b.slice();
    const bm = b.slice();
    bp[0] = (bp[0] as number) + h;
    bp[4] = (bp[4] as number) - h;
    bm[0] = (bm[0] as number) - h;
    bm[4] = (bm[4] as number) + h;
    const fd = (sinkhorn(a, bp, C, OPTS).objective - sinkhorn(a, bm, C, OPTS).objective) / (2 * h);
    expect(Math.abs(fd - ((grad.b[0] as number) - (grad.b[4] as number)))).toBeLessThan(1e-7);
    // centred
    expect(Math.abs(grad.a.reduce((s, x) => s + x, 0))).toBeLessThan(1e-12);
  });

  it('exact OT: ∂value/∂C = plan and ∂value/∂a = f where the solution is unique', () => {
    const ex = emd(a, b, C);
    const grad = otGradients(ex);
    const h = 1e-7;
    for (const k of [0, 9, 23]) {
      const Cp = C.slice();
      Cp[k] = (Cp[k] as number) + h;
      const fd = (emd(a, b, Cp).value - ex.value) / h;
      expect(Math.abs(fd - (grad.cost[k] as number))).toBeLessThan(1e-6);
    }
    const ap = a.slice();
    ap[1] = (ap[1] as number) + h;
    ap[4] = (ap[4] as number) - h;
    const fd = (emd(ap, b, C).value - ex.value) / h;
    expect(Math.abs(fd - ((grad.a[1] as number) - (grad.a[4] as number)))).toBeLessThan(1e-6);
  });
});

describe('sinkhornDivergence', () => {
  /** Euclidean distance costs between point clouds `[N, D]`, `[M, D]`. */
  function dist(X: Float64Array, Y: Float64Array, N: number, M: number, D: number): Float64Array {
    const C = new Float64Array(N * M);
    for (let i = 0; i < N; i++) {
      for (let j = 0; j < M; j++) {
        let s = 0;
        for (let d = 0; d < D; d++) s += ((X[i * D + d] as number) - (Y[j * D + d] as number)) ** 2;
        C[i * M + j] = Math.sqrt(s);
      }
    }
    return C;
  }
  const r0 = rng(4);
  const N = 9;
  const M = 11;
  const D = 3;
  const X = unitVectors(r0, N, D);
  const Y = unitVectors(r0, M, D).map((v) => v * 0.7 + 0.2);
  const a = simplex(r0, N);
  const b = simplex(r0, M);
  const opts = { epsilon: 0.1, tol: 1e-13, maxIter: 100000 };

  it('is zero between a measure and itself and positive otherwise', () => {
    const Cxx = dist(X, X, N, N, D);
    const self = sinkhornDivergence(a, a, Cxx, Cxx, Cxx, opts);
    expect(Math.abs(self.value)).toBeLessThan(1e-9); // limited by the alternating solve of W(a, a) at tol
    const d = sinkhornDivergence(a, b, dist(X, Y, N, M, D), Cxx, dist(Y, Y, M, M, D), opts);
    expect(d.converged).toBe(true);
    expect(d.value).toBeGreaterThan(0);
    // debiasing: W_ε(a, a) > 0 (entropic bias), S removes it
    expect(self.wab).toBeGreaterThan(0);
  });

  it('gradient with respect to the weights matches finite differences', () => {
    const Cxy = dist(X, Y, N, M, D);
    const Cxx = dist(X, X, N, N, D);
    const Cyy = dist(Y, Y, M, M, D);
    const d = sinkhornDivergence(a, b, Cxy, Cxx, Cyy, opts);
    const h = 1e-6;
    const ap = a.slice();
    const am = a.slice();
    ap[2] = (ap[2] as number) + h;
    ap[7] = (ap[7] as number) - h;
    am[2] = (am[2] as number) - h;
    am[7] = (am[7] as number) + h;
    const fd = (sinkhornDivergence(ap, b, Cxy, Cxx, Cyy, opts).value - sinkhornDivergence(am, b, Cxy, Cxx, Cyy, opts).value) / (2 * h);
    expect(Math.abs(fd - ((d.gradA[2] as number) - (d.gradA[7] as number)))).toBeLessThan(1e-7);
  });
});
