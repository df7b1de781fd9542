/**
 * Unbalanced entropic OT with KL-relaxed marginals (log domain).
 *
 * Shapes: cost `C` `[N, M]`, marginals `a` `[N]`, `b` `[M]` (any positive masses), potentials
 * `f` `[N]`, `g` `[M]`, plan `[N, M]`.
 */
import { ArgumentError } from '../errors.ts';
import { scatter, writeEntropicPlan, type CoreOut } from './result.ts';
import { compactWarmStart, prepareSingle, resolveOptions, type Compact } from './validate.ts';
import type { Mat, OTResult, SolverOptions, Vec } from './types.ts';

/** Options of {@link sinkhornUnbalanced}: the shared ones plus the marginal relaxations. */
export interface UnbalancedOptions extends SolverOptions {
  /** KL penalty τ_a > 0 on the row marginal (Infinity = hard constraint). Default `tau`. */
  tauA?: number;
  /** KL penalty τ_b > 0 on the column marginal (Infinity = hard constraint). Default `tau`. */
  tauB?: number;
  /** Default for both τ_a and τ_b. Default 1. */
  tau?: number;
}

/** KL(x | y) = Σ x log(x/y) − x + y (generalised KL between nonnegative vectors). */
function kl(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const xi = x[i] as number;
    const yi = y[i] as number;
    s += (xi > 0 ? xi * Math.log(xi / yi) : 0) - xi + yi;
  }
  return s;
}

/**
 * Log-domain iterations for unbalanced OT on a compact problem, in place on `f`, `g`.
 * Row step `f_i ← ρ_a (ε log a_i − ε LSE_j((g_j − C_ij)/ε))` with `ρ_a = τ_a/(τ_a + ε)`, column
 * step likewise. Convergence is measured by the first-order residual
 * `Σ_i |r_i − a_i e^{−f_i/τ_a}|` (r = row sums of the current plan; the column condition holds
 * exactly after each column step), which reduces to the balanced marginal error as τ → ∞.
 * Each iteration ends with the translation-invariant step of Séjourné et al. (2022): the optimal
 * shift (f + λ, g − λ) of the dual, in closed form, which keeps large τ from converging slowly.
 */
