/**
 * Gradients of optimal-transport values, read off a solved {@link OTResult} (no extra solve).
 *
 * Shapes: cost gradient `[N, M]` (= plan), marginal gradients `[N]`, `[M]`.
 */
import type { OTResult } from './types.ts';

/** Gradients of an OT value; see {@link otGradients}. */
export interface OTGradients {
  /** ∂W/∂C `[N, M]` = the plan. */
  cost: Float64Array;
  /** ∂W/∂a `[N]` = f, centred to mean 0 over the rows with positive mass (0 on zero-mass rows). */
  a: Float64Array;
  /** ∂W/∂b `[M]` = g, centred likewise. */
  b: Float64Array;
}

function centred(x: Float64Array, support: Float64Array | null): Float64Array {
  // mean over the entries with a nonzero plan row/column (the others are reported as 0 by the solvers)
  const out = new Float64Array(x.length);
  let s = 0;
  let k = 0;
  for (let i = 0; i < x.length; i++) {
    if (support === null || (support[i] as number) > 0) {
      s += x[i] as number;
      k++;
    }
  }
  const mean = k > 0 ? s / k : 0;
  for (let i = 0; i < x.length; i++) out[i] = support === null || (support[i] as number) > 0 ? (x[i] as number) - mean : 0;
  return out;
}

/**
 * Gradients of the optimal value of the problem a result solved (envelope theorem):
 *
 *     ∂W/∂C_ij = P_ij,     ∂W/∂a_i = f_i,     ∂W/∂b_j = g_j
 *
 * where W is `result.objective`:
 * - entropic OT: `W(a, b, C) = min_P <P, C> + ε Σ P (log P − 1)` over `P1 = a`, `Pᵀ1 = b`, whose
 *   dual is `max <a, f> + <b, g> − ε Σ_ij exp((f_i + g_j − C_ij)/ε)`; W is smooth and these are
 *   exact gradients at convergence (error O(marginalError));
 * - exact OT (`emd`): `W = min <P, C>`, a linear program; the formulas give a supergradient /
 *   the gradient wherever the optimal plan and duals are unique;
 * - unbalanced OT: the same formulas hold for its objective (∂W/∂a_i = τ_a (1 − e^{−f_i/τ_a}) is
 *   not covered here; use the plan for ∂W/∂C only).
 *
 * Marginal gradients are defined up to an additive constant when a and b are constrained to have
 * equal mass (only mass-preserving perturbations are admissible); they are returned centred
 * (mean 0 over rows/columns with positive mass), as POT does for `ot.emd2`. Zero-mass rows and
 * columns get 0 (the entropic derivative there is −∞).
 *
 * Note: `value = <P, C>` (the linear cost) is *not* W for ε > 0; its gradient differs from the
 * plan by O(ε) terms. Differentiate `objective`, or use small ε.
 *
 * @example
 *   const r = sinkhorn(a, b, C); const { cost: dC, a: da } = otGradients(r);
 *   // W(C + δ) ≈ r.objective + Σ dC ⊙ δ
 */
export function otGradients(result: OTResult): OTGradients {
  const { plan, rows: N, cols: M } = result;
  const rs = new Float64Array(N);
  const cs = new Float64Array(M);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      const p = plan[i * M + j] as number;
      rs[i] = (rs[i] as number) + p;
      cs[j] = (cs[j] as number) + p;
    }
  }
  return { cost: plan, a: centred(result.f, rs), b: centred(result.g, cs) };
}
