/**
 * Text-tower distillation for CLIP (Multilingual-CLIP's recipe with OPTICAL's objectives): CLIP's English text
 * tower is the frozen teacher (ONNX Runtime, inference only); a student for language X is trained on caption
 * bitext (X, English) so that its outputs on X match the teacher's on the English caption. The image tower is
 * untouched, so the student's X captions land next to CLIP's image embeddings: zero-shot X→image retrieval.
 *
 * Legend: N pairs, D CLIP projection width, len_i teacher tokens of sentence i.
 *
 * Teacher targets (computed once per run; the last ones are kept in memory, not on disk):
 *   embeddings [N, D]  L2-normalised text_embeds (what `mse` and `contrastive` compare)
 *   pooled     [N, D]  text_embeds as returned
 *   tokens     per sentence [len_i, D]: last_hidden_state projected by CLIP's text projection (see
 *              models/clip/model.ts), so token states and sentence vectors share the D-dim space (`ot`)
 * The squared-Euclidean OT cost is scaled by the teacher's mean squared token norm (unless `ot.scale` is given).
 * A student whose token states are unit vectors (a Hugging Face student with a ColBERT-style projection, as
 * added below) is compared with L2-normalised teacher token states (then ‖s − t‖² = 2 − 2 cos).
 *
 * Student (`student`):
 *   - `init:DIR` — a Hugging Face BERT-family folder (mBERT, XLM-R, MiniLM, …) or a Kona student; when its
 *     output width differs from D and it has no projection, a seeded random projection [H → D] is added
 *     (ColBERT-style head, trained with the rest, saved as `linear.weight`);
 *   - `DIR` — a student distilled earlier from the same CLIP model, trained further;
 *   - absent — a Kona student created from USE-lite (teacher vocabulary and layers, no lexical skip);
 *     possible only when D = 512 (CLIP ViT-B/32, ViT-B/16).
 * The student records `clip:<model name>` as its teacher, which image indexes check.
 */
import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { TrainableEncoder } from '../models/types.ts';
import { ClipModel } from '../models/clip/index.ts';
import { loadTrainable, createStudent } from '../models/student.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { HfEncoder } from '../models/hf/model.ts';
import { tf } from '../models/engine.ts';
import { InputError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import { loadBitexts, resolveDataDir, sampleBitext, type Bitext } from '../data/index.ts';
import { makeObjective } from './objectives.ts';
import { train, type TeacherTargets } from './trainer.ts';
import { duringTraining, type DistillConfig, type DistillHooks } from './pipeline.ts';

export type ClipDistillConfig = Pick<DistillConfig, 'lang' | 'student' | 'bitext' | 'maxPairs' | 'objective' | 'out' | 'dataDir' | 'epochs' | 'steps' | 'batch' | 'seed' | 'lr' | 'tableLr' | 'dropout' | 'ot' | 'temperature' | 'resume' | 'checkpointEvery'> & {
  /** the CLIP folder (transformers.js layout) */
  clip: string;
};

/** The last targets computed in this process (runs that differ only in objective share them). */
let memo: { key: string; targets: TeacherTargets } | undefined;

/**
 * The frozen teacher's targets for the English side (see the file header). The most recent result is kept in
 * memory, keyed by the CLIP folder and the sentences; an entry with token states also serves requests without.
 */
export async function clipTeacherTargets(clip: ClipModel, eng: string[], tokens: boolean, onProgress?: (d: number, n: number) => void): Promise<TeacherTargets> {
  const h = createHash('sha256').update(`${resolve(clip.dir)}\u0000${clip.name}\u0000`);
  for (const s of eng) h.update(s).update('\u0000');
  const key = h.digest('hex');
  if (memo?.key === key && (memo.targets.tokens || !tokens)) return { ...memo.targets, tokens: tokens ? memo.targets.tokens : undefined };
  const r = await clip.encodeText(eng, { tokens, onProgress });
  const targets = { embeddings: r.embeddings, pooled: r.raw, tokens: r.tokens, dim: r.dim };
  memo = { key, targets };
  return { ...targets };
}

/** Rows of x [n, D] scaled to unit norm. */
function l2rows(x: Float32Array, D: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[r * D + d]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) out[r * D + d] = x[r * D + d]! * inv;
  }
  return out;
}

/** Mean squared L2 norm of the teacher's token states (the OT cost scale). */
export function meanSquaredTokenNorm(targets: TeacherTargets): number {
  let s = 0;
  let n = 0;
  for (const t of targets.tokens ?? []) {
    for (let i = 0; i < t.length; i++) s += t[i]! ** 2;
    n += t.length / targets.dim;
  }
  return n ? s / n : 1;
}

export interface ClipDistillResult {
  student: TrainableEncoder;
  bitext: Bitext;
  steps: number;
  lastLoss: number;
  seconds: { teacher: number; train: number };
}

