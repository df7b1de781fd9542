/**
 * Markdown tables of an experiment (`ExperimentResults`): per evaluation set, methods × (language,
 * direction) with the best value of each column in bold and significance marks against the baseline;
 * the high- minus low-resource gap; the significance details; the cost of each cell.
 */
import type { ExperimentResults, CellResult } from '../eval/experiment.ts';
import type { Comparison } from '../eval/experiment-compare.ts';
import type { Direction, Metric } from '../eval/experiment-metrics.ts';

export const ALPHA = 0.05;
const pct = (x: number) => (100 * x).toFixed(1);
const DIRS: Direction[] = ['x2en', 'en2x'];
const dirLabel = (lang: string, d: Direction) => (d === 'x2en' ? `${lang}→en` : `en→${lang}`);

function cellOf(r: ExperimentResults, method: string, lang: string): CellResult | undefined {
  return r.cells.find((c) => c.method === method && c.lang === lang);
}

function comparison(r: ExperimentResults, q: Pick<Comparison, 'set' | 'lang' | 'direction' | 'metric' | 'method'>): Comparison | undefined {
  return r.comparisons.find((c) => c.set === q.set && c.lang === q.lang && c.direction === q.direction && c.metric === q.metric && c.method === q.method);
}

/** ▲ / ▼: significantly better / worse than the baseline (paired randomization p < 0.05). */
export function mark(c: Comparison | undefined): string {
  if (!c || c.p >= ALPHA) return '';
  return c.delta > 0 ? ' ▲' : ' ▼';
}

