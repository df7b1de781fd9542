/** LanceDB specifics beyond the shared conformance suite: the optional ANN index. */
import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LanceStore } from './lancedb.ts';
import { bruteForce, randomVectors } from './store.case.ts';

describe('LanceStore.buildAnnIndex', () => {
  it('builds IVF-HNSW-SQ: info().exact becomes false, exact scores, recall@10 ≥ 0.9 on 512 random vectors, large k, persists', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optical-lance-')), 'store');
    const s = await LanceStore.open(dir);
    await expect(s.buildAnnIndex()).rejects.toThrow(/the store is empty/);
    const N = 512;
    const D = 16;
    const V = randomVectors(N, D, 11);
    const ids = [...Array(N).keys()].map((i) => `d${i}`);
    await s.add(ids.map((id) => ({ id })), V);
    expect((await s.info()).exact).toBe(true);
    await s.buildAnnIndex();
    await s.close();
    const r = await LanceStore.open(dir);
    expect(await r.info()).toMatchObject({ exact: false, details: { indices: ['IvfHnswSq'] } });
    const Q = randomVectors(20, D, 12);
    let found = 0;
    for (let i = 0; i < 20; i++) {
      const q = Q.subarray(i * D, (i + 1) * D);
      const truth = new Map(bruteForce(V, ids, q, N).map((h) => [h.id, h.score]));
      const want = new Set(bruteForce(V, ids, q, 10).map((h) => h.id));
      const got = await r.search(q, 10);
      // candidates from the index, scores re-computed on the full vectors: exact
      for (const h of got) expect(Math.abs(h.score - truth.get(h.id)!)).toBeLessThan(1e-5);
      found += got.filter((h) => want.has(h.id)).length;
    }
    expect(found / 200).toBeGreaterThanOrEqual(0.9);
    expect(await r.search(Q.subarray(0, D), 200)).toHaveLength(200);
    await r.close();
  });
});
