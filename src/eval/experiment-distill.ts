/**
 * The `distill` method of the experiment matrix: `optical distill` (`src/distill/pipeline.ts`) on the
 * cell's training bitext with the method's objective and options, the student saved in the cell's folder
 * (checkpointed, so an interrupted cell resumes its training), then evaluated with the teacher on the
 * English side.
 *
 * Options (defaults: those of `optical distill`): epochs, steps, batch, lr, tableLr, lexicalLr, dropout,
 * vocab, vocabSize, lexical, inputNgrams, init, temperature, learnTemperature, objectiveLr,
 * checkpointEvery, student, and `ot`: { cost, epsilon, marginals, tau (a number, or "balanced"), scale,
 * maxIter, tol }.
 */
import { join } from 'node:path';
import { distill, DISTILL_DEFAULTS, type DistillConfig } from '../distill/pipeline.ts';
import { OT_MARGINALS, type OtOptions } from '../distill/objectives.ts';
import { checkOptions, encoderSystem, registerMethod, type Fail } from './experiment-methods.ts';
import type { MethodConfig } from './experiment-config.ts';

const PARTS = ['mse', 'ot', 'contrastive'];

const OPTIONS = {
  epochs: 'number', steps: 'number', batch: 'number', lr: 'number', tableLr: 'number', lexicalLr: 'number', dropout: 'number',
  vocab: 'string', vocabSize: 'number', lexical: 'boolean', inputNgrams: 'boolean', init: 'string', temperature: 'number',
  learnTemperature: 'boolean', objectiveLr: 'number', checkpointEvery: 'number', student: 'string', ot: 'object',
} as const;

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
  for (const k of ['epochs', 'steps', 'batch', 'vocabSize', 'checkpointEvery']) {
    if (o[k] !== undefined && !(Number.isInteger(o[k]) && (o[k] as number) > 0)) fail(`options.${k}`, `expected a positive integer, got ${JSON.stringify(o[k])}`);
  }
  if (o['vocab'] !== undefined && !['teacher', 'new'].includes(o['vocab'] as string)) fail('options.vocab', 'expected "teacher" or "new"');
  if (o['init'] !== undefined && !['teacher', 'random'].includes(o['init'] as string)) fail('options.init', 'expected "teacher" or "random"');
  const ot = o['ot'] === undefined ? undefined : otOptions(o['ot'] as Record<string, unknown>, fail);
  return { ...(o as Partial<DistillConfig>), ot: { ...DISTILL_DEFAULTS.ot, ...ot } };
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
      };
      const r = await distill(cfg, { log: ctx.log });
      const student = r.student;
      return {
        system: encoderSystem((t) => student.encode(t).embeddings, ctx, () => student.dispose()),
        info: { objective: m.objective, pairs: r.bitext.src.length, steps: r.steps, lastLoss: r.lastLoss, seconds: r.seconds, student: cfg.out },
      };
    },
  };
});
