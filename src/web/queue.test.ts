import { describe, it, expect } from 'vitest';
import { Batcher, QueueFullError, WorkQueue } from './queue.ts';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('WorkQueue', () => {
  it('runs one job at a time, in order', async () => {
    const q = new WorkQueue({ concurrency: 1 });
    let running = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4].map((i) =>
        q.run(async () => {
          running++;
          peak = Math.max(peak, running);
          await tick();
          order.push(i);
          running--;
        }),
      ),
    );
    expect(peak).toBe(1);
    expect(order).toEqual([0, 1, 2, 3, 4]);
    expect(q.active).toBe(0);
  });

  it('refuses jobs beyond maxPending with a 503 and keeps serving afterwards', async () => {
    const q = new WorkQueue({ maxPending: 2 });
    const started = [q.run(tick), q.run(tick), q.run(tick)]; // one runs, two wait
    await expect(q.run(tick)).rejects.toBeInstanceOf(QueueFullError);
    await expect(q.run(tick)).rejects.toMatchObject({ status: 503, headers: { 'retry-after': '1' } });
    await Promise.all(started);
    await expect(q.run(() => 7)).resolves.toBe(7);
  });

  it('a failing job frees its slot', async () => {
    const q = new WorkQueue();
    await expect(q.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(q.run(() => 1)).resolves.toBe(1);
    expect(q.active).toBe(0);
  });
});

describe('Batcher', () => {
  it('groups items waiting together by key into batches of at most maxBatch', async () => {
    const q = new WorkQueue();
    const calls: [string, number[]][] = [];
    const b = new Batcher<number, number>(q, async (key, items) => {
      calls.push([key, items]);
      await tick();
      return items.map((x) => x * 10);
    }, 3);
    const out = await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit('a', x)).concat([b.submit('b', 6)]));
    expect(out).toEqual([10, 20, 30, 40, 50, 60]);
    // items submitted in the same turn form one group: "a" in batches of at most 3, then "b"
    expect(calls).toEqual([['a', [1, 2, 3]], ['a', [4, 5]], ['b', [6]]]);
  });

  it('rejects every item of a failed batch, and bounds the items waiting', async () => {
    const q = new WorkQueue();
    const b = new Batcher<number, number>(q, () => Promise.reject(new Error('bad batch')), 64, 2);
    const busy = q.run(tick); // items now wait
    const first = [b.submit('k', 1), b.submit('k', 2)];
    await expect(b.submit('k', 3)).rejects.toBeInstanceOf(QueueFullError);
    for (const p of first) await expect(p).rejects.toThrow('bad batch');
    await busy;
  });
});
