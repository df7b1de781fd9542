/**
 * Turning solver iterates (dual potentials on the compact problem) into results on the full
 * `[N, M]` grid. Shapes: compact `[n, m]`, full `[N, M]`.
 */
import type { Compact } from './validate.ts';
import type { OTResult, Status } from './types.ts';

/** What every iterative core reports. */
export interface CoreOut {
  iterations: number;
  status: Status;
  /** Last measured marginal error (or fixed-point residual). */
  err: number;
}

export interface PlanStats {
  /** <P, C> */
  value: number;
  /** Σ P (log P − 1) */
  negEntropy: number;
  /** Σ_i |P1 − a| + Σ_j |Pᵀ1 − b| */
  marginalError: number;
  /** Σ_i P1_i, per active row `[n]` and Σ_j per active column `[m]` (scratch, valid until next call). */
  rowSum: Float64Array;
  colSum: Float64Array;
}

/**
 * Write the entropic plan `P[i, j] = exp((f_i + g_j − C_ij) / ε)` of compact problem `P` into the
 * full `[N, M]` buffer `plan` starting at `off` (untouched entries must already be 0), and return
 * its statistics.
 */
export function writeEntropicPlan(
  Pb: Compact,
  f: Float64Array,
  g: Float64Array,
  eps: number,
  plan: Float64Array,
  off: number,
): PlanStats {
  const { n, m, C, M, rowIdx, colIdx } = Pb;
  const ie = 1 / eps;
  const rowSum = new Float64Array(n);
  const colSum = new Float64Array(m);
  let value = 0;
  let negEntropy = 0;
  for (let i = 0; i < n; i++) {
    const fi = f[i] as number;
    const o = i * m;
    const po = off + (rowIdx[i] as number) * M;
    let rs = 0;
    for (let j = 0; j < m; j++) {
      const c = C[o + j] as number;
      const lp = (fi + (g[j] as number) - c) * ie;
      const p = Math.exp(lp);
      plan[po + (colIdx[j] as number)] = p;
      rs += p;
      colSum[j] = (colSum[j] as number) + p;
      value += p * c;
      if (p > 0) negEntropy += p * (lp - 1);
    }
    rowSum[i] = rs;
  }
  let err = 0;
  for (let i = 0; i < n; i++) err += Math.abs((rowSum[i] as number) - (Pb.a[i] as number));
  for (let j = 0; j < m; j++) err += Math.abs((colSum[j] as number) - (Pb.b[j] as number));
  return { value, negEntropy, marginalError: err, rowSum, colSum };
}

/** Writes a compact problem's plan into a full buffer at an offset and returns its statistics. */
export type PlanWriter = (plan: Float64Array, off: number) => PlanStats;

/** Scatter compact potentials into full-length arrays (0 elsewhere). */
export function scatter(idx: Int32Array, src: Float64Array, dst: Float64Array, off = 0): void {
  for (let k = 0; k < src.length; k++) dst[off + (idx[k] as number)] = src[k] as number;
}

/** Assemble an {@link OTResult} for a balanced entropic solve. */
export function entropicResult(
  Pb: Compact,
  f: Float64Array,
  g: Float64Array,
  eps: number,
  core: CoreOut,
  tol: number,
  method: string,
  errHistory: number[],
  write: PlanWriter = (plan, off) => writeEntropicPlan(Pb, f, g, eps, plan, off),
): OTResult {
  const plan = new Float64Array(Pb.N * Pb.M);
  const st = write(plan, 0); // may finalise f, g (kernel path): scatter after
  const F = new Float64Array(Pb.N);
  const G = new Float64Array(Pb.M);
  scatter(Pb.rowIdx, f, F);
  scatter(Pb.colIdx, g, G);
  let status = core.status;
  if (status !== 'numericalError') status = st.marginalError <= tol ? 'converged' : 'maxIter';
  return {
    plan,
    rows: Pb.N,
    cols: Pb.M,
    value: st.value,
    valueLinear: st.value,
    objective: st.value + eps * st.negEntropy,
    f: F,
    g: G,
    potentials: { f: F, g: G },
    iterations: core.iterations,
    converged: status === 'converged',
    status,
    marginalError: st.marginalError,
    errHistory,
    method,
    epsilon: eps,
  };
}
