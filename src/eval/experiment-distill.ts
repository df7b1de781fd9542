/**
 * The `distill` method of the experiment matrix: `optical distill` (`src/distill/pipeline.ts`) on the
 * cell's training bitext with the method's objective and options, the student saved in the cell's folder
 * (checkpointed, so an interrupted cell resumes its training), then evaluated with the teacher on the
 * English side.
 *
 * Options (defaults: those of `optical distill`): epochs, steps, batch, lr, tableLr, lexicalLr, dropout,
 * vocab, vocabSize, lexical, inputNgrams, init, temperature, learnTemperature, objectiveLr,
 * checkpointEvery, student, sentenceSkip, and `ot`: { cost, epsilon, marginals, tau (a number, or "balanced"),
 * scale, maxIter, tol }. `sentenceSkip` (default false) enters a cell's key only when true, so cells keyed
 * before the option existed stay valid (experiment.ts `keyOf`). `linearMix` (the linear head's weight) and
 * `linearLambda`: unlike `optical distill`, the matrix fits no linear head unless `linearMix` is given (> 0),
 * so its distilled cells measure the objectives (the linear fit is the matrix's own kernel-ridge row); the
 * two enter a cell's key only when given.
 *
 * Scaling and robustness options:
 *   width, depth   the student's size (W ∈ multiples of 4, e.g. 128/256/512; D ≥ 1); default the teacher's
 *                  512 × 2. Each cell records the shape, the parameter count and which parameter groups were
 *                  copied from the teacher and which started from scratch (`info.shape`, student.ts).
 *   augment        { rate, kinds?, fraction?, seed? }: training-time noise on the foreign side of a seeded
 *                  fraction of the pairs (`src/distill/augment.ts`; kinds default keyboard, diacritics, drop;
 *                  fraction 0.5; seed the cell's).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { loadStudent } from '../models/student.ts';
import { distill, DISTILL_DEFAULTS, type DistillConfig } from '../distill/pipeline.ts';
import { OT_MARGINALS, type OtOptions } from '../distill/objectives.ts';
import { checkOptions, encoderSystem, registerMethod, type Fail } from './experiment-methods.ts';
import { noiseKinds, type MethodConfig } from './experiment-config.ts';

const PARTS = ['mse', 'ot', 'contrastive'];

const OPTIONS = {
  epochs: 'number', steps: 'number', batch: 'number', lr: 'number', tableLr: 'number', lexicalLr: 'number', dropout: 'number',
  vocab: 'string', vocabSize: 'number', lexical: 'boolean', inputNgrams: 'boolean', init: 'string', temperature: 'number',
  learnTemperature: 'boolean', objectiveLr: 'number', checkpointEvery: 'number', student: 'string', ot: 'object',
  width: 'number', depth: 'number', augment: 'object', sentenceSkip: 'boolean', linearMix: 'number', linearLambda: 'number',
} as const;

/** The augmentation options of a method config, checked. */
function augmentOptions(raw: Record<string, unknown>, fail: Fail): NonNullable<DistillConfig['augment']> {
  const allowed = ['rate', 'kinds', 'fraction', 'seed'];
  for (const k of Object.keys(raw)) if (!allowed.includes(k)) fail(`options.augment.${k}`, `unknown augmentation option (valid: ${allowed.join(', ')})`);
  const unit = (k: string, v: unknown) => (typeof v === 'number' && v > 0 && v <= 1 ? v : fail(`options.augment.${k}`, `expected a number in (0, 1], got ${JSON.stringify(v)}`));
  if (raw['rate'] === undefined) fail('options.augment.rate', 'required (the per-unit noise rate, e.g. 0.1)');
  const out: NonNullable<DistillConfig['augment']> = { rate: unit('rate', raw['rate']) };
  if (raw['fraction'] !== undefined) out.fraction = unit('fraction', raw['fraction']);
  if (raw['seed'] !== undefined) out.seed = Number.isSafeInteger(raw['seed']) ? (raw['seed'] as number) : fail('options.augment.seed', `expected an integer, got ${JSON.stringify(raw['seed'])}`);
  if (raw['kinds'] !== undefined) out.kinds = noiseKinds(raw['kinds'], (i, msg) => fail(`options.augment.kinds${i === undefined ? '' : `[${i}]`}`, msg));
  return out;
}

const OT_OPTIONS = { cost: 'string', epsilon: 'number', marginals: 'string', tau: 'number|balanced', scale: 'number', maxIter: 'number', tol: 'number' } as const;