export function unbalancedCore(
  Pb: Compact,
  eps: number,
  tauA: number,
  tauB: number,
  f: Float64Array,
  g: Float64Array,
  maxIter: number,
  tol: number,
  hist: number[] | null,
): CoreOut {
  const { n, m, C, a, b } = Pb;
  const ie = 1 / eps;
  const rhoA = tauA === Infinity ? 1 : tauA / (tauA + eps);
  const rhoB = tauB === Infinity ? 1 : tauB / (tauB + eps);
  const itA = tauA === Infinity ? 0 : 1 / tauA;
  const loga = new Float64Array(n);
  const logb = new Float64Array(m);
  for (let i = 0; i < n; i++) loga[i] = eps * Math.log(a[i] as number);
  for (let j = 0; j < m; j++) logb[j] = eps * Math.log(b[j] as number);
  const fNew = new Float64Array(n);
  const cMax = new Float64Array(m);
  const cSum = new Float64Array(m);
  const itB = tauB === Infinity ? 0 : 1 / tauB;
  // translation step (see below) only when at least one side is relaxed
  const shiftScale = itA + itB > 0 ? 1 / (itA + itB) : 0;
  let colRes = Infinity; // column residual of the current plan (exact 0 right after a column step)
  let err = Infinity;
  let it = 0;
  let status: CoreOut['status'] = 'maxIter';
  for (it = 0; it < maxIter; it++) {
    err = 0;
    for (let i = 0; i < n; i++) {
      const o = i * m;
      let mx = -Infinity;
      for (let j = 0; j < m; j++) {
        const t = (g[j] as number) - (C[o + j] as number);
        if (t > mx) mx = t;
      }
      let s = 0;
      for (let j = 0; j < m; j++) s += Math.exp(((g[j] as number) - (C[o + j] as number) - mx) * ie);
      const lse = mx + eps * Math.log(s);
      const fi = f[i] as number;
      err += Math.abs(Math.exp((fi + lse) * ie) - (a[i] as number) * Math.exp(-fi * itA));
      fNew[i] = rhoA * ((loga[i] as number) - lse);
    }
    if (!Number.isFinite(err)) {
      // the row sums overflowed: keep the last finite iterates
      if (hist !== null) hist.push(err);
      status = 'numericalError';
      break;
    }
    err += colRes; // Infinity before the first column step
    if (hist !== null) hist.push(err);
    if (err !== err) {
      status = 'numericalError';
      break;
    }
    if (err <= tol) {
      status = 'converged';
      break;
    }
    f.set(fNew);
    cMax.fill(-Infinity);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      const fi = f[i] as number;
      for (let j = 0; j < m; j++) {
        const t = fi - (C[o + j] as number);
        if (t > (cMax[j] as number)) cMax[j] = t;
      }
    }
    cSum.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * m;
      const fi = f[i] as number;
      for (let j = 0; j < m; j++) cSum[j] = (cSum[j] as number) + Math.exp((fi - (C[o + j] as number) - (cMax[j] as number)) * ie);
    }
    for (let j = 0; j < m; j++) g[j] = rhoB * ((logb[j] as number) - (cMax[j] as number) - eps * Math.log(cSum[j] as number));
    colRes = 0;
    if (shiftScale > 0) {
      // Translation-invariant step (Séjourné et al. 2022): the plan is unchanged by
      // (f + λ, g − λ); choose λ maximising the dual along that direction,
      // λ = log(Σ a e^{−f/τa} / Σ b e^{−g/τb}) / (1/τa + 1/τb). This removes the slowly
      // decaying mass mode that makes plain unbalanced Sinkhorn crawl for large τ.
      let mA = -Infinity;
      for (let i = 0; i < n; i++) mA = Math.max(mA, (loga[i] as number) * ie - (f[i] as number) * itA);
      let sA = 0;
      for (let i = 0; i < n; i++) sA += Math.exp((loga[i] as number) * ie - (f[i] as number) * itA - mA);
      let mB = -Infinity;
      for (let j = 0; j < m; j++) mB = Math.max(mB, (logb[j] as number) * ie - (g[j] as number) * itB);
      let sB = 0;
      for (let j = 0; j < m; j++) sB += Math.exp((logb[j] as number) * ie - (g[j] as number) * itB - mB);
      const lam = (mA + Math.log(sA) - mB - Math.log(sB)) * shiftScale;
      if (Number.isFinite(lam) && lam !== 0) {
        for (let i = 0; i < n; i++) f[i] = (f[i] as number) + lam;
        // column sums c_j = b_j e^{−g_j/τb} held exactly before the shift; after it the target moved
        for (let j = 0; j < m; j++) {
          const gj = g[j] as number;
          const c = (b[j] as number) * Math.exp(-gj * itB);
          g[j] = gj - lam;
          colRes += Math.abs(c - (b[j] as number) * Math.exp(-(gj - lam) * itB));
        }
      }
    }
  }
  return { iterations: it, status, err };
}

function checkTau(name: string, t: number): void {
  if (!(t > 0)) throw new ArgumentError(`sinkhornUnbalanced: ${name} must be > 0 (or Infinity for a hard constraint), got ${t}`);
}

