import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { parseQrels, parseRun, readQrels, readRun } from './trec-format.ts';

/** The InputError thrown by `f`, or a failure if it throws nothing (or something else). */
function inputError(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('parseQrels', () => {
  it('reads qid iter docid rel, any whitespace, negative and zero grades, blank lines', () => {
    const q = parseQrels('301 0 d1 2\n\n301\t0  d2   -1\r\n  \n302 Q0 d1 0\n', 'q.txt');
    expect([...q.keys()]).toEqual(['301', '302']);
    expect(Object.fromEntries(q.get('301')!)).toEqual({ d1: 2, d2: -1 });
    expect(Object.fromEntries(q.get('302')!)).toEqual({ d1: 0 });
    expect(parseQrels('', 'q.txt').size).toBe(0);
  });

  it('rejects a wrong field count, a non-integer grade and duplicates, naming file and line', () => {
    expect(inputError(() => parseQrels('1 0 d1 1\n1 0 d2\n', 'q.txt')).message).toBe('q.txt:2: expected 4 fields (qid iter docid rel), found 3');
    expect(inputError(() => parseQrels('1 0 d1 1 extra\n', 'q.txt')).message).toMatch(/^q\.txt:1: expected 4 fields .* found 5$/);
    expect(inputError(() => parseQrels('\n1 0 d1 1.5\n', 'q.txt')).message).toBe('q.txt:2: relevance "1.5" is not an integer');
    expect(inputError(() => parseQrels('1 0 d1 yes\n', 'q.txt')).line).toBe(1);
    const dup = inputError(() => parseQrels('1 0 d1 1\n2 0 d1 1\n\n1 0 d1 0\n', 'q.txt'));
    expect(dup.message).toBe('q.txt:4: duplicate entry for query "1", document "d1" (first on line 1)');
    expect([dup.file, dup.line]).toEqual(['q.txt', 4]);
  });
});

describe('parseRun', () => {
  it('reads qid Q0 docid rank score tag; scores may be negative or in exponent form', () => {
    const r = parseRun('q1 Q0 a 1 12.5 bm25\nq1 Q0 b 2 -3e-2 bm25\n\nq2 Q0 a 1 .5 bm25\n', 'run.txt');
    expect(Object.fromEntries(r.get('q1')!)).toEqual({ a: 12.5, b: -0.03 });
    expect(Object.fromEntries(r.get('q2')!)).toEqual({ a: 0.5 });
  });

  it('rejects wrong field counts, bad scores or ranks, and duplicate (qid, docid) with the line number', () => {
    expect(inputError(() => parseRun('q1 Q0 a 1 0.5\n', 'run.txt')).message).toBe('run.txt:1: expected 6 fields (qid Q0 docid rank score tag), found 5');
    for (const bad of ['NaN', 'inf', 'Infinity', '0x10', '1e999', '1,5', 'high']) {
      const e = inputError(() => parseRun(`q1 Q0 a 1 0.5 t\nq1 Q0 b 2 ${bad} t\n`, 'run.txt'));
      expect(e.message).toBe(`run.txt:2: score "${bad}" is not a finite number`);
    }
    // rank and score swapped: the rank column must at least be an integer
    expect(inputError(() => parseRun('q1 Q0 a 0.93 1 t\n', 'run.txt')).message).toBe('run.txt:1: rank "0.93" is not an integer');
    const dup = inputError(() => parseRun('q1 Q0 a 1 3 t\nq1 Q0 b 2 2 t\nq1 Q0 a 3 1 t\n', 'run.txt'));
    expect(dup.message).toBe('run.txt:3: duplicate entry for query "q1", document "a" (first on line 1)');
  });
});

describe('readQrels / readRun', () => {
  it('read plain and gzipped files; errors name the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-trec-'));
    writeFileSync(join(dir, 'q.txt.gz'), gzipSync('1 0 d1 1\n'));
    writeFileSync(join(dir, 'run.txt'), '1 Q0 d1 1 2.0 t\n1 Q0 d2 x 1.0 t\n');
    expect(readQrels(join(dir, 'q.txt.gz')).get('1')!.get('d1')).toBe(1);
    expect(inputError(() => readRun(join(dir, 'run.txt'))).message).toBe(`${join(dir, 'run.txt')}:2: rank "x" is not an integer`);
    expect(inputError(() => readQrels(join(dir, 'missing.txt'))).message).toMatch(/missing\.txt: no such file/);
  });
});
