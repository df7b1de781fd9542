/**
 * Loss and gradients of one (sub-)batch of a Kona student, on typed arrays in and out: what a data-parallel
 * training step computes on each core (parallel.ts), in the main thread and in the worker alike.
 *
 * Legend: B rows of this part, L padded student tokens (the whole batch's), Lt padded teacher tokens,
 *         E input-embedding width, H hidden width.
 *
 * For rows r = row0 … row0 + B − 1 of a batch of Bfull rows, with the objective's loss ℓ (a mean over the B
 * rows), it returns ℓ and ∂ℓ/∂θ, ∂ℓ/∂e [B, L, E], ∂ℓ/∂ψ [B, L, H]. The objective must be a mean of
 * per-sentence terms (`ot`, `mse` and their sums: {@link separable}), so that the whole batch's loss is
 * L = Σ_parts (B_part / Bfull) ℓ_part and its gradients are the same weighted sums.
 */
import { tf, type Tensor } from '../models/engine.ts';
import { konaForward, konaOutputDim, type KonaConfig, type KonaParams } from '../models/kona.ts';
import { CombinedObjective, MseObjective, OtObjective, type Objective, type OtOptions } from './objectives.ts';

/** The teacher side of a part, as arrays: tokens [B, Lt, H], mask [B, Lt], embedding [B, H], lengths [B]. */
export interface TeacherArrays {
  tokens: Float32Array;
  mask: Float32Array;
  embedding: Float32Array;
  lengths: Int32Array;
  Lt: number;
}

export interface PartJob {
  B: number;
  L: number;
  /** [B, L] piece ids, −1 = padding */
  ids: Int32Array;
  /** [B] real lengths */
  lengths: Int32Array;
  /** [B, L, E] */
  embeds: Float32Array;
  /** [B, L, H] lexical skip ψ, when the student has one; `skipTrains`: whether it gets a gradient */
  skip?: Float32Array;
  skipTrains: boolean;
  teacher: TeacherArrays;
  dropout: number;
  seed: number;
  rowOffset: number;
  fullBatch: number;
}

export interface PartResult {
  loss: number;
  parts: Record<string, number>;
  /** ∂ℓ/∂θ by parameter name (parameters the loss does not reach are absent) */
  grads: Record<string, Float32Array>;
  /** [B, L, E] */
  dEmbeds: Float32Array;
  /** [B, L, H] when ψ trains */
  dSkip?: Float32Array;
}

/** Whether an objective is a mean of per-sentence terms (so a batch may be split across workers). */
export function separable(o: Objective): boolean {
  if (o instanceof CombinedObjective) return o.parts.every((p) => separable(p.objective));
  return o instanceof OtObjective || o instanceof MseObjective;
}

/** Rebuild a separable objective from its `config()` (what a worker receives). */
export function objectiveFromConfig(c: Record<string, unknown>): Objective {
  if (Array.isArray(c['parts'])) {
    return new CombinedObjective((c['parts'] as Record<string, unknown>[]).map((p) => ({ objective: objectiveFromConfig(p), weight: p['weight'] as number })));
  }
  if (c['name'] === 'mse') return new MseObjective();
  if (c['name'] === 'ot') {
    // every option of the config (`tau` is written "balanced" for ∞)
    const { name: _name, tau, ...rest } = c;
    return new OtObjective({ ...(rest as OtOptions), ...(tau === undefined ? {} : { tau: tau === 'balanced' ? Infinity : (tau as number) }) });
  }
  throw new Error(`objective ${JSON.stringify(c['name'])} cannot be split across workers`);
}

/** Loss and gradients of one part (see the file header); `trainable` are the variables of `params` to differentiate. */
export function partGradients(cfg: KonaConfig, params: KonaParams, trainable: Record<string, tf.Variable>, objective: Objective, job: PartJob): PartResult {
  const { B, L } = job;
  const E = cfg.embedDim;
  const H = konaOutputDim(cfg);
  const embT = tf.tensor3d(job.embeds, [B, L, E]);
  const embVar = tf.variable(embT, true);
  const skipT = job.skip ? tf.tensor3d(job.skip, [B, L, H]) : undefined;
  const skipVar = skipT && job.skipTrains ? tf.variable(skipT, true) : undefined;
  let parts: Record<string, number> = {};
  const { value, grads } = tf.tidy(() => {
    const t = job.teacher;
    const target = { tokens: tf.tensor3d(t.tokens, [B, t.Lt, H]), mask: tf.tensor2d(t.mask, [B, t.Lt]), embedding: tf.tensor2d(t.embedding, [B, H]), lengths: t.lengths };
    const f = () => {
      const out = konaForward(params, cfg, { ids: job.ids, B, L, embeds: embVar, tokenSkip: skipVar ?? skipT }, { dropout: job.dropout, seed: job.seed, rowOffset: job.rowOffset, fullBatch: job.fullBatch });
      const r = objective.loss(out, target, job.lengths);
      parts = r.parts;
      return r.loss as tf.Scalar;
    };
    return tf.variableGrads(f, [embVar, ...(skipVar ? [skipVar] : []), ...Object.values(trainable)]);
  });
  const out: PartResult = { loss: value.dataSync()[0]!, parts, grads: {}, dEmbeds: grads[embVar.name]!.dataSync() as Float32Array };
  if (skipVar && grads[skipVar.name]) out.dSkip = grads[skipVar.name]!.dataSync() as Float32Array;
  for (const [k, v] of Object.entries(trainable)) if (grads[v.name]) out.grads[k] = grads[v.name]!.dataSync() as Float32Array;
  value.dispose();
  Object.values(grads).forEach((g: Tensor) => g.dispose());
  embVar.dispose();
  embT.dispose();
  skipVar?.dispose();
  skipT?.dispose();
  return out;
}
