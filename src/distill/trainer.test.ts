import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUseLite } from '../models/use-lite.ts';
import { tf } from '../models/engine.ts';
import { createStudent, loadStudent, type KonaStudent } from '../models/student.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { makeObjective } from './objectives.ts';
import { train, teacherTargets, makeBatches, type TeacherTargets } from './trainer.ts';
import { clearStop, requestStop, Stopped } from '../util/stop.ts';

// A tiny made-up bitext: a toy "language" that writes English words backwards with a suffix.
const ENG = TOY_ENG_16;
const toy = toyLanguage;
const SRC = ENG.map(toy);
const NGRAM = { nMin: 3, nMax: 4, buckets: 1024, maxPerToken: 8 };

let teacher: KonaEncoder;
let targets: TeacherTargets;
const fresh = (seed = 3) => createStudent(teacher, { vocab: 'teacher', ngram: NGRAM, inputNgrams: true, lexical: true, texts: SRC, seed });
const run = async (student: KonaStudent, outDir: string, extra: Partial<Parameters<typeof train>[0]> = {}) => {
  const losses: number[] = [];
  await train({
    student, src: SRC, targets, objective: makeObjective('ot+mse'), outDir,
    steps: 12, batchSize: 4, lr: 3e-4, tableLr: 3e-3, seed: 7, checkpointEvery: 4,
    onStep: (s) => losses.push(s.loss), ...extra,
  });
  return losses;
};

