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
 * The noisy text depends only on (kinds, rate, seed, sentence index, text) (noise.ts), so every method of a
 * language sees the same noisy sentences, and a rerun the same.
 */
import { ArgumentError } from '../errors.ts';
import { hashInts, Noise } from '../text/noise.ts';
import type { NoiseConfig } from './experiment-config.ts';
import type { EvalSet } from './experiment-sets.ts';
import { metricsFromRanks, ranksFromScores, type Direction, type Metric } from './experiment-metrics.ts';

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
export function evaluateScores(scores: (src: string[], eng: string[]) => Float64Array, src: string[], eng: string[]): Pick<NoisyResult, 'metrics' | 'ranks'> {
  const n = src.length;
  const ranks = ranksFromScores(scores(src, eng), n);
  return {
    metrics: { x2en: metricsFromRanks(ranks.x2en), en2x: metricsFromRanks(ranks.en2x) },
    ranks: { x2en: Array.from(ranks.x2en), en2x: Array.from(ranks.en2x) },
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
