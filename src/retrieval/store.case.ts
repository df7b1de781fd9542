/**
 * The shared VectorStore conformance suite (hono-style `runTest`): every implementation runs exactly these
 * cases through `runStoreSuite` (stores.test.ts). Exact stores must reproduce brute-force cosine
 * similarity (computed here in float64 on the raw, unnormalised vectors) in order and within 1e-5;
 * approximate stores must reach recall@10 ≥ 0.9 with correct scores for what they return.
 * Legend: N documents, D dim, k results.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import type { OpenStoreOptions, StoredDoc, StoreKind, VectorStore } from './store.ts';

export interface StoreImpl {
  kind: StoreKind;
  open(dir: string, opts?: OpenStoreOptions): Promise<VectorStore>;
  /** search is exact (brute force) */
  exact: boolean;
}

const TOL = 1e-5;

/** [n, D] Gaussian-ish vectors (sum of uniforms), seeded; not normalised. */
export function randomVectors(n: number, D: number, seed: number): Float32Array {
  const rand = mulberry32(seed);
  const v = new Float32Array(n * D);
  for (let i = 0; i < v.length; i++) v[i] = rand() + rand() + rand() - 1.5;
  return v;
}

/** Brute-force cosine top-k in float64: the reference. Ties by id ascending. */
export function bruteForce(vectors: Float32Array, ids: string[], q: Float32Array, k: number): { id: string; score: number }[] {
  const D = q.length;
  let qn = 0;
  for (const x of q) qn += x * x;
  const all = ids.map((id, i) => {
    let dot = 0;
    let vn = 0;
    for (let j = 0; j < D; j++) {
      const x = vectors[i * D + j]!;
      dot += q[j]! * x;
      vn += x * x;
    }
    return { id, score: dot / Math.sqrt(qn * vn) };
  });
  return all.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).slice(0, k);
}

const docsFor = (ids: string[]): StoredDoc[] => ids.map((id) => ({ id }));
const tmp = () => join(mkdtempSync(join(tmpdir(), 'optical-store-')), 'store');