/** A markdown table; `align` per column. */
export function table(header: string[], rows: string[][], align: ('l' | 'r')[]): string {
  const sep = align.map((a) => (a === 'r' ? '---:' : '---'));
  return [header, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** Languages that have this evaluation set in at least one cell. */
export function languagesWith(r: ExperimentResults, set: string): string[] {
  return r.languages.map((l) => l.code).filter((code) => r.cells.some((c) => c.lang === code && c.sets[set]));
}

/** Methods × (language, direction) for one set and metric. */
export function setTable(r: ExperimentResults, set: string, metric: Metric = 'R@1'): string {
  const langs = languagesWith(r, set);
  const cols = langs.flatMap((l) => DIRS.map((d) => ({ l, d })));
  const value = (m: string, l: string, d: Direction) => cellOf(r, m, l)?.sets[set]?.metrics[d][metric];
  const best = cols.map(({ l, d }) => Math.max(...r.methods.map((m) => value(m.name, l, d) ?? -Infinity)));
  const rows = r.methods.map((m) => [
    m.name,
    ...cols.map(({ l, d }, k) => {
      const v = value(m.name, l, d);
      if (v === undefined) return '–';
      const s = pct(v);
      return (v === best[k] ? `**${s}**` : s) + (m.name === r.baseline ? '' : mark(comparison(r, { set, lang: l, direction: d, metric, method: m.name })));
    }),
  ]);
  return table(['method', ...cols.map(({ l, d }) => dirLabel(l, d))], rows, ['l', ...cols.map(() => 'r' as const)]);
}

/** n of each language's copy of a set, and the training-overlap check. */
export function setSizes(r: ExperimentResults, set: string): string {
  return languagesWith(r, set)
    .map((l) => {
      const s = r.cells.find((c) => c.lang === l && c.sets[set])!.sets[set]!;
      const overlap = Math.max(...r.cells.filter((c) => c.lang === l && c.sets[set]).map((c) => c.sets[set]!.overlap));
      return `${l} n = ${s.n} (${s.spec}${overlap ? `; ${overlap} pairs also in the training bitext` : ''})`;
    })
    .join('; ');
}

/**
 * Mean over languages of a group of the mean of both directions' metric, per method and set. Undefined while
 * the group is incomplete for this method: when a cell of one of the group's languages evaluated on the set is
 * still unfinished (`missing`, a partial report), a mean over the others would compare different languages.
 */
export function groupMean(r: ExperimentResults, method: string, set: string, group: 'low' | 'high', metric: Metric = 'R@1'): number | undefined {
  const langs = r.languages.filter((l) => l.group === group && r.cells.some((c) => c.lang === l.code && c.sets[set]));
  if (langs.some((l) => r.missing?.includes(`${method}/${l.code}`))) return undefined;
  const vals = langs
    .map((l) => cellOf(r, method, l.code)?.sets[set])
    .filter((s) => s !== undefined)
    .map((s) => (s.metrics.x2en[metric] + s.metrics.en2x[metric]) / 2);
  return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : undefined;
}

/** Sets evaluated on at least one low- and one high-resource language. */
export function gapSets(r: ExperimentResults): string[] {
  return r.sets.filter((s) => r.methods.some((m) => groupMean(r, m.name, s, 'low') !== undefined && groupMean(r, m.name, s, 'high') !== undefined));
}

/** The gap table: high minus low (points of R@1, mean of both directions), with the two means. */
export function gapTable(r: ExperimentResults, metric: Metric = 'R@1'): string {
  const sets = gapSets(r);
  if (sets.length === 0) return '(no evaluation set covers both low- and high-resource languages)';
  const rows = r.methods.map((m) => [
    m.name,
    ...sets.map((s) => {
      const hi = groupMean(r, m.name, s, 'high', metric);
      const lo = groupMean(r, m.name, s, 'low', metric);
      return hi === undefined || lo === undefined ? '–' : `${pct(hi - lo)} (${pct(hi)} − ${pct(lo)})`;
    }),
  ]);
  return table(['method', ...sets], rows, ['l', ...sets.map(() => 'r' as const)]);
}

/** Every comparison with the baseline on one set: Δ, 95% CI and p, per language and direction. */
export function significanceTable(r: ExperimentResults, set: string, metric: Metric = 'R@1'): string {
  const rows = r.comparisons
    .filter((c) => c.set === set && c.metric === metric)
    .map((c) => [c.method, dirLabel(c.lang, c.direction), String(c.n), `${c.delta >= 0 ? '+' : ''}${pct(c.delta)}`, `[${pct(c.ci[0])}, ${pct(c.ci[1])}]`, c.p < 0.001 ? '< 0.001' : c.p.toFixed(3)]);
  if (rows.length === 0) return `(no comparison with ${r.baseline})`;
  return table(['method', 'direction', 'n', `Δ ${metric} vs ${r.baseline}`, '95% CI', 'p'], rows, ['l', 'l', 'r', 'r', 'r', 'r']);
}

/**
 * The baseline against each method, counted over (language, set, direction) R@1 comparisons per language
 * group: where the baseline is significantly better (p < ALPHA), significantly worse, or neither; with the
 * (language, set) pairs where it is better in at least one direction (issue 4's acceptance counts those).
 */
export function baselineSummary(r: ExperimentResults, metric: Metric = 'R@1'): string {
  const group = new Map(r.languages.map((l) => [l.code, l.group]));
  const rows: string[][] = [];
  for (const m of r.methods) {
    if (m.name === r.baseline) continue;
    for (const g of ['low', 'high', 'control'] as const) {
      const cs = r.comparisons.filter((c) => c.method === m.name && c.metric === metric && group.get(c.lang) === g);
      if (cs.length === 0) continue;
      const better = cs.filter((c) => c.p < ALPHA && c.delta < 0); // delta = method − baseline
      const worse = cs.filter((c) => c.p < ALPHA && c.delta > 0);
      const pairs = [...new Set(better.map((c) => `${c.lang} ${c.set}`))];
      rows.push([m.name, g, String(cs.length), String(better.length), String(worse.length), String(cs.length - better.length - worse.length), pairs.length ? `${pairs.length}: ${pairs.join(', ')}` : '0']);
    }
  }
  if (rows.length === 0) return `(no comparison with ${r.baseline})`;
  return table(['method', 'group', 'comparisons', `${r.baseline} better`, `${r.baseline} worse`, 'no significant difference', `(language, set) pairs where ${r.baseline} is better`], rows, ['l', 'l', 'r', 'r', 'r', 'r', 'l']);
}

/** Seconds per cell (fit + evaluation), methods × languages. */
export function costTable(r: ExperimentResults): string {
  const langs = r.languages.map((l) => l.code);
  const rows = r.methods.map((m) => [
    m.name,
    ...langs.map((l) => {
      const c = cellOf(r, m.name, l);
      return c ? `${Math.round(c.seconds.fit + c.seconds.eval)}s` : '–';
    }),
  ]);
  return table(['method', ...langs], rows, ['l', ...langs.map(() => 'r' as const)]);
}
