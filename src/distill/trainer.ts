/**
 * The distillation trainer: bitext (foreign, English) → a student whose outputs on the foreign side match
 * the teacher's outputs on the English side under an objective (ot, mse, contrastive, combinations).
 *
 * Legend: N pairs, B batch, Ls/Lt student/teacher tokens, H hidden width, E input-embedding width.
 *
 * - Teacher outputs never change during distillation: they are computed once (`teacherTargets`).
 * - Batches are length-bucketed (pairs sorted by foreign length within seeded random chunks of 50 batches,
 *   then cut into batches whose order is shuffled), so padding stays small; the schedule of epoch e is a pure
 *   function of (seed, e), so a resumed run sees exactly the batches the interrupted one would have.
 * - Optimisers: AdamW on the transformer (dense), lazy Adam on the embedding tables (sparse rows);
 *   learning rate: linear warm-up then linear decay.
 * - Every `checkpointEvery` steps, `OUT/checkpoint/` holds the student, both optimisers' moments and the step;
 *   `resume: true` continues from there. Each step appends a JSON line to `OUT/train.jsonl`.
 */
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type Tensor } from '../models/engine.ts';
import { KonaEncoder, type PackedBatch } from '../models/encoder.ts';
import type { KonaParams } from '../models/kona.ts';
import { KonaTrainStep } from '../models/onnx/train-step.ts';
import { DropoutPrefetcher } from '../models/onnx/dropout-prefetch.ts';
import { ortUnavailableReason, ortThreads } from '../models/onnx/index.ts';
import type { SentenceEncoder, TrainableEncoder } from '../models/types.ts';
import type { Features } from '../models/features.ts';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';
import { ArrayAdam, DenseAdam, SparseAdam, learningRate, ADAM_DEFAULTS, type MomentStore } from './adam.ts';
import type { Objective, TeacherBatch } from './objectives.ts';
import { mulberry32, shuffleInPlace } from '../util/random.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { Stopped, stopRequested, yieldToEvents } from '../util/stop.ts';
import { ArgumentError } from '../errors.ts';
import { tokenIdfWeights } from './idf.ts';
import { GradientPool, trainThreads } from './parallel.ts';
import type { PartJob, PartResult, TeacherArrays } from './grads.ts';
import { ortGradients, paramArrays, trainEngineFromEnv, type TrainEngine } from './ort-step.ts';

export interface TeacherTargets {
  /** [N, H] */
  embeddings: Float32Array;
  /** [N, H] mean-pooled token states (before the tanh layer) */
  pooled: Float32Array;
  /** per sentence [len_i, H] (when the objective needs tokens) */
  tokens?: Float32Array[];
  dim: number;
}

/** Run the teacher once over the English side. */
export function teacherTargets(teacher: SentenceEncoder, eng: string[], tokens: boolean, onProgress?: (d: number, n: number) => void): TeacherTargets {
  const r = teacher.encode(eng, { tokens, pooled: true, batchSize: 64, onProgress });
  return { embeddings: r.embeddings, pooled: r.pooled!, tokens: r.tokens, dim: r.dim };
}

export interface TrainOptions {
  student: TrainableEncoder;
  /** foreign side of the bitext */
  src: string[];
  targets: TeacherTargets;
  objective: Objective;
  outDir: string;
  epochs?: number;
  /** total optimisation steps (overrides epochs when given) */
  steps?: number;
  batchSize?: number;
  /** peak learning rate of the transformer layers */
  lr?: number;
  /** peak learning rate of the embedding tables */
  tableLr?: number;
  /** peak learning rate of the lexical skip table (0 = frozen at its closed-form fit) */
  lexicalLr?: number;
  warmupFraction?: number;
  weightDecay?: number;
  dropout?: number;
  seed?: number;
  checkpointEvery?: number;
  resume?: boolean;
  /**
   * threads for data-parallel steps (main + workers; parallel.ts): default `OPTICAL_TRAIN_THREADS`, else the
   * core count (≤ 4); used for Kona students and objectives that are means over sentences (`ot`, `mse`)
   * without parameters of their own or IDF weights
   */
  threads?: number;
  /**
   * where the gradients are computed: "tfjs" (autodiff, data parallel over `threads`) or "onnx" (Kona
   * students: explicit forward/backward with the matrix products on ONNX Runtime, all cores in each product;
   * ort-step.ts) or "auto": onnx for a Kona student when ONNX Runtime loads, else tfjs; default
   * `OPTICAL_TRAIN_ENGINE`, else auto
   */
  engine?: TrainEngine | 'auto';
  /** peak learning rate of the objective's own parameters (the learnable temperature) */
  objectiveLr?: number;
  /**
   * the teacher's token ids of each English sentence (same count as its token states), for objectives that
   * weight tokens by IDF (`objective.needsIdf`); the foreign side's ids come from the student's featurizer
   */
  engTokenIds?: number[][];
  /** extra record saved in the student's config.json under "training" */
  record?: Record<string, unknown>;
  onStep?: (info: StepInfo) => void;
}

