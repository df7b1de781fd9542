/**
 * Charts of an experiment: Vega-Lite specs (kept beside the images, so a chart can be restyled without
 * rerunning anything), compiled to Vega, rendered headless to SVG, rasterised to PNG by resvg.
 * Only this file imports the chart libraries (vega, vega-lite, @resvg/resvg-js).
 */
import * as vega from 'vega';
import * as vl from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { ExperimentResults } from '../eval/experiment.ts';
import type { Metric } from '../eval/experiment-metrics.ts';
import { gapSets, groupMean, languagesWith } from './tables.ts';

export type VegaLiteSpec = vl.TopLevelSpec;

/** Grouped bars for one evaluation set: metric per language (x), one bar per method, one panel per direction. */
export function setChartSpec(r: ExperimentResults, set: string, metric: Metric = 'R@1'): VegaLiteSpec {
  const values: { lang: string; method: string; direction: string; value: number }[] = [];
  for (const lang of languagesWith(r, set)) {
    for (const m of r.methods) {
      const s = r.cells.find((c) => c.method === m.name && c.lang === lang)?.sets[set];
      if (!s) continue;
      values.push({ lang, method: m.name, direction: 'X→en', value: 100 * s.metrics.x2en[metric] });
      values.push({ lang, method: m.name, direction: 'en→X', value: 100 * s.metrics.en2x[metric] });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${r.name}: ${set}, ${metric} (%)`,
    data: { values },
    mark: 'bar',
    encoding: {
      column: { field: 'direction', type: 'nominal', title: null, sort: ['X→en', 'en→X'] },
      x: { field: 'lang', type: 'nominal', title: 'language', sort: r.languages.map((l) => l.code) },
      xOffset: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name) },
      y: { field: 'value', type: 'quantitative', title: `${metric} (%)`, scale: { domain: [0, 100] } },
      color: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name) },
      tooltip: [{ field: 'method' }, { field: 'lang' }, { field: 'value', format: '.1f' }],
    },
    config: { font: 'DejaVu Sans' },
  } as VegaLiteSpec;
}

/** The high- minus low-resource gap (R@1, mean of both directions) per method, one panel per set. */
export function gapChartSpec(r: ExperimentResults, metric: Metric = 'R@1'): VegaLiteSpec {
  const values: { set: string; method: string; gap: number }[] = [];
  for (const set of gapSets(r)) {
    for (const m of r.methods) {
      const hi = groupMean(r, m.name, set, 'high', metric);
      const lo = groupMean(r, m.name, set, 'low', metric);
      if (hi !== undefined && lo !== undefined) values.push({ set, method: m.name, gap: 100 * (hi - lo) });
    }
  }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${r.name}: high- minus low-resource ${metric} (points)`,
    data: { values },
    mark: 'bar',
    encoding: {
      column: { field: 'set', type: 'nominal', title: null },
      x: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name), title: null },
      y: { field: 'gap', type: 'quantitative', title: `gap (points of ${metric})` },
      color: { field: 'method', type: 'nominal', sort: r.methods.map((m) => m.name), legend: null },
    },
    config: { font: 'DejaVu Sans' },
  } as VegaLiteSpec;
}

/** Vega-Lite → SVG (headless vega view) → PNG (resvg, 2× zoom, system fonts). */
export async function renderChart(spec: VegaLiteSpec): Promise<{ svg: string; png: Uint8Array }> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, { fitTo: { mode: 'zoom', value: 2 }, background: 'white', font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } }).render().asPng();
  return { svg, png };
}
