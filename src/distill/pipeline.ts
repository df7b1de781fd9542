/**
 * One distillation run end to end: bitext specs → teacher targets → student → training → saved folder.
 * The CLI (`optical distill`), the demo and the experiments all call {@link distill}, so the defaults
 * below are the product's defaults.
 *
 * Teacher (`teacher`): USE-lite by default, or any model spec (`loadEncoder`: a Hugging Face folder or name).
 * Student (`student`):
 *   - absent, USE-lite teacher: a Kona student created from the teacher (vocabulary, lexical skip, closed-form
 *     initialisation: the options below);
 *   - absent, other teacher: `init:` the teacher's own folder (a copy of the teacher to train);
 *   - `init:DIR`: a new student starting from the weights in DIR (a Hugging Face encoder such as mBERT or
 *     XLM-R, or a Kona student), saved in DIR's layout;
 *   - `DIR`: an optical student distilled earlier from the same teacher, trained further.
 * Students and teachers must share the output width (the objectives compare their vectors directly); a new
 * student without a projection takes over a ColBERT teacher's projection when their hidden sizes agree.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadUseLite } from '../models/use-lite.ts';
import { createHash } from 'node:crypto';
import { createStudent, describeInitPlan, loadEncoder, loadStudent, loadTrainable, saveStudent, studentInitPlan, type KonaStudent, type VocabKind } from '../models/student.ts';
import { DEFAULT_NGRAMS, type Features } from '../models/features.ts';
import { KonaEncoder } from '../models/encoder.ts';
import type { SentenceEncoder, TrainableEncoder } from '../models/types.ts';
import { InputError } from '../errors.ts';
import { HfEncoder } from '../models/hf/model.ts';
import { loadBitexts, resolveDataDir, sampleBitext, type Bitext } from '../data/index.ts';
import { makeObjective, type OtOptions } from './objectives.ts';
import { train, TRAIN_DEFAULTS, type StepInfo, type TeacherTargets } from './trainer.ts';
import { cachedTeacherTargets } from './teacher-cache.ts';
import { cacheDir, touchCacheEntry } from '../util/cache.ts';
import { fitLinearHead, fitSentenceSkip, initLexicalSkip, type LexicalInitResult, type LinearHeadResult } from './lexical-init.ts';
import { augmentBitext, type AugmentOptions } from './augment.ts';

export interface DistillConfig {
  lang: string;
  /** the teacher's model spec (default: USE-lite) */
  teacher?: string;
  /** the teacher already loaded (from the spec `teacher`), so that many runs in one process share it */
  teacherModel?: SentenceEncoder;
  /** the student: `init:DIR` (start from DIR's weights) or `DIR` (continue an optical student); see the header */
  student?: string;
  /** bitext specs (`bible:Swahili`, `mafand:en-swa`, `sib:swh_Latn:train`, `lines:SRC:ENG`) */
  bitext: string[];
  /** use a seeded random subset of this many pairs (default: all) */
  maxPairs?: number;
  /**
   * the training bitext, already loaded (e.g. by the experiment runner, with held-out books removed): used
   * instead of loading `bitext`, which then only names its sources in the record
   */
  data?: Bitext;
  objective: string;
  out: string;
  dataDir?: string;
  epochs: number;
  steps?: number;
  batch: number;
  seed: number;
  vocab: VocabKind;
  vocabSize: number;
  /** hashed n-gram features: input embeddings (`inputNgrams`) and/or the lexical skip (`lexical`) */
  inputNgrams: boolean;
  lexical: boolean;
  init: 'teacher' | 'random';
  lr: number;
  tableLr: number;
  /** peak learning rate of the lexical skip table (0: keep the closed-form fit) */
  lexicalLr: number;
  dropout: number;
  ot: OtOptions;
  temperature: number;
  /** learn the contrastive temperature (log τ trained with the student, from `temperature`) */
  learnTemperature: boolean;
  /** peak learning rate of the objective's own parameters (the learnable temperature) */
  objectiveLr: number;
  /**
   * refit the lexical skip in closed form after gradient training (students with a lexical skip; see
   * {@link refitLexicalSkip})
   */
  refit: boolean;
  /**
   * fit the sentence skip in closed form at the end (students with a lexical skip, after the refit; see
   * lexical-init.ts `fitSentenceSkip`); off by default: no gain after training on dev
   */
  sentenceSkip: boolean;
  /**
   * w of the linear head fitted in closed form at the end (lexical-init.ts `fitLinearHead`; students with a
   * lexical skip): e = l2norm(e_1 + w · l2norm(v N_lin)); 0 fits none
   */
  linearMix: number;
  /** λ of the linear head's ridge */
  linearLambda: number;
  /** student width W and depth D (Kona students from USE-lite only; default the teacher's: see student.ts) */
  width?: number;
  depth?: number;
  /** training-time noise on the foreign side of a seeded fraction of the pairs (augment.ts) */
  augment?: Omit<AugmentOptions, 'seed'> & { seed?: number };
  resume: boolean;
  checkpointEvery: number;
}