export interface StepInfo {
  step: number;
  totalSteps: number;
  epoch: number;
  lr: number;
  loss: number;
  parts: Record<string, number>;
  ms: number;
}

/**
 * Defaults chosen on development data (experiments/swh-tune.ts: a held-out tenth of the Swahili training
 * bitext and SIB-200 swh dev; never Tatoeba), starting from the closed-form lexical initialisation:
 * at lr 1e-4 (tables 1e-3) `ot` lost 9 points of held-out swh→en accuracy in 100 steps; at 1e-5 (tables
 * 1e-4) it lost 3. One epoch keeps a 10k-pair run within 30 minutes on 2 cores.
 */
export const TRAIN_DEFAULTS = {
  epochs: 1,
  batchSize: 32,
  lr: 1e-5,
  tableLr: 1e-4,
  lexicalLr: 1e-5,
  objectiveLr: 1e-2,
  warmupFraction: 0.05,
  weightDecay: 0.01,
  dropout: 0.1,
  seed: 0,
  checkpointEvery: 200,
};

/** Length-bucketed batches of epoch `epoch` (pure function of the arguments). */
export function makeBatches(lengths: number[], batchSize: number, seed: number, epoch: number): number[][] {
  const rnd = mulberry32((seed * 1000003 + epoch * 7919 + 17) >>> 0);
  const idx = shuffleInPlace([...lengths.keys()], rnd);
  const chunk = batchSize * 50;
  const batches: number[][] = [];
  for (let s = 0; s < idx.length; s += chunk) {
    const part = idx.slice(s, s + chunk).sort((a, b) => lengths[a]! - lengths[b]! || a - b);
    for (let k = 0; k < part.length; k += batchSize) batches.push(part.slice(k, k + batchSize));
  }
  return shuffleInPlace(batches, rnd);
}

/** Rows `idx` of per-sentence weights, padded to [B, L] (0 at padding). */
function padWeights(w: Float32Array[], idx: number[], L: number): Float32Array {
  const out = new Float32Array(idx.length * L);
  idx.forEach((i, b) => out.set(w[i]!.subarray(0, L), b * L));
  return out;
}

/** Pad teacher targets of the given pairs into arrays (data-parallel parts): tokens [B, Lt, H], mask [B, Lt], embedding [B, H]. */
function teacherArrays(targets: TeacherTargets, idx: number[], withTokens: boolean): TeacherArrays {
  const H = targets.dim;
  const B = idx.length;
  const embedding = new Float32Array(B * H);
  idx.forEach((i, b) => embedding.set(targets.embeddings.subarray(i * H, (i + 1) * H), b * H));
  const lengths = new Int32Array(B);
  if (!withTokens || !targets.tokens) return { embedding, tokens: new Float32Array(B * H), mask: new Float32Array(B), lengths, Lt: 1 };
  idx.forEach((i, b) => (lengths[b] = targets.tokens![i]!.length / H));
  const Lt = Math.max(1, ...lengths);
  const tokens = new Float32Array(B * Lt * H);
  const mask = new Float32Array(B * Lt);
  idx.forEach((i, b) => {
    tokens.set(targets.tokens![i]!, b * Lt * H);
    mask.fill(1, b * Lt, b * Lt + lengths[b]!);
  });
  return { embedding, tokens, mask, lengths, Lt };
}

