import { describe, expect, it } from 'vitest';
import { KernelWorkspace, kernelCore, writeKernelPlan } from './kernel.ts';
import { logCore, logCoreJS, LogWorkspace } from './log.ts';
import { prepareSingle } from './validate.ts';
import { assembleKernelModule, kernelModule, rowPassJS, WasmArena } from './wasm.ts';
import { cosineProblem, maxAbsDiff, rng, simplex } from './testing.ts';

describe('wasm kernels', () => {
  const mod = kernelModule();

  it('assembles a valid module (SIMD available on Node ≥ 16.4)', () => {
    expect(assembleKernelModule().length).toBeGreaterThan(100);
    expect(mod).not.toBeNull(); // compiled (validated) by this Node
  });

  it('row pass equals the JS reference for odd/even sizes and row ranges', () => {
    const r = rng(1);
    for (const [n, m, r0, r1] of [[1, 1, 0, 1], [3, 5, 0, 3], [7, 9, 2, 7], [16, 33, 0, 16], [33, 64, 5, 32]] as const) {
      const ar = new WasmArena(mod!, (n * m + 3 * n + 3 * m + 16) * 8);
      const F = new Float64Array(ar.memory.buffer);
      const oK = 0, oV = n * m, oU = oV + m, oA = oU + n, oT = oA + n, oS = oT + n;
      for (let k = 0; k < n * m; k++) F[oK + k] = r();
      for (let k = 0; k < m; k++) F[oV + k] = r();
      for (let k = 0; k < n; k++) F[oU + k] = r();
      for (let k = 0; k < n; k++) F[oA + k] = r();
      if (m > 1) F[oK + r0 * m] = 0; // a zero kernel entry
      const K = F.slice(oK, oK + n * m), v = F.slice(oV, oV + m), u = F.slice(oU, oU + n), a = F.slice(oA, oA + n);
      const t = new Float64Array(n), s = new Float64Array(m);
      const e1 = rowPassJS(K, v, u, a, t, s, r0, r1, m);
      const e2 = ar.rowpass(oK * 8, oV * 8, oU * 8, oA * 8, oT * 8, oS * 8, r0, r1, m);
      expect(Math.abs(e1 - e2)).toBeLessThan(1e-12 * Math.abs(e1));
      for (let i = r0; i < r1; i++) expect(Math.abs((t[i] as number) - (F[oT + i] as number))).toBeLessThan(1e-13 * Math.abs(t[i] as number));
      for (let j = 0; j < m; j++) expect(Math.abs((s[j] as number) - (F[oS + j] as number))).toBeLessThan(1e-13 * Math.abs(s[j] as number) + 1e-300);
    }
  });

  it('row pass skips rows whose scaling is not finite (K row of zeros)', () => {
    const n = 4, m = 6;
    const ar = new WasmArena(mod!, 4096);
    const F = new Float64Array(ar.memory.buffer);
    const oK = 0, oV = 24, oU = 30, oA = 34, oT = 38, oS = 42;
    for (let k = 0; k < n * m; k++) F[oK + k] = k < m ? 0 : 1; // row 0 all zero
    F.fill(1, oV, oV + m);
    F.fill(1, oU, oU + n);
    F.fill(0.25, oA, oA + n);
    ar.rowpass(oK * 8, oV * 8, oU * 8, oA * 8, oT * 8, oS * 8, 0, n, m);
    expect(F[oT]).toBe(Infinity);
    for (let j = 0; j < m; j++) expect(F[oS + j]).toBeCloseTo(3 * (0.25 / 6), 15);
  });

  it('vexp matches Math.exp to 1 ulp on [−708, 709] and flushes below', () => {
    const len = 20001; // odd: exercises the scalar tail
    const ar = new WasmArena(mod!, (len + 2) * 8);
    const F = new Float64Array(ar.memory.buffer, 0, len);
    const r = rng(3);
    const X = new Float64Array(len).map((_, k) => (k % 3 === 0 ? -740 + 1449 * r() : -50 * r()));
    X[0] = 0;
    X[1] = -708;
    X[2] = 709;
    X[3] = -1e-300;
    X[len - 1] = -3.25;
    F.set(X);
    ar.vexp(0, len);
    for (let k = 0; k < len; k++) {
      const x = X[k] as number;
      const e = Math.exp(x);
      if (x < -708) expect(F[k] === 0 || Math.abs((F[k] as number) - e) <= 1e-307).toBe(true);
      else expect(Math.abs((F[k] as number) - e)).toBeLessThanOrEqual(2.3e-16 * e);
    }
  });
});

