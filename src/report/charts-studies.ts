/**
 * Vega-Lite specs of the robustness and scaling studies (issue 7), rendered by charts.ts `renderChart`:
 *   noiseChartSpec    R@1 (X→en, noisy X queries) against noise rate, one line per method, one panel per
 *                     (evaluation set, language)
 *   scalingChartSpec  the high- minus low-resource R@1 gap against student size (ordered by parameters) or
 *                     against bitext size, one line per series (and bitext / student size), one panel per set
 */
import type { ExperimentResults } from '../eval/experiment.ts';
import type { VegaLiteSpec } from './charts.ts';
import { noiseCurve } from './robustness.ts';
import { methodGap, scalingAxes, scalingPoints } from './scaling.ts';
import { gapSets, languagesWith } from './tables.ts';

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

export function noiseChartSpec(r: ExperimentResults): VegaLiteSpec {
  const values: { panel: string; method: string; rate: number; value: number }[] = [];
  const panels: string[] = [];
  for (const set of r.sets) {
    for (const lang of languagesWith(r, set)) {
      const panel = `${set} · ${lang}→en`;
      for (const m of r.methods) {
        const curve = noiseCurve(r.cells.find((c) => c.method === m.name && c.lang === lang), set);
        if (!curve) continue;
        if (!panels.includes(panel)) panels.push(panel);
        curve.rates.forEach((rate, k) => values.push({ panel, method: m.name, rate, value: 100 * curve.values[k]! }));
      }
    }
  }
  return {
    $schema: SCHEMA,
    title: `${r.name}: R@1 (%) against noise rate (${r.noise?.kinds.join(' + ') ?? ''})`,
    data: { values },
    facet: { field: 'panel', type: 'nominal', title: null, sort: panels },
    columns: Math.min(3, Math.max(1, panels.length)),
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'rate', type: 'quantitative', title: 'noise rate' },
        y: { field: 'value', type: 'quantitative', title: 'R@1 (%)', scale: { domain: [0, 100] } },
        color: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name) },
        tooltip: [{ field: 'method' }, { field: 'rate' }, { field: 'value', format: '.1f' }],
      },
    },
    config: { font: 'DejaVu Sans' },
  } as VegaLiteSpec;
}

export function scalingChartSpec(r: ExperimentResults, axis: 'size' | 'pairs'): VegaLiteSpec {
  const pts = scalingPoints(r);
  const { sizes, pairs } = scalingAxes(pts);
  const values: { set: string; line: string; x: string; gap: number }[] = [];
  for (const set of gapSets(r)) {
    for (const p of pts) {
      const g = methodGap(r, p.method, set);
      if (g === undefined) continue;
      values.push({ set, line: axis === 'size' ? `${p.series}, ${p.pairs} pairs` : `${p.series}, ${p.size}`, x: axis === 'size' ? p.size : p.pairs, gap: 100 * g });
    }
  }
  return {
    $schema: SCHEMA,
    title: `${r.name}: high- minus low-resource R@1 gap (points) against ${axis === 'size' ? 'student size (W×D)' : 'training pairs'}`,
    data: { values },
    facet: { field: 'set', type: 'nominal', title: null, sort: gapSets(r) },
    columns: 3,
    spec: {
      width: 220,
      height: 160,
      mark: { type: 'line', point: true },
      encoding: {
        x: { field: 'x', type: 'ordinal', title: axis === 'size' ? 'student W×D (by parameters)' : 'training pairs', sort: axis === 'size' ? sizes : pairs, axis: { labelAngle: 0 } },
        y: { field: 'gap', type: 'quantitative', title: 'gap (points of R@1)' },
        color: { field: 'line', type: 'nominal', title: null },
        tooltip: [{ field: 'line' }, { field: 'x' }, { field: 'gap', format: '.1f' }],
      },
    },
    config: { font: 'DejaVu Sans' },
  } as VegaLiteSpec;
}
