/**
 * The OPTICAL objective: token-level optimal transport between the student's token states of a foreign
 * sentence and the teacher's token states of its English translation, with a choice of ground cost,
 * marginal weights (uniform, IDF, token norm) and balanced or unbalanced (KL-relaxed) transport.
 *
 * Legend: B batch, Ls student tokens (padded), Lt teacher tokens (padded), H hidden width;
 * costs and plans [B, N, M] with N = Ls, M = Lt.
 */
import { tf, type Tensor } from '../models/engine.ts';
import { batchedMatMul } from '../models/onnx/batched.ts';
import type { KonaOutput } from '../models/kona.ts';
import { sinkhornBatched, sinkhornUnbalanced } from '../ot/index.ts';
import { ArgumentError } from '../errors.ts';
import type { LossResult, Objective, TeacherBatch } from './objectives.ts';

export type OtCost = 'cosine' | 'sqeuclid';
export const OT_MARGINALS = ['uniform', 'idf', 'norm'] as const;
export type OtMarginals = (typeof OT_MARGINALS)[number];

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
  /**
   * token masses a [Ls], b [Lt] of each sentence (each sums to 1 over its real tokens):
   * - `uniform`: a_i = 1/n, b_j = 1/m (the paper's);
   * - `idf`: a_i ∝ idf(token i) with idf from the training bitext of that side (the trainer supplies the
   *   weights: `TeacherBatch.weights` and the `studentWeights` argument);
   * - `norm`: a_i ∝ ‖s_i‖, b_j ∝ ‖t_j‖ (the student's norms taken from the current states, held fixed).
   */
  marginals?: OtMarginals;
  /**
   * KL penalty τ of unbalanced OT on both marginals (`sinkhornUnbalanced`): mass may be created or destroyed
   * at price τ·KL, so unmatched tokens (function words, untranslated names) need not be transported.
   * `Infinity` (default) = balanced OT.
   */
  tau?: number;
}

export const OT_DEFAULTS: Required<OtOptions> = { cost: 'sqeuclid', epsilon: 0.05, maxIter: 200, tol: 1e-4, scale: 54 * 54, marginals: 'uniform', tau: Infinity };