export const DISTILL_DEFAULTS: Omit<DistillConfig, 'lang' | 'bitext' | 'objective' | 'out'> = {
  epochs: TRAIN_DEFAULTS.epochs,
  batch: TRAIN_DEFAULTS.batchSize,
  seed: TRAIN_DEFAULTS.seed,
  vocab: 'teacher',
  vocabSize: 8000,
  inputNgrams: false,
  lexical: true,
  init: 'teacher',
  lr: TRAIN_DEFAULTS.lr,
  tableLr: TRAIN_DEFAULTS.tableLr,
  lexicalLr: TRAIN_DEFAULTS.lexicalLr,
  dropout: TRAIN_DEFAULTS.dropout,
  ot: { cost: 'sqeuclid', epsilon: 0.05, marginals: 'uniform', tau: Infinity },
  temperature: 0.05,
  learnTemperature: false,
  objectiveLr: TRAIN_DEFAULTS.objectiveLr,
  refit: true,
  sentenceSkip: false,
  linearMix: 1,
  linearLambda: 0.5,
  resume: false,
  checkpointEvery: TRAIN_DEFAULTS.checkpointEvery,
};

export interface DistillHooks {
  /** phase messages ("loading bitext", …) */
  log?: (msg: string) => void;
  /** teacher encoding progress */
  teacherProgress?: (done: number, total: number) => void;
  onStep?: (info: StepInfo) => void;
  /**
   * Called with true just before gradient training starts and with false when it ends (also when it throws).
   * Training steps are the only safe points of a distillation (trainer.ts checks `stopRequested()` after
   * each); the CLI gives Ctrl-C its cooperative meaning there and its default one (end at once) in the other
   * phases, which are synchronous (a deferred handler would wait for their end) and leave nothing
   * half-written (the caches are written whole; `--resume` redoes an interrupted refit).
   */
  training?: (active: boolean) => void;
}

export interface DistillResult {
  student: TrainableEncoder;
  bitext: Bitext;
  steps: number;
  lastLoss: number;
  seconds: { teacher: number; train: number };
  /** Kona students: the student's shape and where each group of its parameters started (student.ts) */
  shape?: { width: number; depth: number; outDim: number; params: number; init: string };
  /** pairs whose foreign side was perturbed (with `augment`) */
  augmented?: number;
}