describe('trainer on a tiny bitext made by the test', () => {
  beforeAll(async () => {
    teacher = await loadUseLite();
    targets = teacherTargets(teacher, ENG, true);
  });

  it('batches are length-bucketed, cover every pair once, and depend only on (seed, epoch)', () => {
    const lengths = [5, 1, 4, 2, 3, 9, 7, 8, 6, 10];
    const b = makeBatches(lengths, 3, 1, 0);
    expect(b.flat().sort((x, y) => x - y)).toEqual([...lengths.keys()]);
    expect(makeBatches(lengths, 3, 1, 0)).toEqual(b);
    expect(makeBatches(lengths, 3, 1, 1)).not.toEqual(b);
  });

  it('loss falls; the same seed gives the same numbers and weights; resume equals an uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'optical-train-'));
    const a = await fresh();
    const before = tf.memory().numTensors;
    const la = await run(a, join(root, 'a'));
    // no tensor leaks per step (a leak of one [B, L, E] buffer per step exhausted the 4 GB wasm heap in long runs)
    expect(tf.memory().numTensors).toBe(before);
    expect(la).toHaveLength(12);
    const first = (la[0]! + la[1]! + la[2]!) / 3;
    const last = (la[9]! + la[10]! + la[11]!) / 3;
    expect(last).toBeLessThan(first);

    const lb = await run(await fresh(), join(root, 'b'));
    expect(lb).toEqual(la);
    expect(readFileSync(join(root, 'b', 'model.safetensors')).equals(readFileSync(join(root, 'a', 'model.safetensors')))).toBe(true);

    // interrupted after step 6 (checkpoint at step 4), then resumed from a fresh process state
    await expect(run(await fresh(), join(root, 'c'), { onStep: (s) => { if (s.step === 6) throw new Error('interrupted'); } })).rejects.toThrow('interrupted');
    expect(existsSync(join(root, 'c', 'checkpoint', 'state.json'))).toBe(true);
    const lc = await run(await fresh(), join(root, 'c'), { resume: true });
    expect(lc).toEqual(la.slice(4));
    expect(readFileSync(join(root, 'c', 'model.safetensors')).equals(readFileSync(join(root, 'a', 'model.safetensors')))).toBe(true);
    expect(existsSync(join(root, 'c', 'checkpoint'))).toBe(false);

    // a stop request (Ctrl-C) after step 7: a checkpoint of step 7 (not only the periodic one of step 4), Stopped, and
    // resuming gives the uninterrupted run
    try {
      await expect(run(await fresh(), join(root, 'd'), { onStep: (s) => { if (s.step === 7) requestStop(); } })).rejects.toThrow(Stopped);
    } finally {
      clearStop();
    }
    expect(JSON.parse(readFileSync(join(root, 'd', 'checkpoint', 'state.json'), 'utf8')).step).toBe(7);
    const ld = await run(await fresh(), join(root, 'd'), { resume: true });
    expect(ld).toEqual(la.slice(7));
    expect(readFileSync(join(root, 'd', 'model.safetensors')).equals(readFileSync(join(root, 'a', 'model.safetensors')))).toBe(true);
    const log = readFileSync(join(root, 'a', 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.map((r) => r.step)).toEqual([...Array(12).keys()].map((i) => i + 1));

    // save → load → encode gives identical embeddings
    const loaded = await loadStudent(join(root, 'a'));
    const e1 = a.encode(SRC.slice(0, 5)).embeddings;
    const e2 = loaded.encode(SRC.slice(0, 5)).embeddings;
    expect(Array.from(e2)).toEqual(Array.from(e1));
    expect(loaded.config.training).toMatchObject({ steps: 12 });
  });

  it('a student with a new unigram vocabulary trains and round-trips through its tokenizer.json', async () => {
    const root = mkdtempSync(join(tmpdir(), 'optical-train-new-'));
    const s = await createStudent(teacher, { vocab: 'new', texts: SRC, vocabSize: 120, ngram: null, seed: 1 });
    expect(s.cfg.vocabSize).toBe(s.tokenizer.vocabSize);
    // documented initialisation: new piece embeddings are means of the teacher's pieces for the same text
    const E = s.cfg.embedDim;
    let nonzero = 0;
    for (let i = 0; i < s.tables.embeddings.length; i += E) if (s.tables.embeddings[i] !== 0) nonzero++;
    expect(nonzero).toBeGreaterThan(s.cfg.vocabSize / 2);
    const losses = await run(s, join(root, 'n'), { objective: makeObjective('mse'), steps: 8 });
    expect(losses.every(Number.isFinite)).toBe(true);
    const loaded = await loadStudent(join(root, 'n'));
    expect(loaded.tokenizer.encode(SRC[3]!)).toEqual(s.tokenizer.encode(SRC[3]!));
    expect(Array.from(loaded.encode([SRC[3]!]).embeddings)).toEqual(Array.from(s.encode([SRC[3]!]).embeddings));
  });

  it('a learnable temperature trains with the student, survives resume and is recorded; idf and unbalanced OT train', async () => {
    const root = mkdtempSync(join(tmpdir(), 'optical-train-obj-'));
    const mk = () => makeObjective('contrastive', { temperature: 0.05, learnTemperature: true });
    const o1 = mk();
    const la = await run(await fresh(), join(root, 'a'), { objective: o1, steps: 6, checkpointEvery: 3, objectiveLr: 0.05 });
    const tau = (o1.config() as { temperature: number }).temperature;
    expect(tau).not.toBeCloseTo(0.05, 4);
    const rec = (await loadStudent(join(root, 'a'))).config.training as { objective: { temperature: number; learnable: boolean } };
    expect(rec.objective.learnable).toBe(true);
    expect(rec.objective.temperature).toBeCloseTo(tau, 6);
    const o2 = mk();
    await expect(run(await fresh(), join(root, 'c'), { objective: o2, steps: 6, checkpointEvery: 3, objectiveLr: 0.05, onStep: (x) => { if (x.step === 4) throw new Error('interrupted'); } })).rejects.toThrow('interrupted');
    const o3 = mk();
    const lc = await run(await fresh(), join(root, 'c'), { objective: o3, steps: 6, checkpointEvery: 3, objectiveLr: 0.05, resume: true });
    expect(lc).toEqual(la.slice(3));
    expect((o3.config() as { temperature: number }).temperature).toBe(tau);

    const engTokenIds = ENG.map((t) => teacher.featurize(t).ids);
    const idfOt = makeObjective('ot', { ot: { marginals: 'idf', tau: 1 } });
    await expect(run(await fresh(), join(root, 'x'), { objective: idfOt, steps: 2 })).rejects.toThrow(/engTokenIds/);
    const li = await run(await fresh(), join(root, 'i'), { objective: idfOt, steps: 4, engTokenIds });
    expect(li.every((l) => Number.isFinite(l) && l > 0)).toBe(true);
  });
});
