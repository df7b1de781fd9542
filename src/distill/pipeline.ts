/**
 * One distillation run end to end: bitext specs → teacher targets → student → training → saved folder.
 * The CLI (`optical distill`), the demo and the experiments all call {@link distill}, so the defaults
 * below are the product's defaults.
 */
import { loadUseLite } from '../models/use-lite.ts';
import { createStudent, type VocabKind } from '../models/student.ts';
import { DEFAULT_NGRAMS } from '../models/features.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import { loadBitexts, resolveDataDir, type Bitext } from '../data/index.ts';
import { makeObjective, type OtOptions } from './objectives.ts';
import { train, TRAIN_DEFAULTS, type StepInfo } from './trainer.ts';
import { cachedTeacherTargets } from './teacher-cache.ts';
import { initLexicalSkip, type LexicalInitResult } from './lexical-init.ts';

export interface DistillConfig {
  lang: string;
  /** bitext specs (`bible:Swahili`, `mafand:en-swa`, `sib:swh_Latn:train`, `lines:SRC:ENG`) */
  bitext: string[];
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
  dropout: number;
  ot: OtOptions;
  temperature: number;
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
  dropout: TRAIN_DEFAULTS.dropout,
  ot: { cost: 'sqeuclid', epsilon: 0.05 },
  temperature: 0.05,
  resume: false,
  checkpointEvery: TRAIN_DEFAULTS.checkpointEvery,
};

export interface DistillHooks {
  /** phase messages ("loading bitext", …) */
  log?: (msg: string) => void;
  /** teacher encoding progress */
  teacherProgress?: (done: number, total: number) => void;
  onStep?: (info: StepInfo) => void;
}

export interface DistillResult {
  student: KonaEncoder;
  bitext: Bitext;
  steps: number;
  lastLoss: number;
  seconds: { teacher: number; train: number };
}

/** Distil a student for `cfg.lang` from the bitext and save it to `cfg.out`. */
export async function distill(cfg: DistillConfig, hooks: DistillHooks = {}): Promise<DistillResult> {
  const log = hooks.log ?? (() => {});
  const objective = makeObjective(cfg.objective, { ot: cfg.ot, temperature: cfg.temperature }); // validate before any heavy work
  const dataDir = cfg.bitext.some((s) => !s.startsWith('lines:')) ? resolveDataDir(cfg.dataDir) : (cfg.dataDir ?? '.');
  const bitext = loadBitexts(cfg.bitext, dataDir);
  log(`bitext: ${bitext.src.length} pairs from ${cfg.bitext.join(', ')}`);
  const teacher = await loadUseLite();
  const t0 = performance.now();
  const targets = cachedTeacherTargets(teacher, bitext.eng, objective.needsTokens, hooks.teacherProgress);
  const t1 = performance.now();
  const student = await createStudent(teacher, {
    vocab: cfg.vocab,
    texts: bitext.src,
    vocabSize: cfg.vocabSize,
    ngram: cfg.inputNgrams || cfg.lexical ? DEFAULT_NGRAMS : null,
    inputNgrams: cfg.inputNgrams,
    lexical: cfg.lexical,
    init: cfg.init,
    seed: cfg.seed,
    name: `optical-${cfg.lang}-${cfg.objective}`,
  });
  let lexicalInit: LexicalInitResult | undefined;
  if (student.tables.lexical) {
    log('lexical skip: closed-form initialisation (ridge regression on the training bitext)');
    lexicalInit = initLexicalSkip(student, bitext.src.map((t) => student.featurize(t)), targets.pooled, targets.embeddings, { seed: cfg.seed, log });
  }
  const record = {
    lexicalInit: lexicalInit && { lambda: lexicalInit.lambda, heldOut: lexicalInit.heldOut },
    lang: cfg.lang,
    objective: objective.config(),
    bitext: cfg.bitext,
    pairs: bitext.src.length,
    epochs: cfg.epochs,
    steps: cfg.steps,
    batch: cfg.batch,
    seed: cfg.seed,
    lr: cfg.lr,
    tableLr: cfg.tableLr,
    dropout: cfg.dropout,
  };
  const r = await train({
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
    dropout: cfg.dropout,
    seed: cfg.seed,
    resume: cfg.resume,
    checkpointEvery: cfg.checkpointEvery,
    record,
    onStep: hooks.onStep,
  });
  return { student, bitext, steps: r.steps, lastLoss: r.lastLoss, seconds: { teacher: (t1 - t0) / 1000, train: (performance.now() - t1) / 1000 } };
}
