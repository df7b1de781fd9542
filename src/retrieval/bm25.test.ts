import { describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Bm25Index } from './bm25.ts';
import { InputError } from '../errors.ts';

const tmp = () => join(mkdtempSync(join(tmpdir(), 'optical-bm25-')), 'ix');

// N = 3 documents, lengths 3, 2, 4 → avgdl = 3
const DOCS = [
  { id: 'a', text: 'the cat sat', line: 1 },
  { id: 'b', text: 'the dog', line: 2 },
  { id: 'c', text: 'cat and cat dog', line: 3 },
];

/** BM25 term score written out: idf = ln(1 + (N − n + 0.5)/(n + 0.5)), tf part with k1, b. */
const term = (n: number, tf: number, len: number, k1: number, b: number) =>
  Math.log(1 + (3 - n + 0.5) / (n + 0.5)) * ((tf * (k1 + 1)) / (tf + k1 * (1 - b + (b * len) / 3)));

describe('Bm25Index', () => {
  it('scores exactly the BM25 formula (hand-computed), for default and per-search k1/b', () => {
    const ix = Bm25Index.openOrCreate(tmp());
    ix.add(DOCS);
    // "cat dog": n_cat = 2, n_dog = 2
    const hits = ix.search('Cat, dog!', 10);
    const ca = term(2, 1, 3, 1.2, 0.75);
    const cb = term(2, 1, 2, 1.2, 0.75);
    const cc = term(2, 2, 4, 1.2, 0.75) + term(2, 1, 4, 1.2, 0.75);
    expect(hits.map((h) => h.id)).toEqual(['c', 'b', 'a']);
    expect(hits[0]!.score).toBeCloseTo(cc, 8);
    expect(hits[1]!.score).toBeCloseTo(cb, 8);
    expect(hits[2]!.score).toBeCloseTo(ca, 8);
    expect(hits[0]).toMatchObject({ text: 'cat and cat dog' });
    const flat = ix.search('cat dog', 10, { k1: 2, b: 0 });
    expect(flat[0]!.score).toBeCloseTo(term(2, 2, 4, 2, 0) + term(2, 1, 4, 2, 0), 8);
    // a repeated query word counts twice; unknown words add nothing; no shared word → no hit
    expect(ix.search('sat sat zebra', 10)).toEqual([{ id: 'a', text: 'the cat sat', score: expect.closeTo(2 * term(1, 1, 3, 1.2, 0.75), 8) }]);
    expect(ix.search('zebra', 10)).toEqual([]);
  });

  it('ties are ordered by id; persists, adds incrementally and rejects duplicates', () => {
    const dir = tmp();
    const ix = Bm25Index.openOrCreate(dir, { k1: 0.9, b: 0.4 });
    ix.add([{ id: 'z', text: 'same words' }, { id: 'y', text: 'same words' }]);
    // two documents (wink needs three; scored directly): idf = ln(1 + 0.5/2.5), tf part = 1 at |d| = avgdl
    expect(ix.search('same', 5)).toEqual([
      { id: 'y', text: 'same words', score: expect.closeTo(Math.log(1.2), 12) },
      { id: 'z', text: 'same words', score: expect.closeTo(Math.log(1.2), 12) },
    ]);
    const again = Bm25Index.open(dir);
    expect(again.defaults).toEqual({ k1: 0.9, b: 0.4 });
    expect(() => again.add([{ id: 'z', text: 'x', line: 7 }], { file: 'more.tsv' })).toThrow(/more\.tsv:7: document id "z" is already in the index/);
    expect(() => again.add([{ id: 'q', text: 'x', line: 1 }, { id: 'q', text: 'y', line: 4 }], { file: 'f' })).toThrow(/f:4: duplicate id "q" \(first on line 1\)/);
    again.add([{ id: 'x', text: 'other same', lang: 'en' }], { translation: 'freedict-swh-eng' });
    expect(Bm25Index.open(dir).count()).toBe(3);
    expect(Bm25Index.open(dir).manifest).toMatchObject({ count: 3, generation: 2, languages: { en: 1 }, translations: ['freedict-swh-eng'] });
    expect(readdirSync(dir).sort()).toEqual(['docs-2.jsonl', 'index.json']);
  });

  it('bad parameters and a non-index folder are clear errors', () => {
    expect(() => Bm25Index.openOrCreate(tmp(), { b: 1.5 })).toThrow(/b must be in \[0, 1\], got 1.5/);
    const dir = mkdtempSync(join(tmpdir(), 'optical-bm25-'));
    writeFileSync(join(dir, 'x'), 'y');
    expect(() => Bm25Index.openOrCreate(dir)).toThrow(InputError);
    expect(() => Bm25Index.open(join(dir, 'none'))).toThrow(/no such index/);
  });
});
