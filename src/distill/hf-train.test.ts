/**
 * The trainer driving a Hugging Face student (through the TrainableEncoder interface) against a Hugging Face
 * teacher: loss falls, seeded runs agree, a resumed run equals an uninterrupted one, and the saved student
 * keeps the Hugging Face layout. Tiny models made by the test.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadHfModel } from '../models/hf/load.ts';
import { makeTinyModel } from '../models/hf/testing.ts';
import type { HfEncoder } from '../models/hf/model.ts';
import { readSafetensors } from '../models/safetensors.ts';
import { makeObjective } from './objectives.ts';
import { train, teacherTargets, type TeacherTargets } from './trainer.ts';

const SRC = TOY_ENG_16.map(toyLanguage);
let root: string;
let teacher: HfEncoder;
let targets: TeacherTargets;

const student = async () => {
  const s = await loadHfModel(join(root, 'student-init'));
  s.meta.name = 'optical-xx-test';
  s.meta.teacher = teacher.meta.name;
  return s;
};
const run = async (s: HfEncoder, out: string, extra: Partial<Parameters<typeof train>[0]> = {}) => {
  const losses: number[] = [];
  await train({
    student: s, src: SRC, targets, objective: makeObjective('ot+mse'), outDir: out,
    steps: 16, batchSize: 4, lr: 3e-3, tableLr: 1e-2, seed: 3, checkpointEvery: 6, dropout: 0,
    onStep: (i) => losses.push(i.loss), ...extra,
  });
  return losses;
};

describe('training a Hugging Face student', () => {
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'optical-hf-train-'));
    makeTinyModel(join(root, 'teacher'), { modelType: 'roberta', tokenizer: 'bpe', seed: 1 });
    makeTinyModel(join(root, 'student-init'), { modelType: 'xlm-roberta', tokenizer: 'bpe', seed: 2 });
    teacher = await loadHfModel(join(root, 'teacher'));
    targets = teacherTargets(teacher, TOY_ENG_16, true);
  });

  it('loss falls; seeded runs agree; resume equals an uninterrupted run; the saved folder keeps the HF names', async () => {
    const a = await student();
    const la = await run(a, join(root, 'a'));
    const mean = (x: number[]) => x.reduce((p, q) => p + q, 0) / x.length;
    expect(la.every(Number.isFinite)).toBe(true);
    expect(mean(la.slice(-4))).toBeLessThan(mean(la.slice(0, 4)));
    const b = await student();
    const lb = await run(b, join(root, 'b'));
    expect(lb).toEqual(la);
    // interrupted at step 13 (last checkpoint at 12), then resumed to 16
    const c = await student();
    await run(c, join(root, 'c'), { steps: 16, onStep: (i) => { if (i.step === 13) throw new Error('interrupt'); } }).catch(() => {});
    const c2 = await student();
    const lc = await run(c2, join(root, 'c'), { resume: true });
    expect(lc).toEqual(la.slice(12));
    const wa = readFileSync(join(root, 'a', 'model.safetensors'));
    expect(readFileSync(join(root, 'c', 'model.safetensors')).equals(wa)).toBe(true);
    const names = Object.keys(readSafetensors(join(root, 'a', 'model.safetensors')).tensors);
    expect(names).toContain('roberta.encoder.layer.1.attention.self.query.weight');
    expect(names).toContain('roberta.pooler.dense.weight');
    const cfg = JSON.parse(readFileSync(join(root, 'a', 'config.json'), 'utf8'));
    expect(cfg.model_type).toBe('xlm-roberta');
    expect(cfg.optical).toMatchObject({ name: 'optical-xx-test', teacher: teacher.meta.name, pooling: 'mean', training: { steps: 16 } });
    // the trained student reloads to the same outputs
    const back = await loadHfModel(join(root, 'a'));
    expect(back.encode(SRC.slice(0, 4)).embeddings).toEqual(a.encode(SRC.slice(0, 4)).embeddings);
    for (const m of [a, b, c, c2, back]) m.dispose();
  });
});
