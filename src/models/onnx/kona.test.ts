/**
 * The Kona forward exported to ONNX and run by ONNX Runtime equals the tfjs forward: teacher (USE-lite) on
 * real English sentences, a student with input n-grams and a lexical skip on real Swahili (Bible verses).
 * Tolerances: sentence embeddings (unit vectors) 1e-4 max-abs; token states (norms ≈ 54) and pooled
 * vectors 1e-4 max-abs relative to the largest |value| of the tensor.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadUseLite } from '../use-lite.ts';
import { createStudent } from '../student.ts';
import { tf } from '../engine.ts';
import { DEFAULT_NGRAMS } from '../features.ts';
import type { EncodeResult, KonaEncoder } from '../encoder.ts';
import { ortUnavailableReason } from './index.ts';
import { loadBible } from '../../data/loaders.ts';
import { mulberry32 } from '../../util/random.ts';
import { resolveTestData } from '../../../test/data.ts';
import { TOY_ENG_20, toyLanguage } from '../../../test/toy-bitext.ts';

const dataDir = resolveTestData();
const engFile = dataDir && join(dataDir, 'tatoeba', 'tatoeba.swh-eng.eng');
const haveData = Boolean(engFile && existsSync(engFile));

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]!));
  return m;
}
function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** max-abs differences: embeddings; tokens and pooled relative to their largest |value|. */
function compare(model: KonaEncoder, texts: string[]): { embedding: number; pooled: number; tokens: number } {
  const a: EncodeResult = model.encode(texts, { engine: 'tfjs', tokens: true, pooled: true });
  const b: EncodeResult = model.encode(texts, { engine: 'onnx', tokens: true, pooled: true });
  let tokens = 0;
  let scale = 0;
  a.tokens!.forEach((x, i) => {
    tokens = Math.max(tokens, maxAbsDiff(x, b.tokens![i]!));
    scale = Math.max(scale, maxAbs(x));
  });
  return { embedding: maxAbsDiff(a.embeddings, b.embeddings), pooled: maxAbsDiff(a.pooled!, b.pooled!) / maxAbs(a.pooled!), tokens: tokens / scale };
}

/** Seeded uniform(−r, r) values written over a table (so that n-grams and the lexical skip contribute). */
function randomise(x: Float32Array, r: number, seed: number): void {
  const rnd = mulberry32(seed);
  for (let i = 0; i < x.length; i++) x[i] = (rnd() * 2 - 1) * r;
}

const ort = ortUnavailableReason();

describe.skipIf(ort !== undefined)('Kona forward on ONNX Runtime equals tfjs', () => {
  let teacher: KonaEncoder;
  beforeAll(async () => {
    teacher = await loadUseLite();
  });

  it.skipIf(!haveData)('teacher (USE-lite): 40 Tatoeba English sentences and one clipped at 128 pieces (needs ../shared/data)', () => {
    const eng = readFileSync(engFile!, 'utf8').split('\n').filter(Boolean).slice(0, 40);
    eng.push(eng.join(' '));
    const d = compare(teacher, eng);
    expect(d.embedding).toBeLessThan(1e-4);
    expect(d.pooled).toBeLessThan(1e-4);
    expect(d.tokens).toBeLessThan(1e-4);
  });

  it.skipIf(!haveData)('student with input n-grams and a lexical skip: 30 Swahili Bible verses (needs ../shared/data)', async () => {
    const swh = loadBible(dataDir!, 'Swahili').src.slice(0, 400);
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: DEFAULT_NGRAMS, inputNgrams: true, lexical: true, texts: swh });
    randomise(student.tables.ngrams!, 0.05, 1);
    randomise(student.tables.lexical!, 0.5, 2);
    const d = compare(student, swh.slice(0, 30));
    expect(d.embedding).toBeLessThan(1e-4);
    expect(d.pooled).toBeLessThan(1e-4);
    expect(d.tokens).toBeLessThan(1e-4);
    student.dispose();
  });

  it('a student session follows its weights: encoding after a parameter update equals tfjs on the new weights', async () => {
    const src = TOY_ENG_20.map(toyLanguage);
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: src });
    randomise(student.tables.lexical!, 0.5, 3);
    const before = student.encode(src, { engine: 'onnx' }).embeddings;
    const w = student.params['pooler.tanh.bias'] as tf.Variable;
    w.assign(tf.add(w, 0.5));
    const after = student.encode(src, { engine: 'onnx' }).embeddings;
    expect(maxAbsDiff(before, after)).toBeGreaterThan(1e-2);
    expect(maxAbsDiff(after, student.encode(src, { engine: 'tfjs' }).embeddings)).toBeLessThan(1e-4);
    student.dispose();
  });

  it('OPTICAL_ENGINE must name an engine', () => {
    const old = process.env['OPTICAL_ENGINE'];
    process.env['OPTICAL_ENGINE'] = 'cuda';
    try {
      expect(() => teacher.encode(['a'])).toThrow(/OPTICAL_ENGINE must be auto, onnx or tfjs, got "cuda"/);
    } finally {
      if (old === undefined) delete process.env['OPTICAL_ENGINE'];
      else process.env['OPTICAL_ENGINE'] = old;
    }
  });
});
