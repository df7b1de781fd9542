/**
 * The `sinkhorn` dispatcher, the automatic choice, and the batched dispatcher.
 *
 * Shapes: cost `C` `[N, M]`, marginals `a` `[N]`, `b` `[M]`; batches `[B, N, M]`.
 */
import { ArgumentError } from '../errors.ts';
import { kernelCore, sharedWorkspace, sinkhornStabilized, writeKernelPlan, type KernelWorkspace } from './kernel.ts';
import { checkBatched, compactBatchItem, emptyBatched, logCore, sinkhornLog, storeBatchItem } from './log.ts';
import { entropicResult, type CoreOut, type PlanWriter } from './result.ts';
import { costMax, epsScalingCore, sinkhornEpsilonScaling } from './scaling.ts';
import { METHODS, type BatchedProblem, type BatchedResult, type Mat, type Method, type OTResult, type SolverOptions, type Vec } from './types.ts';
import { compactWarmStart, prepareSingle, resolveOptions, type Compact } from './validate.ts';

/** `auto` runs the plain kernel path while max(C)/ε ≤ this, ε-scaling above. */
export const AUTO_KERNEL_MAX_RATIO = 100;

/** Which concrete variant `auto` picks for a compact problem. */
export function autoMethod(Pb: Compact, eps: number, warm: boolean): Exclude<Method, 'auto'> {
  if (costMax(Pb) / eps <= AUTO_KERNEL_MAX_RATIO || warm) return 'stabilized';
  return 'epsilonScaling';
}

/** Run a variant's core; returns the core outcome and the matching plan writer. */
function runCore(
  method: Exclude<Method, 'auto'>,
  Pb: Compact,
  eps: number,
  f: Float64Array,
  g: Float64Array,
  maxIter: number,
  tol: number,
  hist: number[] | null,
  ws: KernelWorkspace,
): { core: CoreOut; write: PlanWriter | undefined } {
  const kernelWriter: PlanWriter = (plan, off) => writeKernelPlan(Pb, ws, f, g, eps, plan, off);
  switch (method) {
    case 'log':
      return { core: logCore(Pb, eps, f, g, maxIter, tol, hist), write: undefined };
    case 'stabilized':
      return { core: kernelCore(Pb, eps, f, g, maxIter, tol, hist, ws, true), write: kernelWriter };
    case 'epsilonScaling':
      return { core: epsScalingCore(Pb, eps, f, g, maxIter, tol, hist, ws, true), write: kernelWriter };
  }
}

function checkMethod(fn: string, method: unknown): Method {
  if (!(METHODS as readonly unknown[]).includes(method)) {
    throw new ArgumentError(`${fn}: unknown method '${String(method)}'; valid methods: ${METHODS.map((m) => `'${m}'`).join(', ')}`);
  }
  return method as Method;
}

/**
 * Entropic OT with an automatic choice of variant.
 *
 * Same problem as {@link sinkhornLog}. Picks {@link sinkhornStabilized} (kernel domain with
 * absorption) when max(C)/ε ≤ {@link AUTO_KERNEL_MAX_RATIO} or a warm start is given, and
 * {@link sinkhornEpsilonScaling} otherwise. Both fall back to log-domain steps if the kernel
 * underflows, so the result is always finite.
 */
export function sinkhornAuto(a: Vec, b: Vec, C: Mat, opts?: SolverOptions): OTResult {
  const fn = 'sinkhornAuto';
  const o = resolveOptions(fn, opts);
  const Pb = prepareSingle(fn, a, b, C);
  const { f, g } = compactWarmStart(fn, Pb, opts?.warmStart);
  const method = autoMethod(Pb, o.epsilon, opts?.warmStart !== undefined);
  const hist: number[] = [];
  const { core, write } = runCore(method, Pb, o.epsilon, f, g, o.maxIter, o.tol, hist, sharedWorkspace());
  return entropicResult(Pb, f, g, o.epsilon, core, o.tol, method, hist, write);
}

