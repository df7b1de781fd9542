/**
 * The ONNX Runtime training step (models/onnx/train-step.ts + ort-step.ts) computes the tfjs step
 * (grads.ts `partGradients`, tfjs autodiff of kona.ts): loss, the gradient of every parameter, of the input
 * embeddings and of ψ, on a tiny Kona model (E 16 → width 32, 2 layers, 4 heads, FFN 64, a projected
 * residual in layer 0; once more with the output projected to 24, a narrower student's `outDim`) and a
 * padded batch of 4 sentences of lengths 7, 3, 5, 1. Tolerance: max |Δ| ≤ 1e-4 of
 * the largest |value| of each gradient (float32 rounding of two summation orders).
 * Then `train()` end to end on both engines (`engine: 'tfjs' | 'onnx'`): losses, the weights after the first
 * AdamW step and after the third (ot, mse, ot+mse with dropout, contrastive with a learnable temperature, ot
 * with IDF marginals), and checkpoint / resume on the onnx engine.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { initEngine, tf } from '../models/engine.ts';
import { konaParamShapes, type KonaConfig, type KonaParams } from '../models/kona.ts';
import { KonaTrainStep } from '../models/onnx/train-step.ts';
import { ortUnavailableReason } from '../models/onnx/index.ts';
import { mulberry32 } from '../util/random.ts';
import { makeObjective } from './objectives.ts';
import { partGradients, type PartJob } from './grads.ts';
import { TINY, randomParams } from '../models/onnx/testing.ts';
import { ortGradients, paramArrays, trainEngineFromEnv, type TrainEngine } from './ort-step.ts';
import { resolveEngine, train, teacherTargets, type TeacherTargets, type TrainOptions } from './trainer.ts';
import type { TrainableEncoder } from '../models/types.ts';
import { KonaStudent, createStudent } from '../models/student.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import type { Features } from '../models/features.ts';
import type { Tokenizer } from '../text/index.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const B = 4, L = 7, Lt = 6, E = 16, H = 32;
const LENS = [7, 3, 5, 1], TLENS = [6, 2, 4, 3];

function makeJob(dropout: number, O = H): PartJob {
  const rnd = mulberry32(7);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const ids = new Int32Array(B * L).fill(-1);
  const embeds = new Float32Array(B * L * E);
  const skip = new Float32Array(B * L * O);
  LENS.forEach((n, b) => {
    for (let l = 0; l < n; l++) {
      ids[b * L + l] = Math.floor(rnd() * TINY.vocabSize);
      for (let j = 0; j < E; j++) embeds[(b * L + l) * E + j] = normal();
      for (let j = 0; j < O; j++) skip[(b * L + l) * O + j] = 0.5 * normal();
    }
  });
  const tokens = new Float32Array(B * Lt * O);
  const mask = new Float32Array(B * Lt);
  const embedding = new Float32Array(B * O);
  TLENS.forEach((n, b) => {
    for (let l = 0; l < n; l++) {
      mask[b * Lt + l] = 1;
      for (let j = 0; j < O; j++) tokens[(b * Lt + l) * O + j] = 2 * normal();
    }
    let s = 0;
    for (let j = 0; j < O; j++) s += (embedding[b * O + j] = normal()) ** 2;
    for (let j = 0; j < O; j++) embedding[b * O + j]! /= Math.sqrt(s);
  });
  return {
    B, L, ids, lengths: Int32Array.from(LENS), embeds, skip, skipTrains: true,
    teacher: { tokens, mask, embedding, lengths: Int32Array.from(TLENS), Lt },
    dropout, seed: 123, rowOffset: 0, fullBatch: B,
  };
}

/** max |a − b| / max |b| */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) (d = Math.max(d, Math.abs(a[i]! - b[i]!))), (s = Math.max(s, Math.abs(b[i]!)));
  expect(s, 'reference gradient is all zero: the comparison would be empty').toBeGreaterThan(0);
  return d / s;
}

const skip = ortUnavailableReason();
/** A narrower student: the token states projected from 32 to 24 (`outDim`, `proj.weight` [32, 24]). */
const TINY_PROJ: KonaConfig = { ...TINY, outDim: 24 };

