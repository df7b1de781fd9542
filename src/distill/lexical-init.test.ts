import { TOY_ENG_20, toyLanguage } from '../../test/toy-bitext.ts';
import { describe, it, expect, beforeAll } from 'vitest';
import { loadUseLite } from '../models/use-lite.ts';
import { createStudent } from '../models/student.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { Tfidf } from '../text/tfidf.ts';
import { teacherTargets, type TeacherTargets } from './trainer.ts';
import { initLexicalSkip } from './lexical-init.ts';

// A made-up "language": English words written backwards with a suffix, so the teacher does not know it.
const ENG = TOY_ENG_20;
const toy = toyLanguage;
const SRC = ENG.map(toy);

let teacher: KonaEncoder;
let targets: TeacherTargets;

describe('lexical skip', () => {
  beforeAll(async () => {
    teacher = await loadUseLite();
    targets = teacherTargets(teacher, ENG, false);
  });

  it('token coefficients average to the sentence TF-IDF row (what mean pooling carries)', async () => {
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC });
    const ref = new Tfidf().fit(SRC);
    const X = ref.transform(SRC);
    SRC.forEach((s, i) => {
      const f = student.featurize(s);
      expect(f.lexical).toHaveLength(f.ids.length);
      const v = student.lexicalFeatures(f);
      const want = new Map<number, number>();
      for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) want.set(X.indices[p]!, X.values[p]!);
      expect([...v.keys()].sort((a, b) => a - b)).toEqual([...want.keys()]);
      for (const [k, x] of want) expect(v.get(k)!).toBeCloseTo(x, 5);
    });
    // a token's coefficients point at its own word's features only
    const f = student.featurize('god cat');
    const cols = (t: number) => new Set(f.lexical![t]!.cols);
    expect([...cols(0)].some((c) => cols(f.ids.length - 1).has(c))).toBe(false);
  });

  it('closed-form init: pooled = P_S0 + v(x) N_lex + b fits the teacher better than P_S0, and is what encode computes', async () => {
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC });
    const before = student.encode(SRC, { pooled: true }).pooled!;
    // before its skip is set, a teacher-vocabulary, teacher-initialised student is the teacher (the
    // pipeline reuses the teacher's cached pooled vectors as P_S0 on this basis)
    expect(Array.from(before)).toEqual(Array.from(teacher.encode(SRC, { pooled: true }).pooled!));
    const feats = SRC.map((s) => student.featurize(s));
    const logs: string[] = [];
    const r = initLexicalSkip(student, feats, targets.pooled, targets.embeddings, { lambdas: [0.01, 0.1], log: (m) => logs.push(m) });
    expect([0.01, 0.1]).toContain(r.lambda);
    expect(r.heldOut).toHaveLength(2);
    expect(logs.some((m) => m.includes('held-out'))).toBe(true);
    const after = student.encode(SRC, { pooled: true }).pooled!;
    const err = (p: Float32Array) => p.reduce((s, x, i) => s + (x - targets.pooled[i]!) ** 2, 0);
    expect(err(after)).toBeLessThan(0.5 * err(before));
    // the installed table reproduces the linear model: the change in pooled is linear in v(x)
    const H = student.dim;
    const N = student.tables.lexical!;
    const v0 = student.lexicalFeatures(feats[0]!);
    const v1 = student.lexicalFeatures(feats[1]!);
    for (const h of [0, 7, 300]) {
      let lin0 = 0;
      let lin1 = 0;
      for (const [k, x] of v0) lin0 += x * N[k * H + h]!;
      for (const [k, x] of v1) lin1 += x * N[k * H + h]!;
      const d0 = after[h]! - before[h]!;
      const d1 = after[H + h]! - before[H + h]!;
      expect(d0 - d1).toBeCloseTo(lin0 - lin1, 3); // the shared intercept b cancels
    }
  });
});
