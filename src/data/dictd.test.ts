import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mkdirSync, copyFileSync } from 'node:fs';
import { decodeDictdNumber, entryTranslations, lexiconBitext, readDictd, resolveDictionary, translateText } from './dictd.ts';
import { parseBitextSpec } from './spec.ts';
import { resolveTestData } from '../../test/data.ts';

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const enc = (n: number) => {
  let s = '';
  do {
    s = B64[n % 64] + s;
    n = Math.floor(n / 64);
  } while (n > 0);
  return s;
};

/** Write NAME.index + NAME.dict.dz for `entries` [headword, body]; returns the base path. */
function writeDict(entries: [string, string][], indexOverride?: (lines: string[]) => string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'optical-dictd-'));
  let text = '';
  let lines: string[] = [];
  for (const [h, body] of entries) {
    const start = Buffer.byteLength(text);
    text += body;
    lines.push(`${h}\t${enc(start)}\t${enc(Buffer.byteLength(body))}`);
  }
  if (indexOverride) lines = indexOverride(lines);
  const base = join(dir, 'toy-xx-eng');
  writeFileSync(`${base}.index`, lines.join('\n') + '\n');
  writeFileSync(`${base}.dict.dz`, gzipSync(Buffer.from(text)));
  return base;
}

const TOY: [string, string][] = [
  ['00databaseshort', '00-database-short\nToy dictionary\n'],
  ['mbwa', 'mbwa /ˈmbwa/ <n> [sg=pl]\n\ndog, hound\n'],
  ['acha', 'acha /ˈatʃa/ <v>\n1.\nleave\n2.\nquit, stop doing (sth)\n'],
  ['viatu', 'viatu <n>\n\n Plural of {kiatu}: shoe\n\n'],
  ['chakula cha jioni', 'chakula cha jioni <n>\ndinner\n'],
  ['Chakula', 'Chakula <n>\n1. food\n      "Chakula ni tayari."\n   See also: {lishe}\n'],
  ['kula', 'kula <v>\nkhana~khana\n'],
];