/**
 * Entropic optimal transport (dispatcher).
 *
 *     min_P  <P, C> + ε Σ_ij P_ij (log P_ij − 1)   s.t.  P 1 = a,  Pᵀ 1 = b,  P ≥ 0
 *
 * where
 * - `a` `[N]`, `b` `[M]`: nonnegative marginals of equal mass (zero entries allowed: their rows/columns get no mass),
 * - `C` `[N, M]`: cost, finite and ≥ 0 (flat row-major typed array / number[] or nested rows),
 * - `ε` = `opts.epsilon` (default 0.05); iterations stop when the L1 marginal violation ≤ `opts.tol` (1e-6) or after `opts.maxIter` (1000).
 *
 * `opts.method` selects the variant: `'auto'` (default, {@link sinkhornAuto}), `'stabilized'`
 * ({@link sinkhornStabilized}, kernel domain with absorption: fast), `'log'` ({@link sinkhornLog},
 * log domain: stable for any ε), `'epsilonScaling'` ({@link sinkhornEpsilonScaling}: small ε).
 * All return the same {@link OTResult}; they agree to within the tolerance when converged.
 * An unknown method throws an ArgumentError listing the valid ones.
 *
 * Choosing a variant: keep `auto` unless you need a reference (`log`) or want to pin the
 * algorithm for reproducibility.
 *
 * @example
 *   const r = sinkhorn([0.5, 0.5], [0.5, 0.5], [[0, 1], [1, 0]], { epsilon: 1 });
 *   // r.plan ≈ [0.3655, 0.1345, 0.1345, 0.3655], r.status === 'converged'
 *
 * References: see the variants; Cuturi (NeurIPS 2013), Schmitzer (SIAM J. Sci. Comput. 2019),
 * Peyré & Cuturi, Computational Optimal Transport (2019).
 */
export function sinkhorn(a: Vec, b: Vec, C: Mat, opts?: SolverOptions): OTResult {
  const method = checkMethod('sinkhorn', opts?.method ?? 'auto');
  switch (method) {
    case 'auto':
      return sinkhornAuto(a, b, C, opts);
    case 'log':
      return sinkhornLog(a, b, C, opts);
    case 'stabilized':
      return sinkhornStabilized(a, b, C, opts);
    case 'epsilonScaling':
      return sinkhornEpsilonScaling(a, b, C, opts);
  }
}

/**
 * Batched, masked entropic OT with any variant (`opts.method`, default `'auto'`, decided per
 * problem). Same contract as {@link sinkhornLogBatched}: `[B, N, M]` padded costs, optional
 * `rowLengths`/`colLengths`/`a`/`b`, per-problem early stopping, zero mass on padding; results
 * equal per-problem calls of {@link sinkhorn} with the same method.
 * `opts.warmStart` is not supported here (use per-problem calls).
 */
export function sinkhornBatched(p: BatchedProblem, opts?: SolverOptions): BatchedResult {
  const fn = 'sinkhornBatched';
  const o = resolveOptions(fn, opts);
  const method = checkMethod(fn, opts?.method ?? 'auto');
  if (opts?.warmStart !== undefined) throw new ArgumentError(`${fn}: warmStart is not supported for batches`);
  checkBatched(fn, p);
  const out = emptyBatched(p.batch, p.rows, p.cols);
  const ws = sharedWorkspace();
  for (let k = 0; k < p.batch; k++) {
    const Pb = compactBatchItem(fn, p, k);
    const f = new Float64Array(Pb.n);
    const g = new Float64Array(Pb.m);
    const mth = method === 'auto' ? autoMethod(Pb, o.epsilon, false) : method;
    const { core, write } = runCore(mth, Pb, o.epsilon, f, g, o.maxIter, o.tol, null, ws);
    storeBatchItem(out, Pb, k, f, g, o.epsilon, core.iterations, o.tol, write);
  }
  return out;
}
