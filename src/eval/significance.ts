/**
 * Paired significance tests for per-query outcomes of two systems on the same queries: exact McNemar
 * (binary outcomes), paired bootstrap confidence intervals and the paired randomization test (any score).
 */
import { ArgumentError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';

export interface McNemarResult {
  /** Queries system A gets right and system B gets wrong. */
  b: number;
  /** Queries system A gets wrong and system B gets right. */
  c: number;
  /** Two-sided exact p-value. */
  p: number;
}

/**
 * Two-sided exact binomial test of k successes in n trials with success probability 1/2:
 *   p = min(1, 2 · P(X <= min(k, n - k))),  X ~ Binomial(n, 1/2);  p = 1 when n = 0.
 * (For probability 1/2 this equals the "sum of outcomes no more likely than k" definition used
 * by scipy.stats.binomtest.) Exact for small n; computed in log space for n > 1000.
 */
export function binomialTwoSidedHalf(k: number, n: number): number {
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(k) || k < 0 || k > n) {
    throw new ArgumentError(`binomial test needs integers 0 <= k <= n, got k=${k}, n=${n}`);
  }
  if (n === 0) return 1;
  const m = Math.min(k, n - k);
  let tail = 0;
  if (n <= 1000) {
    // P(X = i) = C(n, i) / 2^n by the recurrence below; exact while C(n, i) < 2^53 (all n <= 56).
    let t = 2 ** -n;
    for (let i = 0; i <= m; i++) {
      tail += t;
      t = (t * (n - i)) / (i + 1);
    }
  } else {
    // Same sum in log space (2^-n underflows beyond n = 1074).
    const ln2n = n * Math.LN2;
    let logC = 0; // log C(n, 0)
    for (let i = 0; i <= m; i++) {
      tail += Math.exp(logC - ln2n);
      logC += Math.log(n - i) - Math.log(i + 1);
    }
  }
  return Math.min(1, 2 * tail);
}

/**
 * McNemar's exact test for paired binary outcomes (e.g. per-query top-1 correctness of two
 * models on the same Tatoeba set): only discordant pairs count; under H0 each discordant query
 * is equally likely to favour A or B, so b ~ Binomial(b + c, 1/2).
 *
 * @example
 * mcnemarExact([true, true, false], [false, true, true]); // { b: 1, c: 1, p: 1 }
 */
export function mcnemarExact(correctA: readonly boolean[], correctB: readonly boolean[]): McNemarResult {
  if (correctA.length !== correctB.length) {
    throw new ArgumentError(`paired outcomes differ in length: ${correctA.length} vs ${correctB.length}`);
  }
  let b = 0;
  let c = 0;
  for (let i = 0; i < correctA.length; i++) {
    if (correctA[i] && !correctB[i]) b++;
    else if (!correctA[i] && correctB[i]) c++;
  }
  return { b, c, p: binomialTwoSidedHalf(b, b + c) };
}

export interface PairedOptions {
  /** bootstrap resamples / random sign flips (default 10,000) */
  samples?: number;
  /** seed of the generator (default 0): the same inputs and seed give the same result */
  seed?: number;
  /** 1 − confidence level of the interval (default 0.05: a 95% interval) */
  alpha?: number;
}

export interface PairedResult {
  n: number;
  /** mean of a and of b over the queries */
  meanA: number;
  meanB: number;
  /** mean(a − b) */
  delta: number;
  /** percentile bootstrap interval of `delta` at level 1 − alpha */
  ci: [number, number];
  /** two-sided paired randomization p-value of `delta` */
  p: number;
  /** whether `p` enumerated all 2^n' sign patterns (n' = queries with a ≠ b) instead of sampling */
  exact: boolean;
  samples: number;
  seed: number;
}

function checkPaired(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  if (a.length !== b.length) throw new ArgumentError(`paired outcomes differ in length: ${a.length} vs ${b.length}`);
  if (a.length === 0) throw new ArgumentError('paired test needs at least one query');
  const d = new Float64Array(a.length);
  for (let i = 0; i < a.length; i++) {
    d[i] = Number(a[i]) - Number(b[i]);
    if (!Number.isFinite(d[i]!)) throw new ArgumentError(`paired outcome ${i} is not a finite number`);
  }
  return d;
}