export function runStoreSuite(impl: StoreImpl): void {
  describe(`VectorStore conformance: ${impl.kind}`, () => {
    it('an empty store: count 0, no hits, nothing written to disk', async () => {
      const dir = tmp();
      const s = await impl.open(dir, { dim: 4 });
      expect(s.kind).toBe(impl.kind);
      expect(await s.count()).toBe(0);
      expect(await s.search(new Float32Array([1, 0, 0, 0]), 3)).toEqual([]);
      expect(await s.has(['a'])).toEqual([]);
      const info = await s.info();
      expect(info).toMatchObject({ kind: impl.kind, count: 0, metric: 'cosine' });
      await s.close();
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    });

    it(`search ${impl.exact ? 'equals' : 'approximates'} brute-force cosine on unnormalised vectors`, async () => {
      const N = 120;
      const D = 24;
      const V = randomVectors(N, D, 1);
      const ids = [...Array(N).keys()].map((i) => `d${i}`);
      const s = await impl.open(tmp());
      await s.add(docsFor(ids), V);
      expect(await s.count()).toBe(N);
      expect(await s.info()).toMatchObject({ kind: impl.kind, dim: D, count: N, metric: 'cosine', exact: impl.exact });
      const Q = randomVectors(10, D, 2);
      let found = 0;
      for (let qi = 0; qi < 10; qi++) {
        const q = Q.subarray(qi * D, (qi + 1) * D);
        const want = bruteForce(V, ids, q, 10);
        const got = await s.search(q, 10);
        expect(got).toHaveLength(10);
        for (let r = 1; r < got.length; r++) expect(got[r - 1]!.score).toBeGreaterThanOrEqual(got[r]!.score);
        if (impl.exact) {
          expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
          got.forEach((h, r) => expect(Math.abs(h.score - want[r]!.score)).toBeLessThan(TOL));
        } else {
          const truth = new Map(bruteForce(V, ids, q, N).map((h) => [h.id, h.score]));
          for (const h of got) expect(Math.abs(h.score - truth.get(h.id)!)).toBeLessThan(TOL);
          const wantIds = new Set(want.map((h) => h.id));
          found += got.filter((h) => wantIds.has(h.id)).length;
        }
      }
      if (!impl.exact) expect(found / 100).toBeGreaterThanOrEqual(0.9);
      await s.close();
    });

    it('k larger than the collection returns every document; k must be a positive integer', async () => {
      const s = await impl.open(tmp());
      await s.add(docsFor(['a', 'b', 'c']), randomVectors(3, 5, 3));
      expect(await s.search(randomVectors(1, 5, 4), 50)).toHaveLength(3);
      await expect(s.search(randomVectors(1, 5, 4), 0)).rejects.toThrow(ArgumentError);
      await expect(s.search(randomVectors(1, 5, 4), 1.5)).rejects.toThrow(ArgumentError);
      await expect(s.search(randomVectors(1, 4, 4), 1)).rejects.toThrow(/dim 4, the store 5/);
      await s.close();
    });

    it('stored fields round-trip: text, lang, nested meta; absent fields stay absent', async () => {
      const s = await impl.open(tmp());
      const docs: StoredDoc[] = [
        { id: 'x', text: 'Habari ya asubuhi', lang: 'swh', meta: { title: 'Greeting', tags: ['a', 1], n: { deep: true } } },
        { id: 'y', text: 'Good morning' },
        { id: 'z' },
      ];
      await s.add(docs, new Float32Array([1, 0, 0, 0, 1, 0, 0, 0, 1]));
      const [x] = await s.search(new Float32Array([2, 0, 0]), 1);
      expect(x).toEqual({ ...docs[0], score: expect.closeTo(1, 5) });
      const [y] = await s.search(new Float32Array([0, 1, 0]), 1);
      expect(y).toEqual({ id: 'y', text: 'Good morning', score: expect.closeTo(1, 5) });
      const [z] = await s.search(new Float32Array([0, 0, 1]), 1);
      expect(z).toEqual({ id: 'z', score: expect.closeTo(1, 5) });
      await s.close();
    });

    it('persists: reopen sees the same documents and results; incremental add after reopening', async () => {
      const dir = tmp();
      const D = 8;
      const V1 = randomVectors(20, D, 5);
      const ids1 = [...Array(20).keys()].map((i) => `a${i}`);
      const s = await impl.open(dir);
      await s.add(docsFor(ids1), V1);
      const q = randomVectors(1, D, 6);
      const before = await s.search(q, 5);
      await s.close();

      const r = await impl.open(dir);
      expect(await r.count()).toBe(20);
      expect((await r.info()).dim).toBe(D);
      expect(await r.search(q, 5)).toEqual(before);
      const V2 = randomVectors(15, D, 7);
      const ids2 = [...Array(15).keys()].map((i) => `b${i}`);
      await r.add(docsFor(ids2), V2);
      expect(await r.count()).toBe(35);
      await r.close();

      const t = await impl.open(dir, { dim: D });
      expect(await t.count()).toBe(35);
      const all = new Float32Array(35 * D);
      all.set(V1);
      all.set(V2, 20 * D);
      const want = bruteForce(all, [...ids1, ...ids2], q, 10);
      const got = await t.search(q, 10);
      if (impl.exact) expect(got.map((h) => h.id)).toEqual(want.map((h) => h.id));
      else expect(got.filter((h) => want.some((w) => w.id === h.id)).length).toBeGreaterThanOrEqual(9);
      expect(await t.has(['a3', 'nope', 'b14'])).toEqual(['a3', 'b14']);
      await t.close();
      await expect(impl.open(dir, { dim: D + 1 })).rejects.toThrow(ArgumentError);
    });

    it('duplicate ids are rejected (within a batch and against the store), leaving the store unchanged', async () => {
      const dir = tmp();
      const s = await impl.open(dir);
      await s.add(docsFor(['a', 'b']), randomVectors(2, 4, 8));
      await expect(s.add(docsFor(['c', 'c']), randomVectors(2, 4, 9))).rejects.toThrow(/duplicate id "c" within the batch/);
      await expect(s.add(docsFor(['d', 'b']), randomVectors(2, 4, 9))).rejects.toThrow(/id "b" is already in the store/);
      expect(await s.count()).toBe(2);
      expect(await s.has(['c', 'd'])).toEqual([]);
      await s.close();
      const r = await impl.open(dir);
      expect(await r.count()).toBe(2);
      await r.close();
    });

    it('invalid vectors are rejected before anything is written', async () => {
      const dir = tmp();
      const s = await impl.open(dir);
      await expect(s.add(docsFor(['a']), new Float32Array([0, 0, 0]))).rejects.toThrow(/zero vector/);
      await expect(s.add(docsFor(['a', 'b']), new Float32Array([1, 2, 3]))).rejects.toThrow(ArgumentError);
      expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
      await s.add(docsFor(['a']), new Float32Array([1, 2, 3]));
      await expect(s.add(docsFor(['b']), new Float32Array([1, NaN, 3]))).rejects.toThrow(/non-finite/);
      await expect(s.add(docsFor(['b']), new Float32Array([1, 2, 3, 4]))).rejects.toThrow(/expected 1 documents × dim 3/);
      await expect(s.add([{ id: '' }], new Float32Array([1, 2, 3]))).rejects.toThrow(/non-empty string/);
      await expect(s.search(new Float32Array([0, 0, 0]), 1)).rejects.toThrow(/zero query/);
      expect(await s.count()).toBe(1);
      await s.close();
    });

    it('equal scores are ordered by id', async () => {
      const s = await impl.open(tmp());
      const v = [0.6, 0.8, 0];
      await s.add(docsFor(['m', 'b', 'z', 'a']), new Float32Array([...v, ...v, 0, 0, 1, ...v]));
      const hits = await s.search(new Float32Array(v), 3);
      expect(hits.map((h) => h.id)).toEqual(['a', 'b', 'm']);
      await s.close();
    });
  });
}
