/**
 * Robustness of an experiment cell: its evaluation sets perturbed at every noise rate of the config
 * (`NoiseConfig`), the metrics at each rate, and the two summaries of an accuracy-vs-rate curve.
 *
 * Legend: rates r_0 = 0 < r_1 < … < r_K; v_k the metric (e.g. R@1) at rate r_k.
 *   noisy set at r_k:  src'_i = Noise(kinds each at r_k, seed).apply(src_i, i)
 *                      eng'_i = eng_i ("queries"), or Noise(…, hashInts(seed, 1)).apply(eng_i, i) ("both")
 *   area          A = (1 / (r_K − r_0)) Σ_{k<K} (r_{k+1} − r_k) (v_k + v_{k+1}) / 2   (trapezoid, normalised by the
 *                     rate span: the mean metric over [r_0, r_K]; A = v_0 for a flat curve)
 *   relative drop Δ = (v_0 − v_K) / v_0   (undefined when v_0 = 0)
 *   per-query area a_i = the same trapezoid over the rates of query i's own score (1[rank ≤ 1] for R@1),
 *                 so mean_i a_i = A: the paired test of two methods' areas runs on the a_i of the same queries.
 * The noisy text depends only on (kinds, rate, seed, sentence index, text) (noise.ts), so every method of a
 * language sees the same noisy sentences, and a rerun the same.
 */
import { ArgumentError } from '../errors.ts';
import { hashInts, Noise } from '../text/noise.ts';
import type { NoiseConfig } from './experiment-config.ts';
import type { EvalSet } from './experiment-sets.ts';
import { metricsFromRanks, perQuery, ranksFromScores, type Direction, type Metric } from './experiment-metrics.ts';
import { pairedTest } from './significance.ts';
import type { Comparison } from './experiment-compare.ts';

/** One evaluation set at one noise rate. */
export interface NoisyEvalSet {
  rate: number;
  /** the canonical noise spec (`Noise#toString`: "none" at rate 0) */
  noise: string;
  src: string[];
  eng: string[];
}

/** Metrics and per-query ranks of one set at one rate (stored in the cell's `sets[name].noise`). */
export interface NoisyResult {
  rate: number;
  noise: string;
  metrics: Record<Direction, Record<Metric, number>>;
  ranks: Record<Direction, number[]>;
}

/** The set at every rate of `cfg` (file header); the English array is the set's own when it is not perturbed. */
export function noisyVersions(set: EvalSet, cfg: NoiseConfig): NoisyEvalSet[] {
  return cfg.rates.map((rate) => {
    const spec = cfg.kinds.map((name) => ({ name, rate }));
    const q = new Noise(spec, cfg.seed);
    const eng = cfg.sides === 'both' ? new Noise(spec, hashInts(cfg.seed, 1)).applyAll(set.eng) : set.eng;
    return { rate, noise: q.toString(), src: q.applyAll(set.src), eng };
  });
}

/** Metrics and ranks of a scorer on one (possibly noisy) set: S [N, N] = scores(src, eng). */
export function evaluateScores(scores: (src: string[], eng: string[]) => Float64Array, src: string[], eng: string[], scoresEn2x?: (src: string[], eng: string[]) => Float64Array): Pick<NoisyResult, 'metrics' | 'ranks'> {
  const n = src.length;
  const x2en = ranksFromScores(scores(src, eng), n);
  // an asymmetric method (BM25) ranks en→x with its own scores T [Q, M]; column j ranks for English query j
  const en2x = scoresEn2x ? ranksFromScores(scoresEn2x(src, eng), n) : x2en;
  return {
    metrics: { x2en: metricsFromRanks(x2en.x2en), en2x: metricsFromRanks(en2x.en2x) },
    ranks: { x2en: Array.from(x2en.x2en), en2x: Array.from(en2x.en2x) },
  };
}

/** Normalised trapezoid area under v(r) (file header). Rates must increase; at least two points. */
export function curveArea(rates: readonly number[], values: readonly number[]): number {
  if (rates.length !== values.length || rates.length < 2) throw new ArgumentError(`curveArea: need ≥ 2 (rate, value) points of equal count, got ${rates.length} rates and ${values.length} values`);
  let a = 0;
  for (let k = 0; k + 1 < rates.length; k++) {
    const w = rates[k + 1]! - rates[k]!;
    if (!(w > 0)) throw new ArgumentError(`curveArea: rates must increase (${rates[k]} then ${rates[k + 1]})`);
    a += (w * (values[k]! + values[k + 1]!)) / 2;
  }
  return a / (rates.at(-1)! - rates[0]!);
}

/** (v_0 − v_K) / v_0, the share of the clean metric lost at the largest rate; undefined when v_0 = 0. */
export function relativeDrop(values: readonly number[]): number | undefined {
  if (values.length < 2) throw new ArgumentError(`relativeDrop: need ≥ 2 values, got ${values.length}`);
  return values[0] === 0 ? undefined : (values[0]! - values.at(-1)!) / values[0]!;
}

/** A method's area against the baseline's on the same noisy queries (X→en R@1): Δ = A_method − A_baseline. */
export type AreaComparison = Omit<Comparison, 'direction' | 'metric'>;

/** Per-query areas a_i (file header) of one direction's ranks at every rate. */
export function perQueryArea(runs: readonly Pick<NoisyResult, 'rate' | 'ranks'>[], metric: Metric = 'R@1', direction: Direction = 'x2en'): Float64Array {
  const rates = runs.map((v) => v.rate);
  const q = runs.map((v) => perQuery(v.ranks[direction], metric));
  return Float64Array.from({ length: q[0]!.length }, (_, i) => curveArea(rates, q.map((x) => x[i]!)));
}

/**
 * Paired tests (bootstrap interval, randomization p; `significance.ts`) of every method's R@1 area (X→en)
 * against the baseline's, per set and language, over the same noisy queries.
 */
export function compareAreas(
  cells: readonly { method: string; lang: string; sets: Record<string, { noise?: NoisyResult[] }> }[],
  baseline: string,
  sets: readonly string[],
  opts: { samples: number; seed: number },
): AreaComparison[] {
  const out: AreaComparison[] = [];
  for (const c of cells) {
    const b = cells.find((x) => x.method === baseline && x.lang === c.lang);
    if (!b || c.method === baseline) continue;
    for (const set of sets) {
      const x = c.sets[set]?.noise;
      const y = b.sets[set]?.noise;
      if (!x || !y || x.length !== y.length || x[0]!.ranks.x2en.length !== y[0]!.ranks.x2en.length) continue;
      const r = pairedTest(perQueryArea(x), perQueryArea(y), opts);
      out.push({ set, lang: c.lang, method: c.method, baseline, n: r.n, delta: r.delta, ci: r.ci, p: r.p });
    }
  }
  return out;
}
