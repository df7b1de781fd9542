/**
 * Paired significance tests for per-query outcomes of two systems on the same queries.
 */
import { ArgumentError } from '../errors.ts';

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
