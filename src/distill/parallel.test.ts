/**
 * Data-parallel training (parallel.ts) computes the single-thread step: same per-step losses and the same
 * weights after training, up to float32 summation order, with dropout on (the masks are the whole batch's
 * rows) and uneven parts (batch 5 on 2 threads: 3 + 2 rows).
 */
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUseLite } from '../models/use-lite.ts';
import { tf } from '../models/engine.ts';
import { createStudent, type KonaStudent } from '../models/student.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { makeObjective } from './objectives.ts';
import { separable } from './grads.ts';
import { train, teacherTargets, type TeacherTargets } from './trainer.ts';

const ENG = TOY_ENG_16;
const SRC = ENG.map(toyLanguage);
let teacher: KonaEncoder;
let targets: TeacherTargets;

async function run(threads: number, objective: string): Promise<{ losses: number[]; student: KonaStudent }> {
  const student = await createStudent(teacher, { vocab: 'teacher', ngram: { nMin: 3, nMax: 4, buckets: 1024, maxPerToken: 8 }, inputNgrams: true, lexical: true, texts: SRC, seed: 5 });
  const losses: number[] = [];
  await train({
    student, src: SRC, targets, objective: makeObjective(objective), outDir: mkdtempSync(join(tmpdir(), 'optical-par-')),
    steps: 4, batchSize: 5, lr: 3e-4, tableLr: 3e-3, lexicalLr: 3e-4, dropout: 0.1, seed: 11, threads, engine: 'tfjs', onStep: (s) => losses.push(s.loss),
  });
  return { losses, student };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

function maxRelDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  let scale = 1e-12;
  for (let i = 0; i < a.length; i++) {
    m = Math.max(m, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return m / scale;
}

describe('data-parallel training steps', () => {
  beforeAll(async () => {
    teacher = await loadUseLite();
    targets = teacherTargets(teacher, ENG, true);
  });

  it('ot+mse on 2 threads equals 1 thread: losses and every weight (dropout 0.1, parts of 3 and 2 rows)', async () => {
    const one = await run(1, 'ot+mse');
    const two = await run(2, 'ot+mse');
    expect(two.losses).toHaveLength(4);
    expect(maxRelDiff(one.losses, two.losses)).toBeLessThan(1e-5);
    for (const [k, v] of Object.entries(one.student.params)) expect(maxRelDiff(v.dataSync(), two.student.params[k]!.dataSync()), k).toBeLessThan(1e-4);
    // tables (sparse Adam from zero for n-grams and ψ): absolute, 1/300 of one step at lr 3e-3 — Adam's
    // normalised update turns float noise in near-zero gradients into differences of this size
    expect(maxAbsDiff(one.student.tables.embeddings, two.student.tables.embeddings)).toBeLessThan(1e-5);
    expect(maxAbsDiff(one.student.tables.ngrams!, two.student.tables.ngrams!)).toBeLessThan(1e-5);
    expect(maxAbsDiff(one.student.tables.lexical!, two.student.tables.lexical!)).toBeLessThan(1e-5);
    // the weights moved: the comparison is not between two untouched students
    const fresh = await createStudent(teacher, { vocab: 'teacher', ngram: { nMin: 3, nMax: 4, buckets: 1024, maxPerToken: 8 }, inputNgrams: true, lexical: true, texts: SRC, seed: 5 });
    expect(maxRelDiff(fresh.params['layers.1.ffn.fc2.weight']!.dataSync(), two.student.params['layers.1.ffn.fc2.weight']!.dataSync())).toBeGreaterThan(1e-5);
    [one, two].forEach((r) => r.student.dispose());
    fresh.dispose();
    expect(tf.memory().numTensors).toBeGreaterThan(0);
  });

  it('only objectives that are means over sentences are split (contrastive uses in-batch negatives)', () => {
    expect(separable(makeObjective('ot'))).toBe(true);
    expect(separable(makeObjective('ot+mse'))).toBe(true);
    expect(separable(makeObjective('contrastive'))).toBe(false);
    expect(separable(makeObjective('ot+contrastive'))).toBe(false);
  });
});
