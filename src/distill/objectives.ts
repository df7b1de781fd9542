/**
 * Distillation objectives: how a student's outputs on foreign sentences are pulled towards the teacher's
 * outputs on their English translations. Each objective is an object built with its options; the trainer
 * calls `loss(student, target)` inside a gradient tape.
 *
 * Legend: B batch, Ls student tokens (padded), Lt teacher tokens (padded), H hidden width (512).
 *
 * Inputs (every objective):
 *   student: KonaOutput of the student on the foreign side — tokens [B, Ls, H], mask [B, Ls], embedding [B, H]
 *   target:  TeacherBatch — the teacher's tokens [B, Lt, H] + mask, and sentence embeddings [B, H]
 */
import { tf, type Tensor } from '../models/engine.ts';
import type { KonaOutput } from '../models/kona.ts';
import { ArgumentError } from '../errors.ts';
import { OtObjective, type OtOptions } from './objectives-ot.ts';

export { OtObjective, OT_MARGINALS, OT_DEFAULTS, type OtCost, type OtMarginals, type OtOptions } from './objectives-ot.ts';

export interface TeacherBatch {
  /** [B, Lt, H] teacher token states (0 at padding) */
  tokens: Tensor;
  /** [B, Lt] */
  mask: Tensor;
  /** [B, H] L2-normalised teacher sentence embeddings */
  embedding: Tensor;
  /** per-sentence real token counts, for the OT marginals */
  lengths: Int32Array;
  /** [B, Lt] per-token IDF weights of the English side (only for objectives with `needsIdf`) */
  weights?: Float32Array;
}

export interface LossResult {
  loss: Tensor;
  /** scalar parts for the log (computed without gradient) */
  parts: Record<string, number>;
}

export interface Objective {
  readonly name: string;
  readonly citation: string;
  config(): Record<string, unknown>;
  /** Whether this objective needs the teacher's token states (else only sentence embeddings are cached). */
  readonly needsTokens: boolean;
  /** Whether it needs per-token IDF weights of both sides (`TeacherBatch.weights`, `studentWeights`). */
  readonly needsIdf?: boolean;
  /**
   * The objective's own trainable parameters (e.g. a log-temperature), by name; the trainer optimises them
   * with the student (Adam, no weight decay, learning rate `objectiveLr`) and checkpoints them.
   */
  params?(): Record<string, tf.Variable>;
  /** `studentWeights` [B, Ls]: per-token IDF weights of the foreign side (only with `needsIdf`). */
  loss(student: KonaOutput, target: TeacherBatch, studentLengths: Int32Array, studentWeights?: Float32Array): LossResult;
}

/**
 * Sentence-level knowledge distillation (Reimers & Gurevych 2020):
 *   L = (1/B) Σ_b ‖ŝ_b − t̂_b‖²
 * with ŝ, t̂ the L2-normalised sentence embeddings (so L = (1/B) Σ 2 − 2 cos(ŝ_b, t̂_b)).
 */
export class MseObjective implements Objective {
  readonly name = 'mse';
  readonly citation = 'Reimers & Gurevych, Making Monolingual Sentence Embeddings Multilingual using Knowledge Distillation, EMNLP 2020';
  readonly needsTokens = false;
  config() {
    return { name: this.name };
  }
  loss(student: KonaOutput, target: TeacherBatch, _lengths?: Int32Array): LossResult {
    const loss = tf.mean(tf.sum(tf.square(tf.sub(student.embedding, target.embedding)), 1));
    return { loss, parts: {} };
  }
}

/** Smallest temperature a learnable τ may reach (CLIP clamps its logit scale at 100). */
export const MIN_TEMPERATURE = 0.01;
let contrastiveIds = 0;

/**
 * Symmetric InfoNCE over in-batch negatives (CLIP-style; Oord et al. 2018, Radford et al. 2021):
 *   S = ŝ t̂ᵀ / τ                                    // [B, B]
 *   L = ½ [CE(S, I) + CE(Sᵀ, I)]                    // the diagonal is the positive
 * τ fixed (default 0.05), or learnable: τ = max(exp(θ), 0.01) with θ = log τ a scalar parameter trained
 * with the student (clamped like CLIP's logit scale). With G = ŝ t̂ᵀ and S = G e^{−θ}, ∂S/∂θ = −S, so
 *   ∂L/∂θ = −Σ_ij S_ij ∂L/∂S_ij,   ∂L/∂S = (1/2B) [(softmax_rows(S) − I) + (softmax_cols(S) − I)]:
 * θ grows (τ rises) when the batch is too sharp for its positives, and falls while positives dominate.
 */
