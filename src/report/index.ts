/**
 * The report of an experiment, written into the output folder (every file atomically):
 *   <name>.json              summary: configuration, every cell's metrics, fit info and cost (per-query
 *                            ranks stay in cells/), and every comparison with the baseline
 *   <name>.md                per evaluation set: R@1, R@5, R@10 and MRR tables (methods × language/direction, best in
 *                            bold, ▲/▼ significantly better/worse than the baseline), significance details;
 *                            the gap table; the cost of each cell; the wall time
 *   charts/<name>-<set>.{vl.json,svg,png}, charts/<name>-gap.{vl.json,svg,png}
 *   with a noise block (robustness.ts): R@1-vs-rate tables, area, relative drop (also in <name>.json,
 *                            `robustness`); charts/<name>-noise.*
 *   when student or bitext size varies (scaling.ts): gap tables; charts/<name>-scaling-{size,pairs}.*
 *   with an analysis block (analysis.ts): held-out token transport, alignment examples; charts/<name>-curves.*
 */
import { dirname, join, relative, resolve, sep } from 'node:path';
import type { ExperimentResults } from '../eval/experiment.ts';
import { METRICS } from '../eval/experiment-metrics.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { gapChartSpec, renderChart, setChartSpec, type VegaLiteSpec } from './charts.ts';
import { ALPHA, baselineSummary, costTable, gapSets, gapTable, languagesWith, setSizes, setTable, significanceTable } from './tables.ts';
import { robustnessMarkdown, robustnessSummary } from './robustness.ts';
import { isScalingStudy, scalingMarkdown } from './scaling.ts';
import { noiseChartSpec, scalingChartSpec } from './charts-studies.ts';
import { analysisMarkdown, curveChartSpec } from './analysis.ts';

export * from './tables.ts';
export * from './charts.ts';
export * from './robustness.ts';
export * from './scaling.ts';
export * from './charts-studies.ts';
export * from './analysis.ts';

export interface ReportMeta {
  /** the command that produced the results */
  command: string;
  /** e.g. "2 cores (AMD EPYC)" */
  machine: string;
  date: string;
}

/** Summary JSON: the results without per-query ranks (noisy results: rate, noise spec and metrics). */
export function summary(r: ExperimentResults, meta: ReportMeta): unknown {
  const set = (s: ExperimentResults['cells'][number]['sets'][string]) => ({
    spec: s.spec, n: s.n, overlap: s.overlap, metrics: s.metrics,
    ...(s.noise ? { noise: s.noise.map((v) => ({ rate: v.rate, noise: v.noise, metrics: v.metrics })) } : {}),
  });
  const cells = r.cells.map((c) => ({ ...c, sets: Object.fromEntries(Object.entries(c.sets).map(([k, s]) => [k, set(s)])) }));
  return { ...meta, ...r, cells, ...(r.noise ? { robustness: robustnessSummary(r) } : {}) };
}

