/**
 * The scaling part of an experiment report (issue 7): the high- minus low-resource R@1 gap (tables.ts
 * `groupMean`: mean over a group's languages of the mean of both directions) against student size and
 * against the number of training pairs, one line per series.
 *
 * A distill cell's size is read from its record (`info.shape`: width W, depth D, parameters, and which
 * parameter groups started from the teacher and which from scratch); its bitext size is the method's
 * `pairs` ("full" without). Series: the method's `series`, else its objective, else its name.
 *   size axis:  rows (series, pairs), columns sizes W × D ordered by parameter count
 *   pairs axis: rows (series, size),  columns pairs ascending, "full" last
 */
import type { ExperimentResults } from '../eval/experiment.ts';
import { gapSets, groupMean } from './tables.ts';

export interface ScalingPoint {
  method: string;
  series: string;
  /** "W×D" */
  size: string;
  params: number;
  init: string;
  /** the method's `pairs`, or "full" */
  pairs: string;
}

interface Shape {
  width: number;
  depth: number;
  params: number;
  init: string;
}

/** Every method with a recorded student shape, as a point of the scaling study. */
export function scalingPoints(r: ExperimentResults): ScalingPoint[] {
  const out: ScalingPoint[] = [];
  for (const m of r.methods) {
    const shape = r.cells.find((c) => c.method === m.name && c.info['shape'])?.info['shape'] as Shape | undefined;
    if (!shape) continue;
    out.push({ method: m.name, series: m.series ?? m.objective ?? m.name, size: `${shape.width}×${shape.depth}`, params: shape.params, init: shape.init, pairs: m.pairs === undefined ? 'full' : String(m.pairs) });
  }
  return out;
}

/** Whether the results vary student size or bitext size (then the report has a scaling section). */
export function isScalingStudy(r: ExperimentResults): boolean {
  const p = scalingPoints(r);
  return new Set(p.map((x) => x.size)).size > 1 || new Set(p.map((x) => x.pairs)).size > 1;
}

const pairsOrder = (a: string, b: string) => (a === 'full' ? 1 : b === 'full' ? -1 : Number(a) - Number(b));
const uniq = <T>(xs: T[]) => [...new Set(xs)];

/** Sizes ordered by parameter count; pairs ascending with "full" last. */
export function scalingAxes(points: ScalingPoint[]): { sizes: string[]; pairs: string[] } {
  const sizes = uniq([...points].sort((a, b) => a.params - b.params).map((p) => p.size));
  return { sizes, pairs: uniq(points.map((p) => p.pairs)).sort(pairsOrder) };
}

/** gap (points of R@1, high − low) of a method on a set, undefined when a group is missing. */
export function methodGap(r: ExperimentResults, method: string, set: string): number | undefined {
  const hi = groupMean(r, method, set, 'high');
  const lo = groupMean(r, method, set, 'low');
  return hi === undefined || lo === undefined ? undefined : hi - lo;
}

/** points (×100) with one decimal, never "-0.0" */
const points1 = (x: number) => (Math.abs(100 * x) < 0.05 ? '0.0' : (100 * x).toFixed(1));

function gapCell(r: ExperimentResults, p: ScalingPoint | undefined, set: string): string {
  if (!p) return '–';
  const hi = groupMean(r, p.method, set, 'high');
  const lo = groupMean(r, p.method, set, 'low');
  return hi === undefined || lo === undefined ? '–' : `${points1(hi - lo)} (${points1(hi)} − ${points1(lo)})`;
}

/** A markdown table; columns left-aligned where `left` says so (default: the first only). */
const md = (header: string[], rows: string[][], left: (i: number) => boolean = (i) => i === 0) =>
  [header, header.map((_, i) => (left(i) ? '---' : '---:')), ...rows].map((x) => `| ${x.join(' | ')} |`).join('\n');

/** The gap against `axis` on one set (see the file header for rows and columns). */
export function scalingTable(r: ExperimentResults, set: string, axis: 'size' | 'pairs'): string {
  const pts = scalingPoints(r);
  const { sizes, pairs } = scalingAxes(pts);
  const [cols, rowKey, colKey] = axis === 'size' ? [sizes, (p: ScalingPoint) => `${p.series}, ${p.pairs} pairs`, (p: ScalingPoint) => p.size] : [pairs, (p: ScalingPoint) => `${p.series}, ${p.size}`, (p: ScalingPoint) => p.pairs];
  const rows = uniq(pts.map(rowKey)).map((row) => [row, ...cols.map((c) => gapCell(r, pts.find((p) => rowKey(p) === row && colKey(p) === c), set))]);
  return md([axis === 'size' ? 'series, bitext' : 'series, student', ...cols.map((c) => (axis === 'size' ? `${c}` : c === 'full' ? 'full' : `${c} pairs`))], rows);
}

/** Each size: parameters and where its parameter groups started. */
export function initTable(r: ExperimentResults): string {
  const seen = new Map<string, ScalingPoint>();
  for (const p of [...scalingPoints(r)].sort((a, b) => a.params - b.params)) if (!seen.has(p.size)) seen.set(p.size, p);
  const rows = [...seen.values()].map((p) => [p.size, `${(p.params / 1e6).toFixed(2)} M`, p.init]);
  return md(['student (W×D)', 'parameters', 'initialisation'], rows, (i) => i !== 1);
}

/** "full" in words: each language's whole training bitext, in pairs (from the cells of methods without `pairs`). */
function fullSizes(r: ExperimentResults): string {
  const full = new Set(scalingPoints(r).filter((p) => p.pairs === 'full').map((p) => p.method));
  const per = r.languages.map((l) => [l.code, r.cells.find((c) => c.lang === l.code && full.has(c.method))?.train.pairs] as const).filter(([, n]) => n !== undefined);
  return per.length ? `"full" = ${per.map(([l, n]) => `${l} ${n}`).join(', ')} pairs.` : '';
}

/** The markdown section (gap tables per set for both axes, the init table, the charts). */
export function scalingMarkdown(r: ExperimentResults, charts: Record<string, string>): string[] {
  if (!isScalingStudy(r)) return [];
  const out = [
    '## Scaling: the high- minus low-resource gap against student size and bitext size',
    '',
    'Gap = mean R@1 (both directions) of the high-resource languages minus that of the low-resource ones, in points, with the two means. ' +
      'Parameters: the transformer layers, the projection and the pooler (input tables excluded: every size has the teacher\'s input embedding table). ' +
      'Bitext sizes are seeded nested samples of each language\'s training bitext ("full": all of it).',
    '',
    fullSizes(r),
    '',
    '### Initialisation of each student size',
    '',
    initTable(r),
    '',
  ];
  for (const set of gapSets(r)) {
    out.push(`### ${set}`, '', 'Against student size:', '', scalingTable(r, set, 'size'), '', 'Against bitext size:', '', scalingTable(r, set, 'pairs'), '');
  }
  for (const k of ['scaling-size', 'scaling-pairs']) if (charts[k]) out.push(`![${k}](${charts[k]})`, '');
  return out;
}