describe.skipIf(skip !== undefined)('ONNX Runtime training step = tfjs autodiff', () => {
  beforeAll(() => initEngine());
  const cases: [string, number, KonaConfig][] = [['ot', 0, TINY], ['mse', 0, TINY], ['ot+mse', 0.1, TINY], ['ot+mse', 0.1, TINY_PROJ]];
  for (const [name, dropout, cfg] of cases) {
    const O = cfg.outDim ?? H;
    it(`${name}, dropout ${dropout}, output width ${O}: loss, every parameter gradient, ∂L/∂e and ∂L/∂ψ`, () => {
      const params: KonaParams = {};
      const shapes = konaParamShapes(cfg);
      for (const [k, v] of Object.entries(randomParams(cfg, 3))) if (k !== 'embeddings.weight') params[k] = tf.variable(tf.tensor(v, shapes[k]!), k !== 'timing.inv_timescales');
      const trainable = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'timing.inv_timescales')) as Record<string, tf.Variable>;
      const step = new KonaTrainStep(cfg, { threads: 1 });
      const objective = makeObjective(name, { ot: { scale: 32 } });
      const job = makeJob(dropout, O);
      const ref = partGradients(cfg, params, trainable, objective, job);
      const t = job.teacher;
      const ours = ortGradients(step, paramArrays(params), Object.keys(trainable), objective, { ...job, skipTrains: true }, () => ({
        tokens: tf.tensor3d(t.tokens, [B, Lt, O]), mask: tf.tensor2d(t.mask, [B, Lt]), embedding: tf.tensor2d(t.embedding, [B, O]), lengths: t.lengths,
      }));
      expect(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      expect(Object.keys(ours.grads).sort()).toEqual(Object.keys(ref.grads).sort());
      // the pooler is reached only through the sentence embedding (mse); the projection whenever it exists
      expect('pooler.tanh.weight' in ref.grads).toBe(name.includes('mse'));
      expect('proj.weight' in ref.grads).toBe(cfg.outDim !== undefined);
      for (const [k, g] of Object.entries(ref.grads)) expect(relErr(ours.grads[k]!, g), k).toBeLessThan(1e-4);
      expect(relErr(ours.dEmbeds, ref.dEmbeds)).toBeLessThan(1e-4);
      expect(relErr(ours.dSkip!, ref.dSkip!)).toBeLessThan(1e-4);
      step.dispose();
      Object.values(params).forEach((x) => x.dispose());
    });
  }
});

/** A Kona student whose featuriser returns seeded ids (sentence i ↦ IDS[i]); the tokenizer is never used. */
class ToyStudent extends KonaStudent {
  override featurize(text: string): Features {
    return { ids: IDS[Number(text)]!, pieces: [] };
  }
}
const N_SENT = 12;
const IDS: number[][] = (() => {
  const rnd = mulberry32(11);
  return Array.from({ length: N_SENT }, () => Array.from({ length: 1 + Math.floor(rnd() * 7) }, () => Math.floor(rnd() * TINY.vocabSize)));
})();

function toyTargets(): TeacherTargets {
  const rnd = mulberry32(12);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const tokens = Array.from({ length: N_SENT }, () => Float32Array.from({ length: (1 + Math.floor(rnd() * 6)) * H }, () => 2 * normal()));
  const embeddings = Float32Array.from({ length: N_SENT * H }, () => normal() / Math.sqrt(H));
  return { embeddings, pooled: new Float32Array(N_SENT * H), tokens, dim: H };
}

function toyStudent(): ToyStudent {
  const init = randomParams(TINY, 5);
  const shapes = konaParamShapes(TINY);
  const params: KonaParams = {};
  for (const [k, v] of Object.entries(init)) if (k !== 'embeddings.weight') params[k] = tf.variable(tf.tensor(v, shapes[k]!), k !== 'timing.inv_timescales');
  const tokenizer = { toHF: () => ({}) } as unknown as Tokenizer;
  return new ToyStudent(TINY, params, { embeddings: init['embeddings.weight']!.slice() }, tokenizer, undefined, { name: 'toy', teacher: 'none' });
}

async function trainToy(engine: TrainEngine, objective: string, steps: number, dropout: number, more: Partial<TrainOptions> = {}): Promise<{ losses: number[]; student: ToyStudent; afterFirst: Record<string, Float32Array> }> {
  const student = toyStudent();
  const targets = toyTargets();
  const idf = objective.endsWith('-idf');
  const losses: number[] = [];
  const afterFirst: Record<string, Float32Array> = {};
  const snapshot = () => {
    for (const [k, v] of Object.entries(student.params)) afterFirst[k] = v.dataSync().slice() as Float32Array;
    afterFirst['embeddings.weight'] = student.tables.embeddings.slice();
  };
  await train({
    student, src: IDS.map((_, i) => String(i)), targets, objective: makeObjective(objective.replace('-idf', ''), { ot: { scale: 32, ...(idf ? { marginals: 'idf' as const } : {}) }, learnTemperature: true }),
    // IDF marginals: the English side's token ids, one per teacher token state (seeded)
    engTokenIds: idf ? targets.tokens!.map((t, i) => Array.from({ length: t.length / H }, (_, j) => (i * 7 + j * 3) % 11)) : undefined,
    outDir: mkdtempSync(join(tmpdir(), 'optical-ort-train-')), steps, batchSize: 4, lr: 1e-3, tableLr: 1e-2, warmupFraction: 0,
    dropout, seed: 4, threads: 1, engine, ...more, onStep: (s) => (losses.push(s.loss), s.step === 1 && snapshot(), more.onStep?.(s)),
  });
  return { losses, student, afterFirst };
}