/**
 * Unbalanced entropic OT with KL-relaxed marginals, as POT's `ot.sinkhorn_unbalanced`.
 *
 *     min_{P ≥ 0}  <P, C> + ε Σ_ij P_ij (log P_ij − 1) + τ_a KL(P 1 | a) + τ_b KL(Pᵀ 1 | b)
 *
 * where
 * - `C` `[N, M]` cost (finite, ≥ 0); `a` `[N]`, `b` `[M]` nonnegative weights, masses may differ,
 * - `KL(x | y) = Σ x log(x/y) − x + y`,
 * - `τ_a` (`tauA`), `τ_b` (`tauB`) > 0 the marginal penalties (`tau` sets both; default 1);
 *   `Infinity` makes that marginal a hard constraint (τ_a = τ_b = ∞ is balanced OT),
 * - ε (`epsilon`) the entropic regularisation.
 *
 * Solution `P_ij = exp((f_i + g_j − C_ij)/ε)`; the scaling iterations are
 * `f ← τ_a/(τ_a+ε) · (ε log a − ε LSE_j((g − C)/ε))` and symmetrically for g (Chizat et al.,
 * Algorithm 1 in the log domain; POT's `sinkhorn_knopp_unbalanced` in scaling form
 * `u = (a / K v)^{τ/(τ+ε)}`), each followed by the closed-form translation step of
 * Séjourné et al. (which changes the path, not the solution). Stopping uses the first-order residual
 * `Σ_i |(P1)_i − a_i e^{−f_i/τ_a}|` (0 at the optimum), reported as `marginalError`.
 * `value` is `<P, C>`, `objective` the full objective above.
 *
 * Choosing a variant: use when the two sides should not be forced to match exactly (outliers,
 * partial alignment); smaller τ allows more mass creation/destruction.
 *
 * References:
 * 1. L. Chizat, G. Peyré, B. Schmitzer, F.-X. Vialard. Scaling algorithms for unbalanced optimal transport problems. Math. Comp. 87, 2018.
 * 2. C. Frogner, C. Zhang, H. Mobahi, M. Araya, T. Poggio. Learning with a Wasserstein loss. NeurIPS 2015.
 * 3. T. Séjourné, F.-X. Vialard, G. Peyré. Faster unbalanced optimal transport: translation invariant Sinkhorn and 1-D Frank-Wolfe. AISTATS 2022.
 * 4. POT `ot.unbalanced.sinkhorn_unbalanced`.
 */
export function sinkhornUnbalanced(a: Vec, b: Vec, C: Mat, opts?: UnbalancedOptions): OTResult {
  const fn = 'sinkhornUnbalanced';
  const o = resolveOptions(fn, opts);
  const tau = opts?.tau ?? 1;
  const tauA = opts?.tauA ?? tau;
  const tauB = opts?.tauB ?? tau;
  checkTau('tau', tau);
  checkTau('tauA', tauA);
  checkTau('tauB', tauB);
  const balanced = tauA === Infinity && tauB === Infinity;
  const Pb = prepareSingle(fn, a, b, C, balanced);
  const { f, g } = compactWarmStart(fn, Pb, opts?.warmStart);
  const hist: number[] = [];
  const core = unbalancedCore(Pb, o.epsilon, tauA, tauB, f, g, o.maxIter, o.tol, hist);
  const plan = new Float64Array(Pb.N * Pb.M);
  const st = writeEntropicPlan(Pb, f, g, o.epsilon, plan, 0);
  // residual of the first-order conditions of the returned plan
  let err = 0;
  for (let i = 0; i < Pb.n; i++) err += Math.abs((st.rowSum[i] as number) - (Pb.a[i] as number) * (tauA === Infinity ? 1 : Math.exp(-(f[i] as number) / tauA)));
  for (let j = 0; j < Pb.m; j++) err += Math.abs((st.colSum[j] as number) - (Pb.b[j] as number) * (tauB === Infinity ? 1 : Math.exp(-(g[j] as number) / tauB)));
  let objective = st.value + o.epsilon * st.negEntropy;
  if (tauA !== Infinity) objective += tauA * kl(st.rowSum, Pb.a);
  if (tauB !== Infinity) objective += tauB * kl(st.colSum, Pb.b);
  const F = new Float64Array(Pb.N);
  const G = new Float64Array(Pb.M);
  scatter(Pb.rowIdx, f, F);
  scatter(Pb.colIdx, g, G);
  const status = core.status === 'numericalError' ? 'numericalError' : err <= o.tol ? 'converged' : 'maxIter';
  return {
    plan,
    rows: Pb.N,
    cols: Pb.M,
    value: st.value,
    valueLinear: st.value,
    objective,
    f: F,
    g: G,
    potentials: { f: F, g: G },
    iterations: core.iterations,
    converged: status === 'converged',
    status,
    marginalError: err,
    errHistory: hist,
    method: 'unbalanced',
    epsilon: o.epsilon,
  };
}
