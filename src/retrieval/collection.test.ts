import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../errors.ts';
import { detectFormat, parseCollection, parseFormat, parseQueries, readCollection, readQueries } from './collection.ts';

const F = 'docs.jsonl';

/** The InputError message thrown by `fn` (fails the test when nothing or something else is thrown). */
function errorOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  }
  throw new Error('expected an InputError');
}

describe('parseCollection', () => {
  it('jsonl: id (string or number), text, optional lang, other fields as metadata; --lang fills missing languages', () => {
    const text = '{"id":"a","text":"Hello there","lang":"en","source":"web","year":2020}\n\n{"id":7,"text":"Habari"}\n';
    const c = parseCollection(text, F, 'auto', { lang: 'swh' });
    expect(c.format).toBe('jsonl');
    expect(c.docs).toEqual([
      { id: 'a', text: 'Hello there', input: 'Hello there', lang: 'en', meta: { source: 'web', year: 2020 }, line: 1 },
      { id: '7', text: 'Habari', input: 'Habari', lang: 'swh', line: 3 },
    ]);
    expect(parseCollection(text, F, 'jsonl').docs[1]).not.toHaveProperty('lang');
  });

  it('beir: _id, title + text encoded together, title kept as metadata, empty metadata objects dropped', () => {
    const text = '{"_id":"d1","title":"Cats","text":"Cats sleep a lot.","metadata":{}}\n{"_id":"d2","title":"","text":"No title."}\n{"_id":"d3","title":"Only a title","text":""}\n';
    const c = parseCollection(text, 'corpus.jsonl');
    expect(c.format).toBe('beir');
    expect(c.docs.map((d) => [d.id, d.input, d.text, d.meta])).toEqual([
      ['d1', 'Cats Cats sleep a lot.', 'Cats sleep a lot.', { title: 'Cats' }],
      ['d2', 'No title.', 'No title.', undefined],
      ['d3', 'Only a title', '', { title: 'Only a title' }],
    ]);
  });

  it('tsv: id<TAB>text, the text keeps later tabs; CRLF and blank lines are fine', () => {
    const c = parseCollection('x1\tfirst doc\r\n\r\nx2\tsecond\twith tab\r\n', 'c.tsv', 'auto', { lang: 'en' });
    expect(c.format).toBe('tsv');
    expect(c.docs).toEqual([
      { id: 'x1', text: 'first doc', input: 'first doc', lang: 'en', line: 1 },
      { id: 'x2', text: 'second\twith tab', input: 'second\twith tab', lang: 'en', line: 3 },
    ]);
  });

  it('detectFormat sniffs the first non-blank line', () => {
    expect(detectFormat(['', '{"id":"a","text":"t"}'], F)).toBe('jsonl');
    expect(detectFormat(['{"_id":"a","text":"t"}'], F)).toBe('beir');
    expect(detectFormat(['a\tb'], F)).toBe('tsv');
  });

  it('bad records are InputErrors naming the file and the 1-based line', () => {
    const ok = '{"id":"a","text":"fine"}\n';
    expect(errorOf(() => parseCollection(ok + '{"id":"b","text":"x"\n', F))).toMatch(/^docs\.jsonl:2: invalid JSON: /);
    expect(errorOf(() => parseCollection(ok + '\n{"text":"x"}\n', F))).toBe('docs.jsonl:3: missing field "id"');
    expect(errorOf(() => parseCollection(ok + '{"id":"b"}\n', F))).toBe('docs.jsonl:2: missing field "text"');
    expect(errorOf(() => parseCollection(ok + '{"id":"b","text":3}\n', F))).toBe('docs.jsonl:2: field "text" must be a string, got 3');
    expect(errorOf(() => parseCollection(ok + '{"id":"b","text":"  "}\n', F))).toBe('docs.jsonl:2: field "text" is empty');
    expect(errorOf(() => parseCollection(ok + '{"id":["b"],"text":"t"}\n', F))).toMatch(/^docs\.jsonl:2: field "id" must be a string or a number/);
    expect(errorOf(() => parseCollection(ok + '{"id":"b","text":"t","lang":5}\n', F))).toMatch(/^docs\.jsonl:2: field "lang" must be a non-empty string/);
    expect(errorOf(() => parseCollection(ok + '[1,2]\n', F))).toBe('docs.jsonl:2: expected a JSON object');
    expect(errorOf(() => parseCollection(ok + '{"id":"a","text":"again"}\n', F))).toBe('docs.jsonl:2: duplicate id "a" (first on line 1)');
    expect(errorOf(() => parseCollection('{"_id":"a","text":"t"}\n', F, 'jsonl'))).toBe('docs.jsonl:1: missing field "id" (the record has "_id": use --format beir)');
    expect(errorOf(() => parseCollection('{"_id":"a","title":"","text":""}\n', F, 'beir'))).toBe('docs.jsonl:1: fields "title" and "text" are both empty');
    expect(errorOf(() => parseCollection('a\tfine\nno tab here\n', 'c.tsv'))).toBe('c.tsv:2: expected id<TAB>text (no tab found)');
    expect(errorOf(() => parseCollection('a\t \n', 'c.tsv'))).toBe('c.tsv:1: empty text');
    expect(errorOf(() => parseCollection('\n\n', 'c.tsv'))).toBe('c.tsv: no documents');
    expect(errorOf(() => parseFormat('csv'))).toBe('unknown collection format "csv" (valid: auto, jsonl, beir, tsv)');
  });

  it('readCollection reads gzipped files and names missing ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-coll-'));
    writeFileSync(join(dir, 'c.tsv.gz'), gzipSync('a\tone\nb\ttwo\n'));
    expect(readCollection(join(dir, 'c.tsv.gz')).docs.map((d) => d.id)).toEqual(['a', 'b']);
    expect(errorOf(() => readCollection(join(dir, 'missing.jsonl')))).toMatch(/missing\.jsonl: no such file/);
  });
});

describe('parseQueries', () => {
  it('TSV qid<TAB>text and JSON lines with id or _id', () => {
    expect(parseQueries('q1\tfirst query\nq2\tsecond\n', 'q.tsv')).toEqual([
      { id: 'q1', text: 'first query', line: 1 },
      { id: 'q2', text: 'second', line: 2 },
    ]);
    expect(parseQueries('{"id":"q1","text":"a"}\n{"_id":"q2","text":"b","metadata":{}}\n', 'q.jsonl').map((q) => q.id)).toEqual(['q1', 'q2']);
  });

  it('bad queries are InputErrors with file and line', () => {
    expect(errorOf(() => parseQueries('q1\ta\nq1\tb\n', 'q.tsv'))).toBe('q.tsv:2: duplicate query id "q1" (first on line 1)');
    expect(errorOf(() => parseQueries('q1\ta\nq2 b\n', 'q.tsv'))).toBe('q.tsv:2: expected qid<TAB>text (no tab found)');
    expect(errorOf(() => parseQueries('{"id":"q1"}\n', 'q.jsonl'))).toBe('q.jsonl:1: missing field "text"');
    expect(errorOf(() => parseQueries('', 'q.tsv'))).toBe('q.tsv: no queries');
    const dir = mkdtempSync(join(tmpdir(), 'optical-q-'));
    writeFileSync(join(dir, 'q.jsonl'), '{"id":"q1","text":"x"}\n{"id":\n');
    expect(errorOf(() => readQueries(join(dir, 'q.jsonl')))).toMatch(/q\.jsonl:2: invalid JSON/);
  });
});
