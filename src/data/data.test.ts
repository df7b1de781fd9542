import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ArgumentError, InputError } from '../errors.ts';
import {
  bibleBook,
  concatBitext,
  loadBible,
  loadBitexts,
  loadLinePairs,
  loadMafand,
  loadSib200,
  loadTatoebaEval,
  packageDefaultDataDir,
  parseBitextSpec,
  resolveDataDir,
  sampleBitext,
  splitByBibleBooks,
  type Bitext,
} from './index.ts';

let root: string; // a fake data folder with the real layout
const put = (rel: string, content: string | Buffer): string => {
  const p = join(root, rel);
  mkdirSync(resolve(p, '..'), { recursive: true });
  writeFileSync(p, content);
  return p;
};

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e;
  }
  throw new Error('expected an InputError');
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'optical-data-'));
  put(
    'bible/english-web/WEB-NT.verses.tsv',
    ['b.MAT.1.1\tE1', 'b.MAT.1.2\tE2', 'b.MAT.1.3\t  ', 'b.MAR.1.1\tE4', 'b.JOH.1.1\tE5', 'b.REV.1.1\tE6', ''].join('\n'),
  );
  // source order differs from English order on purpose; MAT.1.3 is blank in English; MAT.1.4 is source-only
  put(
    'bible/tsv/Testish-NT.verses.tsv.gz',
    gzipSync(['b.MAR.1.1\tS4', 'b.MAT.1.1\tS1', 'b.MAT.1.3\tS3', 'b.MAT.1.4\tS-only', 'b.JOH.1.1\tS5', 'b.MAT.1.2\t'].join('\r\n') + '\r\n'),
  );
  put('bible/tsv/Partial-PART.verses.tsv.gz', gzipSync('b.REV.1.1\tP6\n'));
  put('bible/tsv/Broken-NT.verses.tsv.gz', gzipSync('b.MAT.1.1\tok\nb.MAT.1.2\ttoo\tmany\n'));
  put('bible/tsv/Dup-NT.verses.tsv.gz', gzipSync('b.MAT.1.1\ta\nb.MAT.1.2\tb\nb.MAT.1.1\tc\n'));

  const hdr = 'index_id\tcategory\ttext\n';
  put('sib-200/eng_Latn/train.tsv', hdr + '7\ttravel\t"He said ""hi""."\n3\thealth\tEng three\n9\tsports\tEng nine\n');
  put('sib-200/xyz_Latn/train.tsv', hdr + '3\thealth\tXyz three\n7\ttravel\tXyz seven\n5\tsports\tXyz five\n');
  put('sib-200/bad_Latn/train.tsv', hdr + '3\thealth\tok\n7\ttravel\tsplit\tby tab\n');
  put('sib-200/hdr_Latn/train.tsv', 'id\tlabel\ttext\n3\thealth\tok\n');

  put('mafand-mt/en-abc/dev.abc', 'a1\na2\n\na4\n');
  put('mafand-mt/en-abc/dev.en', 'e1\ne2\ne3\ne4\n');
  put('mafand-mt/en_luo/dev.luo', 'l1\n');
  put('mafand-mt/en_luo/dev.en', 'e1\n');

  put('tatoeba/tatoeba.xyz-eng.xyz', 'x1\nx2\n\n');
  put('tatoeba/tatoeba.xyz-eng.eng', 'e1\ne2\ne3\n');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('resolveDataDir', () => {
  it('prefers --data-dir, then $OPTICAL_DATA; a missing explicit folder is an error with help', () => {
    const saved = process.env['OPTICAL_DATA'];
    try {
      process.env['OPTICAL_DATA'] = join(root, 'bible');
      expect(resolveDataDir(root)).toBe(root);
      expect(resolveDataDir()).toBe(join(root, 'bible'));
      process.env['OPTICAL_DATA'] = join(root, 'missing');
      const e = inputError(() => resolveDataDir());
      expect(e.message).toContain('$OPTICAL_DATA');
      expect(e.message).toMatch(/Tatoeba.*SIB-200.*Bible.*MAFAND-MT.*--data-dir/s);
      expect(inputError(() => resolveDataDir(join(root, 'nope'))).message).toContain('--data-dir');
    } finally {
      if (saved === undefined) delete process.env['OPTICAL_DATA'];
      else process.env['OPTICAL_DATA'] = saved;
    }
  });
  it('package default is <repo>/../shared/data', () => {
    expect(packageDefaultDataDir()).toBe(resolve(import.meta.dirname, '..', '..', '..', 'shared', 'data'));
  });
});

