import { describe, expect, it } from 'vitest';
import { bm25From, translatorFrom } from './retrieval-options.ts';

describe('retrieval flags', () => {
  it('--k1 / --b: numbers in range, or a one-line error naming the flag', () => {
    expect(bm25From({})).toEqual({});
    expect(bm25From({ k1: '0.9', b: '0' })).toEqual({ k1: 0.9, b: 0 });
    expect(() => bm25From({ b: '2' })).toThrow('--b must be a number in [0, 1], got "2"');
    expect(() => bm25From({ k1: '-1' })).toThrow('--k1 must be a number ≥ 0, got "-1"');
    expect(() => bm25From({ k1: 'x' })).toThrow('--k1 must be a number ≥ 0, got "x"');
  });

  it('--translate: none without the flag; --translations must be a positive integer', () => {
    expect(translatorFrom({})).toBeUndefined();
    expect(() => translatorFrom({ translate: 'x.index', translations: '0' })).toThrow('--translations must be a positive integer, got "0"');
    expect(() => translatorFrom({ translate: '/nonexistent/x.index' })).toThrow(/x\.index: no dictd index/);
  });
});
