import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { charNgrams, fnv1a32, hashString, hashedCharNgrams } from './index.ts';

/** Reference FNV-1a written directly from the definition, over Buffer bytes. */
function referenceFnv(s: string): number {
  let h = 2166136261n;
  for (const b of Buffer.from(s, 'utf8')) h = ((h ^ BigInt(b)) * 16777619n) % 2n ** 32n;
  return Number(h);
}

describe('charNgrams', () => {
  it('lists fastText n-grams with < > boundary markers, by start then length', () => {
    expect(charNgrams('kwa', 3, 4)).toEqual(['<kw', '<kwa', 'kwa', 'kwa>', 'wa>']);
    expect(charNgrams('a')).toEqual(['<a>']);
    expect(charNgrams('', 1, 2)).toEqual(['<>']);
    expect(charNgrams('mtoto')).toEqual([
      '<mt', '<mto', '<mtot', 'mto', 'mtot', 'mtoto', 'tot', 'toto', 'toto>', 'oto', 'oto>', 'to>',
    ]);
  });

  it('counts code points, not UTF-16 units, and keeps duplicates', () => {
    expect(charNgrams('😀é', 3, 3)).toEqual(['<😀é', '😀é>']);
    expect(charNgrams('aaaa', 3, 3)).toEqual(['<aa', 'aaa', 'aaa', 'aa>']);
  });

  it('skips lone boundary markers when nMin = 1', () => {
    expect(charNgrams('ab', 1, 1)).toEqual(['a', 'b']);
  });

  it('rejects bad n ranges', () => {
    expect(() => charNgrams('x', 0, 3)).toThrow(ArgumentError);
    expect(() => charNgrams('x', 4, 3)).toThrow(ArgumentError);
  });
});

describe('FNV-1a hashing', () => {
  it('matches the published 32-bit FNV-1a test vectors', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes the UTF-8 bytes of non-ASCII text', () => {
    for (const s of ['é', 'ñˈoom', '日本', '😀', '<mwana>', 'ß\u0301']) expect(fnv1a32(s), s).toBe(referenceFnv(s));
  });

  it('maps into [0, buckets)', () => {
    expect(hashString('foobar', 1000)).toBe(0xbf9cf968 % 1000);
    expect(hashString('anything', 1)).toBe(0);
    const buckets = hashedCharNgrams('watoto', 2_000_000);
    expect(buckets).toHaveLength(charNgrams('watoto').length);
    expect(buckets.every((b) => Number.isInteger(b) && b >= 0 && b < 2_000_000)).toBe(true);
    expect(() => hashString('x', 0)).toThrow(ArgumentError);
    expect(() => hashString('x', 1.5)).toThrow(ArgumentError);
  });
});
