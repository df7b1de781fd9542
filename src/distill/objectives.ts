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
import { tf, bmm, type Tensor } from '../models/engine.ts';
import type { KonaOutput } from '../models/kona.ts';
import { sinkhornBatched } from '../ot/index.ts';
import { ArgumentError } from '../errors.ts';

export interface TeacherBatch {
  /** [B, Lt, H] teacher token states (0 at padding) */
  tokens: Tensor;
  /** [B, Lt] */
  mask: Tensor;
  /** [B, H] L2-normalised teacher sentence embeddings */
  embedding: Tensor;
  /** per-sentence real token counts, for the OT marginals */
  lengths: Int32Array;
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
  loss(student: KonaOutput, target: TeacherBatch, studentLengths: Int32Array): LossResult;
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

/**
 * Symmetric InfoNCE over in-batch negatives (CLIP-style; Oord et al. 2018, Radford et al. 2021):
 *   S = ŝ t̂ᵀ / τ                                    // [B, B]
 *   L = ½ [CE(S, I) + CE(Sᵀ, I)]                    // the diagonal is the positive
 * τ fixed (default 0.05).
 */
export class ContrastiveObjective implements Objective {
  readonly name = 'contrastive';
  readonly citation = 'Oord et al., Representation Learning with Contrastive Predictive Coding, 2018; Radford et al., CLIP, ICML 2021';
  readonly needsTokens = false;
  constructor(readonly temperature = 0.05) {}
  config() {
    return { name: this.name, temperature: this.temperature };
  }
  loss(student: KonaOutput, target: TeacherBatch, _lengths?: Int32Array): LossResult {
    const B = student.embedding.shape[0]!;
    const logits = tf.div(tf.matMul(student.embedding, tf.transpose(target.embedding)), this.temperature); // [B, B]
    const labels = tf.oneHot(tf.range(0, B, 1, 'int32'), B);
    const l1 = tf.losses.softmaxCrossEntropy(labels, logits);
    const l2 = tf.losses.softmaxCrossEntropy(labels, tf.transpose(logits));
    return { loss: tf.mul(tf.add(l1, l2), 0.5), parts: {} };
  }
}

export type OtCost = 'cosine' | 'sqeuclid';

export interface OtOptions {
  /** ground cost between a student token s_i and a teacher token t_j */
  cost?: OtCost;
  /** entropic regularisation ε, relative to a cost in [0, ~2] */
  epsilon?: number;
  maxIter?: number;
  tol?: number;
  /**
   * scale of the squared-Euclidean cost: C_ij = ‖s_i − t_j‖² / scale. Default 54² ≈ 2916, the teacher's mean
   * squared token norm, so costs are O(1) like the cosine cost.
   */
  scale?: number;
}

/**
 * OPTICAL token-level optimal-transport distillation (Huang, Yu & Allan, WSDM 2023):
 *   C_ij = 1 − cos(s_i, t_j)           (cost "cosine", the paper's), or
 *   C_ij = ‖s_i − t_j‖² / scale        (cost "sqeuclid")                        // [B, Ls, Lt]
 *   P*   = argmin_{P ∈ U(a, b)} ⟨P, C⟩ − ε H(P)   (batched Sinkhorn, a, b uniform over real tokens)
 *   L    = (1/B) Σ_b ⟨P*_b, C_b⟩      with P* held fixed (envelope theorem: ∂OT_ε/∂C = P*).
 * Why "sqeuclid": with uniform marginals, mean(s) − mean(t) = Σ_ij P_ij (s_i − t_j) for any coupling P,
 * so by Jensen ‖mean(s) − mean(t)‖² ≤ Σ_ij P_ij ‖s_i − t_j‖²: the OT value bounds the distance between the
 * mean-pooled vectors the teacher's sentence embedding is computed from, and it keeps token scale in
 * check, which the cosine cost ignores.
 */
export class OtObjective implements Objective {
  readonly name = 'ot';
  readonly citation = 'Huang, Yu & Allan, Improving Cross-lingual Information Retrieval on Low-Resource Languages via Optimal Transport Distillation, WSDM 2023';
  readonly needsTokens = true;
  readonly opts: Required<OtOptions>;
  constructor(opts: OtOptions = {}) {
    this.opts = { cost: 'sqeuclid', epsilon: 0.05, maxIter: 200, tol: 1e-4, scale: 54 * 54, ...opts };
    if (!['cosine', 'sqeuclid'].includes(this.opts.cost)) throw new ArgumentError(`unknown OT cost "${this.opts.cost}" (valid: cosine, sqeuclid)`);
  }
  config() {
    return { name: this.name, ...this.opts };
  }
  /** C [B, Ls, Lt] from student tokens s [B, Ls, H] and teacher tokens t [B, Lt, H]. */
  cost(s: Tensor, t: Tensor): Tensor {
    const tT = tf.transpose(t, [0, 2, 1]); // [B, H, Lt]
    if (this.opts.cost === 'cosine') {
      const sn = tf.div(s, tf.add(tf.norm(s, 'euclidean', -1, true), 1e-6));
      const tn = tf.div(tT, tf.add(tf.norm(tT, 'euclidean', 1, true), 1e-6));
      return tf.sub(1, bmm(sn, tn));
    }
    const s2 = tf.sum(tf.square(s), -1, true); // [B, Ls, 1]
    const t2 = tf.sum(tf.square(tT), 1, true); // [B, 1, Lt]
    return tf.div(tf.relu(tf.sub(tf.add(s2, t2), tf.mul(bmm(s, tT), 2))), this.opts.scale);
  }
  loss(student: KonaOutput, target: TeacherBatch, studentLengths: Int32Array): LossResult {
    const C = this.cost(student.tokens, target.tokens); // [B, Ls, Lt]
    const [B, N, M] = C.shape as [number, number, number];
    const res = sinkhornBatched(
      { cost: C.dataSync() as Float32Array, batch: B, rows: N, cols: M, rowLengths: studentLengths, colLengths: target.lengths },
      { epsilon: this.opts.epsilon, maxIter: this.opts.maxIter, tol: this.opts.tol },
    );
    const plan = tf.tensor3d(Float32Array.from(res.plan), [B, N, M]);
    const loss = tf.div(tf.sum(tf.mul(plan, C)), B);
    let unconverged = 0;
    for (let b = 0; b < B; b++) unconverged += res.converged[b] ? 0 : 1;
    return { loss, parts: { ot_unconverged: unconverged } };
  }
}

/** Weighted sum Σ_k w_k L_k of objectives (e.g. `ot+mse`). */
export class CombinedObjective implements Objective {
  readonly name: string;
  readonly citation: string;
  readonly needsTokens: boolean;
  constructor(readonly parts: { objective: Objective; weight: number }[]) {
    this.name = parts.map((p) => p.objective.name).join('+');
    this.citation = parts.map((p) => p.objective.citation).join('; ');
    this.needsTokens = parts.some((p) => p.objective.needsTokens);
  }
  config() {
    return { name: this.name, parts: this.parts.map((p) => ({ weight: p.weight, ...p.objective.config() })) };
  }
  loss(student: KonaOutput, target: TeacherBatch, lengths: Int32Array): LossResult {
    let total: Tensor | undefined;
    const parts: Record<string, number> = {};
    for (const { objective, weight } of this.parts) {
      const r = objective.loss(student, target, lengths);
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
export function makeObjective(name: string, opts: { ot?: OtOptions; temperature?: number; weights?: Record<string, number> } = {}): Objective {
  const one = (n: string): Objective => {
    if (n === 'mse') return new MseObjective();
    if (n === 'ot') return new OtObjective(opts.ot);
    if (n === 'contrastive') return new ContrastiveObjective(opts.temperature);
    throw new ArgumentError(`unknown objective "${n}" (valid: ${OBJECTIVES.join(', ')})`);
  };
  const names = name.split('+');
  if (names.length === 1) return one(name);
  return new CombinedObjective(names.map((n) => ({ objective: one(n), weight: opts.weights?.[n] ?? 1 })));
}