/** Distil a student of CLIP's text tower for `cfg.lang` and save it to `cfg.out`. */
export async function distillClip(cfg: ClipDistillConfig, hooks: DistillHooks = {}): Promise<ClipDistillResult> {
  const log = hooks.log ?? (() => {});
  makeObjective(cfg.objective, { ot: cfg.ot, temperature: cfg.temperature }); // validate before heavy work
  const dataDir = cfg.bitext.some((s) => !s.startsWith('lines:')) ? resolveDataDir(cfg.dataDir) : (cfg.dataDir ?? '.');
  const full = loadBitexts(cfg.bitext, dataDir);
  const bitext = cfg.maxPairs ? sampleBitext(full, cfg.maxPairs, cfg.seed) : full;
  log(`bitext: ${bitext.src.length} pairs from ${cfg.bitext.join(', ')}${bitext === full ? '' : ` (a seeded sample of ${full.src.length})`}`);
  const clip = await ClipModel.load(cfg.clip);
  try {
    const needsTokens = makeObjective(cfg.objective).needsTokens;
    const student = await clipStudent(clip, cfg, log);
    const t0 = performance.now();
    const targets = await clipTeacherTargets(clip, bitext.eng, needsTokens, hooks.teacherProgress);
    // a student whose token states are unit vectors (ColBERT-style head) is compared with unit teacher states
    if (targets.tokens && student instanceof HfEncoder && student.pooling === 'colbert') targets.tokens = targets.tokens.map((t) => l2rows(t, targets.dim));
    const t1 = performance.now();
    const ot = needsTokens && cfg.ot.cost !== 'cosine' && cfg.ot.scale === undefined ? { ...cfg.ot, scale: meanSquaredTokenNorm(targets) } : cfg.ot;
    const objective = makeObjective(cfg.objective, { ot, temperature: cfg.temperature });
    const r = await duringTraining(hooks, () => train({
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
      lexicalLr: 0,
      dropout: cfg.dropout,
      seed: cfg.seed,
      resume: cfg.resume,
      checkpointEvery: cfg.checkpointEvery,
      record: { teacher: clip.name, clip: cfg.clip, student: cfg.student, lang: cfg.lang, objective: objective.config(), bitext: cfg.bitext, maxPairs: cfg.maxPairs, pairs: bitext.src.length, epochs: cfg.epochs, steps: cfg.steps, batch: cfg.batch, seed: cfg.seed, lr: cfg.lr, tableLr: cfg.tableLr, dropout: cfg.dropout },
      onStep: hooks.onStep,
    }));
    return { student, bitext, steps: r.steps, lastLoss: r.lastLoss, seconds: { teacher: (t1 - t0) / 1000, train: (performance.now() - t1) / 1000 } };
  } finally {
    await clip.release();
  }
}

/** The student (see the file header), tied to the CLIP teacher and of output width D. */
async function clipStudent(clip: ClipModel, cfg: ClipDistillConfig, log: (m: string) => void): Promise<TrainableEncoder> {
  const D = clip.dim;
  const name = `optical-${cfg.lang}-${cfg.objective}`;
  let student: TrainableEncoder;
  if (cfg.student === undefined) {
    if (D !== 512) throw new InputError(`CLIP's projection width is ${D}; the default student (USE-lite layers) has width 512: give --student init:DIR (a Hugging Face encoder; a projection to ${D} is added)`, cfg.clip);
    student = await createStudent(await loadUseLite(), { vocab: 'teacher', lexical: false, ngram: null, init: 'teacher', seed: cfg.seed, name });
    log('student: a new Kona student with USE-lite\'s vocabulary and layers');
  } else {
    const init = cfg.student.startsWith('init:');
    const path = init ? cfg.student.slice('init:'.length) : cfg.student;
    if (path === '') throw new InputError('--student init: needs a folder (init:DIR)');
    student = await loadTrainable(path);
    if (!init && student.meta.teacher !== clip.name) {
      throw new InputError(`the student was distilled from ${student.meta.teacher ?? '(no teacher recorded)'}, not from ${clip.name}: use --student init:${path} to start a new student from its weights`, path);
    }
    if (init && student.dim !== D && student instanceof HfEncoder && !student.params['linear.weight']) {
      const H = student.cfg.hidden;
      const rnd = mulberry32(cfg.seed + 7919);
      const lim = Math.sqrt(6 / (H + D));
      const w = tf.tensor2d(Float32Array.from({ length: H * D }, () => (2 * rnd() - 1) * lim), [H, D]);
      student.adoptProjection(w); // copies
      w.dispose();
      log(`student: a seeded random projection ${H} → ${D} added (trained with the student)`);
    }
    log(`student: ${init ? `new, from the weights in ${path}` : `continuing ${path}`}`);
  }
  student.meta.name = name;
  student.meta.teacher = clip.name;
  if (student.dim !== D) throw new InputError(`the student's output width ${student.dim} differs from CLIP's projection width ${D}`, cfg.student);
  return student;
}
