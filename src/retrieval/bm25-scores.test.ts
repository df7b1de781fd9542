import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bm25Scores } from './bm25-scores.ts';
import { Bm25Index } from './bm25.ts';

// N = 3 documents, lengths 3, 2, 4 → avgdl = 3
const DOCS = ['the cat sat', 'the dog', 'cat and cat dog'];
const term = (n: number, tf: number, len: number, k1 = 1.2, b = 0.75) =>
  Math.log(1 + (3 - n + 0.5) / (n + 0.5)) * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / 3)));

describe('bm25Scores', () => {
  it('equals the formula written out (repeats count, unknown words add nothing, no shared word → 0)', () => {
    const S = bm25Scores(['Cat, dog!', 'sat sat zebra', 'zebra'], DOCS);
    expect(S).toHaveLength(9);
    // "cat dog": n_cat = 2, n_dog = 2
    expect(S[0]).toBeCloseTo(term(2, 1, 3), 12);
    expect(S[1]).toBeCloseTo(term(2, 1, 2), 12);
    expect(S[2]).toBeCloseTo(term(2, 2, 4) + term(2, 1, 4), 12);
    expect(Array.from(S.slice(3, 6))).toEqual([expect.closeTo(2 * term(1, 1, 3), 12), 0, 0]);
    expect(Array.from(S.slice(6))).toEqual([0, 0, 0]);
    const flat = bm25Scores(['cat dog'], DOCS, { k1: 2, b: 0 });
    expect(flat[2]).toBeCloseTo(term(2, 2, 4, 2, 0) + term(2, 1, 4, 2, 0), 12);
    expect(() => bm25Scores(['x'], DOCS, { k1: -1 })).toThrow(/k1/);
  });

  it('ranks and scores as the persistent Bm25Index (wink) on a small collection', () => {
    const docs = ['Habari za asubuhi rafiki', 'Mtoto anasoma kitabu kipya', 'Asubuhi njema, mtoto', 'Kitabu cha rafiki yangu', 'habari njema sana sana'];
    const queries = ['habari asubuhi', 'mtoto kitabu', 'sana njema habari', 'rafiki'];
    const ix = Bm25Index.openOrCreate(join(mkdtempSync(join(tmpdir(), 'optical-bm25s-')), 'ix'));
    ix.add(docs.map((text, i) => ({ id: `d${i}`, text })));
    const S = bm25Scores(queries, docs, { k1: 0.9, b: 0.4 });
    queries.forEach((q, i) => {
      const hits = ix.search(q, docs.length, { k1: 0.9, b: 0.4 });
      for (const h of hits) expect(S[i * docs.length + Number(h.id.slice(1))]).toBeCloseTo(h.score, 8);
      const matched = new Set(hits.map((h) => h.id));
      docs.forEach((_, j) => matched.has(`d${j}`) || expect(S[i * docs.length + j]).toBe(0));
    });
  });
});
