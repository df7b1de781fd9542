import { describe, it, expect } from 'vitest';

describe('package subpath export', () => {
  it('`optical/ot` resolves to the OT library (README example)', async () => {
    const { sinkhorn } = await import('optical/ot');
    const r = sinkhorn([0.5, 0.5], [0.5, 0.5], [[0, 1], [1, 0]], { epsilon: 0.05 });
    expect(r.converged).toBe(true);
    expect(r.value).toBeLessThan(1e-6);
    expect(r.plan[0]).toBeCloseTo(0.5, 6);
    expect(r.plan[1]).toBeCloseTo(0, 6);
  });
});
