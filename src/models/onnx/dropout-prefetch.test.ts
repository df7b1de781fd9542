/**
 * Dropout masks drawn one step ahead on a worker (dropout-prefetch.ts) are the masks the step draws itself,
 * the step's forward takes every one of them when the next step's jobs were requested, and its outputs do not
 * change.
 */
import { describe, it, expect, afterAll } from 'vitest';
import { setTimeout as sleep } from 'node:timers/promises';
import { ortAvailable } from './runtime.ts';
import { DropoutPrefetcher } from './dropout-prefetch.ts';
import { KonaTrainStep, dropoutMultipliers } from './train-step.ts';
import { TINY, randomParams } from './testing.ts';

const same = (a: Float32Array, b: Float32Array): boolean => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

async function started(p: DropoutPrefetcher): Promise<void> {
  for (let i = 0; i < 600 && !p.started; i++) await sleep(50);
  expect(p.started, 'the worker started within 30 s').toBe(true);
}

describe('DropoutPrefetcher', () => {
  const p = new DropoutPrefetcher();
  afterAll(() => p.dispose());

  it('hands out the masks dropoutMultipliers draws, for requested jobs only; two requests stay valid', async () => {
    await started(p);
    const a = [{ n: 1000, rate: 0.1, seed: 5 }, { n: 37, rate: 0.3, seed: 6 }];
    const b = [{ n: 2000, rate: 0.1, seed: 9 }];
    p.request(a);
    p.request(b);
    for (const j of [...a, ...b]) {
      const m = p.take(j.n, j.rate, j.seed)!;
      expect(m, `job ${j.seed}`).toBeDefined();
      expect(same(m, dropoutMultipliers([j.n], j.rate, j.seed))).toBe(true);
    }
    expect(p.hits).toBe(3);
    expect(p.take(1000, 0.1, 7)).toBeUndefined(); // never requested
    expect(p.take(999, 0.1, 5)).toBeUndefined(); // another size
    expect(p.misses).toBe(2);
    p.request([{ n: 10, rate: 0.1, seed: 1 }]); // a third request: the first one's masks are gone
    expect(p.take(1000, 0.1, 5)).toBeUndefined();
  });

  (ortAvailable() ? it : it.skip)('the training step takes every mask of its requested jobs, and computes the same', async () => {
    await started(p);
    const step = new KonaTrainStep(TINY, { threads: 1 });
    const params = randomParams(TINY, 3);
    const B = 3, L = 5;
    const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L < 4 - (i >= L ? 1 : 0) ? i % 7 : -1));
    const embeds = Float32Array.from({ length: B * L * TINY.embedDim }, (_, i) => Math.sin(i));
    const batch = { B, L, ids, embeds };
    const jobs = step.dropoutJobs(B, L, 0.1, 42);
    expect(jobs.length).toBe(1 + 2 * TINY.layers.length);
    const hits = p.hits;
    p.request(jobs);
    const pre = step.forward(params, batch, { dropout: 0.1, seed: 42, masks: p });
    expect(p.hits - hits).toBe(jobs.length);
    const own = step.forward(params, batch, { dropout: 0.1, seed: 42 });
    expect(same(pre.tokens, own.tokens) && same(pre.embedding, own.embedding)).toBe(true);
    const none = step.forward(params, batch, { dropout: 0 });
    expect(same(none.tokens, own.tokens)).toBe(false); // the masks did something
    step.dispose();
  });
});