describe('dictd', () => {
  it('decodes base64 numbers', () => {
    expect(decodeDictdNumber('A', 'f', 1)).toBe(0);
    expect(decodeDictdNumber('B', 'f', 1)).toBe(1);
    expect(decodeDictdNumber('BA', 'f', 1)).toBe(64);
    expect(decodeDictdNumber('DX+', 'f', 1)).toBe(3 * 4096 + 23 * 64 + 62);
    expect(() => decodeDictdNumber('D-1', 'x.index', 9)).toThrow('x.index:9: "D-1" is not a dictd base64 number (bad character "-")');
  });

  it('reads entries into a lexicon and translates word by word, longest headword first', () => {
    const lex = readDictd(writeDict(TOY));
    expect(lex.name).toBe('toy-xx-eng');
    expect(lex.maxWords).toBe(3);
    expect(Object.fromEntries(lex.entries)).toEqual({
      mbwa: ['dog', 'hound'],
      acha: ['leave', 'quit', 'stop doing'],
      viatu: ['shoe'],
      'chakula cha jioni': ['dinner'],
      chakula: ['food'],
      kula: ['khana khana'],
    });
    expect(translateText('Mbwa anakula chakula cha jioni, na chakula!', lex)).toBe('dog anakula dinner na food');
    expect(translateText('MBWA acha', lex, { max: 2 })).toBe('dog hound leave quit');
    expect(entryTranslations('w\n2. a (b), c; d [e]\n')).toEqual(['a', 'c', 'd']);
  });

  it('a lexicon as word-level bitext: foreign side by the dictionary direction, first N translations', () => {
    const lex = readDictd(writeDict(TOY));
    const fwd = lexiconBitext(lex, 'head');
    expect(fwd.src).toEqual(['mbwa', 'acha', 'viatu', 'chakula cha jioni', 'chakula', 'kula']);
    expect(fwd.eng).toEqual(['dog', 'leave', 'shoe', 'dinner', 'food', 'khana khana']);
    expect(fwd.ids.slice(0, 2)).toEqual(['toy-xx-eng:0', 'toy-xx-eng:1']);
    const two = lexiconBitext(lex, 'translation', 2);
    expect(two.src.slice(0, 4)).toEqual(['dog', 'hound', 'leave', 'quit']);
    expect(two.eng.slice(0, 4)).toEqual(['mbwa', 'mbwa', 'acha', 'acha']);
    expect(two.src.length).toBe(8);
    expect(() => lexiconBitext(lex, 'head', 0)).toThrow(/max must be a positive integer/);
  });

  it('bitext spec freedict:PAIR[:N] reads freedict/freedict-PAIR from the data folder', () => {
    const base = writeDict(TOY);
    const data = mkdtempSync(join(tmpdir(), 'optical-dictd-data-'));
    mkdirSync(join(data, 'freedict'));
    for (const pair of ['xx-eng', 'eng-xx']) for (const ext of ['.index', '.dict.dz']) copyFileSync(base + ext, join(data, 'freedict', `freedict-${pair}${ext}`));
    const fwd = parseBitextSpec('freedict:xx-eng', data);
    expect([fwd.src[0], fwd.eng[0], fwd.src.length]).toEqual(['mbwa', 'dog', 6]);
    const rev = parseBitextSpec('freedict:eng-xx:2', data);
    expect([rev.src[1], rev.eng[1], rev.src.length]).toEqual(['hound', 'mbwa', 8]);
    for (const bad of ['freedict:xx-yy', 'freedict:eng-eng', 'freedict:xx-eng:0', 'freedict:xx-eng:1:2', 'freedict:']) {
      expect(() => parseBitextSpec(bad, data), bad).toThrow(/bitext spec .*freedict/);
    }
    expect(() => parseBitextSpec('freedict:zz-eng', data)).toThrow(/freedict-zz-eng/);
  });

  it('malformed dictionaries: errors name the file and line', () => {
    const bad = (f: (l: string[]) => string[]) => () => readDictd(writeDict(TOY, f));
    expect(bad((l) => [...l.slice(0, 2), 'mbwa\tB', ...l.slice(3)])).toThrow(/toy-xx-eng\.index:3: expected headword<TAB>offset<TAB>length, got 2 fields/);
    expect(bad((l) => [...l.slice(0, 3), 'acha\tA\t!!', ...l.slice(4)])).toThrow(/toy-xx-eng\.index:4: "!!" is not a dictd base64 number/);
    expect(bad((l) => [...l, 'zz\tAAA\tBAAA'])).toThrow(/toy-xx-eng\.index:8: entry "zz" spans bytes 0–262144 but toy-xx-eng\.dict\.dz has \d+/);
    expect(() => readDictd('/nonexistent/none.index')).toThrow(/none\.index: no dictd index/);
  });

  const data = resolveTestData();
  describe.skipIf(!data)('FreeDict swh-eng from the shared data (skipped without ../shared/data)', () => {
    it('parses every entry and translates a Swahili sentence', () => {
      const lex = readDictd(resolveDictionary('freedict:swh-eng', data));
      expect(lex.entries.size).toBeGreaterThan(2000);
      expect(lex.entries.get('abiria')).toEqual(['passenger']);
      expect(translateText('Abiria wa treni', lex)).toMatch(/^passenger /);
    });
    it('freedict:swh-eng and freedict:eng-swh as word-level bitext', () => {
      const fwd = parseBitextSpec('freedict:swh-eng', data!);
      expect(fwd.src.length).toBe(readDictd(resolveDictionary('freedict:swh-eng', data)).entries.size);
      expect(fwd.eng[fwd.src.indexOf('abiria')]).toBe('passenger');
      const rev = parseBitextSpec('freedict:eng-swh', data!);
      expect(rev.src.length).toBeGreaterThan(1000);
      expect(rev.eng.every((e) => e === e.toLowerCase())).toBe(true);
    });
  });
});
