/**
 * The robustness part of an experiment report (issue 7): for each evaluation set and language, a table of
 * methods × noise rates of R@1 with noisy foreign queries (X→en), the normalised area under the
 * accuracy-vs-rate curve and the relative drop from rate 0 to the largest rate (`experiment-noise.ts`),
 * best value of each column in bold.
 */
import type { ExperimentResults, CellResult } from '../eval/experiment.ts';
import type { Direction, Metric } from '../eval/experiment-metrics.ts';
import { curveArea, relativeDrop } from '../eval/experiment-noise.ts';
import { languagesWith, mark } from './tables.ts';

const pct = (x: number) => (100 * x).toFixed(1);

/** One curve: the metric of a cell's set at every rate, or undefined when the cell has no noisy results. */
export function noiseCurve(c: CellResult | undefined, set: string, metric: Metric = 'R@1', direction: Direction = 'x2en'): { rates: number[]; values: number[] } | undefined {
  const runs = c?.sets[set]?.noise;
  if (!runs?.length) return undefined;
  return { rates: runs.map((v) => v.rate), values: runs.map((v) => v.metrics[direction][metric]) };
}

/** Methods × rates for one set and language, with area and relative drop (both in %). */
export function robustnessTable(r: ExperimentResults, set: string, lang: string, metric: Metric = 'R@1', direction: Direction = 'x2en'): string {
  const rates = r.noise?.rates ?? [];
  const rows = r.methods.map((m) => {
    const curve = noiseCurve(r.cells.find((c) => c.method === m.name && c.lang === lang), set, metric, direction);
    if (!curve) return { name: m.name, vals: undefined };
    const drop = relativeDrop(curve.values);
    return { name: m.name, vals: [...curve.values, curveArea(curve.rates, curve.values)], drop };
  });
  const cols = rates.length + 1;
  const best = Array.from({ length: cols }, (_, k) => Math.max(...rows.map((x) => x.vals?.[k] ?? -Infinity)));
  const minDrop = Math.min(...rows.map((x) => x.drop ?? Infinity));
  const body = rows.map((x) => {
    if (!x.vals) return [x.name, ...Array.from({ length: cols + 1 }, () => '–')];
    const cells = x.vals.map((v, k) => (v === best[k] ? `**${pct(v)}**` : pct(v)));
    const cmp = r.areaComparisons?.find((c) => c.set === set && c.lang === lang && c.method === x.name);
    if (metric === 'R@1' && direction === 'x2en') cells[rates.length] += mark(cmp && { ...cmp, direction: 'x2en', metric: 'R@1' });
    const d = x.drop === undefined ? 'n/a' : x.drop === minDrop ? `**${pct(x.drop)}**` : pct(x.drop);
    return [x.name, ...cells, d];
  });
  const header = ['method', ...rates.map((q) => `r = ${q}`), 'area', 'rel. drop'];
  return [header, ['---', ...header.slice(1).map(() => '---:')], ...body].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

/** Per (set, language, method): R@1 (X→en) at every rate, area and relative drop (the summary JSON's `robustness`). */
export function robustnessSummary(r: ExperimentResults): { set: string; lang: string; method: string; rates: number[]; r1: number[]; area: number; relativeDrop: number | null }[] {
  const out = [];
  for (const set of r.sets) {
    for (const lang of languagesWith(r, set)) {
      for (const m of r.methods) {
        const curve = noiseCurve(r.cells.find((c) => c.method === m.name && c.lang === lang), set);
        if (curve) out.push({ set, lang, method: m.name, rates: curve.rates, r1: curve.values, area: curveArea(curve.rates, curve.values), relativeDrop: relativeDrop(curve.values) ?? null });
      }
    }
  }
  return out;
}

/** The markdown section: the noise used, then a table per (set, language) and the chart of each set. */
export function robustnessMarkdown(r: ExperimentResults, charts: Record<string, string>): string[] {
  const n = r.noise;
  if (!n) return [];
  const out = [
    '## Robustness to noisy input',
    '',
    `Noise: ${n.kinds.join(' + ')}, each at rate r (per word for word perturbations, per letter otherwise; src/text/noise.ts), seed ${n.seed}, ` +
      `applied to ${n.sides === 'both' ? 'both sides (foreign queries and English documents)' : 'the foreign side only'} at evaluation time; ` +
      `the students were trained once per cell. Tables: R@1 (%) of X→en retrieval with noisy X queries; area = trapezoid area under the ` +
      `R@1-vs-rate curve divided by the rate span (the mean R@1 over [0, ${n.rates.at(-1)}]); rel. drop = (R@1 at 0 − R@1 at ${n.rates.at(-1)}) / R@1 at 0 ` +
      '(lower is more robust; n/a when R@1 at 0 is 0). **Bold**: best in the column (lowest drop). ' +
      `▲ / ▼ on the area: larger / smaller than \`${r.baseline}\`'s on the same noisy queries at p < 0.05 (paired randomization test on per-query areas).`,
    '',
  ];
  for (const set of r.sets) {
    const langs = languagesWith(r, set).filter((l) => r.cells.some((c) => c.lang === l && c.sets[set]?.noise));
    if (!langs.length) continue;
    out.push(`### ${set}`, '');
    for (const lang of langs) out.push(`${lang}→en:`, '', robustnessTable(r, set, lang), '');
    const cmp = (r.areaComparisons ?? []).filter((c) => c.set === set);
    if (cmp.length) {
      const rows = cmp.map((c) => `| ${c.method} | ${c.lang}→en | ${c.n} | ${c.delta >= 0 ? '+' : ''}${pct(c.delta)} | [${pct(c.ci[0])}, ${pct(c.ci[1])}] | ${c.p < 0.001 ? '< 0.001' : c.p.toFixed(3)} |`);
      out.push(`Area against \`${r.baseline}\` (points of R@1 area, 95% bootstrap interval, randomization p):`, '', '| method | direction | n | Δ area | 95% CI | p |', '| --- | --- | ---: | ---: | ---: | ---: |', ...rows, '');
    }
  }
  if (charts['noise']) out.push(`![R@1 against noise rate](${charts['noise']})`, '');
  return out;
}
