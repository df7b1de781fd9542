import { resolveTestData } from '../../test/data.ts';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { syntheticCorpus } from './fixtures/synthetic-corpus.ts';
import { digamma, loadUseLiteTokenizer, trainUnigram } from './index.ts';

const corpus = syntheticCorpus(600);

describe('trainUnigram', () => {
  const tok = trainUnigram(corpus, { vocabSize: 300 });

  it('is deterministic: same texts and options, same vocabulary and scores', () => {
    expect(trainUnigram(corpus, { vocabSize: 300 }).vocab()).toEqual(tok.vocab());
    const sub = { vocabSize: 200, maxSentences: 300, seed: 5 } as const;
    expect(trainUnigram(corpus, sub).vocab()).toEqual(trainUnigram(corpus, sub).vocab());
  });

  it('respects vocabSize, with <unk> at id 0 and no duplicate pieces', () => {
    expect(tok.vocabSize).toBe(300);
    expect(tok.idToPiece(0)).toBe('<unk>');
    expect(tok.unkId).toBe(0);
    expect(new Set(tok.vocab().map(([p]) => p)).size).toBe(300);
    const withSpecials = trainUnigram(corpus, { vocabSize: 150, specialTokens: ['<unk>', '<s>', '</s>'] });
    expect(withSpecials.vocabSize).toBe(150);
    expect(withSpecials.vocab().slice(0, 3)).toEqual([['<unk>', 0], ['<s>', 0], ['</s>', 0]]);
  });

  it('encodes every character of the training text without <unk>', () => {
    const chars = new Set(corpus.flatMap((s) => Array.from(s.normalize('NFKC'))).filter((c) => c !== ' '));
    for (const c of chars) expect(tok.pieceToId(c), JSON.stringify(c)).toBeDefined();
    for (const s of corpus) expect(tok.encode(s)).not.toContain(0);
  });

  it('learns SentencePiece-valid pieces: ▁ only first, one script per piece', () => {
    for (const [piece] of tok.vocab().slice(1)) {
      expect(piece.indexOf('▁', 1), piece).toBe(-1);
      const body = piece.replace(/^▁/, '');
      if (body.length > 1) expect(/^\p{L}+$/u.test(body) || /^[^\p{L}]+$/u.test(body), piece).toBe(true);
    }
    expect(tok.pieceToId('penda')).toBeDefined(); // a frequent stem is learnt
    expect(tok.encodeWithPieces('Husemana mpendana').pieces).toEqual(['▁Husema', 'na', '▁mpenda', 'na']);
  });

  it('orders pieces by score and writes log-probabilities', () => {
    const scores = tok.vocab().slice(1).map(([, s]) => s);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
    expect(scores.every((s) => s < 0)).toBe(true);
  });

  it('fills a vocabulary larger than EM keeps with the most recently dropped pieces', () => {
    const lines: string[] = [];
    const big = trainUnigram(corpus, { vocabSize: 1500, log: (l) => lines.push(l) });
    expect(big.vocabSize).toBe(1500);
    expect(lines.some((l) => l.startsWith('topped up with'))).toBe(true);
    const scores = big.vocab().slice(1).map(([, sc]) => sc);
    for (let i = 1; i < scores.length; i++) expect(scores[i]!).toBeLessThanOrEqual(scores[i - 1]!);
    for (const s of corpus) expect(big.encode(s)).not.toContain(0);
  });

  it('throws ArgumentError when vocabSize cannot be met', () => {
    expect(() => trainUnigram(corpus, { vocabSize: 10 })).toThrow(/distinct characters/);
    expect(() => trainUnigram(['ab ab ab'], { vocabSize: 500 })).toThrow(ArgumentError);
    const small = trainUnigram(['ab ab ab'], { vocabSize: 500, hardVocabLimit: false });
    expect(small.vocabSize).toBeLessThan(500);
    expect(small.encode('ab')).not.toContain(0);
    expect(() => trainUnigram([], { vocabSize: 10 })).toThrow(ArgumentError);
    expect(() => trainUnigram(corpus, { vocabSize: 300, shrinkingFactor: 1 })).toThrow(ArgumentError);
  });

  it('computes digamma (SentencePiece series, ~1e-10 accurate)', () => {
    expect(digamma(1)).toBeCloseTo(-0.5772156649015329, 9);
    expect(digamma(0.5)).toBeCloseTo(-1.9635100260214235, 9);
    expect(digamma(100)).toBeCloseTo(4.600161852738087, 9);
  });
});

const DATA_DIR = resolveTestData() ?? resolve(new URL('../../../shared/data', import.meta.url).pathname);
const BIBLE_SWH = resolve(DATA_DIR, 'bible/tsv/Swahili-NT.verses.tsv.gz');

describe.skipIf(!existsSync(BIBLE_SWH))(`trainUnigram on the Swahili New Testament (needs ${BIBLE_SWH})`, () => {
  it('trains an 8k vocabulary that covers the corpus and segments it more coarsely than USE-lite', () => {
    const verses = gunzipSync(readFileSync(BIBLE_SWH))
      .toString('utf8')
      .split('\n')
      .filter((l) => l.length > 0)
      .map((l) => l.split('\t')[1] ?? '');
    const tok = trainUnigram(verses, { vocabSize: 8000 });
    expect(tok.vocabSize).toBe(8000);
    const use = loadUseLiteTokenizer();
    let student = 0;
    let teacher = 0;
    for (const v of verses) {
      const ids = tok.encode(v);
      expect(ids).not.toContain(0);
      student += ids.length;
      teacher += use.encode(v).length;
    }
    expect(student).toBeLessThan(teacher);
  });
});
