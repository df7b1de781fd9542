/**
 * Late interaction: MaxSim against a hand-computed case, token vectors persisted with the index, and
 * MaxSim re-ranking with the real teacher on the 20-document collection of testing.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUseLite } from '../models/use-lite.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { maxSim, normalizeRows, TokenVectors } from './late.ts';
import { SearchIndex } from './search-index.ts';
import { DOCS, QUERIES, docId } from './testing.ts';

describe('maxSim', () => {
  it('sums, over query tokens, the best cosine over document tokens', () => {
    // D = 2; query tokens (1,0), (0,1); document tokens (1,0), (0.6,0.8)
    const q = new Float32Array([1, 0, 0, 1]);
    const d = new Float32Array([1, 0, 0.6, 0.8]);
    expect(maxSim(q, d, 2)).toBeCloseTo(1 + 0.8, 6);
    expect(normalizeRows(new Float32Array([3, 4, 0, 0]), 2)).toEqual(new Float32Array([0.6, 0.8, 0, 0]));
  });

  it('token vectors: prepare → commit persists, abort leaves the previous generation', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optical-late-')), 'late');
    const tv = TokenVectors.open(dir);
    tv.prepare(['a', 'b'], [new Float32Array([2, 0]), new Float32Array([0, 1, 1, 0])], 2);
    tv.commit();
    tv.prepare(['c'], [new Float32Array([1, 1])], 2);
    tv.abort();
    expect(readdirSync(dir).sort()).toEqual(['ids-1.json', 'tokens-1.safetensors', 'tokens.json']);
    const again = TokenVectors.open(dir);
    expect(again.count).toBe(2);
    expect(await again.score(new Float32Array([0, 5]), ['b', 'a'])).toEqual([{ id: 'b', score: 1 }, { id: 'a', score: 0 }]);
    await expect(again.score(new Float32Array([0, 1]), ['c'])).rejects.toThrow(/document "c" has no token vectors/);
  });
});

let teacher: KonaEncoder;
beforeAll(async () => {
  teacher = await loadUseLite();
});

describe('SearchIndex with late interaction (USE-lite teacher)', () => {
  it('MaxSim scores equal maxSim of fresh token encodings; candidate re-ranking returns k hits; MaxSim is refused without token vectors', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'optical-late-')), 'ix');
    const a = await SearchIndex.openOrCreate(dir, 'flat', { late: true });
    await a.add(DOCS.slice(0, 10).map((text, i) => ({ id: docId(i), text })), teacher);
    await a.close();
    const ix = await SearchIndex.openOrCreate(dir);
    await ix.add(DOCS.slice(10).map((text, i) => ({ id: docId(10 + i), text })), teacher);
    expect(ix.manifest).toMatchObject({ late: true, count: 20 });

    const exact = await ix.searchTexts([...QUERIES], teacher, 20, { maxsim: { candidates: 0 } });
    // every document scored, and the scores are MaxSim of the token states encoded afresh
    const enc = teacher.encode([QUERIES[3]!, ...DOCS], { tokens: true });
    const q = normalizeRows(enc.tokens![0]!, 512);
    for (const h of exact[3]!) {
      const i = Number(h.id.slice(4));
      expect(h.score).toBeCloseTo(maxSim(q, normalizeRows(enc.tokens![1 + i]!, 512), 512), 4); // the JS reference
    }
    expect(exact[3]).toHaveLength(20);
    const top5 = await ix.searchTexts([...QUERIES], teacher, 3, { maxsim: { candidates: 5 } });
    top5.forEach((hits) => expect(hits.length).toBe(3));
    // how often MaxSim ranks the paraphrased document first on this toy set (informational bound only)
    const firsts = exact.filter((hits, i) => hits[0]!.id === docId(i)).length;
    expect(firsts).toBeGreaterThanOrEqual(10);
    await ix.close();
    const plain = await SearchIndex.openOrCreate(join(mkdtempSync(join(tmpdir(), 'optical-late-')), 'ix'), 'flat');
    await plain.add([{ id: 'x', text: 'hello' }], teacher);
    await expect(plain.searchTexts(['hi'], teacher, 1, { maxsim: {} })).rejects.toThrow(/MaxSim needs token vectors: this index was built without --late/);
    await expect(SearchIndex.openOrCreate(plain.dir, undefined, { late: true })).rejects.toThrow(/built without late interaction/);
  });
});