export class ContrastiveObjective implements Objective {
  readonly name = 'contrastive';
  readonly citation = 'Oord et al., Representation Learning with Contrastive Predictive Coding, 2018; Radford et al., CLIP, ICML 2021';
  readonly needsTokens = false;
  /** θ = log τ (only when learnable) */
  readonly logTemperature?: tf.Variable;
  constructor(
    readonly initialTemperature = 0.05,
    readonly learnable = false,
  ) {
    if (!(initialTemperature >= MIN_TEMPERATURE)) throw new ArgumentError(`contrastive temperature must be ≥ ${MIN_TEMPERATURE}, got ${initialTemperature}`);
    if (learnable) this.logTemperature = tf.variable(tf.scalar(Math.log(initialTemperature)), true, `optical/objective/logTemperature/${contrastiveIds++}`);
  }
  /** The current τ. */
  get temperature(): number {
    return this.logTemperature ? Math.max(MIN_TEMPERATURE, Math.exp(this.logTemperature.dataSync()[0]!)) : this.initialTemperature;
  }
  params(): Record<string, tf.Variable> {
    return this.logTemperature ? { 'contrastive.logTemperature': this.logTemperature } : {};
  }
  config() {
    return { name: this.name, temperature: this.temperature, learnable: this.learnable, ...(this.learnable ? { initialTemperature: this.initialTemperature } : {}) };
  }
  loss(student: KonaOutput, target: TeacherBatch, _lengths?: Int32Array): LossResult {
    const B = student.embedding.shape[0]!;
    const sim = tf.matMul(student.embedding, tf.transpose(target.embedding)); // [B, B]
    const invTau = this.logTemperature ? tf.exp(tf.neg(tf.maximum(this.logTemperature, Math.log(MIN_TEMPERATURE)))) : tf.scalar(1 / this.initialTemperature);
    const logits = tf.mul(sim, invTau);
    const labels = tf.oneHot(tf.range(0, B, 1, 'int32'), B);
    const l1 = tf.losses.softmaxCrossEntropy(labels, logits);
    const l2 = tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits));
    return { loss: tf.mul(tf.add(l1, l2), 0.5), parts: this.logTemperature ? { temperature: this.temperature } : {} };
  }
}

/** Weighted sum Σ_k w_k L_k of objectives (e.g. `ot+mse`). */
export class CombinedObjective implements Objective {
  readonly name: string;
  readonly citation: string;
  readonly needsTokens: boolean;
  readonly needsIdf: boolean;
  constructor(readonly parts: { objective: Objective; weight: number }[]) {
    this.name = parts.map((p) => p.objective.name).join('+');
    this.citation = parts.map((p) => p.objective.citation).join('; ');
    this.needsTokens = parts.some((p) => p.objective.needsTokens);
    this.needsIdf = parts.some((p) => p.objective.needsIdf);
  }
  params(): Record<string, tf.Variable> {
    return Object.assign({}, ...this.parts.map((p) => p.objective.params?.() ?? {}));
  }
  config() {
    return { name: this.name, parts: this.parts.map((p) => ({ weight: p.weight, ...p.objective.config() })) };
  }
  loss(student: KonaOutput, target: TeacherBatch, lengths: Int32Array, studentWeights?: Float32Array): LossResult {
    let total: Tensor | undefined;
    const parts: Record<string, number> = {};
    for (const { objective, weight } of this.parts) {
      const r = objective.loss(student, target, lengths, studentWeights);
      parts[objective.name] = r.loss.dataSync()[0]!;
      Object.assign(parts, r.parts);
      const w = tf.mul(r.loss, weight);
      total = total ? tf.add(total, w) : w;
    }
    return { loss: total!, parts };
  }
}

export const OBJECTIVES = ['mse', 'ot', 'contrastive', 'ot+mse', 'ot+contrastive', 'mse+contrastive'] as const;
export type ObjectiveName = (typeof OBJECTIVES)[number];

/** Build an objective from its CLI name (`ot`, `mse`, `contrastive`, or a `+`-joined combination). */
export interface ObjectiveOptions {
  ot?: OtOptions;
  /** contrastive temperature (the initial one when learnable) */
  temperature?: number;
  /** learn the contrastive temperature (log τ trained with the student) */
  learnTemperature?: boolean;
  /** weights of a combination's parts by name (default 1 each) */
  weights?: Record<string, number>;
}

export function makeObjective(name: string, opts: ObjectiveOptions = {}): Objective {
  const one = (n: string): Objective => {
    if (n === 'mse') return new MseObjective();
    if (n === 'ot') return new OtObjective(opts.ot);
    if (n === 'contrastive') return new ContrastiveObjective(opts.temperature, opts.learnTemperature ?? false);
    throw new ArgumentError(`unknown objective "${n}" (valid: ${OBJECTIVES.join(', ')})`);
  };
  const names = name.split('+');
  if (names.length === 1) return one(name);
  return new CombinedObjective(names.map((n) => ({ objective: one(n), weight: opts.weights?.[n] ?? 1 })));
}
