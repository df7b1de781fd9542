import { describe, expect, it } from 'vitest';
import { ArgumentError, InputError } from '../errors.ts';
import { Tfidf, tfidfWords, type CsrMatrix, type TfidfCharMode } from './tfidf.ts';

/** Row i of a CSR matrix as a {column: value} record. */
function row(X: CsrMatrix, i: number): Record<number, number> {
  const out: Record<number, number> = {};
  for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) out[X.indices[k]!] = X.values[k]!;
  return out;
}

const strip = (keys: readonly string[]) => keys.map((k) => k.slice(2));

describe('Tfidf — hand-checked', () => {
  it('computes sublinear tf × smooth idf with L2 rows and min df 2', () => {
    // N = 3 fit texts; df: a = 3, b = 2, c = 1 (dropped by minDf 2). Columns by first occurrence: a, b.
    //   idf(a) = ln(4/4) + 1 = 1,  idf(b) = ln(4/3) + 1 = 1.2876821
    //   'a b'   → [1, 1.2876821] / √(1 + 1.6581251)                       = [0.6133555, 0.7898069]
    //   'a c'   → [1]                                                      = [1]
    //   'A b b' → [1, (1 + ln 2)·1.2876821 = 2.1802353] / √(1 + 4.7534258) = [0.4169047, 0.9089502]
    const tf = new Tfidf({ charMode: 'none' });
    const X = tf.fitTransform(['a b', 'a c', 'A b b']);
    expect(strip(tf.featureKeys)).toEqual(['a', 'b']);
    expect(X.nCols).toBe(2);
    expect(Array.from(X.indptr)).toEqual([0, 2, 3, 5]);
    const r0 = row(X, 0), r1 = row(X, 1), r2 = row(X, 2); // prettier-ignore
    expect(r0[0]).toBeCloseTo(0.6133555, 6);
    expect(r0[1]).toBeCloseTo(0.7898069, 6);
    expect(r1).toEqual({ 0: 1 });
    expect(r2[0]).toBeCloseTo(0.4169047, 6);
    expect(r2[1]).toBeCloseTo(0.9089502, 6);
    // unseen features are dropped; a text with none gives an empty row
    const Q = tf.transform(['b zz', 'zz', '']);
    expect(row(Q, 0)).toEqual({ 1: 1 });
    expect(Q.indptr[2]! - Q.indptr[1]!).toBe(0);
    expect(Q.indptr[3]! - Q.indptr[2]!).toBe(0);
  });

  it('analyses words as lower-cased Unicode letter/digit runs', () => {
    expect(tfidfWords("Ng'ombe WA-Mzee, 2024! Ésö")).toEqual(['ng', 'ombe', 'wa', 'mzee', '2024', 'ésö']);
  });

  it('makes character n-grams within <word> or across the text', () => {
    const w = new Tfidf({ words: false, charMode: 'word', charMin: 3, charMax: 5 });
    expect(strip(w.analyze('Kwa'))).toEqual(['<kw', '<kwa', '<kwa>', 'kwa', 'kwa>', 'wa>']);
    const t = new Tfidf({ words: false, charMode: 'text', charMin: 3, charMax: 3 });
    expect(strip(t.analyze('Ab, c'))).toEqual([' ab', 'ab ', 'b c', ' c ']);
    const both = new Tfidf({ charMode: 'text', charMin: 3, charMax: 3 });
    expect(both.analyze('ab')).toEqual(['w\u0000ab', 'c\u0000 ab', 'c\u0000ab ']);
  });

  it('gives the word block its weight after per-block normalisation', () => {
    const texts = ['mtoto anasoma kitabu', 'mtoto analala', 'kitabu kizuri sana', 'sana sana'];
    for (const wordWeight of [1, 2]) {
      const tf = new Tfidf({ charMode: 'word', wordWeight, minDf: 1 });
      const X = tf.fitTransform(texts);
      for (let i = 0; i < texts.length; i++) {
        let sw = 0;
        let all = 0;
        for (let k = X.indptr[i]!; k < X.indptr[i + 1]!; k++) {
          const v = X.values[k]!;
          all += v * v;
          if (tf.featureKeys[X.indices[k]!]!.startsWith('w\u0000')) sw += v * v;
        }
        expect(all).toBeCloseTo(1, 6);
        expect(sw).toBeCloseTo(wordWeight ** 2 / (1 + wordWeight ** 2), 6);
      }
    }
  });
});

describe('Tfidf — contract', () => {
  it('round-trips through JSON', () => {
    for (const charMode of ['word', 'text'] as TfidfCharMode[]) {
      const tf = new Tfidf({ charMode, wordWeight: 0.5 });
      tf.fit(['wanafunzi wanasoma', 'wanafunzi wanaandika', 'walimu wanasoma vitabu', 'vitabu vipya']);
      const copy = Tfidf.fromJSON(JSON.parse(JSON.stringify(tf.toJSON())));
      const q = ['wanafunzi wanasoma vitabu', 'walimu'];
      expect(copy.transform(q)).toEqual(tf.transform(q));
      expect(copy.options).toEqual(tf.options);
    }
  });

  it('fit then transform equals fitTransform; columns ascend within rows', () => {
    const texts = ['habari ya asubuhi', 'habari za jioni', 'asubuhi njema', 'jioni njema habari'];
    const a = new Tfidf().fitTransform(texts);
    const b = new Tfidf().fit(texts).transform(texts);
    expect(b).toEqual(a);
    for (let i = 0; i < texts.length; i++) {
      for (let k = a.indptr[i]! + 1; k < a.indptr[i + 1]!; k++) expect(a.indices[k]!).toBeGreaterThan(a.indices[k - 1]!);
    }
  });

  it('rejects bad options, use before fit and foreign JSON', () => {
    expect(() => new Tfidf({ charMode: 'bytes' as TfidfCharMode })).toThrow(ArgumentError);
    expect(() => new Tfidf({ charMin: 4, charMax: 3 })).toThrow(ArgumentError);
    expect(() => new Tfidf({ minDf: 0 })).toThrow(ArgumentError);
    expect(() => new Tfidf({ words: false, charMode: 'none' })).toThrow(ArgumentError);
    expect(() => new Tfidf().transform(['x'])).toThrow(ArgumentError);
    expect(() => new Tfidf().fit([])).toThrow(ArgumentError);
    expect(() => Tfidf.fromJSON({ format: 'something-else' }, 'x.json')).toThrow(InputError);
    expect(() => Tfidf.fromJSON({ format: 'optical-tfidf', version: 1, nFit: 1, vocab: ['a'], idf: [] })).toThrow(InputError);
  });
});
