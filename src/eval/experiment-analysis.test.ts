/**
 * The analysis behind the report's "why" section (experiment-analysis.ts): training curves from train.jsonl,
 * words from pieces, and the token transport with its alignment examples on encoders whose token states
 * are known (a translation whose words are the English words in reverse order must align word to word).
 */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pieceWords, trainingCurve, transportStudy } from './experiment-analysis.ts';
import type { CellResult } from './experiment.ts';
import type { SentenceEncoder } from '../models/types.ts';
import type { EncodeOptions } from '../models/encoder.ts';

const cell = (info: Record<string, unknown>): CellResult => ({
  version: 1, key: 'k', method: 'ot', kind: 'distill', lang: 'toy', group: 'low', train: { pairs: 1, source: 'x' }, info, seconds: { fit: 0, eval: 0 }, sets: {}, finishedAt: '',
});

describe('trainingCurve', () => {
  it('averages the steps of train.jsonl in windows (at most 60 points), parts too, without the unconverged counts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-curve-'));
    const lines = Array.from({ length: 130 }, (_, i) => JSON.stringify({ step: i + 1, loss: i + 1, parts: { ot: 2 * (i + 1), ot_unconverged: 3 }, ms: 5 }));
    writeFileSync(join(dir, 'train.jsonl'), lines.join('\n') + '\n');
    const c = trainingCurve(cell({ student: dir, objective: 'ot' }))!;
    expect(c.window).toBe(3);
    expect(c.points).toHaveLength(44);
    expect(c.points[0]).toEqual({ step: 3, loss: 2, parts: { ot: 4 } });
    expect(c.points.at(-1)).toEqual({ step: 130, loss: 130, parts: { ot: 260 } }); // the last window holds one step
    expect(trainingCurve(cell({ student: join(dir, 'gone') }))).toBeUndefined();
    expect(trainingCurve(cell({}))).toBeUndefined();
  });
});

describe('pieceWords', () => {
  it('groups SentencePiece pieces into words (▁ starts a word) and drops the ▁', () => {
    expect(pieceWords(['▁Kwa', '▁ma', 'badiliko', '▁', 'kasi', '.'])).toEqual([
      { pieces: [0], text: 'Kwa' },
      { pieces: [1, 2], text: 'mabadiliko' },
      { pieces: [3, 4, 5], text: 'kasi.' },
    ]);
    expect(pieceWords(['ab', '▁c'])).toEqual([{ pieces: [0], text: 'ab' }, { pieces: [1], text: 'c' }]);
  });
});

/** An encoder whose token state of word w is a fixed vector of norm 54 (its pieces: ▁w). */
function fakeEncoder(vectors: Record<string, Float32Array>, dim: number): SentenceEncoder & { featurize(t: string): { ids: number[]; pieces: string[] } } {
  const words = (t: string) => t.split(' ');
  return {
    meta: { name: 'fake' },
    dim,
    featurize: (t: string) => ({ ids: words(t).map((_, i) => i), pieces: words(t).map((w) => `▁${w}`) }),
    encode(texts: string[], _opts?: EncodeOptions) {
      const tokens = texts.map((t) => {
        const out = new Float32Array(words(t).length * dim);
        words(t).forEach((w, i) => out.set(vectors[w]!, i * dim));
        return out;
      });
      return { embeddings: new Float32Array(texts.length * dim), tokens, dim };
    },
    dispose() {},
  };
}

describe('transportStudy', () => {
  it('aligns each word of a reordered translation to its English word, at a lower cost than a scrambled one', () => {
    const dim = 8;
    const vec = (k: number) => Float32Array.from({ length: dim }, (_, h) => (h === k ? 54 : 0));
    // "english" word i and its "foreign" counterpart share the state vec(i)
    const vectors: Record<string, Float32Array> = { one: vec(0), two: vec(1), three: vec(2), four: vec(3), eno: vec(0), owt: vec(1), eerht: vec(2), ruof: vec(3), zzz: vec(5) };
    const teacher = fakeEncoder(vectors, dim);
    const eng = ['one two three four', 'one two'];
    const engStates = eng.map((e) => ({ pieces: teacher.featurize(e).pieces, states: teacher.encode([e], { tokens: true }).tokens![0]!, dim }));
    const good = transportStudy(teacher, engStates, ['ruof eerht owt eno', 'owt eno'], eng, 1);
    expect(good.values[0]).toBeLessThan(0.05);
    expect(good.alignments).toHaveLength(1);
    expect(good.alignments[0]!.index).toBe(0);
    expect(good.alignments[0]!.words.map((w) => [w.source, w.target])).toEqual([['ruof', 'four'], ['eerht', 'three'], ['owt', 'two'], ['eno', 'one']]);
    for (const w of good.alignments[0]!.words) expect(w.share).toBeGreaterThan(0.9);
    const bad = transportStudy(teacher, engStates, ['zzz zzz zzz zzz', 'zzz zzz'], eng, 0);
    expect(bad.alignments).toHaveLength(0);
    expect(bad.values[0]).toBeGreaterThan(good.values[0]! + 1); // ‖e_5 − e_i‖² / 54² = 2
    expect(bad.values[1]).toBeCloseTo(2, 3);
  });
});
