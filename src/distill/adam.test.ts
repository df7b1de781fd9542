import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initEngine } from '../models/engine.ts';
import { aleaUniform } from '../util/alea.ts';
import { ArrayAdam, DenseAdam, SparseAdam, type AdamConfig } from './adam.ts';

const CFG: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };

/** AdamW in float64, written from the formula (adam.ts header), for one tensor over `steps` gradients. */
function reference(p0: Float64Array, grads: Float64Array[], lrs: number[], cfg: AdamConfig): Float64Array {
  const p = p0.slice(), m = new Float64Array(p.length), v = new Float64Array(p.length);
  grads.forEach((g, s) => {
    const t = s + 1, lr = lrs[s]!;
    for (let i = 0; i < p.length; i++) {
      m[i] = cfg.beta1 * m[i]! + (1 - cfg.beta1) * g[i]!;
      v[i] = cfg.beta2 * v[i]! + (1 - cfg.beta2) * g[i]! * g[i]!;
      const mh = m[i]! / (1 - cfg.beta1 ** t), vh = v[i]! / (1 - cfg.beta2 ** t);
      p[i] = p[i]! - lr * (mh / (Math.sqrt(vh) + cfg.eps) + cfg.weightDecay * p[i]!);
    }
  });
  return p;
}

function randoms(n: number, seed: number, scale = 1): Float32Array {
  return aleaUniform(seed, n).map((u) => (u - 0.5) * 2 * scale);
}

const maxRel = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(1e-3, Math.abs(b[i]!)));
  return worst;
};

describe('Adam', () => {
  beforeAll(async () => {
    await initEngine();
  });
  const n = 600, steps = 4, lrs = [1e-2, 2e-2, 1.5e-2, 5e-3];
  const p0 = randoms(n, 1);
  const grads = Array.from({ length: steps }, (_, s) => randoms(n, 10 + s, s === 2 ? 1e-4 : 1)); // one step of tiny gradients
  const ref = reference(Float64Array.from(p0), grads.map((g) => Float64Array.from(g)), lrs, CFG);

  it('ArrayAdam follows the AdamW formula (float64 reference)', () => {
    const adam = new ArrayAdam({ w: [20, 30] }, CFG);
    const params = { w: p0.slice() };
    grads.forEach((g, s) => adam.step(params, { w: g }, lrs[s]!, s + 1));
    expect(maxRel(params.w, ref)).toBeLessThan(1e-5);
    // and the parameters did move: the update is not a no-op
    expect(maxRel(params.w, p0)).toBeGreaterThan(1e-3);
  });

  it('DenseAdam (engine tensors) gives the same parameters as ArrayAdam', () => {
    const v = tf.variable(tf.tensor2d(p0, [20, 30]));
    const adam = new DenseAdam({ w: v }, CFG);
    grads.forEach((g, s) => tf.tidy(() => adam.step({ w: tf.tensor2d(g, [20, 30]) }, lrs[s]!, s + 1)));
    expect(maxRel(v.dataSync(), ref)).toBeLessThan(1e-5);
    adam.dispose();
    v.dispose();
  });

  it('SparseAdam updates exactly the rows given, as ArrayAdam would, and leaves the others alone', () => {
    const E = 6, rows = n / E;
    const table = p0.slice();
    const adam = new SparseAdam(table, E, CFG);
    const touched = Int32Array.from({ length: rows / 2 }, (_, i) => 2 * i + 1); // the odd rows, every step
    grads.forEach((g, s) => {
      const grad = new Float32Array(touched.length * E);
      touched.forEach((r, i) => grad.set(g.subarray(r * E, (r + 1) * E), i * E));
      adam.step({ rows: touched, grad }, lrs[s]!, s + 1);
    });
    for (let r = 0; r < rows; r++) {
      const got = table.subarray(r * E, (r + 1) * E);
      if (r % 2 === 0) expect([...got]).toEqual([...p0.subarray(r * E, (r + 1) * E)]);
      else expect(maxRel(got, ref.subarray(r * E, (r + 1) * E))).toBeLessThan(1e-5);
    }
  });
});

describe('ArrayAdam on a worker thread (adam-offload.ts)', () => {
  const shapes = { a: [30, 20], b: [7] };
  const init = { a: randoms(600, 3), b: randoms(7, 4) };
  const gradsAt = (s: number) => ({ a: randoms(600, 100 + s), b: randoms(7, 200 + s) });

  it('gives the same weights bit for bit as the update on the calling thread, and the weights did go to the worker', async () => {
    const local = new ArrayAdam(shapes, CFG);
    const off = new ArrayAdam(shapes, CFG, { offload: true });
    try {
      const until = Date.now() + 20_000;
      while (!off.workerReady && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
      expect(off.workerReady).toBe(true);
      const p1 = { a: init.a.slice(), b: init.b.slice() };
      let p2: Record<string, Float32Array> = { a: init.a.slice(), b: init.b.slice() };
      for (let s = 1; s <= 3; s++) {
        local.step(p1, gradsAt(s), 1e-2 * s, s);
        const before = p2;
        off.begin(p2, gradsAt(s), 1e-2 * s, s);
        expect(before.a!.length).toBe(0); // transferred: detached here until end()
        p2 = { ...p2, ...off.end() };
      }
      expect([...p2.a!]).toEqual([...p1.a]);
      expect([...p2.b!]).toEqual([...p1.b]);
      expect([...off.m['a']!]).toEqual([...local.m['a']!]);
      expect([...off.v['b']!]).toEqual([...local.v['b']!]);
    } finally {
      off.dispose();
    }
  });

  it('updates on the calling thread when the weights cannot be transferred (a view into a larger buffer)', () => {
    const off = new ArrayAdam(shapes, CFG, { offload: true });
    try {
      const big = new Float32Array(700);
      big.set(init.a);
      const p = { a: big.subarray(0, 600), b: init.b.slice() };
      off.begin(p, gradsAt(1), 1e-2, 1);
      const out = off.end();
      expect(out['a']).toBe(p.a); // the same array, updated in place
      expect(maxRel(p.a, init.a)).toBeGreaterThan(1e-3);
      expect(() => off.end()).toThrow(/without begin/);
    } finally {
      off.dispose();
    }
  });
});
