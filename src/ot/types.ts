/**
 * Shared types and defaults of the OT solvers.
 *
 * Shape legend (same as the rest of optical): `[N, M]` for one cost matrix or plan (N source
 * points, M target points, row-major), `[B, N, M]` for a padded batch of B such problems.
 * Marginals are `a` `[N]` (rows) and `b` `[M]` (columns). Dual potentials `f` `[N]`, `g` `[M]`
 * follow POT's log-domain convention: the entropic plan is `P[i, j] = exp((f[i] + g[j] - C[i, j]) / ε)`.
 */

/** Any dense real vector accepted as input; float32 and float64 are both read as float64. */
export type Vec = Float32Array | Float64Array | readonly number[];

/** A cost matrix `[N, M]`: flat row-major (typed array or number[]) or nested rows. */
export type Mat = Vec | readonly (readonly number[])[];

/** Outcome of a solver run. `maxIter`: stopped before reaching `tol`; `numericalError`: a NaN/Inf appeared and the last finite iterates were returned. */
export type Status = 'converged' | 'maxIter' | 'numericalError';

/** Solver names accepted by the {@link sinkhorn} dispatcher (see "Choosing a variant" in README.md). */
export const METHODS = ['auto', 'log', 'stabilized', 'epsilonScaling'] as const;
export type Method = (typeof METHODS)[number];

/** Warm start: dual potentials in cost units, `f` `[N]`, `g` `[M]` (e.g. `potentials` of an earlier result). */
export interface WarmStart {
  f: Vec;
  g: Vec;
}

/**
 * Options shared by every entropic solver. One object, one set of names, one set of defaults
 * ({@link DEFAULTS}).
 */
export interface SolverOptions {
  /** Entropic regularisation ε > 0, in cost units. Default 0.05. */
  epsilon?: number;
  /** Iteration cap (one iteration = one row update + one column update). Default 1000. */
  maxIter?: number;
  /** Stop when the L1 marginal violation `Σ_i |P1 - a|_i + Σ_j |Pᵀ1 - b|_j` ≤ tol. Default 1e-6. */
  tol?: number;
  /** Initial dual potentials (cost units); default zeros. */
  warmStart?: WarmStart;
  /** Dispatcher only: which variant {@link sinkhorn} runs. Default 'auto'. */
  method?: Method;
}

/** Default values of {@link SolverOptions}. */
export const DEFAULTS = Object.freeze({ epsilon: 0.05, maxIter: 1000, tol: 1e-6, method: 'auto' as Method });

/**
 * Result of every single-problem solver (entropic, unbalanced and exact). No option changes this
 * type.
 */
export interface OTResult {
  /** Transport plan `[N, M]`, row-major; exactly 0 on rows/columns whose mass is 0. */
  plan: Float64Array;
  rows: number;
  cols: number;
  /** Linear transport cost `<P, C> = Σ_ij P[i, j] C[i, j]` of the returned plan. */
  value: number;
  /** Same number as `value` (POT's `value_linear`); kept so code written against `ot.solve` reads naturally. */
  valueLinear: number;
  /**
   * Value of the optimised objective at the returned plan: for entropic OT
   * `<P, C> + ε Σ_ij P_ij (log P_ij − 1)` (whose gradients are the plan and the potentials, see
   * `gradients.ts`); for unbalanced OT the KL-relaxed objective; for exact OT `value`.
   */
  objective: number;
  /** Dual potentials `[N]`, `[M]` in cost units; 0 on zero-mass rows/columns. */
  f: Float64Array;
  g: Float64Array;
  /** The same arrays as `f` and `g` (style: `potentials: {f, g}`). */
  potentials: { f: Float64Array; g: Float64Array };
  iterations: number;
  converged: boolean;
  status: Status;
  /** L1 marginal violation of the returned plan (unbalanced: of its first-order conditions, see there). */
  marginalError: number;
  /** Marginal error measured at each convergence check, in order. */
  errHistory: number[];
  /** The variant that produced the result (after 'auto' resolution), e.g. 'log'. */
  method: string;
  /** ε used (0 for exact OT). */
  epsilon: number;
}

/** A padded batch of B problems; see {@link sinkhornLogBatched}. */
export interface BatchedProblem {
  /** Costs `[B, N, M]`, row-major, padded. Only the valid `[n_b, m_b]` block of each problem is read. */
  cost: Float32Array | Float64Array;
  /** B */
  batch: number;
  /** N (padded row count) */
  rows: number;
  /** M (padded column count) */
  cols: number;
  /** `[B]` valid rows n_b ≤ N per problem (default N). */
  rowLengths?: Int32Array;
  /** `[B]` valid columns m_b ≤ M per problem (default M). */
  colLengths?: Int32Array;
  /** `[B, N]` row marginals (default uniform 1/n_b on valid rows); padding ignored. */
  a?: Float32Array | Float64Array;
  /** `[B, M]` column marginals (default uniform 1/m_b); padding ignored. */
  b?: Float32Array | Float64Array;
}

/** Batched result; all arrays padded like the input, exactly 0 on padding. */
export interface BatchedResult {
  /** `[B, N, M]` */
  plan: Float64Array;
  /** `[B]` linear cost `<P_b, C_b>` of each entropic plan. */
  value: Float64Array;
  /** `[B, N]` dual potentials (cost units), 0 at padding. */
  f: Float64Array;
  /** `[B, M]` */
  g: Float64Array;
  /** `[B]` */
  iterations: Int32Array;
  /** `[B]` 1 if marginalError ≤ tol. */
  converged: Uint8Array;
  /** `[B]` L1 marginal violation of each returned plan. */
  marginalError: Float64Array;
}
