/**
 * Significance of every method against the baseline method (default `ot`) of an experiment: for each
 * evaluation set, language and direction, a paired test over the same queries (`significance.ts`:
 * bootstrap 95% interval of the difference and paired randomization p-value) on R@1, R@5, R@10 and MRR.
 */
import { pairedTest } from './significance.ts';
import { perQuery, type Direction, type Metric } from './experiment-metrics.ts';
import type { CellResult } from './experiment.ts';

export interface Comparison {
  set: string;
  lang: string;
  direction: Direction;
  metric: Metric;
  method: string;
  baseline: string;
  n: number;
  /** mean(method) − mean(baseline) */
  delta: number;
  ci: [number, number];
  p: number;
}

export const COMPARED_METRICS: Metric[] = ['R@1', 'R@5', 'R@10', 'MRR'];

export function compareToBaseline(cells: CellResult[], baseline: string, sets: string[], opts: { samples: number; seed: number }): Comparison[] {
  const out: Comparison[] = [];
  const base = new Map(cells.filter((c) => c.method === baseline).map((c) => [c.lang, c]));
  for (const c of cells) {
    const b = base.get(c.lang);
    if (!b || c.method === baseline) continue;
    for (const set of sets) {
      const x = c.sets[set];
      const y = b.sets[set];
      if (!x || !y || x.n !== y.n) continue;
      for (const direction of ['x2en', 'en2x'] as const) {
        for (const metric of COMPARED_METRICS) {
          const r = pairedTest(perQuery(x.ranks[direction], metric), perQuery(y.ranks[direction], metric), opts);
          out.push({ set, lang: c.lang, direction, metric, method: c.method, baseline, n: r.n, delta: r.delta, ci: r.ci, p: r.p });
        }
      }
    }
  }
  return out;
}