/** Pad teacher targets of the given pairs into engine tensors. */
function teacherBatch(targets: TeacherTargets, idx: number[], withTokens: boolean, engIdf?: Float32Array[]): TeacherBatch {
  const H = targets.dim;
  const B = idx.length;
  const emb = new Float32Array(B * H);
  idx.forEach((i, b) => emb.set(targets.embeddings.subarray(i * H, (i + 1) * H), b * H));
  const lengths = new Int32Array(B);
  if (!withTokens || !targets.tokens) {
    return { embedding: tf.tensor2d(emb, [B, H]), tokens: tf.zeros([B, 1, H]), mask: tf.zeros([B, 1]), lengths };
  }
  idx.forEach((i, b) => (lengths[b] = targets.tokens![i]!.length / H));
  const Lt = Math.max(1, ...lengths);
  const tok = new Float32Array(B * Lt * H);
  const mask = new Float32Array(B * Lt);
  idx.forEach((i, b) => {
    tok.set(targets.tokens![i]!, b * Lt * H);
    mask.fill(1, b * Lt, b * Lt + lengths[b]!);
  });
  const weights = engIdf ? padWeights(engIdf, idx, Lt) : undefined;
  return { embedding: tf.tensor2d(emb, [B, H]), tokens: tf.tensor3d(tok, [B, Lt, H]), mask: tf.tensor2d(mask, [B, Lt]), lengths, weights };
}