/**
 * Paired bootstrap over queries (Efron & Tibshirani 1993; Koehn 2004 for MT; Sakai 2006 for IR): with
 * d_i = a_i − b_i (per-query scores of two systems, e.g. 0/1 correctness or reciprocal rank), draw R
 * resamples of n queries with replacement and take the α/2 and 1 − α/2 quantiles of their means:
 *   ci = [sorted(means)[⌊(α/2)·R⌋], sorted(means)[⌈(1 − α/2)·R⌉ − 1]].
 */
export function pairedBootstrapCI(a: ArrayLike<number>, b: ArrayLike<number>, opts: PairedOptions = {}): [number, number] {
  const d = checkPaired(a, b);
  const { samples: R = 10_000, seed = 0, alpha = 0.05 } = opts;
  const n = d.length;
  const rnd = mulberry32((seed * 2654435761 + 97) >>> 0);
  const means = new Float64Array(R);
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let k = 0; k < n; k++) s += d[Math.floor(rnd() * n)]!;
    means[r] = s / n;
  }
  means.sort();
  return [means[Math.floor((alpha / 2) * R)]!, means[Math.ceil((1 - alpha / 2) * R) - 1]!];
}

/**
 * Paired randomization (permutation) test (Fisher; Smucker, Allan & Carterette 2007 for IR): under H0 the
 * two systems' labels are exchangeable within each query, so each d_i keeps or flips its sign with
 * probability ½. p = P(|mean(±d)| ≥ |mean(d)|), two-sided. Queries with d_i = 0 do not change the
 * statistic; when the others number n' with 2^n' ≤ R, all sign patterns are enumerated (p exact),
 * else R seeded random patterns give p = (1 + #{|mean*| ≥ |mean(d)|}) / (1 + R).
 */
export function pairedRandomizationTest(a: ArrayLike<number>, b: ArrayLike<number>, opts: PairedOptions = {}): { p: number; exact: boolean } {
  const d = checkPaired(a, b);
  const { samples: R = 10_000, seed = 0 } = opts;
  const nz = Array.from(d).filter((x) => x !== 0);
  const obs = Math.abs(nz.reduce((s, x) => s + x, 0));
  const tol = 1e-9 * Math.max(1, obs);
  if (nz.length === 0) return { p: 1, exact: true };
  if (2 ** nz.length <= R) {
    let hits = 0;
    const total = 2 ** nz.length;
    for (let mask = 0; mask < total; mask++) {
      let s = 0;
      for (let k = 0; k < nz.length; k++) s += mask & (1 << k) ? -nz[k]! : nz[k]!;
      if (Math.abs(s) >= obs - tol) hits++;
    }
    return { p: hits / total, exact: true };
  }
  const rnd = mulberry32((seed * 2246822519 + 13) >>> 0);
  let hits = 0;
  for (let r = 0; r < R; r++) {
    let s = 0;
    for (let k = 0; k < nz.length; k++) s += rnd() < 0.5 ? -nz[k]! : nz[k]!;
    if (Math.abs(s) >= obs - tol) hits++;
  }
  return { p: (1 + hits) / (1 + R), exact: false };
}

/**
 * Both paired tests on per-query scores of systems A and B over the same queries: the difference of
 * means with its bootstrap interval and the randomization p-value (same seed and sample count).
 *
 * @example
 * pairedTest([1, 1, 1, 0], [0, 0, 0, 0]); // delta 0.75, p = 4/16 = 0.25 (exact: 2 of 8 sign patterns of the
 *                                         // three nonzero d_i reach |Σ| = 3)
 */
export function pairedTest(a: ArrayLike<number>, b: ArrayLike<number>, opts: PairedOptions = {}): PairedResult {
  const d = checkPaired(a, b);
  const n = d.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += Number(a[i]);
    sb += Number(b[i]);
  }
  const { p, exact } = pairedRandomizationTest(a, b, opts);
  return { n, meanA: sa / n, meanB: sb / n, delta: (sa - sb) / n, ci: pairedBootstrapCI(a, b, opts), p, exact, samples: opts.samples ?? 10_000, seed: opts.seed ?? 0 };
}