describe('loadLinePairs', () => {
  it('reads plain and .gz, drops blank pairs and counts them, ids are line numbers', () => {
    const a = put('lp/a.txt.gz', gzipSync('s1\r\n  \r\ns3\r\ns4\r\n'));
    const b = put('lp/b.txt', 'e1\ne2\ne3\n\t\n');
    const bt = loadLinePairs(a, b);
    expect(bt.src).toEqual(['s1', 's3']);
    expect(bt.eng).toEqual(['e1', 'e3']);
    expect(bt.ids).toEqual(['1', '3']);
    expect(bt.stats).toMatchObject({ pairs: 2, droppedEmpty: 2 });
  });
  it('different line counts name both files and both counts', () => {
    const a = put('lp/c.txt', 'x\ny\nz\n');
    const b = put('lp/d.txt', 'x\ny\n');
    const e = inputError(() => loadLinePairs(a, b));
    expect(e.message).toContain(`${a} has 3 lines but ${b} has 2`);
  });
  it('an empty file is an error naming it', () => {
    const a = put('lp/empty.txt', '');
    const b = put('lp/one.txt', 'x\n');
    expect(inputError(() => loadLinePairs(b, a)).message).toBe(`${a}: empty file (expected one sentence per line)`);
  });
});

describe('loadBible', () => {
  it('joins on verse_id in source order, skips blanks, counts one-sided verses', () => {
    const bt = loadBible(root, 'Testish');
    expect(bt.ids).toEqual(['b.MAR.1.1', 'b.MAT.1.1', 'b.JOH.1.1']);
    expect(bt.src).toEqual(['S4', 'S1', 'S5']);
    expect(bt.eng).toEqual(['E4', 'E1', 'E5']);
    expect(bt.source).toBe('bible:Testish');
    // MAT.1.3 blank in English, MAT.1.2 blank in source; MAT.1.4 source only; REV.1.1 English only
    expect(bt.stats).toEqual({ pairs: 3, droppedEmpty: 2, srcOnly: 1, engOnly: 1, droppedDuplicate: 0 });
  });
  it('falls back to NAME-PART and accepts a path', () => {
    expect(loadBible(root, 'Partial').src).toEqual(['P6']);
    expect(loadBible(root, join(root, 'bible/tsv/Partial-PART.verses.tsv.gz')).eng).toEqual(['E6']);
  });
  it('errors: unknown name lists the available ones; bad rows and repeated ids give file:line', () => {
    expect(inputError(() => loadBible(root, 'Testy')).message).toMatch(/available: Testish/);
    const e = inputError(() => loadBible(root, 'Broken'));
    expect(e.line).toBe(2);
    expect(e.message).toContain('Broken-NT.verses.tsv.gz:2: expected 2 tab-separated fields');
    expect(inputError(() => loadBible(root, 'Dup')).message).toContain(':3: verse_id b.MAT.1.1 repeated (first on line 1)');
  });
  it('bibleBook and held-out-book splits', () => {
    expect(bibleBook('b.MAT.1.1')).toBe('MAT');
    expect(bibleBook('b.1CO.13.4')).toBe('1CO');
    expect(() => bibleBook('MAT.1.1')).toThrow(ArgumentError);
    const { train, heldOut } = splitByBibleBooks(loadBible(root, 'Testish'), ['JOH', 'MAR']);
    expect(train.ids).toEqual(['b.MAT.1.1']);
    expect(heldOut.ids).toEqual(['b.MAR.1.1', 'b.JOH.1.1']);
    expect(heldOut.src).toEqual(['S4', 'S5']);
  });
});

describe('loadSib200', () => {
  it('joins on index_id in source order, unquotes CSV-style fields, returns categories', () => {
    const bt = loadSib200(root, 'xyz_Latn', 'train');
    expect(bt.ids).toEqual(['3', '7']);
    expect(bt.src).toEqual(['Xyz three', 'Xyz seven']);
    expect(bt.eng).toEqual(['Eng three', 'He said "hi".']);
    expect(bt.categories).toEqual(['health', 'travel']);
    expect(bt.stats).toMatchObject({ pairs: 2, srcOnly: 1, engOnly: 1 });
  });
  it('wrong column count and wrong header give file:line; unknown split and language are errors', () => {
    const e = inputError(() => loadSib200(root, 'bad_Latn', 'train'));
    expect(e.file).toContain(join('bad_Latn', 'train.tsv'));
    expect(e.line).toBe(3);
    expect(e.message).toContain('expected 3 tab-separated fields (index_id, category, text), found 4');
    expect(inputError(() => loadSib200(root, 'hdr_Latn')).line).toBe(1);
    expect(inputError(() => loadSib200(root, 'xyz_Latn', 'valid')).message).toContain('train, dev, test');
    expect(inputError(() => loadSib200(root, 'xyz')).message).toContain('available: xyz_Latn');
  });
});