/** Train the student in place; returns the number of steps run. */
export async function train(o: TrainOptions): Promise<{ steps: number; lastLoss: number }> {
  const opt = { ...TRAIN_DEFAULTS, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Required<TrainOptions>;
  const { student, objective } = opt;
  mkdirSync(opt.outDir, { recursive: true });
  const feats: Features[] = opt.src.map((t) => student.featurize(t));
  const lengths = feats.map((f) => f.ids.length);
  const perEpoch = Math.ceil(feats.length / opt.batchSize);
  const totalSteps = o.steps ?? perEpoch * opt.epochs;
  const warmup = Math.round(totalSteps * opt.warmupFraction);
  const E = student.embedDim;

  const trainable = student.trainableParams();
  const adamCfg = { ...ADAM_DEFAULTS, weightDecay: opt.weightDecay };
  const engine = resolveEngine(o.engine ?? trainEngineFromEnv(), student);
  // the onnx engine keeps the weights in arrays (ort-step.ts) and updates them with ArrayAdam
  // (ArrayAdam updates on a worker thread while this one does the tables' updates: adam-offload.ts; OPTICAL_ADAM_WORKER=0 keeps it here)
  const dense: DenseAdam | ArrayAdam = engine === 'onnx'
    ? new ArrayAdam(Object.fromEntries(Object.entries(trainable).map(([k, v]) => [k, v.shape])), adamCfg, { offload: process.env['OPTICAL_ADAM_WORKER'] !== '0' })
    : new DenseAdam(trainable, adamCfg);
  const objParams = objective.params?.() ?? {};
  const objAdam = Object.keys(objParams).length ? new DenseAdam(objParams, { ...ADAM_DEFAULTS, weightDecay: 0 }) : undefined;
  const idf = objective.needsIdf ? idfWeights(feats, opt.engTokenIds, opt.targets) : undefined;
  const sparseTok = new SparseAdam(student.tables.embeddings, E, { ...adamCfg, weightDecay: 0 });
  const sparseNg = student.tables.ngrams ? new SparseAdam(student.tables.ngrams, E, { ...adamCfg, weightDecay: 0 }) : undefined;
  const H = student.dim;
  const sparseLex = student.tables.lexical ? new SparseAdam(student.tables.lexical, H, { ...adamCfg, weightDecay: 0 }) : undefined;
  const tables = { embeddings: sparseTok, ngrams: sparseNg, lexical: sparseLex };

  const ckptDir = join(opt.outDir, 'checkpoint');
  const logFile = join(opt.outDir, 'train.jsonl');
  let step = 0;
  if (opt.resume && existsSync(join(ckptDir, 'state.json'))) {
    step = restore(ckptDir, student, dense, tables, objAdam);
  } else rmSync(logFile, { force: true });

  let lastLoss = NaN;
  const ortStep = engine === 'onnx' ? onnxStep(student) : undefined; // after `restore`: its arrays hold the current weights
  // the next step's dropout masks, drawn on a worker during this step (dropout-prefetch.ts; same values)
  const prefetch = ortStep && opt.dropout > 0 && process.env['OPTICAL_DROPOUT_PREFETCH'] !== '0' ? new DropoutPrefetcher() : undefined;
  const parallelOk = !ortStep && !objective.needsIdf && Object.keys(objParams).length === 0;
  const pool = parallelOk ? await GradientPool.start(student, trainable, objective, opt.threads ?? trainThreads()) : undefined;
  try {
  while (step < totalSteps) {
    const epoch = Math.floor(step / perEpoch);
    const batches = makeBatches(lengths, opt.batchSize, opt.seed, epoch);
    for (let k = step % perEpoch; k < batches.length && step < totalSteps; k++) {
      const t0 = performance.now();
      const idx = batches[k]!;
      const packed: PackedBatch = student.pack(idx.map((i) => feats[i]!));
      const sLen = Int32Array.from(idx, (i) => lengths[i]!);
      const embArr = student.inputEmbeds(packed);
      const lr = learningRate(step + 1, totalSteps, opt.lr, warmup);
      const tlr = learningRate(step + 1, totalSteps, opt.tableLr, warmup);
      let parts: Record<string, number> = {};
      /** one optimiser step from gradients as arrays (data-parallel and ONNX Runtime steps) */
      const applyArrayGrads = (r: PartResult, lexTrains: boolean): void => {
        lastLoss = r.loss;
        parts = r.parts;
        if (dense instanceof ArrayAdam) dense.begin(ortStep!.weights, r.grads, lr, step + 1); // on the worker, during the tables' updates below
        else {
          const denseGrads: Record<string, Tensor> = {};
          for (const [k, g] of Object.entries(r.grads)) denseGrads[k] = tf.tensor(g, trainable[k]!.shape);
          dense.step(denseGrads, lr, step + 1);
          Object.values(denseGrads).forEach((g) => g.dispose());
        }
        const tg = student.tableGrads(packed, r.dEmbeds, r.dSkip);
        sparseTok.step(tg.embeddings, tlr, step + 1);
        if (sparseNg && tg.ngrams) sparseNg.step(tg.ngrams, tlr, step + 1);
        if (sparseLex && tg.lexical && lexTrains) sparseLex.step(tg.lexical, learningRate(step + 1, totalSteps, opt.lexicalLr, warmup), step + 1);
        if (dense instanceof ArrayAdam) {
          Object.assign(ortStep!.weights, dense.end());
          ortStep!.publish(Object.keys(r.grads));
        }
      };
      if (pool) {
        // data parallel: rows split into contiguous parts, one per thread (parallel.ts)
        const dropSeed = dropoutSeed(opt.seed, step);
        const lexTrains = Boolean(sparseLex && opt.lexicalLr > 0);
        const skipAll = sparseLex ? student.skipVectors!(packed) : undefined;
        const L = packed.L;
        const jobs: PartJob[] = [];
        const per = Math.ceil(packed.B / pool.threads);
        for (let r0 = 0; r0 < packed.B; r0 += per) {
          const r1 = Math.min(packed.B, r0 + per);
          jobs.push({
            B: r1 - r0, L, ids: packed.ids.slice(r0 * L, r1 * L), lengths: sLen.slice(r0, r1), embeds: embArr.slice(r0 * L * E, r1 * L * E),
            skip: skipAll?.slice(r0 * L * H, r1 * L * H), skipTrains: lexTrains, teacher: teacherArrays(opt.targets, idx.slice(r0, r1), objective.needsTokens),
            dropout: opt.dropout, seed: dropSeed, rowOffset: r0, fullBatch: packed.B,
          });
        }
        const r = await pool.step(jobs);
        applyArrayGrads(r, lexTrains);
        pool.publish();
      } else if (ortStep) {
        // explicit forward/backward, matrix products on ONNX Runtime (ort-step.ts)
        const dropSeed = dropoutSeed(opt.seed, step);
        const lexTrains = Boolean(sparseLex && opt.lexicalLr > 0);
        if (prefetch && step + 1 < totalSteps) {
          const next = k + 1 < batches.length ? batches[k + 1]! : makeBatches(lengths, opt.batchSize, opt.seed, epoch + 1)[0]!;
          const nextSeed = dropoutSeed(opt.seed, step + 1);
          prefetch.request(ortStep.step.dropoutJobs(next.length, Math.max(1, ...next.map((i) => lengths[i]!)), opt.dropout, nextSeed));
        }
        const r = ortGradients(ortStep.step, ortStep.weights, Object.keys(trainable), objective,
          { B: packed.B, L: packed.L, ids: packed.ids, embeds: embArr, skip: sparseLex ? student.skipVectors!(packed) : undefined, skipTrains: lexTrains, lengths: sLen, dropout: opt.dropout, seed: dropSeed, masks: prefetch },
          () => teacherBatch(opt.targets, idx, objective.needsTokens, idf?.eng), idf ? padWeights(idf.src, idx, packed.L) : undefined, objParams);
        applyArrayGrads(r, lexTrains);
        if (objAdam) objAdam.step(r.objectiveGrads, learningRate(step + 1, totalSteps, opt.objectiveLr, warmup), step + 1);
        Object.values(r.objectiveGrads).forEach((g) => g.dispose());
      } else {
        // Gradients w.r.t. the transformer variables and the input embeddings (a per-step variable, so that
        // unused parameters — e.g. the pooler under a token-only objective — simply get no gradient).
        const embArr3 = tf.tensor3d(embArr, [packed.B, packed.L, E]);
        const embVar = tf.variable(embArr3, true, `optical/embeds/${step}`); // shares embArr3's buffer: dispose both
        // the lexical skip ψ: a per-step variable when its table trains, a constant when it is frozen
        const skipArr = sparseLex ? tf.tensor3d(student.skipVectors!(packed), [packed.B, packed.L, H]) : undefined;
        const skipVar = skipArr && opt.lexicalLr > 0 ? tf.variable(skipArr, true, `optical/skip/${step}`) : undefined;
        const dropSeed = dropoutSeed(opt.seed, step);
        const { value, grads } = tf.tidy(() => {
          const target = teacherBatch(opt.targets, idx, objective.needsTokens, idf?.eng);
          const srcIdf = idf ? padWeights(idf.src, idx, packed.L) : undefined;
          const f = () => {
            const out = student.forward(packed, { embeds: embVar, skip: skipVar ?? skipArr, dropout: opt.dropout, seed: dropSeed });
            const r = objective.loss(out, target, sLen, srcIdf);
            parts = r.parts;
            return r.loss as tf.Scalar;
          };
          const r = tf.variableGrads(f, [embVar, ...(skipVar ? [skipVar] : []), ...Object.values(trainable), ...Object.values(objParams)]);
          return { value: r.value, grads: r.grads };
        });
        lastLoss = value.dataSync()[0]!;
        value.dispose();
        const dEmb = grads[embVar.name]!.dataSync() as Float32Array;
        const denseGrads: Record<string, Tensor> = {};
        for (const [k, v] of Object.entries(trainable)) if (grads[v.name]) denseGrads[k] = grads[v.name]!;
        (dense as DenseAdam).step(denseGrads, lr, step + 1);
        if (objAdam) {
          const og: Record<string, Tensor> = {};
          for (const [k, v] of Object.entries(objParams)) if (grads[v.name]) og[k] = grads[v.name]!;
          objAdam.step(og, learningRate(step + 1, totalSteps, opt.objectiveLr, warmup), step + 1);
        }
        const tg = student.tableGrads(packed, dEmb, skipVar && grads[skipVar.name] ? (grads[skipVar.name]!.dataSync() as Float32Array) : undefined);
        sparseTok.step(tg.embeddings, tlr, step + 1);
        if (sparseNg && tg.ngrams) sparseNg.step(tg.ngrams, tlr, step + 1);
        if (sparseLex && tg.lexical && opt.lexicalLr > 0) sparseLex.step(tg.lexical, learningRate(step + 1, totalSteps, opt.lexicalLr, warmup), step + 1);
        embVar.dispose();
        embArr3.dispose();
        skipVar?.dispose();
        skipArr?.dispose();
        Object.values(grads).forEach((g) => g.dispose());
      }
      step++;
      const info: StepInfo = { step, totalSteps, epoch, lr, loss: lastLoss, parts, ms: performance.now() - t0 };
      appendFileSync(logFile, JSON.stringify({ ...info, ms: Math.round(info.ms) }) + '\n');
      o.onStep?.(info);
      if (!Number.isFinite(lastLoss)) throw new Error(`loss is ${lastLoss} at step ${step}; lower the learning rate`);
      if (step % opt.checkpointEvery === 0 && step < totalSteps) checkpoint(ckptDir, student, dense, tables, step, opt.record, objAdam);
      // a stop request (Ctrl-C in the CLI; src/util/stop.ts): save this step and stop
      await yieldToEvents();
      if (stopRequested() && step < totalSteps) {
        if (step % opt.checkpointEvery !== 0) checkpoint(ckptDir, student, dense, tables, step, opt.record, objAdam);
        throw new Stopped(`training stopped at step ${step} of ${totalSteps}; checkpoint written to ${ckptDir}`);
      }
    }
  }
  // an objective with parameters records their trained values (e.g. the learned temperature)
  } finally {
    await pool?.close();
    ortStep?.dispose();
    prefetch?.dispose();
    dense.dispose(); // (ArrayAdam's worker thread; DenseAdam's moments)
  }
  student.save(opt.outDir, { training: { ...opt.record, ...(objAdam ? { objective: objective.config() } : {}), steps: step } });
  rmSync(ckptDir, { recursive: true, force: true });
  objAdam?.dispose();
  return { steps: step, lastLoss };
}

/** The dropout seed of step `step` (0-based): a function of (seed, step), so a resumed run draws the same masks. */
export function dropoutSeed(seed: number, step: number): number {
  return (mulberry32((seed * 2654435761 + step) >>> 0)() * 2 ** 31) | 0;
}

/** "auto": the ONNX Runtime step for a Kona student when the runtime loads (the faster engine), else tfjs. */
export function resolveEngine(asked: TrainEngine | 'auto', student: TrainableEncoder): TrainEngine {
  if (asked !== 'auto') return asked;
  return student instanceof KonaEncoder && ortUnavailableReason() === undefined ? 'onnx' : 'tfjs';
}

/**
 * The ONNX Runtime step of a Kona student (engine "onnx") with the weights as arrays: `weights` is what the
 * step reads and ArrayAdam updates; `publish` copies updated ones back into the student's variables (so
 * checkpoints, the saved model and `onStep` see them). Other students, or no usable runtime, are errors.
 */
function onnxStep(student: TrainableEncoder): { step: KonaTrainStep; weights: Record<string, Float32Array>; publish(names: string[]): void; dispose(): void } {
  if (!(student instanceof KonaEncoder)) throw new ArgumentError('the onnx training engine supports Kona students only (OPTICAL_TRAIN_ENGINE=tfjs for others)');
  const reason = ortUnavailableReason();
  if (reason !== undefined) throw new ArgumentError(`the onnx training engine needs ONNX Runtime: ${reason}`);
  const step = new KonaTrainStep(student.cfg, { threads: ortThreads() });
  const params: KonaParams = student.params;
  const weights = paramArrays(params);
  const publish = (names: string[]) => {
    for (const k of names) tf.tidy(() => (params[k] as tf.Variable).assign(tf.tensor(weights[k]!, params[k]!.shape)));
  };
  return { step, weights, publish, dispose: () => step.dispose() };
}

/** Per-token IDF weights of both sides of the bitext (see `idf.ts`), checked against the teacher's token counts. */
function idfWeights(feats: Features[], engIds: number[][] | undefined, targets: TeacherTargets): { src: Float32Array[]; eng: Float32Array[] } {
  if (!engIds || !targets.tokens) throw new ArgumentError('IDF token weights need the teacher\'s token ids of the English side (engTokenIds) and its token states');
  if (engIds.length !== targets.tokens.length) throw new ArgumentError(`engTokenIds has ${engIds.length} sentences, the teacher targets ${targets.tokens.length}`);
  engIds.forEach((ids, i) => {
    const n = targets.tokens![i]!.length / targets.dim;
    if (ids.length !== n) throw new ArgumentError(`English sentence ${i}: ${ids.length} token ids but ${n} teacher token states`);
  });
  return { src: tokenIdfWeights(feats.map((f) => f.ids)), eng: tokenIdfWeights(engIds) };
}

type SparseTables = Record<'embeddings' | 'ngrams' | 'lexical', SparseAdam | undefined>;

function checkpoint(dir: string, student: TrainableEncoder, dense: MomentStore, tables: SparseTables, step: number, record: Record<string, unknown> | undefined, objAdam?: DenseAdam): void {
  mkdirSync(dir, { recursive: true });
  student.save(join(dir, 'model'), { training: { ...record, steps: step } });
  const t: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [k, x] of Object.entries(dense.exportMoments())) {
    t[`m.${k}`] = { dtype: 'F32', shape: x.shape, data: x.m };
    t[`v.${k}`] = { dtype: 'F32', shape: x.shape, data: x.v };
  }
  for (const [name, opt] of Object.entries(tables)) {
    if (!opt) continue;
    t[`m.${name}`] = { dtype: 'F32', shape: [opt.m.length], data: opt.m };
    t[`v.${name}`] = { dtype: 'F32', shape: [opt.v.length], data: opt.v };
  }
  for (const k of Object.keys(objAdam?.params ?? {})) {
    for (const [pre, x] of [['objective.p', objAdam!.params[k]!], ['objective.m', objAdam!.m[k]!], ['objective.v', objAdam!.v[k]!]] as const) {
      t[`${pre}.${k}`] = { dtype: 'F32', shape: x.shape, data: x.dataSync() as Float32Array };
    }
  }
  writeSafetensors(join(dir, 'optimizer.safetensors'), t);
  atomicWriteFile(join(dir, 'state.json'), JSON.stringify({ step }) + '\n');
}