/** Every weight of a student by name: its variables and its tables (`embeddings.weight`, `ngrams.weight`, `lexical.weight`). */
function weightsOf(s: KonaStudent): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = Object.fromEntries(Object.entries(s.params).map(([k, v]) => [k, v.dataSync() as Float32Array]));
  out['embeddings.weight'] = s.tables.embeddings.slice();
  if (s.tables.ngrams) out['ngrams.weight'] = s.tables.ngrams.slice();
  if (s.tables.lexical) out['lexical.weight'] = s.tables.lexical.slice();
  return out;
}

/**
 * Updates u = w − w₀ of every weight and of the embedding table, tfjs vs onnx: |u_onnx − u_tfjs| ≤ 1e-3 ·
 * max |u_tfjs| for all but 1 in 500 elements of a tensor, and within the largest update for those few.
 * Why the few: Adam's step is m̂ / (√v̂ + ε), ≈ ±lr whatever |g| is, so a gradient element at float32 noise
 * level (|g| ~ 1e-8 against a largest ~1e-2, where the two summation orders differ) moves by a noise-driven
 * amount; the gradients themselves agree to 1e-4 of their largest value (the test above). Excluded
 * entirely: the key part of `attn.qkv.bias`, whose gradient is 0 analytically (adding b_k to every key
 * shifts each query's scores by a constant, which softmax ignores), so all of its updates are of that kind.
 */
function compareUpdates(before: Record<string, Float32Array>, a: Record<string, Float32Array>, b: Record<string, Float32Array>, cfg: KonaConfig = TINY): void {
  let moved = 0;
  for (const k of Object.keys(before)) {
    let keep = (_i: number) => true;
    const m = /^layers\.(\d+)\.attn\.qkv\.bias$/.exec(k);
    if (m) {
      const D = cfg.layers[Number(m[1])]!.inDim;
      keep = (i) => i < D || i >= 2 * D;
    }
    const w0 = before[k]!, wa = a[k]!, wb = b[k]!;
    let scale = 0, n = 0;
    for (let i = 0; i < w0.length; i++) if (keep(i)) (scale = Math.max(scale, Math.abs(wa[i]! - w0[i]!))), n++;
    if (scale === 0) {
      let movedB = false;
      for (let i = 0; i < w0.length; i++) if (keep(i) && wb[i] !== w0[i]) movedB = true;
      expect(movedB, `${k}: not reached under tfjs, moved under onnx`).toBe(false);
      continue;
    }
    moved++;
    let off = 0, worst = 0;
    for (let i = 0; i < w0.length; i++) {
      if (!keep(i)) continue;
      const d = Math.abs(wb[i]! - w0[i]! - (wa[i]! - w0[i]!));
      if (d > 1e-3 * scale) off++;
      worst = Math.max(worst, d);
    }
    expect(off, `${k}: ${off} of ${n} updates differ by more than 1e-3 of the largest`).toBeLessThanOrEqual(Math.floor(n / 500));
    expect(worst / scale, k).toBeLessThan(1);
  }
  expect(moved).toBeGreaterThan(10);
}

describe.skipIf(skip !== undefined)('train() with the onnx engine = the tfjs trainer', () => {
  beforeAll(() => initEngine());
  // contrastive with a learnable temperature: in-batch negatives and an objective parameter (objective Adam)
  // `ot-idf`: OT with IDF marginals (per-token weights of both sides)
  const cases: [string, number][] = [['ot', 0], ['mse', 0], ['ot+mse', 0.1], ['contrastive', 0], ['ot-idf', 0]];
  for (const [objective, dropout] of cases) {
    it(`${objective}, dropout ${dropout}: losses of 3 steps, every weight and the table after the first AdamW step and after the third`, async () => {
      const a = await trainToy('tfjs', objective, 3, dropout);
      const b = await trainToy('onnx', objective, 3, dropout);
      const fresh = toyStudent();
      expect(b.losses).toHaveLength(3);
      for (let i = 0; i < 3; i++) expect(Math.abs(a.losses[i]! - b.losses[i]!) / Math.abs(a.losses[i]!)).toBeLessThan(1e-5);
      compareUpdates(weightsOf(fresh), a.afterFirst, b.afterFirst);
      compareUpdates(weightsOf(fresh), weightsOf(a.student), weightsOf(b.student));
      [a.student, b.student, fresh].forEach((s) => s.dispose());
    });
  }

  it('onnx: a run interrupted after step 3 (checkpoint at 2) and resumed equals the uninterrupted run', async () => {
    const root = mkdtempSync(join(tmpdir(), 'optical-ort-resume-'));
    const a = await trainToy('onnx', 'ot+mse', 6, 0.1, { outDir: join(root, 'a'), checkpointEvery: 2 });
    const stop = (s: { step: number }) => {
      if (s.step === 3) throw new Error('interrupted');
    };
    await expect(trainToy('onnx', 'ot+mse', 6, 0.1, { outDir: join(root, 'c'), checkpointEvery: 2, onStep: stop })).rejects.toThrow('interrupted');
    const c = await trainToy('onnx', 'ot+mse', 6, 0.1, { outDir: join(root, 'c'), checkpointEvery: 2, resume: true });
    expect(c.losses).toEqual(a.losses.slice(2));
    for (const [k, v] of Object.entries(a.student.params)) expect(Array.from(c.student.params[k]!.dataSync()), k).toEqual(Array.from(v.dataSync()));
    expect(Array.from(c.student.tables.embeddings)).toEqual(Array.from(a.student.tables.embeddings));
    [a.student, c.student].forEach((s) => s.dispose());
  });
});

