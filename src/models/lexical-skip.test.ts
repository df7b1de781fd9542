/**
 * The lexical skip's table gradient (encoder.ts `tableGrads`, its `lexical` part) is the adjoint of
 * `skipVectors`: ψ is linear in the table N, so for any dψ and any change δ of N,
 *   ⟨dψ, ψ(N + δ)⟩ − ⟨dψ, ψ(N)⟩ = Σ_rows ⟨dN[row], δ[row]⟩.
 * Checked on a real student with n-gram features, where a word's pieces share one coefficient object.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadUseLite } from './use-lite.ts';
import { createStudent, type KonaStudent } from './student.ts';
import { mulberry32 } from '../util/random.ts';

const SRC = TOY_ENG_16.map(toyLanguage);
let student: KonaStudent;

beforeAll(async () => {
  const teacher = await loadUseLite();
  student = await createStudent(teacher, { vocab: 'teacher', ngram: { nMin: 3, nMax: 4, buckets: 1024, maxPerToken: 8 }, inputNgrams: true, lexical: true, texts: SRC, seed: 5 });
});

describe('lexical skip', () => {
  it('tableGrads (lexical) is the adjoint of skipVectors (a change of every table row, used by the batch or not)', () => {
    const rnd = mulberry32(3);
    const N = student.tables.lexical!;
    for (let i = 0; i < N.length; i++) N[i] = rnd() - 0.5;
    const batch = student.pack(SRC.slice(0, 6).map((t) => student.featurize(t)));
    const H = student.dim;
    // words of several pieces exist, so the per-word summation is exercised
    const shared = batch.lexical!.some((lex) => lex !== undefined && lex.word.some((w, t) => w >= 0 && w === lex.word[t + 1]));
    expect(shared).toBe(true);
    const dPsi = Float32Array.from({ length: batch.B * batch.L * H }, () => rnd() - 0.5);
    const dEmb = new Float32Array(batch.B * batch.L * student.cfg.embedDim);
    const g = student.tableGrads(batch, dEmb, dPsi).lexical!;
    expect(g.rows.length).toBeGreaterThan(0);
    const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
    const before = dot(dPsi, student.skipVectors(batch));
    // δ on every row of the table (rows the batch does not use must not matter)
    const delta = Float32Array.from({ length: N.length }, () => 1e-2 * (rnd() - 0.5));
    for (let i = 0; i < N.length; i++) N[i]! += delta[i]!;
    const after = dot(dPsi, student.skipVectors(batch));
    let predicted = 0;
    g.rows.forEach((row, s) => {
      for (let h = 0; h < H; h++) predicted += g.grad[s * H + h]! * delta[row * H + h]!;
    });
    expect(Math.abs(after - before - predicted)).toBeLessThan(1e-4 * Math.max(1, Math.abs(predicted)));
    expect(Math.abs(predicted)).toBeGreaterThan(1e-3);
  });
});
