/**
 * End to end with the real teacher (USE-lite) on 20 tiny English documents: paraphrase queries find their
 * documents first on every store, incremental adds after reopening, duplicate ids rejected before encoding,
 * model-space refusal, and nothing half-written when an add fails.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUseLite } from '../models/use-lite.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { InputError } from '../errors.ts';
import { SearchIndex, type IndexEncoder, type NewDoc } from './search-index.ts';
import { STORE_KINDS } from './store.ts';
import { DOCS, QUERIES, docId } from './testing.ts';

let teacher: KonaEncoder;
beforeAll(async () => {
  teacher = await loadUseLite();
});

const tmp = () => mkdtempSync(join(tmpdir(), 'optical-index-'));
const docs = (from: number, to: number, lang = 'en'): NewDoc[] => DOCS.slice(from, to).map((text, j) => ({ id: docId(from + j), text, lang, line: j + 1 }));

/** The teacher under another name/space (the index only looks at meta and dim). */
function alias(meta: { name: string; teacher?: string }, dim = 512, calls?: { n: number }): IndexEncoder {
  return {
    meta,
    dim,
    encode: (texts, opts) => {
      if (calls) calls.n++;
      const r = teacher.encode(texts, opts);
      if (dim === r.dim) return r;
      const out = new Float32Array(texts.length * dim);
      for (let i = 0; i < texts.length; i++) out.set(r.embeddings.subarray(i * r.dim, i * r.dim + Math.min(dim, r.dim)), i * dim);
      return { embeddings: out, dim };
    },
  };
}