describe.skipIf(skip !== undefined)('train() with the onnx engine = the tfjs trainer, USE-lite student', () => {
  it('ot+mse, dropout 0.1, 3 steps: input n-grams, a trained lexical skip, width 256 → 512, 4 heads', async () => {
    await initEngine();
    const teacher = await loadUseLite();
    const targets = teacherTargets(teacher, TOY_ENG_16, true);
    const src = TOY_ENG_16.map(toyLanguage);
    const make = () => createStudent(teacher, { vocab: 'teacher', ngram: { nMin: 3, nMax: 4, buckets: 1024, maxPerToken: 8 }, inputNgrams: true, lexical: true, texts: src, seed: 5 });
    const run = async (engine: TrainEngine) => {
      const student = await make();
      const losses: number[] = [];
      await train({
        student, src, targets, objective: makeObjective('ot+mse'), outDir: mkdtempSync(join(tmpdir(), 'optical-ort-uselite-')), steps: 3, batchSize: 5,
        lr: 3e-4, tableLr: 3e-3, lexicalLr: 3e-4, dropout: 0.1, seed: 11, threads: 1, engine, onStep: (x) => losses.push(x.loss),
      });
      return { losses, student };
    };
    const a = await run('tfjs');
    const b = await run('onnx');
    const fresh = await make();
    for (let i = 0; i < 3; i++) expect(Math.abs(a.losses[i]! - b.losses[i]!) / Math.abs(a.losses[i]!)).toBeLessThan(1e-5);
    const before = weightsOf(fresh);
    expect(Object.keys(before)).toContain('lexical.weight');
    compareUpdates(before, weightsOf(a.student), weightsOf(b.student), teacher.cfg);
    [a.student, b.student, fresh, teacher].forEach((s) => s.dispose());
  });
});

describe('the training engine: auto is onnx for Kona students when ONNX Runtime loads, tfjs otherwise', () => {
  it('OPTICAL_TRAIN_ENGINE: unset or empty = auto; onnx, tfjs; anything else is an error naming the variable', () => {
    const saved = process.env['OPTICAL_TRAIN_ENGINE'];
    try {
      delete process.env['OPTICAL_TRAIN_ENGINE'];
      expect(trainEngineFromEnv()).toBe('auto');
      for (const v of ['', 'auto', 'onnx', 'tfjs'] as const) {
        process.env['OPTICAL_TRAIN_ENGINE'] = v;
        expect(trainEngineFromEnv()).toBe(v === '' ? 'auto' : v);
      }
      process.env['OPTICAL_TRAIN_ENGINE'] = 'gpu';
      expect(() => trainEngineFromEnv()).toThrow(/OPTICAL_TRAIN_ENGINE must be auto, onnx or tfjs, got "gpu"/);
    } finally {
      if (saved === undefined) delete process.env['OPTICAL_TRAIN_ENGINE'];
      else process.env['OPTICAL_TRAIN_ENGINE'] = saved;
    }
  });

  it('resolveEngine: auto picks onnx for a Kona student (tfjs without a usable runtime) and tfjs for others; explicit choices stand', async () => {
    await initEngine();
    const kona = toyStudent();
    expect(resolveEngine('auto', kona)).toBe(skip === undefined ? 'onnx' : 'tfjs');
    expect(resolveEngine('tfjs', kona)).toBe('tfjs');
    expect(resolveEngine('onnx', kona)).toBe('onnx');
    const other = { dim: 8 } as unknown as TrainableEncoder; // not a KonaEncoder (e.g. a Hugging Face BERT student)
    expect(resolveEngine('auto', other)).toBe('tfjs');
    kona.dispose();
  });
});
