/**
 * ε-scaling: solve a sequence of entropic problems with decreasing ε, each warm-started from the
 * potentials of the previous one.
 *
 * Shapes: cost `C` `[N, M]`, marginals `a` `[N]`, `b` `[M]`, potentials `f` `[N]`, `g` `[M]`.
 */
import { kernelCore, sharedWorkspace, writeKernelPlan, type KernelWorkspace } from './kernel.ts';
import { entropicResult, type CoreOut } from './result.ts';
import { compactWarmStart, prepareSingle, resolveOptions, type Compact } from './validate.ts';
import type { Mat, OTResult, SolverOptions, Vec } from './types.ts';

/** Ratio between successive ε of the schedule. */
export const EPS_DECAY = 0.25;
/** Intermediate stages stop at this relative marginal error (or at the final tol, whichever is larger). */
export const STAGE_RTOL = 1e-2;

/** Largest cost entry of a compact problem. */
export function costMax(Pb: Compact): number {
  let mx = 0;
  const C = Pb.C;
  for (let k = 0; k < C.length; k++) if ((C[k] as number) > mx) mx = C[k] as number;
  return mx;
}

/**
 * ε schedule from `start` down to `eps`: `start, start·θ, start·θ², …, eps` (θ = {@link EPS_DECAY}).
 * Returns just `[eps]` when `start ≤ eps`.
 */
export function epsilonSchedule(start: number, eps: number, decay = EPS_DECAY): number[] {
  const out: number[] = [];
  for (let e = start; e > eps; e *= decay) out.push(e);
  out.push(eps);
  return out;
}

/**
 * ε-scaling core on a compact problem: kernel-domain stages (with absorption, see `kernel.ts`)
 * along {@link epsilonSchedule}(max C / 2, ε). `maxIter` bounds the total over all stages;
 * intermediate stages stop at a marginal error of `max(tol, STAGE_RTOL · mass)`.
 */
export function epsScalingCore(
  Pb: Compact,
  eps: number,
  f: Float64Array,
  g: Float64Array,
  maxIter: number,
  tol: number,
  hist: number[] | null,
  ws: KernelWorkspace = sharedWorkspace(),
  keepScalings = false,
): CoreOut {
  const sched = epsilonSchedule(costMax(Pb) / 2, eps);
  let used = 0;
  const stageTol = Math.max(tol, STAGE_RTOL * Pb.mass);
  for (let s = 0; s < sched.length - 1; s++) {
    // keep at least half of the budget for the final stage
    const budget = Math.max(1, Math.floor((maxIter - used) / 2 / (sched.length - s)));
    if (maxIter - used <= 1) break;
    const r = kernelCore(Pb, sched[s] as number, f, g, budget, stageTol, null, ws);
    used += r.iterations;
    if (r.status === 'numericalError') return { ...r, iterations: used };
  }
  const r = kernelCore(Pb, eps, f, g, Math.max(1, maxIter - used), tol, hist, ws, keepScalings);
  return { iterations: used + r.iterations, status: r.status, err: r.err };
}

/**
 * Sinkhorn with ε-scaling (annealing of the regularisation with warm starts).
 *
 * Solves the same problem as {@link sinkhornLog}:
 *
 *     min_P  <P, C> + ε Σ_ij P_ij (log P_ij − 1)   s.t.  P 1 = a,  Pᵀ 1 = b
 *
 * where `C` `[N, M]` is the cost, `a` `[N]`, `b` `[M]` the marginals, ε the target
 * regularisation. It first solves loosely for ε_0 = max(C)/2, then for ε_k = ε_0 θ^k
 * (θ = {@link EPS_DECAY}) until ε, each stage warm-started from the previous potentials, which
 * are a good initialisation since the potentials depend continuously on ε. Inner solver:
 * kernel-domain with absorption ({@link sinkhornStabilized}); warm potentials keep the kernel
 * from underflowing, so small ε (1e-3 with costs in [0, 2]) stays finite and fast.
 * `maxIter` counts all iterations of all stages.
 *
 * Choosing a variant: for small ε relative to the cost range, where plain Sinkhorn needs many
 * iterations; `auto` uses it when max(C)/ε is large.
 *
 * References:
 * 1. B. Schmitzer. Stabilized sparse scaling algorithms for entropy regularized transport problems. SIAM J. Sci. Comput. 41(3), 2019 (§3.2, ε-scaling).
 * 2. J. Feydy. Geometric data analysis, beyond convolutions. PhD thesis, 2020 (§3.3.3).
 * 3. POT `ot.bregman.sinkhorn_epsilon_scaling`.
 */
export function sinkhornEpsilonScaling(a: Vec, b: Vec, C: Mat, opts?: SolverOptions): OTResult {
  const fn = 'sinkhornEpsilonScaling';
  const o = resolveOptions(fn, opts);
  const Pb = prepareSingle(fn, a, b, C);
  const { f, g } = compactWarmStart(fn, Pb, opts?.warmStart);
  const hist: number[] = [];
  const ws = sharedWorkspace();
  const core = epsScalingCore(Pb, o.epsilon, f, g, o.maxIter, o.tol, hist, ws, true);
  return entropicResult(Pb, f, g, o.epsilon, core, o.tol, 'epsilonScaling', hist, (plan, off) => writeKernelPlan(Pb, ws, f, g, o.epsilon, plan, off));
}