/** Distil a student for `cfg.lang` from the bitext and save it to `cfg.out`. */
export async function distill(cfg: DistillConfig, hooks: DistillHooks = {}): Promise<DistillResult> {
  const log = hooks.log ?? (() => {});
  const objective = makeObjective(cfg.objective, { ot: cfg.ot, temperature: cfg.temperature, learnTemperature: cfg.learnTemperature }); // validate before any heavy work
  const full = cfg.data ?? loadBitexts(cfg.bitext, cfg.bitext.some((s) => !s.startsWith('lines:')) ? resolveDataDir(cfg.dataDir) : (cfg.dataDir ?? '.'));
  const sampled = cfg.maxPairs ? sampleBitext(full, cfg.maxPairs, cfg.seed) : full;
  log(`bitext: ${sampled.src.length} pairs from ${cfg.data ? cfg.data.source : cfg.bitext.join(', ')}${sampled === full ? '' : ` (a seeded sample of ${full.src.length})`}`);
  const aug = cfg.augment ? augmentBitext(sampled, { ...cfg.augment, seed: cfg.augment.seed ?? cfg.seed }) : undefined;
  if (aug) log(`augmentation: the foreign side of ${aug.augmented} of ${sampled.src.length} pairs perturbed (${aug.source.slice(sampled.source.length + 1)})`);
  const bitext: Bitext = aug ?? sampled;
  const teacher = cfg.teacherModel ?? (cfg.teacher ? await loadEncoder(cfg.teacher) : await loadUseLite());
  const konaStudent = !cfg.student && teacher instanceof KonaEncoder;
  if (!konaStudent && cfg.vocab !== 'teacher') throw new InputError(`--vocab ${cfg.vocab} applies only to students created from the USE-lite teacher (no --teacher, no --student)`);
  if (!konaStudent && (cfg.width !== undefined || cfg.depth !== undefined)) throw new InputError('student width and depth apply only to students created from the USE-lite teacher (no --teacher, no --student)');
  const external = konaStudent ? undefined : await externalStudent(teacher, cfg, log);
  const t0 = performance.now();
  const targets = cachedTeacherTargets(teacher, bitext.eng, objective.needsTokens, hooks.teacherProgress);
  const engTokenIds = objective.needsIdf ? teacherTokenIds(teacher, bitext.eng) : undefined;
  const t1 = performance.now();
  const { student, lexicalInit } = external ? { student: external, lexicalInit: undefined } : await initialisedStudent(teacher as KonaEncoder, cfg, bitext, targets, hooks);
  const record = {
    teacher: teacher.meta.name,
    student: cfg.student,
    lexicalInit,
    lang: cfg.lang,
    objective: objective.config(),
    bitext: cfg.bitext,
    maxPairs: cfg.maxPairs,
    pairs: bitext.src.length,
    epochs: cfg.epochs,
    steps: cfg.steps,
    batch: cfg.batch,
    seed: cfg.seed,
    lr: cfg.lr,
    tableLr: cfg.tableLr,
    lexicalLr: cfg.lexicalLr,
    dropout: cfg.dropout,
    width: cfg.width,
    depth: cfg.depth,
    augment: cfg.augment,
    ...(objective.params && Object.keys(objective.params()).length ? { objectiveLr: cfg.objectiveLr } : {}),
  };
  // a finished training whose closed-form stages did not all run: `--resume` runs them on the saved student, no retraining
  const trained = cfg.resume && (cfg.refit || cfg.sentenceSkip || cfg.linearMix > 0) ? await trainedWithoutRefit(cfg.out, record, { refit: cfg.refit, sentence: cfg.sentenceSkip, linear: cfg.linearMix > 0 }) : undefined;
  if (trained) {
    log(`resume: training already finished in ${cfg.out}; running the closed-form stages after it`);
    if ('dispose' in student && typeof student.dispose === 'function') student.dispose();
  }
  const r = trained ? { steps: trained.steps, lastLoss: lastLoggedLoss(cfg.out) } : await duringTraining(hooks, () => train({
    student,
    src: bitext.src,
    targets,
    objective,
    outDir: cfg.out,
    epochs: cfg.epochs,
    steps: cfg.steps,
    batchSize: cfg.batch,
    lr: cfg.lr,
    tableLr: cfg.tableLr,
    lexicalLr: cfg.lexicalLr,
    dropout: cfg.dropout,
    objectiveLr: cfg.objectiveLr,
    engTokenIds,
    seed: cfg.seed,
    resume: cfg.resume,
    checkpointEvery: cfg.checkpointEvery,
    record,
    onStep: hooks.onStep,
  }));
  const final = trained?.student ?? student;
  if (final instanceof KonaEncoder && final.tables.lexical && ((cfg.refit && r.steps > 0) || cfg.sentenceSkip || cfg.linearMix > 0)) {
    const feats = bitext.src.map((t) => final.featurize(t)); // once for every closed-form stage
    const refit = cfg.refit && r.steps > 0 ? refitLexicalSkip(final, bitext, targets, { seed: cfg.seed, log, lambda: lexicalInit?.lambda, feats }) : undefined;
    const sentence = cfg.sentenceSkip ? sentenceSkipStage(final, bitext, targets, { seed: cfg.seed, log, feats }) : undefined;
    const linear = cfg.linearMix > 0 ? linearHeadStage(final, bitext, targets, { lambda: cfg.linearLambda, weight: cfg.linearMix, log, feats }) : undefined;
    final.save(cfg.out, { training: { ...record, steps: r.steps, refit, sentence, linear } });
  }
  const shape = final instanceof KonaEncoder && teacher instanceof KonaEncoder ? studentShape(teacher, final, cfg.init) : undefined;
  return { student: final, bitext, steps: r.steps, lastLoss: r.lastLoss, seconds: { teacher: (t1 - t0) / 1000, train: (performance.now() - t1) / 1000 }, shape, augmented: aug?.augmented };
}