describe('loadMafand / loadTatoebaEval', () => {
  it('MAFAND pair folders, including the en_luo spelling', () => {
    const bt = loadMafand(root, 'en-abc');
    expect(bt.src).toEqual(['a1', 'a2', 'a4']);
    expect(bt.eng).toEqual(['e1', 'e2', 'e4']);
    expect(bt.stats!.droppedEmpty).toBe(1);
    expect(bt.source).toBe('mafand:en-abc');
    expect(loadMafand(root, 'en-luo').src).toEqual(['l1']);
    expect(inputError(() => loadMafand(root, 'en-zzz')).message).toContain('available: en-abc, en_luo');
    expect(inputError(() => loadMafand(root, 'en-abc', 'test')).message).toContain('splits present: dev');
  });
  it('Tatoeba keeps every line (evaluation set)', () => {
    const t = loadTatoebaEval(root, 'xyz');
    expect(t.src).toEqual(['x1', 'x2', '']);
    expect(t.eng).toEqual(['e1', 'e2', 'e3']);
    expect(inputError(() => loadTatoebaEval(root, 'qqq')).message).toContain('available: xyz');
  });
});

describe('parseBitextSpec / concatBitext', () => {
  it('dispatches every scheme', () => {
    expect(parseBitextSpec('bible:Testish', root).src).toHaveLength(3);
    expect(parseBitextSpec('sib:xyz_Latn', root).source).toBe('sib:xyz_Latn:train');
    expect(parseBitextSpec('sib:xyz_Latn:train', root).src).toHaveLength(2);
    expect(parseBitextSpec('mafand:en-abc', root).src).toHaveLength(3);
    // relative paths: cwd first, then the data folder
    const bt = parseBitextSpec('lines:mafand-mt/en-abc/dev.abc:mafand-mt/en-abc/dev.en', root);
    expect(bt.src).toEqual(['a1', 'a2', 'a4']);
    expect(bt.source).toBe('lines:mafand-mt/en-abc/dev.abc:mafand-mt/en-abc/dev.en');
  });
  it('unknown scheme lists the valid ones; tatoeba is refused as bitext', () => {
    const e = inputError(() => parseBitextSpec('opus:swh', root));
    expect(e.message).toContain('unknown scheme "opus"');
    for (const s of ['bible:NAME', 'lines:SRC_FILE:ENG_FILE', 'sib:LANG', 'mafand:PAIR']) expect(e.message).toContain(s);
    expect(inputError(() => parseBitextSpec('tatoeba:xyz', root)).message).toContain('evaluation set');
    expect(inputError(() => parseBitextSpec('bible:', root)).message).toContain('missing Bible name');
  });
  it('concatBitext removes exact (src, eng) repeats and counts them', () => {
    const a: Bitext = { src: ['x', 'y', 'x'], eng: ['1', '2', '1'], ids: ['a', 'b', 'c'], source: 'A' };
    const b: Bitext = { src: ['y', 'x', 'z'], eng: ['2', '9', '3'], ids: ['d', 'e', 'f'], source: 'B' };
    const c = concatBitext([a, b]);
    expect(c.src).toEqual(['x', 'y', 'x', 'z']);
    expect(c.eng).toEqual(['1', '2', '9', '3']);
    expect(c.ids).toEqual(['a', 'b', 'e', 'f']);
    expect(c.source).toBe('A+B');
    expect(c.stats).toMatchObject({ pairs: 4, droppedDuplicate: 2 });
    expect(loadBitexts(['bible:Testish', 'bible:Testish'], root).stats).toMatchObject({ pairs: 3, droppedDuplicate: 3, droppedEmpty: 4 });
  });
});

describe('sampleBitext', () => {
  const b = { src: [...Array(50).keys()].map((i) => `s${i}`), eng: [...Array(50).keys()].map((i) => `e${i}`), ids: [...Array(50).keys()].map(String), source: 'toy' };
  it('takes n aligned pairs in the original order, the same for the same seed', () => {
    const a = sampleBitext(b, 10, 1);
    expect(a.src).toHaveLength(10);
    a.src.forEach((s, i) => expect(a.eng[i]).toBe(s.replace('s', 'e')));
    const idx = a.ids.map(Number);
    expect(idx).toEqual([...idx].sort((x, y) => x - y));
    expect(sampleBitext(b, 10, 1)).toEqual(a);
    expect(sampleBitext(b, 10, 2).ids).not.toEqual(a.ids);
    expect(sampleBitext(b, 60, 1)).toBe(b);
    expect(() => sampleBitext(b, 0, 1)).toThrow(/positive integer/);
  });
});
