/**
 * The trainer driving a Hugging Face student (through the TrainableEncoder interface) against a Hugging Face
 * teacher: loss falls, seeded runs agree, a resumed run equals an uninterrupted one, and the saved student
 * keeps the Hugging Face layout. Tiny models made by the test.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadHfModel } from '../models/hf/load.ts';
import { makeTinyModel } from '../models/hf/testing.ts';
import type { HfEncoder } from '../models/hf/model.ts';
import { readSafetensors } from '../models/safetensors.ts';
import { makeObjective } from './objectives.ts';
import { train, teacherTargets, type TeacherTargets } from './trainer.ts';
import { distill, DISTILL_DEFAULTS } from './pipeline.ts';
import { InputError } from '../errors.ts';

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
  const prevCache = process.env.OPTICAL_CACHE;
  afterAll(() => {
    if (prevCache === undefined) delete process.env.OPTICAL_CACHE;
    else process.env.OPTICAL_CACHE = prevCache;
  });
  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'optical-hf-train-'));
    process.env.OPTICAL_CACHE = join(root, 'cache'); // distill() caches teacher outputs
    writeFileSync(join(root, 'xx.txt'), SRC.join('\n') + '\n');
    writeFileSync(join(root, 'en.txt'), TOY_ENG_16.join('\n') + '\n');
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

  it('distill(): a student DIR continues against its own teacher, is refused with another; init: needs a folder', async () => {
    const cfg = (student: string, teacherDir: string, out: string) => ({
      ...DISTILL_DEFAULTS, lang: 'xx', bitext: [`lines:${join(root, 'xx.txt')}:${join(root, 'en.txt')}`], objective: 'mse',
      out: join(root, out), steps: 2, batch: 8, teacher: teacherDir, student,
    });
    const logs: string[] = [];
    const events: string[] = [];
    const first = await distill(cfg(`init:${join(root, 'student-init')}`, join(root, 'teacher'), 'd1'), { log: (m) => logs.push(m), onStep: () => events.push('step'), training: (on) => events.push(on ? 'start' : 'end') });
    expect(first.steps).toBe(2);
    // the training hook brackets the gradient steps (the CLI's Ctrl-C is cooperative only between them)
    expect(events).toEqual(['start', 'step', 'step', 'end']);
    expect(first.student.meta).toMatchObject({ name: 'optical-xx-mse', teacher: join(root, 'teacher') });
    const again = await distill(cfg(join(root, 'd1'), join(root, 'teacher'), 'd2'), { log: (m) => logs.push(m) });
    expect(again.steps).toBe(2);
    expect(logs.some((l) => /student: continuing .*d1/.test(l))).toBe(true);
    const refuse = async (c: ReturnType<typeof cfg>, re: RegExp) => {
      const e = await distill(c).then(() => undefined, (x: unknown) => x);
      expect(e).toBeInstanceOf(InputError);
      expect((e as Error).message).toMatch(re);
    };
    await refuse(cfg(join(root, 'd1'), join(root, 'student-init'), 'd3'), /the student was distilled from .*teacher, not from the teacher .*student-init: use --student init:/);
    await refuse(cfg('init:', join(root, 'teacher'), 'd4'), /--student init: needs a folder/);
    await refuse({ ...cfg(`init:${join(root, 'student-init')}`, join(root, 'teacher'), 'd5'), vocab: 'new' }, /--vocab new applies only to students created from the USE-lite teacher/);
    for (const r of [first, again]) r.student.dispose();
  });

  it('distill(): a new student takes over a ColBERT teacher\'s projection', async () => {
    makeTinyModel(join(root, 'colbert'), { modelType: 'roberta', tokenizer: 'bpe', seed: 4, colbert: 8 });
    const logs: string[] = [];
    const r = await distill({
      ...DISTILL_DEFAULTS, lang: 'xx', bitext: [`lines:${join(root, 'xx.txt')}:${join(root, 'en.txt')}`], objective: 'ot',
      out: join(root, 'd-colbert'), steps: 2, batch: 8, teacher: join(root, 'colbert'), student: `init:${join(root, 'student-init')}`,
    }, { log: (m) => logs.push(m) });
    expect(logs).toContain("student: takes over the teacher's ColBERT projection (32 → 8)");
    expect(r.student.dim).toBe(8);
    const back = await loadHfModel(join(root, 'd-colbert'));
    expect(back.pooling).toBe('colbert');
    expect(readSafetensors(join(root, 'd-colbert', 'model.safetensors')).tensors['linear.weight']!.shape).toEqual([8, 32]);
    expect(back.encode(SRC.slice(0, 3)).embeddings).toEqual(r.student.encode(SRC.slice(0, 3)).embeddings);
    back.dispose();
    r.student.dispose();
  });
});