/**
 * OPTICAL token-level optimal-transport distillation (Huang, Yu & Allan, WSDM 2023):
 *   C_ij = 1 − cos(s_i, t_j)           (cost "cosine", the paper's), or
 *   C_ij = ‖s_i − t_j‖² / scale        (cost "sqeuclid")                        // [B, Ls, Lt]
 *   P*   = argmin_{P ∈ U(a, b)} ⟨P, C⟩ − ε H(P)                     (balanced, τ = ∞), or
 *   P*   = argmin_{P ≥ 0} ⟨P, C⟩ − ε H(P) + τ KL(P1|a) + τ KL(Pᵀ1|b)  (unbalanced)
 *   L    = (1/B) Σ_b ⟨P*_b, C_b⟩      with P* held fixed (envelope theorem: ∂OT/∂C = P* for both forms).
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
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
    this.opts = { ...OT_DEFAULTS, ...given };
    if (!['cosine', 'sqeuclid'].includes(this.opts.cost)) throw new ArgumentError(`unknown OT cost "${this.opts.cost}" (valid: cosine, sqeuclid)`);
    if (!OT_MARGINALS.includes(this.opts.marginals)) throw new ArgumentError(`unknown OT marginals "${this.opts.marginals}" (valid: ${OT_MARGINALS.join(', ')})`);
    if (!(this.opts.tau > 0)) throw new ArgumentError(`OT tau must be > 0 (Infinity = balanced), got ${this.opts.tau}`);
  }
  get needsIdf(): boolean {
    return this.opts.marginals === 'idf';
  }
  config() {
    const { tau, ...rest } = this.opts;
    return { name: this.name, ...rest, tau: tau === Infinity ? 'balanced' : tau };
  }
  /** C [B, Ls, Lt] from student tokens s [B, Ls, H] and teacher tokens t [B, Lt, H] (the products on ONNX Runtime: onnx/batched.ts). */
  cost(s: Tensor, t: Tensor): Tensor {
    const tT = tf.transpose(t, [0, 2, 1]); // [B, H, Lt]
    if (this.opts.cost === 'cosine') {
      const sn = tf.div(s, tf.add(tf.norm(s, 'euclidean', -1, true), 1e-6));
      const tn = tf.div(tT, tf.add(tf.norm(tT, 'euclidean', 1, true), 1e-6));
      return tf.sub(1, batchedMatMul(sn, tn));
    }
    const s2 = tf.sum(tf.square(s), -1, true); // [B, Ls, 1]
    const t2 = tf.sum(tf.square(tT), 1, true); // [B, 1, Lt]
    return tf.div(tf.relu(tf.sub(tf.add(s2, t2), tf.mul(batchedMatMul(s, tT), 2))), this.opts.scale);
  }

  /**
   * Marginals a [B, Ls], b [B, Lt] (each row sums to 1 over its real tokens, 0 at padding), or undefined
   * for uniform. `studentWeights` [B, Ls] / `target.weights` [B, Lt] are the IDF weights (marginals `idf`).
   */
  marginals(student: KonaOutput, target: TeacherBatch, sLen: Int32Array, studentWeights?: Float32Array): { a?: Float64Array; b?: Float64Array } {
    const [B, N] = student.tokens.shape as [number, number, number];
    const M = target.tokens.shape[1]!;
    const m = this.opts.marginals;
    if (m === 'uniform') return {};
    let wa: Float32Array;
    let wb: Float32Array;
    if (m === 'idf') {
      if (!studentWeights || !target.weights) throw new ArgumentError('OT marginals "idf" need token IDF weights for both sides (the trainer computes them from the training bitext)');
      wa = studentWeights;
      wb = target.weights;
    } else {
      wa = tf.tidy(() => tf.norm(student.tokens, 'euclidean', -1)).dataSync() as Float32Array; // [B, Ls]
      wb = tf.tidy(() => tf.norm(target.tokens, 'euclidean', -1)).dataSync() as Float32Array; // [B, Lt]
    }
    return { a: normaliseRows(wa, B, N, sLen), b: normaliseRows(wb, B, M, target.lengths) };
  }

  /** The transport problem of a batch: cost C [B, Ls, Lt] (engine tensor) and the plan P* [B, Ls, Lt] (held fixed). */
  transport(student: KonaOutput, target: TeacherBatch, sLen: Int32Array, studentWeights?: Float32Array): { C: Tensor; plan: Float64Array; unconverged: number; a?: Float64Array; b?: Float64Array; objective?: number } {
    const C = this.cost(student.tokens, target.tokens);
    const [B, N, M] = C.shape as [number, number, number];
    const { a, b } = this.marginals(student, target, sLen, studentWeights);
    const cost = C.dataSync() as Float32Array;
    const { epsilon, maxIter, tol, tau } = this.opts;
    if (tau === Infinity) {
      const res = sinkhornBatched({ cost, batch: B, rows: N, cols: M, rowLengths: sLen, colLengths: target.lengths, a, b }, { epsilon, maxIter, tol });
      let unconverged = 0;
      for (let k = 0; k < B; k++) unconverged += res.converged[k] ? 0 : 1;
      return { C, plan: res.plan, unconverged, a, b };
    }
    const plan = new Float64Array(B * N * M);
    let unconverged = 0;
    let objective = 0;
    for (let k = 0; k < B; k++) {
      const n = sLen[k]!;
      const mk = target.lengths[k]!;
      const block = new Float64Array(n * mk);
      for (let i = 0; i < n; i++) for (let j = 0; j < mk; j++) block[i * mk + j] = cost[(k * N + i) * M + j]!;
      const ak = a ? a.subarray(k * N, k * N + n) : new Float64Array(n).fill(1 / n);
      const bk = b ? b.subarray(k * M, k * M + mk) : new Float64Array(mk).fill(1 / mk);
      const r = sinkhornUnbalanced(ak, bk, block, { epsilon, maxIter, tol, tau });
      if (!r.converged) unconverged++;
      objective += r.objective / B;
      for (let i = 0; i < n; i++) for (let j = 0; j < mk; j++) plan[(k * N + i) * M + j] = r.plan[i * mk + j]!;
    }
    return { C, plan, unconverged, a, b, objective };
  }

  loss(student: KonaOutput, target: TeacherBatch, studentLengths: Int32Array, studentWeights?: Float32Array): LossResult {
    const { C, plan, unconverged, objective } = this.transport(student, target, studentLengths, studentWeights);
    const [B, N, M] = C.shape as [number, number, number];
    const P = tf.tensor3d(Float32Array.from(plan), [B, N, M]);
    const loss = tf.div(tf.sum(tf.mul(P, C)), B);
    const parts: Record<string, number> = { ot_unconverged: unconverged };
    // Unbalanced: the logged loss <P*, C> is not the objective being descended, and can rise while the student
    // improves, because the plan keeps more mass as costs fall (ot_mass). ot_objective is the batch mean of the
    // full objective <P, C> + ε Σ P (log P − 1) + τ KL(P1|a) + τ KL(Pᵀ1|b), whose gradient in C is P* too.
    if (this.opts.tau !== Infinity) {
      parts['ot_mass'] = plan.reduce((s, x) => s + x, 0) / B;
      parts['ot_objective'] = objective!;
    }
    return { loss, parts };
  }
}

/** Rows of w [B, L] restricted to their first len[b] entries, scaled to sum 1 (uniform when the sum is 0). */
export function normaliseRows(w: Float32Array, B: number, L: number, len: Int32Array): Float64Array {
  const out = new Float64Array(B * L);
  for (let b = 0; b < B; b++) {
    const n = len[b]!;
    let s = 0;
    for (let i = 0; i < n; i++) s += Math.max(0, w[b * L + i]!);
    for (let i = 0; i < n; i++) out[b * L + i] = s > 0 ? Math.max(0, w[b * L + i]!) / s : 1 / n;
  }
  return out;
}
