/**
 * `optical index` and `optical search` as a user runs them (spawning bin/optical.js), on the 20-document
 * English collection of src/retrieval/testing.ts with the teacher: build, add incrementally, search one
 * query with --json, write a TREC run for a query file and score it with `optical eval trec`; bad input
 * exits 2 with a one-line message naming the file (and line) and leaves nothing behind.
 */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DOCS, QUERIES, docId } from '../retrieval/testing.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data' } });

/** Exit code 2 and exactly one stderr line `optical: …` matching `pattern` (no stack trace). */
function expectUserError(r: ReturnType<typeof run>, pattern: RegExp): void {
  expect(r.status, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n').filter((l) => l.startsWith('optical:') || /^\s+at /.test(l));
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
}

describe('optical index / search', () => {
  it('index → incremental add → search --json → search --queries --run → eval trec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-search-cli-'));
    const jsonl = DOCS.slice(0, 12).map((text, i) => JSON.stringify({ id: docId(i), text, lang: 'en', source: 'fixture' })).join('\n') + '\n';
    writeFileSync(join(dir, 'docs.jsonl'), jsonl);
    writeFileSync(join(dir, 'more.tsv'), DOCS.slice(12).map((text, j) => `${docId(12 + j)}\t${text}`).join('\n') + '\n');
    const ix = join(dir, 'ix');

    const a = run('index', '--model', 'teacher', '--docs', join(dir, 'docs.jsonl'), '--out', ix, '--json', '--quiet');
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual({ index: ix, added: 12, count: 12, format: 'jsonl', store: 'lancedb', model: 'use-lite', space: { teacher: 'use-lite', dim: 512 }, languages: { en: 12 } });
    // the second add also builds LanceDB's ANN index: results below must stay right, with exact scores
    const b = run('index', '--model', 'teacher', '--docs', join(dir, 'more.tsv'), '--out', ix, '--lang', 'en', '--ann');
    expect(b.status, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/^added 8 documents \(tsv\) to .*ix: 20 in all, store lancedb, encoded by use-lite \(teacher use-lite, dim 512\)\n$/);
    expect(b.stderr).toMatch(/encoding 8\/8/);

    const s = run('search', '--index', ix, '--query', QUERIES[0]!, '--json', '-k', '3');
    expect(s.status, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(Object.keys(out)).toEqual(['query', 'model', 'results']);
    expect(out.query).toBe(QUERIES[0]);
    expect(out.model).toBe('use-lite');
    expect(out.results).toHaveLength(3);
    expect(out.results[0]).toEqual({ id: docId(0), score: expect.any(Number), lang: 'en', text: DOCS[0] });
    for (const r of out.results) expect(Object.keys(r).every((key) => ['id', 'score', 'lang', 'text'].includes(key))).toBe(true);
    expect(out.results[0].score).toBeGreaterThan(out.results[1].score);

    const table = run('search', '--index', ix, '--query', QUERIES[5]!, '-k', '2');
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout.split('\n')[1]).toMatch(/^\s+1\s+0\.\d{4}\s+doc-05\s+en\s+She is learning to play the violin\.$/);

    const queries = QUERIES.map((q, i) => `q${i}\t${q}`).join('\n') + '\n';
    writeFileSync(join(dir, 'queries.tsv'), queries);
    const runFile = join(dir, 'out', 'run.txt');
    const r = run('search', '--index', ix, '--queries', join(dir, 'queries.tsv'), '--run', runFile, '-k', '5', '--quiet');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/wrote .*run\.txt: 20 queries, up to 5 documents each \(tag use-lite\)/);
    const lines = readFileSync(runFile, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines[0]).toMatch(/^q0 Q0 doc-00 1 0\.\d+ use-lite$/);
    expect(lines[4]!.split(' ')[3]).toBe('5');

    writeFileSync(join(dir, 'qrels.txt'), QUERIES.map((_, i) => `q${i} 0 ${docId(i)} 1`).join('\n') + '\n');
    const e = run('eval', 'trec', '--qrels', join(dir, 'qrels.txt'), '--run', runFile, '--measures', 'MRR@10,P@1,R@5', '--json');
    expect(e.status, e.stderr).toBe(0);
    const ev = JSON.parse(e.stdout);
    expect(ev.queries).toBe(20);
    expect(ev.measures).toEqual({ 'MRR@10': 1, 'P@1': 1, 'R@5': 1 });
  });

  it('bad input: one-line errors naming file and line, exit code 2, nothing half-written', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-search-cli-'));
    const ix = join(dir, 'ix');
    writeFileSync(join(dir, 'bad.jsonl'), '{"id":"a","text":"fine"}\n{"id":"b","text":"broken"\n');
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'bad.jsonl'), '--out', ix), /^optical: .*bad\.jsonl:2: invalid JSON/);
    writeFileSync(join(dir, 'noid.jsonl'), '{"id":"a","text":"fine"}\n{"text":"no id"}\n');
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'noid.jsonl'), '--out', ix), /^optical: .*noid\.jsonl:2: missing field "id"$/);
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'noid.jsonl'), '--out', ix, '--format', 'csv'), /^optical: unknown collection format "csv" \(valid: auto, jsonl, beir, tsv\)$/);
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'noid.jsonl'), '--out', ix, '--store', 'faiss'), /unknown store "faiss"/);
    expect(existsSync(ix)).toBe(false);

    expectUserError(run('search', '--index', join(dir, 'nope'), '--query', 'x'), /^optical: .*nope: no such index$/);

    writeFileSync(join(dir, 'ok.tsv'), 'a\tThe cat sleeps.\nb\tMarkets fell.\n');
    const ok = run('index', '--model', 'teacher', '--docs', join(dir, 'ok.tsv'), '--out', ix, '--store', 'flat', '--quiet');
    expect(ok.status, ok.stderr).toBe(0);
    writeFileSync(join(dir, 'dup.tsv'), 'c\tNew one.\nb\tAgain.\n');
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'dup.tsv'), '--out', ix), /^optical: .*dup\.tsv:2: document id "b" is already in the index .*: duplicate ids are rejected$/);
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'dup.tsv'), '--out', ix, '--store', 'lancedb'), /uses store "flat", not "lancedb"/);
    expectUserError(run('index', '--model', 'teacher', '--docs', join(dir, 'dup.tsv'), '--out', ix, '--ann'), /--ann builds a LanceDB index; this index uses store "flat"/);

    // a student of another teacher is refused from its config.json, before its weights are loaded
    const other = join(dir, 'labse-student');
    mkdirSync(other);
    writeFileSync(join(other, 'config.json'), JSON.stringify({ architecture: 'optical-kona', name: 'swh-labse', teacher: 'labse' }));
    expectUserError(
      run('search', '--index', ix, '--query', 'cat', '--model', other),
      /^optical: .*ix: query model "swh-labse" \(teacher labse\) does not map into the space of this index, encoded by "use-lite" \(teacher use-lite, dim 512\)/,
    );
    expectUserError(run('index', '--model', other, '--docs', join(dir, 'dup.tsv'), '--out', ix), /document model "swh-labse" \(teacher labse\) does not map/);
    expectUserError(run('search', '--index', ix, '--query', 'cat', '--model', join(dir, 'missing-model')), /missing-model: no such model folder/);

    expectUserError(run('search', '--index', ix), /give either --query TEXT or --queries FILE --run OUT/);
    expectUserError(run('search', '--index', ix, '--queries', join(dir, 'ok.tsv')), /--queries needs --run OUT/);
    expectUserError(run('search', '--index', ix, '--query', 'cat', '-k', '0'), /-k must be a positive integer, got "0"/);
    writeFileSync(join(dir, 'q.tsv'), 'q1\tcats\nq1\tdogs\n');
    const runFile = join(dir, 'run.txt');
    expectUserError(run('search', '--index', ix, '--queries', join(dir, 'q.tsv'), '--run', runFile), /q\.tsv:2: duplicate query id "q1" \(first on line 1\)/);
    expect(existsSync(runFile)).toBe(false);
  });

  it('bm25 index → search → TREC run; --translate; late interaction with --maxsim; misuse is a one-line error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-search-cli-'));
    writeFileSync(join(dir, 'docs.tsv'), DOCS.map((text, i) => `${docId(i)}\t${text}`).join('\n') + '\n');
    const ix = join(dir, 'bm25');
    const a = run('index', '--method', 'bm25', '--docs', join(dir, 'docs.tsv'), '--out', ix, '--k1', '0.9', '--b', '0.4', '--json');
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toEqual({ index: ix, method: 'bm25', added: 20, count: 20, format: 'tsv', bm25: { k1: 0.9, b: 0.4 }, translation: null, languages: {} });
    const s = run('search', '--index', ix, '--query', 'violin lessons', '--json');
    expect(s.status, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(out.model).toBe('bm25');
    expect(out.results).toEqual([{ id: docId(5), score: expect.any(Number), text: DOCS[5] }]);
    writeFileSync(join(dir, 'q.tsv'), 'q5\tviolin\nq13\tteeth children\n');
    const r = run('search', '--index', ix, '--queries', join(dir, 'q.tsv'), '--run', join(dir, 'run.txt'), '--k1', '2', '-k', '1');
    expect(r.status, r.stderr).toBe(0);
    expect(readFileSync(join(dir, 'run.txt'), 'utf8')).toMatch(/^q5 Q0 doc-05 1 \S+ bm25\nq13 Q0 doc-13 1 \S+ bm25\n$/);

    // a made-up dictionary: "fidla" → violin
    const body = 'fidla\nviolin\n';
    writeFileSync(join(dir, 'toy.index'), 'fidla\tA\tN\n');
    writeFileSync(join(dir, 'toy.dict.dz'), gzipSync(Buffer.from(body)));
    const t = run('search', '--index', ix, '--query', 'fidla', '--translate', join(dir, 'toy.index'), '--json');
    expect(t.status, t.stderr).toBe(0);
    expect(JSON.parse(t.stdout)).toMatchObject({ model: 'bm25+toy', results: [{ id: docId(5) }] });
    writeFileSync(join(dir, 'bad.index'), 'fidla\tA\n');
    writeFileSync(join(dir, 'bad.dict.dz'), gzipSync(Buffer.from(body)));
    expectUserError(run('search', '--index', ix, '--query', 'x', '--translate', join(dir, 'bad.index')), /^optical: .*bad\.index:1: expected headword<TAB>offset<TAB>length, got 2 fields$/);

    expectUserError(run('search', '--index', ix, '--query', 'x', '--model', 'teacher'), /--model is for dense indexes; this is a BM25 index/);

    const late = join(dir, 'late');
    const l = run('index', '--model', 'teacher', '--docs', join(dir, 'docs.tsv'), '--out', late, '--store', 'flat', '--late', '--quiet');
    expect(l.status, l.stderr).toBe(0);
    expect(l.stdout).toMatch(/store flat \+ token vectors/);
    const m = run('search', '--index', late, '--query', QUERIES[5]!, '--maxsim', '--candidates', '0', '--json', '-k', '20');
    expect(m.status, m.stderr).toBe(0);
    const mo = JSON.parse(m.stdout);
    expect(mo.model).toBe('use-lite+maxsim');
    expect(mo.results).toHaveLength(20);
  });

  it('--help works for index and search', () => {
    for (const cmd of ['index', 'search']) {
      const r = run(cmd, '--help');
      expect(r.status).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`Usage: optical ${cmd}`));
    }
  });
});