/** Runs `run` (gradient training) between `hooks.training(true)` and `hooks.training(false)`. */
export async function duringTraining<T>(hooks: DistillHooks, run: () => Promise<T>): Promise<T> {
  hooks.training?.(true);
  try {
    return await run();
  } finally {
    hooks.training?.(false);
  }
}

/** A Kona student's width, depth, output width, parameter count (transformer, projection, pooler) and init plan. */
function studentShape(teacher: KonaEncoder, s: KonaEncoder, init: 'teacher' | 'random'): NonNullable<DistillResult['shape']> {
  const params = Object.entries(s.params).reduce((n, [k, t]) => n + (k.startsWith('timing') ? 0 : t.size), 0);
  return { width: s.cfg.layers.at(-1)!.hidden, depth: s.cfg.layers.length, outDim: s.dim, params, init: describeInitPlan(studentInitPlan(teacher, s.cfg, init)) };
}

/**
 * Closed-form refit of the lexical skip after gradient training (on by default; `--no-refit` keeps the
 * trained table). Training moves the transformer, so the pooled vector without the skip, P_S0, is no longer
 * the one N_lex was fitted for; the refit solves the same ridge problem as the initialisation
 * (`initLexicalSkip`) against the trained student's own P_S0, with the λ the initialisation chose on its
 * held-out tenth (`opts.lambda`; without it, λ is chosen again the same way). Choosing again picked the same
 * λ = 0.3 in the 1- and 3-epoch README runs (2026-11-23 logs) and cost three more solves (~39 s). Training thus only has to find transformer weights whose
 * residual the lexical ridge fits well, and any drift of the table is undone.
 * Measured on dev (experiments/swh-tune.ts + refit, 2026-11-22; held-out tenth of the Swahili bitext and
 * SIB-200 swh dev, swh→en / en→swh %): closed-form init 72.1 / 73.8 and 89.9 / 80.8; after 200 mse steps
 * 59.1 / 70.8 and 78.8 / 73.7; the same student refitted 74.9 / 77.3 and 89.9 / 83.8.
 * Cost: one encoding of the foreign side of the bitext plus the ridge solve.
 */
export function refitLexicalSkip(student: KonaEncoder, bitext: Bitext, targets: TeacherTargets, opts: { seed?: number; log?: (m: string) => void; lambda?: number; feats?: Features[] } = {}): Pick<LexicalInitResult, 'lambda' | 'heldOut' | 'seconds'> {
  const log = opts.log ?? (() => {});
  log(`lexical skip: closed-form refit after training (encoding the bitext with the trained student${opts.lambda === undefined ? '' : `; λ = ${opts.lambda} as chosen at initialisation`})`);
  const r = initLexicalSkip(student, opts.feats ?? bitext.src.map((t) => student.featurize(t)), targets.pooled, targets.embeddings, { seed: opts.seed, log, lambdas: opts.lambda === undefined ? undefined : [opts.lambda] });
  log(`lexical skip: refitted with λ = ${r.lambda} in ${r.seconds.toFixed(0)} s`);
  return { lambda: r.lambda, heldOut: r.heldOut, seconds: Math.round(r.seconds) };
}

/**
 * Closed-form sentence skip at the end of distillation (lexical-init.ts `fitSentenceSkip`): the embedding
 * residual of the finished student (after the refit) fitted on the training bitext.
 * Cost: one encoding of the foreign side plus two ridge solves.
 */
export function sentenceSkipStage(student: KonaEncoder, bitext: Bitext, targets: TeacherTargets, opts: { seed?: number; log?: (m: string) => void; feats?: Features[] } = {}): Pick<LexicalInitResult, 'lambda' | 'heldOut' | 'seconds'> {
  const log = opts.log ?? (() => {});
  log('sentence skip: closed-form fit of the embedding residual (encoding the bitext with the student)');
  const r = fitSentenceSkip(student, opts.feats ?? bitext.src.map((t) => student.featurize(t)), targets.embeddings, { seed: opts.seed, log });
  log(`sentence skip: fitted with λ = ${r.lambda} in ${r.seconds.toFixed(0)} s`);
  return { lambda: r.lambda, heldOut: r.heldOut, seconds: Math.round(r.seconds) };
}

/**
 * Closed-form linear head at the end of distillation (lexical-init.ts `fitLinearHead`): the teacher's
 * embeddings regressed on the lexical features without intercept, mixed into the student's embedding with
 * weight w. Cost: one ridge solve (no encoding).
 */