function restore(dir: string, student: TrainableEncoder, dense: MomentStore, tables: SparseTables, objAdam?: DenseAdam): number {
  const { step } = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { step: number };
  student.restore(join(dir, 'model'));
  const o = readSafetensors(join(dir, 'optimizer.safetensors')).tensors;
  for (const k of Object.keys(dense.exportMoments())) dense.importMoments(k, o[`m.${k}`]!.data as Float32Array, o[`v.${k}`]!.data as Float32Array);
  for (const [name, opt] of Object.entries(tables)) {
    if (!opt) continue;
    opt.m.set(o[`m.${name}`]!.data as Float32Array);
    opt.v.set(o[`v.${name}`]!.data as Float32Array);
  }
  for (const [k, p] of Object.entries(objAdam?.params ?? {})) {
    const saved = o[`objective.p.${k}`];
    if (!saved) throw new ArgumentError(`checkpoint ${dir} has no value for the objective parameter ${k}: it was written with another objective`);
    p.assign(tf.tensor(saved.data as Float32Array, p.shape));
    objAdam!.m[k]!.dispose();
    objAdam!.v[k]!.dispose();
    objAdam!.m[k] = tf.keep(tf.tensor(o[`objective.m.${k}`]!.data as Float32Array, p.shape));
    objAdam!.v[k] = tf.keep(tf.tensor(o[`objective.v.${k}`]!.data as Float32Array, p.shape));
  }
  return step;
}