describe('kernelCore: wasm, JS and two-thread paths agree', () => {
  const solve = (ws: KernelWorkspace, n: number, m: number) => {
    const r = rng(n + m);
    const Pb = prepareSingle('t', simplex(r, n), simplex(r, m), cosineProblem(n * m, n, m));
    const f = new Float64Array(n);
    const g = new Float64Array(m);
    const core = kernelCore(Pb, 0.05, f, g, 500, 1e-10, null, ws, true);
    const plan = new Float64Array(n * m);
    const st = writeKernelPlan(Pb, ws, f, g, 0.05, plan, 0);
    return { core, plan, st, f, g, Pb };
  };

  it('on a small problem (JS reference vs wasm)', () => {
    const js = solve(new KernelWorkspace({ wasm: false }), 37, 29);
    const wa = solve(new KernelWorkspace(), 37, 29);
    expect(js.core.status).toBe('converged');
    expect(wa.core.status).toBe('converged');
    expect(maxAbsDiff(js.plan, wa.plan)).toBeLessThan(1e-12);
    // and the plan is the log-domain one
    const f = new Float64Array(37);
    const g = new Float64Array(29);
    logCore(js.Pb, 0.05, f, g, 5000, 1e-12, null);
    expect(maxAbsDiff(js.f.map((x, i) => x - (f[i] as number)), new Float64Array(37).fill((js.f[0] as number) - (f[0] as number)))).toBeLessThan(1e-8);
  });

  it('on a large problem (one thread vs two threads)', () => {
    const n = 300;
    const m = 260; // ≥ PARALLEL_MIN_ENTRIES
    const one = solve(new KernelWorkspace({ threads: 1 }), n, m);
    const ws2 = new KernelWorkspace({ threads: 2 });
    const two = solve(ws2, n, m);
    expect(ws2.lastPassParallel).toBe(true);
    expect(two.core.status).toBe('converged');
    expect(two.core.iterations).toBe(one.core.iterations);
    expect(maxAbsDiff(one.plan, two.plan)).toBeLessThan(1e-14);
    expect(Math.abs(one.st.value - two.st.value)).toBeLessThan(1e-13);
  });
});

describe('logCore: wasm log-sum-exp kernels vs the JS reference', () => {
  it('agree on odd/even sizes and small ε', () => {
    for (const [n, m, eps] of [[1, 1, 0.1], [7, 4, 0.05], [16, 33, 1e-3], [40, 31, 0.02]] as const) {
      const r = rng(n * 100 + m);
      const Pb = prepareSingle('t', simplex(r, n), simplex(r, m), cosineProblem(n + m, n, m, 3));
      const f1 = new Float64Array(n), g1 = new Float64Array(m);
      const f2 = new Float64Array(n), g2 = new Float64Array(m);
      const h1: number[] = [];
      const h2: number[] = [];
      const c1 = logCoreJS(Pb, eps, f1, g1, 300, 1e-12, h1);
      const c2 = logCore(Pb, eps, f2, g2, 300, 1e-12, h2, new LogWorkspace());
      expect(c2.iterations).toBe(c1.iterations);
      expect(maxAbsDiff(f1, f2)).toBeLessThan(1e-10);
      expect(maxAbsDiff(g1, g2)).toBeLessThan(1e-10);
      expect(Math.abs((h1.at(-1) as number) - (h2.at(-1) as number))).toBeLessThan(1e-10);
    }
  });
});
