/**
 * Retrieval metrics of an experiment cell from a similarity matrix, so that dense encoders and methods
 * without a vector space (lexical scores such as char n-gram TF-IDF or BM25) share one evaluation.
 *
 * Legend: N aligned pairs; S [N, N] row-major, S[i, j] = similarity of foreign sentence i and English
 * sentence j; the gold of query i is item i in both directions.
 *   x2en: row i ranks the English sentences;  en2x: column j ranks the foreign sentences.
 *   rank_i = 1 + #{j : S[i,j] > S[i,i]} + #{j < i : S[i,j] = S[i,i]}     (ties favour the lower index,
 * the rule of `evaluateBitextMining`, which this reproduces for cosine scores)
 *   R@k = mean(rank ≤ k);  MRR = mean(1 / rank) (full ranking, no cutoff); accuracy = R@1.
 */
import { ArgumentError } from '../errors.ts';
import { l2NormalizeRows, minOf, type MiningScore } from './mining.ts';

export const DIRECTIONS = ['x2en', 'en2x'] as const;
export type Direction = (typeof DIRECTIONS)[number];
export const METRICS = ['R@1', 'R@5', 'R@10', 'MRR'] as const;
export type Metric = (typeof METRICS)[number];

/** Cosine similarities S [Na, Nb] of the rows of a [Na, D] and b [Nb, D] (float64 accumulation). */
export function cosineScores(a: Float32Array, b: Float32Array, dim: number): Float64Array {
  const x = l2NormalizeRows(a, dim);
  const y = l2NormalizeRows(b, dim);
  const na = x.length / dim;
  const nb = y.length / dim;
  const S = new Float64Array(na * nb);
  for (let i = 0; i < na; i++) {
    const o = i * dim;
    for (let j = 0; j < nb; j++) {
      const p = j * dim;
      let s = 0;
      for (let k = 0; k < dim; k++) s += x[o + k]! * y[p + k]!;
      S[i * nb + j] = s;
    }
  }
  return S;
}

/**
 * Hubness-corrected scores of S [Na, Nb] (the formulas of `mining.ts`): with r_a(i) the mean of the k largest
 * S[i, ·] and r_b(j) the mean of the k largest S[·, j],
 *   csls:   2·S[i,j] − r_a(i) − r_b(j)          margin: S[i,j] / ((r_a(i) + r_b(j)) / 2)
 * `cosine` returns S itself. Works on any score (BM25 too), but the ratio margin needs every denominator
 * positive and says so when it is not.
 */
export function hubnessScores(S: Float64Array, na: number, nb: number, score: MiningScore, k: number): Float64Array {
  if (S.length !== na * nb) throw new ArgumentError(`score matrix has ${S.length} entries, expected ${na}×${nb}`);
  if (score === 'cosine') return S;
  if (!Number.isInteger(k) || k < 1 || k > na || k > nb) throw new ArgumentError(`k (the ${score} neighbourhood) must be an integer from 1 to ${Math.min(na, nb)}, got ${k}`);
  const topMean = (len: number, count: number, at: (i: number, q: number) => number) => {
    const out = new Float64Array(count);
    const v = new Float64Array(len);
    for (let i = 0; i < count; i++) {
      for (let q = 0; q < len; q++) v[q] = at(i, q);
      v.sort(); // ascending; NaN last would poison the mean, which is what a NaN score deserves
      let sum = 0;
      for (let q = len - k; q < len; q++) sum += v[q]!;
      out[i] = sum / k;
    }
    return out;
  };
  const ra = topMean(nb, na, (i, j) => S[i * nb + j]!); // [Na]
  const rb = topMean(na, nb, (j, i) => S[i * nb + j]!); // [Nb]
  const out = new Float64Array(S.length);
  if (score === 'margin' && minOf(ra) + minOf(rb) <= 0) {
    throw new ArgumentError(`the ratio margin needs positive neighbourhood means (some rows' ${k} best scores average ≤ 0); use csls`);
  }
  for (let i = 0; i < na; i++) {
    for (let j = 0; j < nb; j++) {
      const x = S[i * nb + j]!;
      out[i * nb + j] = score === 'csls' ? 2 * x - ra[i]! - rb[j]! : x / ((ra[i]! + rb[j]!) / 2);
    }
  }
  return out;
}

/** 1-based ranks of the gold items in both directions from S [N, N]. */
export function ranksFromScores(S: ArrayLike<number>, n: number): Record<Direction, Int32Array> {
  if (S.length !== n * n) throw new ArgumentError(`score matrix has ${S.length} entries, expected ${n}×${n}`);
  const x2en = new Int32Array(n).fill(1);
  const en2x = new Int32Array(n).fill(1);
  for (let i = 0; i < n; i++) {
    const g = S[i * n + i]!;
    if (Number.isNaN(g)) throw new ArgumentError(`score S[${i},${i}] is NaN`);
    for (let j = 0; j < n; j++) {
      const s = S[i * n + j]!;
      if (s > g || (s === g && j < i)) x2en[i]!++;
      const gc = S[j * n + j]!; // column j's gold is S[j, j]; S[i, j] competes with it as item i
      if (s > gc || (s === gc && i < j)) en2x[j]!++;
    }
  }
  return { x2en, en2x };
}

/** R@1, R@5, R@10 and MRR of one direction's ranks. */
export function metricsFromRanks(rank: ArrayLike<number>): Record<Metric, number> {
  const n = rank.length;
  if (n === 0) throw new ArgumentError('no queries');
  let r1 = 0;
  let r5 = 0;
  let r10 = 0;
  let rr = 0;
  for (let i = 0; i < n; i++) {
    const r = rank[i]!;
    if (r <= 1) r1++;
    if (r <= 5) r5++;
    if (r <= 10) r10++;
    rr += 1 / r;
  }
  return { 'R@1': r1 / n, 'R@5': r5 / n, 'R@10': r10 / n, MRR: rr / n };
}

/** Per-query score of a metric from a rank (the paired tests' input): 0/1 for R@k, 1/rank for MRR. */
export function perQuery(rank: ArrayLike<number>, metric: Metric): Float64Array {
  const k = metric === 'MRR' ? 0 : Number(metric.slice(2));
  return Float64Array.from({ length: rank.length }, (_, i) => (k ? (rank[i]! <= k ? 1 : 0) : 1 / rank[i]!));
}