describe('SearchIndex with the USE-lite teacher', () => {
  it.each(STORE_KINDS)('%s: paraphrases retrieve their documents first, after an incremental add on a reopened index', async (kind) => {
    const dir = join(tmp(), 'ix');
    const a = await SearchIndex.openOrCreate(dir, kind);
    expect(await a.add(docs(0, 12), teacher, { modelPath: 'teacher' })).toEqual({ added: 12, count: 12 });
    await a.close();

    const b = await SearchIndex.openOrCreate(dir);
    const rest = docs(12, 20, 'en');
    rest[0]!.meta = { source: 'test', n: 1 };
    expect(await b.add(rest, teacher, { modelPath: 'teacher' })).toEqual({ added: 8, count: 20 });
    await b.close();

    const c = await SearchIndex.open(dir);
    const m = c.manifest!;
    expect(m).toMatchObject({ format: 'optical-index', version: 1, store: kind, space: { teacher: 'use-lite', dim: 512 }, count: 20, languages: { en: 20 } });
    expect(m.model).toMatchObject({ name: 'use-lite', path: 'teacher', documents: 20 });
    expect(m.models).toHaveLength(1);
    const results = await c.searchTexts([...QUERIES], teacher, 3);
    results.forEach((hits, i) => {
      expect(hits[0]!.id, QUERIES[i]).toBe(docId(i));
      expect(hits[0]!.text).toBe(DOCS[i]);
      expect(hits[0]!.lang).toBe('en');
    });
    expect(results[12]![0]!.meta).toEqual({ source: 'test', n: 1 });
    expect((await c.info()).store).toMatchObject({ kind, count: 20, dim: 512 });
    await c.close();
  });

  it('flat and LanceDB return the same ranking and scores (both exact)', async () => {
    const run = async (kind: string) => {
      const ix = await SearchIndex.openOrCreate(join(tmp(), 'ix'), kind);
      await ix.add(docs(0, 20), teacher);
      const r = await ix.searchTexts(QUERIES.slice(0, 5), teacher, 20);
      await ix.close();
      return r;
    };
    const flat = await run('flat');
    const lance = await run('lancedb');
    flat.forEach((hits, q) => {
      expect(lance[q]!.map((h) => h.id)).toEqual(hits.map((h) => h.id));
      hits.forEach((h, r) => expect(Math.abs(lance[q]![r]!.score - h.score)).toBeLessThan(1e-5));
    });
  });

  it('duplicate ids are rejected before encoding, naming the file and line; the index is unchanged', async () => {
    const dir = join(tmp(), 'ix');
    const ix = await SearchIndex.openOrCreate(dir, 'flat');
    await ix.add(docs(0, 5), teacher);
    const calls = { n: 0 };
    const enc = alias({ name: 'use-lite' }, 512, calls);
    const again = [{ id: 'new-1', text: 'new', line: 1 }, { id: docId(3), text: 'dup', line: 2 }];
    await expect(ix.add(again, enc, { file: 'more.jsonl' })).rejects.toThrow(`more.jsonl:2: document id "doc-03" is already in the index ${dir}: duplicate ids are rejected`);
    await expect(ix.add([{ id: 'x', text: 'a', line: 4 }, { id: 'x', text: 'b', line: 9 }], enc, { file: 'f' })).rejects.toThrow('f:9: duplicate id "x" (first on line 4)');
    expect(calls.n).toBe(0);
    expect(await ix.count()).toBe(5);
    await ix.close();
    expect(JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')).count).toBe(5);
  });

  it('a query model of another teacher space is refused with a message naming both; a student of the same teacher is accepted', async () => {
    const dir = join(tmp(), 'ix');
    const ix = await SearchIndex.openOrCreate(dir, 'flat');
    await ix.add(docs(0, 20), teacher, { modelPath: 'teacher' });
    const labse = alias({ name: 'swh-labse', teacher: 'labse' });
    await expect(ix.searchTexts(['x'], labse, 5)).rejects.toThrow(InputError);
    await expect(ix.searchTexts(['x'], labse, 5)).rejects.toThrow(
      `${dir}: query model "swh-labse" (teacher labse, dim 512) does not map into the space of this index, encoded by "use-lite" (teacher use-lite, dim 512): use the teacher use-lite or a student distilled from it`,
    );
    await expect(ix.searchTexts(['x'], alias({ name: 'wide', teacher: 'use-lite' }, 768), 5)).rejects.toThrow(/query model "wide" \(teacher use-lite, dim 768\) does not map/);
    await expect(ix.add([{ id: 'z', text: 'z' }], labse)).rejects.toThrow(/^.*: document model "swh-labse" \(teacher labse, dim 512\) does not map/);
    expect(() => ix.checkModel({ meta: { name: 'swh-labse', teacher: 'labse' } })).toThrow(/query model "swh-labse" \(teacher labse\) does not map/);

    // a student distilled from use-lite (here: the teacher under a student's name) maps into the same space
    const student = alias({ name: 'swh-ot', teacher: 'use-lite' });
    const [hits] = await ix.searchTexts([QUERIES[4]!], student, 1);
    expect(hits![0]!.id).toBe(docId(4));
    await ix.add([{ id: 'sw-1', text: 'Paka analala kwenye sofa.', lang: 'swh' }], student, { modelPath: '/models/swh-ot' });
    expect(ix.manifest!.models.map((r) => [r.name, r.documents])).toEqual([['use-lite', 20], ['swh-ot', 1]]);
    expect(ix.manifest!.model.name).toBe('use-lite');
    expect(ix.manifest!.languages).toEqual({ en: 20, swh: 1 });
    await ix.close();
  });

  it('nothing is half-written: a failed first add leaves no index; a failed later add leaves it unchanged', async () => {
    const broken: IndexEncoder = { meta: { name: 'use-lite' }, dim: 512, encode: (t) => ({ embeddings: new Float32Array(t.length * 512).fill(NaN), dim: 512 }) };
    for (const kind of STORE_KINDS) {
      const dir = join(tmp(), 'ix');
      const ix = await SearchIndex.openOrCreate(dir, kind);
      await expect(ix.add(docs(0, 3), broken)).rejects.toThrow(/non-finite/);
      await ix.close();
      expect(existsSync(dir), kind).toBe(false);
    }
    const dir = join(tmp(), 'ix');
    const ix = await SearchIndex.openOrCreate(dir, 'lancedb');
    await ix.add(docs(0, 3), teacher);
    const before = readFileSync(join(dir, 'index.json'), 'utf8');
    await expect(ix.add(docs(3, 6), broken)).rejects.toThrow(/non-finite/);
    await ix.close();
    expect(readFileSync(join(dir, 'index.json'), 'utf8')).toBe(before);
    const re = await SearchIndex.open(dir);
    expect(await re.count()).toBe(3);
    await re.close();
  });

  it('missing, foreign and mismatched indexes are InputErrors', async () => {
    const root = tmp();
    await expect(SearchIndex.open(join(root, 'nope'))).rejects.toThrow(`${join(root, 'nope')}: no such index`);
    mkdirSync(join(root, 'other'));
    writeFileSync(join(root, 'other', 'notes.txt'), 'hi');
    await expect(SearchIndex.open(join(root, 'other'))).rejects.toThrow(/other: not an optical index \(no index\.json\)/);
    await expect(SearchIndex.openOrCreate(join(root, 'other'))).rejects.toThrow(/exists and is not an optical index/);
    await expect(SearchIndex.openOrCreate(join(root, 'x'), 'faiss')).rejects.toThrow('unknown store "faiss" (valid: lancedb, flat, hnsw)');
    const ix = await SearchIndex.openOrCreate(join(root, 'ix'), 'flat');
    await ix.add(docs(0, 2), teacher);
    await ix.close();
    await expect(SearchIndex.openOrCreate(join(root, 'ix'), 'hnsw')).rejects.toThrow(/uses store "flat", not "hnsw"/);
    writeFileSync(join(root, 'ix', 'index.json'), '{"format":"something-else"}');
    await expect(SearchIndex.open(join(root, 'ix'))).rejects.toThrow(/index\.json: not an optical index \(field "format" is "something-else"/);
  });
});