/** The OT options of a method config, checked (tau "balanced" → Infinity). */
function otOptions(raw: Record<string, unknown>, fail: Fail): OtOptions {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    const t = OT_OPTIONS[k as keyof typeof OT_OPTIONS];
    if (!t) fail(`options.ot.${k}`, `unknown OT option (valid: ${Object.keys(OT_OPTIONS).join(', ')})`);
    if (t === 'number|balanced') {
      if (v !== 'balanced' && !(typeof v === 'number' && v > 0)) fail(`options.ot.${k}`, `expected a number > 0 or "balanced", got ${JSON.stringify(v)}`);
      out[k] = v === 'balanced' ? Infinity : v;
      continue;
    }
    if (typeof v !== t) fail(`options.ot.${k}`, `expected a ${t}, got ${JSON.stringify(v)}`);
    out[k] = v;
  }
  if (out['cost'] !== undefined && !['cosine', 'sqeuclid'].includes(out['cost'] as string)) fail('options.ot.cost', `expected cosine or sqeuclid, got "${out['cost']}"`);
  if (out['marginals'] !== undefined && !(OT_MARGINALS as readonly string[]).includes(out['marginals'] as string)) fail('options.ot.marginals', `expected one of ${OT_MARGINALS.join(', ')}, got "${out['marginals']}"`);
  return out as OtOptions;
}

function distillOptions(m: MethodConfig, fail: Fail): Partial<DistillConfig> {
  if (!m.objective) fail('objective', 'a distill method needs an objective (e.g. "ot", "mse", "ot+contrastive")');
  for (const p of m.objective.split('+')) if (!PARTS.includes(p)) fail('objective', `unknown objective part "${p}" in "${m.objective}" (valid parts: ${PARTS.join(', ')})`);
  checkOptions(m, fail, OPTIONS);
  const o = { ...m.options } as Record<string, unknown>;
  for (const k of ['epochs', 'steps', 'batch', 'vocabSize', 'checkpointEvery', 'depth']) {
    if (o[k] !== undefined && !(Number.isInteger(o[k]) && (o[k] as number) > 0)) fail(`options.${k}`, `expected a positive integer, got ${JSON.stringify(o[k])}`);
  }
  if (o['vocab'] !== undefined && !['teacher', 'new'].includes(o['vocab'] as string)) fail('options.vocab', 'expected "teacher" or "new"');
  if (o['init'] !== undefined && !['teacher', 'random'].includes(o['init'] as string)) fail('options.init', 'expected "teacher" or "random"');
  if (o['width'] !== undefined && !(Number.isInteger(o['width']) && (o['width'] as number) >= 4 && (o['width'] as number) % 4 === 0)) fail('options.width', `expected a positive multiple of 4 (the attention heads), got ${JSON.stringify(o['width'])}`);
  if ((o['width'] !== undefined || o['depth'] !== undefined) && o['student'] !== undefined) fail('options.width', 'width and depth apply only to new students from the USE-lite teacher, not with "student"');
  const ot = o['ot'] === undefined ? undefined : otOptions(o['ot'] as Record<string, unknown>, fail);
  const augment = o['augment'] === undefined ? undefined : augmentOptions(o['augment'] as Record<string, unknown>, fail);
  if (o['linearMix'] !== undefined && !((o['linearMix'] as number) >= 0)) fail('options.linearMix', `expected a number ≥ 0, got ${JSON.stringify(o['linearMix'])}`);
  if (o['linearLambda'] !== undefined && !((o['linearLambda'] as number) > 0)) fail('options.linearLambda', `expected a number > 0, got ${JSON.stringify(o['linearLambda'])}`);
  return { ...(o as Partial<DistillConfig>), ot: { ...DISTILL_DEFAULTS.ot, ...ot }, augment };
}

registerMethod('distill', (m, fail) => {
  const opts = distillOptions(m, fail);
  return {
    config: m,
    fit: async (ctx) => {
      const cfg: DistillConfig = {
        ...DISTILL_DEFAULTS,
        ...opts,
        lang: ctx.lang.code,
        teacher: ctx.teacherSpec,
        teacherModel: ctx.teacher,
        bitext: ctx.lang.bitext,
        data: ctx.bitext,
        objective: m.objective!,
        out: join(ctx.dir, 'student'),
        dataDir: ctx.dataDir,
        seed: ctx.seed,
        resume: true,
        linearMix: opts.linearMix ?? 0,
      };
      const r = await distill(cfg, { log: ctx.log });
      const student = r.student;
      return {
        system: encoderSystem((t) => student.encode(t).embeddings, ctx, () => student.dispose()),
        info: {
          objective: m.objective, pairs: r.bitext.src.length, steps: r.steps, lastLoss: r.lastLoss, seconds: r.seconds, student: cfg.out,
          ...(r.shape ? { shape: r.shape } : {}), ...(r.augmented !== undefined ? { augmented: r.augmented } : {}),
        },
      };
    },
    // the student saved by a finished fit of the same fit key (the runner ties ctx.dir to that key)
    reload: async (ctx, info) => {
      const dir = join(ctx.dir, 'student');
      if (!existsSync(join(dir, 'config.json')) || existsSync(join(dir, 'checkpoint'))) return undefined;
      const student = await loadStudent(dir);
      return { system: encoderSystem((t) => student.encode(t).embeddings, ctx, () => student.dispose()), info };
    },
  };
});