export function linearHeadStage(student: KonaEncoder, bitext: Bitext, targets: TeacherTargets, opts: { lambda: number; weight: number; log?: (m: string) => void; feats?: Features[] }): LinearHeadResult {
  const log = opts.log ?? (() => {});
  log(`linear head: closed-form fit of the teacher's embeddings on the lexical features (no intercept; weight ${opts.weight})`);
  student.tables.linear = undefined;
  student.tables.linearMix = undefined;
  const r = fitLinearHead(student, opts.feats ?? bitext.src.map((t) => student.featurize(t)), targets.embeddings, { lambda: opts.lambda, weight: opts.weight, log });
  log(`linear head: fitted in ${r.seconds.toFixed(0)} s`);
  return { ...r, seconds: Math.round(r.seconds) };
}

/**
 * The student saved in `out` when its training finished with the same record but a closed-form stage it
 * wants (refit, sentence skip, linear head) has not run yet (the run stopped during it, or ran without it:
 * `--no-refit`), and no stage it does not want has run; else undefined.
 */
async function trainedWithoutRefit(out: string, record: Record<string, unknown>, want: { refit: boolean; sentence: boolean; linear: boolean }): Promise<{ student: KonaStudent; steps: number } | undefined> {
  if (!existsSync(join(out, 'config.json')) || existsSync(join(out, 'checkpoint'))) return undefined;
  let student: KonaStudent & { config: { training?: Record<string, unknown> } };
  try {
    student = await loadStudent(out);
  } catch {
    return undefined;
  }
  const t = student.config.training ?? {};
  const stages = ['refit', 'sentence', 'linear'] as const;
  const wanted = (k: (typeof stages)[number]) => want[k] && (k !== 'refit' || (t['steps'] as number) > 0);
  const strip = (o: Record<string, unknown>) => JSON.stringify(Object.entries(o).filter(([k, v]) => k !== 'steps' && !(stages as readonly string[]).includes(k) && v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  const unwanted = stages.some((k) => t[k] !== undefined && !wanted(k));
  const missing = stages.some((k) => wanted(k) && t[k] === undefined);
  if (unwanted || !missing || typeof t['steps'] !== 'number' || strip(t) !== strip(JSON.parse(JSON.stringify(record)))) {
    student.dispose();
    return undefined;
  }
  return { student, steps: t['steps'] };
}

/** The teacher's token ids of each English sentence (IDF marginals); the teacher must expose its featurizer. */
function teacherTokenIds(teacher: SentenceEncoder, eng: string[]): number[][] {
  const f = (teacher as Partial<TrainableEncoder>).featurize;
  if (typeof f !== 'function') throw new InputError(`--ot-marginals idf needs the teacher's tokenizer, and ${teacher.meta.name} does not expose one`);
  return eng.map((t) => f.call(teacher, t).ids);
}

/**
 * A student given by `--student` (or, for a teacher other than USE-lite, a copy of the teacher): loaded,
 * renamed `optical-LANG-OBJECTIVE` and tied to the teacher (`init:`), or checked against the teacher it was
 * distilled from (`DIR`).
 */
async function externalStudent(teacher: SentenceEncoder, cfg: DistillConfig, log: (m: string) => void): Promise<TrainableEncoder> {
  const spec = cfg.student ?? `init:${cfg.teacher}`;
  const init = spec.startsWith('init:');
  const path = init ? spec.slice('init:'.length) : spec;
  if (path === '') throw new InputError('--student init: needs a folder (init:DIR)');
  const student = await loadTrainable(path);
  if (init) {
    student.meta.name = `optical-${cfg.lang}-${cfg.objective}`;
    student.meta.teacher = teacher.meta.name;
  } else if (student.meta.teacher !== teacher.meta.name) {
    throw new InputError(`the student was distilled from ${student.meta.teacher ?? '(no teacher recorded)'}, not from the teacher ${teacher.meta.name}: use --student init:${path} to start a new student from its weights`, path);
  }
  // a ColBERT teacher's projection is copied into a new student of the same hidden size that has none
  if (init && teacher instanceof HfEncoder && teacher.pooling === 'colbert' && student instanceof HfEncoder && student.pooling !== 'colbert' && student.cfg.hidden === teacher.cfg.hidden) {
    student.adoptProjection(teacher.params['linear.weight']!);
    log(`student: takes over the teacher's ColBERT projection (${teacher.cfg.hidden} → ${teacher.dim})`);
  }
  if (student.dim !== teacher.dim) {
    throw new InputError(`the student's output width ${student.dim} differs from the teacher's ${teacher.dim}: the objectives compare them directly (no projection head)`, path);
  }
  if (cfg.lexical || cfg.inputNgrams) log('lexical skip and input n-grams: not used (only for students created from the USE-lite teacher)');
  log(`student: ${init ? `new, from the weights in ${path}` : `continuing ${path}`} (teacher ${teacher.meta.name})`);
  return student;
}

/**
 * The student before gradient training: created from the teacher and, with a lexical skip, ridge-initialised.
 * The initialised student is cached (`$OPTICAL_CACHE/init/<key>/`, a student folder; key = SHA-256 of the
 * teacher, the creation options, the seed and both sides of the bitext), so runs that differ only in
 * objective or training budget (mse vs ot, the demo, the benchmark) pay for the closed-form fit once.
 * A resumed run skips the fit: its checkpoint overwrites every table and parameter.
 */
async function initialisedStudent(
  teacher: KonaEncoder,
  cfg: DistillConfig,
  bitext: Bitext,
  targets: TeacherTargets,
  hooks: DistillHooks,
): Promise<{ student: KonaStudent; lexicalInit?: Pick<LexicalInitResult, 'lambda' | 'heldOut'> }> {
  const log = hooks.log ?? (() => {});
  const name = `optical-${cfg.lang}-${cfg.objective}`;
  const options = { vocab: cfg.vocab, vocabSize: cfg.vocabSize, inputNgrams: cfg.inputNgrams, lexical: cfg.lexical, init: cfg.init, seed: cfg.seed, width: cfg.width, depth: cfg.depth };
  const create = () => createStudent(teacher, { ...options, texts: bitext.src, ngram: cfg.inputNgrams ? DEFAULT_NGRAMS : null, name });
  const resuming = cfg.resume && existsSync(join(cfg.out, 'checkpoint', 'state.json'));
  if (!cfg.lexical || resuming) return { student: await create() };

  const h = createHash('sha256').update(`optical-init\u0000v1\u0000${teacher.meta.name}\u0000${JSON.stringify(options)}\u0000`);
  for (const s of bitext.src) h.update(s).update('\u0000');
  h.update('\u0001');
  for (const s of bitext.eng) h.update(s).update('\u0000');
  const dir = join(cacheDir(), 'init', h.digest('hex').slice(0, 32));
  if (existsSync(join(dir, 'config.json'))) {
    try {
      const student = await loadStudent(dir);
      touchCacheEntry(dir);
      student.meta.name = name;
      const lexicalInit = student.config.training?.['lexicalInit'] as Pick<LexicalInitResult, 'lambda' | 'heldOut'> | undefined;
      log(`lexical skip: closed-form initialisation loaded from the cache (${dir})`);
      return { student, lexicalInit };
    } catch (e) {
      log(`lexical skip: ignoring an unreadable cache entry ${dir} (${(e as Error).message})`);
    }
  }
  const student = await create();
  log('lexical skip: closed-form initialisation (ridge regression on the training bitext)');
  // a student with the teacher's vocabulary and layers computes, before its skip is set, exactly what the
  // teacher computes on the foreign text: take P_S0 from the teacher cache instead of re-encoding
  const same = cfg.vocab === 'teacher' && cfg.init === 'teacher' && !cfg.inputNgrams && JSON.stringify(student.cfg) === JSON.stringify(teacher.cfg);
  const pooledWithoutSkip = same ? cachedTeacherTargets(teacher, bitext.src, false, hooks.teacherProgress).pooled : undefined;
  const r = initLexicalSkip(student, bitext.src.map((t) => student.featurize(t)), targets.pooled, targets.embeddings, { seed: cfg.seed, log, pooledWithoutSkip });
  const lexicalInit = { lambda: r.lambda, heldOut: r.heldOut };
  saveStudent(student, dir, { training: { lexicalInit } });
  return { student, lexicalInit };
}

/** The loss of the last step logged in `<out>/train.jsonl` (a finished training being resumed), NaN without one. */
function lastLoggedLoss(out: string): number {
  const file = join(out, 'train.jsonl');
  if (!existsSync(file)) return NaN;
  const last = readFileSync(file, 'utf8').trimEnd().split('\n').at(-1);
  try {
    const loss = (JSON.parse(last ?? '') as { loss?: unknown }).loss;
    return typeof loss === 'number' ? loss : NaN;
  } catch {
    return NaN; // a torn last line: the summary then says so rather than inventing a figure
  }
}
