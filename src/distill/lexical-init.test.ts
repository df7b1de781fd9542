import { TOY_ENG_20, toyLanguage } from '../../test/toy-bitext.ts';
import { describe, it, expect, beforeAll } from 'vitest';
import { loadUseLite } from '../models/use-lite.ts';
import { createStudent } from '../models/student.ts';
import { tokenLexical } from '../models/features.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { Tfidf } from '../text/tfidf.ts';
import { teacherTargets, type TeacherTargets } from './trainer.ts';
import { fitLinearHead, fitSentenceSkip, initLexicalSkip } from './lexical-init.ts';
import { loadStudent } from '../models/student.ts';
import { evaluateBitextMining } from '../eval/mining.ts';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';

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
      expect(f.lexical!.word).toHaveLength(f.ids.length);
      const v = student.lexicalFeatures(f);
      const want = new Map<number, number>();
      for (let p = X.indptr[i]!; p < X.indptr[i + 1]!; p++) want.set(X.indices[p]!, X.values[p]!);
      expect([...v.keys()].sort((a, b) => a - b)).toEqual([...want.keys()]);
      for (const [k, x] of want) expect(v.get(k)!).toBeCloseTo(x, 5);
    });
    // a token's coefficients point at its own word's features only
    const f = student.featurize('god cat');
    const cols = (t: number) => new Set(tokenLexical(f.lexical!, t).cols);
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
    // a single λ (what the refit after training passes: the λ chosen here) skips the held-out choice and
    // installs the same fit on every pair
    const again = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC });
    const logs1: string[] = [];
    const r1 = initLexicalSkip(again, feats, targets.pooled, targets.embeddings, { lambdas: [r.lambda], log: (m) => logs1.push(m) });
    expect(r1.lambda).toBe(r.lambda);
    expect(r1.heldOut).toEqual([]);
    expect(logs1.some((m) => m.includes('held-out'))).toBe(false);
    expect(Array.from(again.tables.lexical!)).toEqual(Array.from(N));
  });

  it('sentence skip: e = l2norm(e_0 + v N_sen + b_sen) is what encode computes, its fit moves e towards E_T, and it survives save → load', async () => {
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC });
    const feats = SRC.map((s) => student.featurize(s));
    const e0 = student.encode(SRC).embeddings; // the teacher's embeddings of the toy-language text
    const logs: string[] = [];
    const r = fitSentenceSkip(student, feats, targets.embeddings, { lambdas: [0.01, 0.1], log: (m) => logs.push(m) });
    expect([0.01, 0.1]).toContain(r.lambda);
    expect(r.heldOut).toHaveLength(2);
    expect(logs.some((m) => m.includes('sentence skip: λ = 0.01: held-out'))).toBe(true);
    const O = student.dim;
    const N = student.tables.sentence!;
    const b = student.tables.sentenceBias!;
    expect(N).toHaveLength(student.lexicon!.nFeatures * O);
    expect(b).toHaveLength(O);
    const e = student.encode(SRC).embeddings;
    // by hand, sentence 3
    const want = new Float64Array(O);
    for (let h = 0; h < O; h++) want[h] = e0[3 * O + h]! + b[h]!;
    for (const [k, x] of student.lexicalFeatures(feats[3]!)) for (let h = 0; h < O; h++) want[h]! += x * N[k * O + h]!;
    const norm = Math.hypot(...want);
    for (const h of [0, 5, 200, 511]) expect(e[3 * O + h]!).toBeCloseTo(want[h]! / norm, 5);
    // closer to the teacher's embeddings of the translations on the training pairs, and better mining
    const cos = (a: Float32Array) => a.reduce((s, x, i) => s + x * targets.embeddings[i]!, 0) / SRC.length;
    expect(cos(e)).toBeGreaterThan(cos(e0) + 0.05);
    expect(evaluateBitextMining(e, targets.embeddings, O).src2tgt).toBeGreaterThanOrEqual(evaluateBitextMining(e0, targets.embeddings, O).src2tgt);
    // token states and pooled vectors do not see it
    const plain = student.encodeWithoutSentenceSkip(feats, { pooled: true });
    expect(Array.from(plain.embeddings)).toEqual(Array.from(e0));
    expect(Array.from(student.encode(SRC, { pooled: true }).pooled!)).toEqual(Array.from(plain.pooled!));
    // refitting replaces the skip (same data, same result)
    fitSentenceSkip(student, feats, targets.embeddings, { lambdas: [0.01, 0.1] });
    expect(Array.from(student.encode(SRC).embeddings)).toEqual(Array.from(e));

    const dir = mkdtempSync(join(tmpdir(), 'optical-sentence-skip-'));
    student.save(dir);
    const loaded = await loadStudent(dir);
    expect(Array.from(loaded.encode(SRC).embeddings)).toEqual(Array.from(e));
    loaded.dispose();
    // a sentence table of the wrong width is named in the error
    const file = join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    const bad = { ...tensors, 'sentence.weight': { dtype: 'F32' as const, shape: [student.lexicon!.nFeatures, 8], data: new Float32Array(student.lexicon!.nFeatures * 8) } };
    writeSafetensors(file, bad as Parameters<typeof writeSafetensors>[1], { format: 'pt' });
    await expect(loadStudent(dir)).rejects.toThrow(/tensor "sentence.weight" has shape \[\d+, 8\], expected \[\d+, 512\]/);
    student.dispose();
  });
  it('linear head: e = l2norm(e_1 + w·l2norm(v N_lin)) is what encode computes, N_lin = Cᵀα solves (K + λI) α = E_T without intercept, and it survives save → load', async () => {
    const student = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC });
    const feats = SRC.map((s) => student.featurize(s));
    const O = student.dim;
    const n = SRC.length;
    const e1 = student.encode(SRC).embeddings;
    const logs: string[] = [];
    const lambda = 0.2;
    const r = fitLinearHead(student, feats, targets.embeddings, { lambda, weight: 2, log: (m) => logs.push(m) });
    expect(r).toMatchObject({ lambda, weight: 2 });
    expect(logs.some((m) => m.startsWith('linear head: solved directly, λ = 0.2'))).toBe(true);
    const N = student.tables.linear!;
    expect(N).toHaveLength(student.lexicon!.nFeatures * O);
    // reference in float64: rows V [n, F] of the features, α = (V Vᵀ + λ I)⁻¹ E_T (Gauss–Jordan), N = Vᵀ α
    const V = feats.map((f) => student.lexicalFeatures(f));
    const A = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => {
      let d = i === j ? lambda : 0;
      for (const [k, x] of V[i]!) d += x * (V[j]!.get(k) ?? 0);
      return d;
    }));
    const B = Array.from({ length: n }, (_, i) => Array.from(targets.embeddings.subarray(i * O, (i + 1) * O), Number));
    for (let c = 0; c < n; c++) {
      const p = A[c]![c]!;
      for (let j = 0; j < n; j++) A[c]![j]! /= p;
      for (let h = 0; h < O; h++) B[c]![h]! /= p;
      for (let i = 0; i < n; i++) {
        if (i === c) continue;
        const f = A[i]![c]!;
        for (let j = 0; j < n; j++) A[i]![j]! -= f * A[c]![j]!;
        for (let h = 0; h < O; h++) B[i]![h]! -= f * B[c]![h]!;
      }
    }
    const [k0, x0] = [...V[0]!].sort((a, b) => b[1] - a[1])[0]!;
    for (const h of [0, 7, 300, 511]) {
      let want = 0;
      V.forEach((v, i) => (want += (v.get(k0) ?? 0) * B[i]![h]!));
      expect(x0).toBeGreaterThan(0);
      expect(N[k0 * O + h]!).toBeCloseTo(want, 4);
    }
    // encode: by hand, sentence 4
    const e = student.encode(SRC).embeddings;
    const l = new Float64Array(O);
    for (const [k, x] of V[4]!) for (let h = 0; h < O; h++) l[h]! += x * N[k * O + h]!;
    const ln = Math.hypot(...l);
    const want = Array.from({ length: O }, (_, h) => e1[4 * O + h]! + (2 * l[h]!) / ln);
    const wn = Math.hypot(...want);
    for (const h of [0, 5, 200, 511]) expect(e[4 * O + h]!).toBeCloseTo(want[h]! / wn, 5);
    // a sentence with no known feature keeps e_1
    const unknown = ['qqqqqqqqq zzzzzzzzzz'];
    student.tables.linear = undefined;
    const plain = student.encode(unknown).embeddings;
    student.tables.linear = N;
    expect(Array.from(student.encode(unknown).embeddings)).toEqual(Array.from(plain));
    // closer to the teacher's embeddings of the translations than the student without the head
    const cos = (a: Float32Array) => a.reduce((s, x, i) => s + x * targets.embeddings[i]!, 0) / n;
    expect(cos(e)).toBeGreaterThan(cos(e1) + 0.05);

    const dir = mkdtempSync(join(tmpdir(), 'optical-linear-head-'));
    student.save(dir);
    const loaded = await loadStudent(dir);
    expect(loaded.tables.linearMix).toBe(2);
    expect(Array.from(loaded.encode(SRC).embeddings)).toEqual(Array.from(e));
    loaded.dispose();
    // a missing weight is named in the error
    const file = join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    const { ['linear.mix']: _mix, ...rest } = tensors;
    writeSafetensors(file, rest as Parameters<typeof writeSafetensors>[1], { format: 'pt' });
    await expect(loadStudent(dir)).rejects.toThrow(/tensor "linear.mix" missing/);
    student.dispose();
  });
});