export function markdown(r: ExperimentResults, meta: ReportMeta, charts: Record<string, string>): string {
  const fitted = r.cells.reduce((s, c) => s + c.seconds.fit + c.seconds.eval, 0);
  const out: string[] = [
    `# ${r.name}`,
    '',
    ...(r.description ? [r.description, ''] : []),
    `Command: \`${meta.command}\` (config \`${r.file}\`, seed ${r.seed}). Machine: ${meta.machine}, ${meta.date}.`,
    `Wall time of this run: ${Math.round(r.wallSeconds)}s (${r.ran.length} cells run, ${r.skipped.length} reused from earlier runs); summed cell cost ${Math.round(fitted)}s${finishedSpan(r)}.`,
    ...(r.missing ? ['', `**Partial report:** ${r.skipped.length} of ${r.skipped.length + r.missing.length} cells are finished; not run yet (shown as –): ${r.missing.join(', ')}.`] : []),
    '',
    ...(r.reading ? ['## Reading', '', r.reading, ''] : []),
    `Metrics: R@1 (= bitext-mining accuracy), R@5, R@10 and MRR (full ranking) in % over all queries, both directions (X→en: foreign queries retrieve the English side). ` +
      `**Bold**: best in the column. ▲ / ▼: better / worse than \`${r.baseline}\` on the same queries and metric at p < ${ALPHA} (paired randomization test; ` +
      `95% bootstrap intervals of R@1 below).`,
    '',
  ];
  for (const set of r.sets) {
    if (languagesWith(r, set).length === 0) {
      out.push(`## ${set}`, '', '(no finished cell has this set yet)', '');
      continue;
    }
    out.push(`## ${set}`, '', setSizes(r, set), '');
    for (const metric of METRICS) out.push(`### ${metric}`, '', setTable(r, set, metric), '');
    if (charts[set]) out.push(`![${set}](${charts[set]})`, '');
    out.push(`### R@1 against ${r.baseline}`, '', significanceTable(r, set, 'R@1'), '');
  }
  out.push(`## ${r.baseline} against each method`, '', `R@1 comparisons (language, set, direction) on the same queries, paired randomization test, p < ${ALPHA}, counted per language group.`, '', baselineSummary(r), '');
  out.push('## Gap: high- minus low-resource', '', 'Mean over the languages of each group of the mean of both directions; points of R@1 (high − low). Control languages are not in either group; – while a cell of the group is unfinished.', '', gapTable(r), '');
  if (charts['gap']) out.push(`![gap](${charts['gap']})`, '');
  out.push(...robustnessMarkdown(r, charts), ...scalingMarkdown(r, charts), ...analysisMarkdown(r, charts));
  out.push('## Cost per cell (fit + evaluation)', '', costTable(r), '');
  return out.join('\n');
}

/** `; cells finished FIRST – LAST UTC` (to the minute) when the cells carry their finishing times. */
function finishedSpan(r: ExperimentResults): string {
  const t = r.cells.map((c) => c.finishedAt).filter((x): x is string => typeof x === 'string').sort();
  if (t.length === 0) return '';
  const fmt = (x: string) => `${x.slice(0, 10)} ${x.slice(11, 16)}`;
  return `; cells finished ${fmt(t[0]!)} – ${fmt(t.at(-1)!)} UTC`;
}

/**
 * Write the JSON summary, the markdown report and the charts into `out`; with `reportFile`, the markdown
 * report is also written there, its chart links relative to that file's folder (e.g. `results/scaling.md`
 * next to `results/scaling/`).
 */
export async function writeReport(r: ExperimentResults, out: string, meta: ReportMeta, opts: { reportFile?: string } = {}): Promise<{ files: string[] }> {
  const files: string[] = [];
  const charts: Record<string, string> = {};
  const specs: [string, VegaLiteSpec][] = r.sets.filter((s) => languagesWith(r, s).length > 0).map((s) => [s, setChartSpec(r, s)]);
  if (gapSets(r).length) specs.push(['gap', gapChartSpec(r)]);
  if (r.noise && r.cells.some((c) => Object.values(c.sets).some((s) => s.noise))) specs.push(['noise', noiseChartSpec(r)]);
  if (isScalingStudy(r) && gapSets(r).length) specs.push(['scaling-size', scalingChartSpec(r, 'size')], ['scaling-pairs', scalingChartSpec(r, 'pairs')]);
  const curves = curveChartSpec(r);
  if (curves) specs.push(['curves', curves]);
  for (const [key, spec] of specs) {
    const base = `charts/${r.name}-${key}`;
    const { svg, png } = await renderChart(spec);
    atomicWriteFile(join(out, `${base}.vl.json`), JSON.stringify(spec, null, 1) + '\n');
    atomicWriteFile(join(out, `${base}.svg`), svg);
    atomicWriteFile(join(out, `${base}.png`), png);
    files.push(`${base}.vl.json`, `${base}.svg`, `${base}.png`);
    charts[key] = `${base}.png`;
  }
  atomicWriteFile(join(out, `${r.name}.json`), JSON.stringify(summary(r, meta), null, 1) + '\n');
  atomicWriteFile(join(out, `${r.name}.md`), markdown(r, meta, charts));
  files.push(`${r.name}.json`, `${r.name}.md`);
  if (opts.reportFile !== undefined) {
    const from = dirname(resolve(opts.reportFile));
    const moved = Object.fromEntries(Object.entries(charts).map(([k, f]) => [k, relative(from, resolve(out, f)).split(sep).join('/')]));
    atomicWriteFile(opts.reportFile, markdown(r, meta, moved));
  }
  return { files };
}
