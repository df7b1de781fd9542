import { describe, it, expect } from 'vitest';
import type { ExperimentResults, CellResult } from '../eval/experiment.ts';
import { baselineSummary, gapTable, mark, setTable } from './tables.ts';
import { markdown } from './index.ts';

const m = (r1: number) => ({ 'R@1': r1, 'R@5': r1, 'R@10': r1, MRR: r1 });
const cell = (method: string, lang: string, group: 'low' | 'high', x: number, e: number): CellResult => ({
  version: 1, key: '', method, kind: 'k', lang, group, train: { pairs: 1, source: '' }, info: {}, seconds: { fit: 1, eval: 1 }, finishedAt: '',
  sets: { dev: { spec: 's', n: 4, overlap: 0, metrics: { x2en: m(x), en2x: m(e) }, ranks: { x2en: [], en2x: [] } } },
});
const results: ExperimentResults = {
  name: 't', file: 'f', seed: 0, baseline: 'ot', sets: ['dev'], ran: [], skipped: [], wallSeconds: 1,
  languages: [{ code: 'swh', group: 'low' }, { code: 'deu', group: 'high' }],
  methods: [{ name: 'teacher', kind: 'teacher' }, { name: 'ot', kind: 'distill' }],
  cells: [cell('teacher', 'swh', 'low', 0.1, 0.2), cell('ot', 'swh', 'low', 0.4, 0.2), cell('teacher', 'deu', 'high', 0.9, 0.5), cell('ot', 'deu', 'high', 0.6, 0.7)],
  comparisons: [
    { set: 'dev', lang: 'swh', direction: 'x2en', metric: 'R@1', method: 'teacher', baseline: 'ot', n: 4, delta: -0.3, ci: [-0.5, -0.1], p: 0.01 },
    { set: 'dev', lang: 'deu', direction: 'x2en', metric: 'R@1', method: 'teacher', baseline: 'ot', n: 4, delta: 0.3, ci: [0.1, 0.5], p: 0.2 },
  ],
};

describe('report tables', () => {
  it('bold best per column (ties bold), marks only when p < 0.05', () => {
    const t = setTable(results, 'dev').split('\n');
    expect(t[0]).toBe('| method | swh→en | en→swh | deu→en | en→deu |');
    expect(t[2]).toBe('| teacher | 10.0 ▼ | **20.0** | **90.0** | 50.0 |');
    expect(t[3]).toBe('| ot | **40.0** | **20.0** | 60.0 | **70.0** |');
    expect(mark({ ...results.comparisons[0]!, delta: 0.1 })).toBe(' ▲');
    expect(mark(undefined)).toBe('');
  });

  it('R@5, R@10 and MRR tables read their own metric, bold and marks included', () => {
    const r: ExperimentResults = structuredClone(results);
    const set = (method: string, lang: string) => r.cells.find((c) => c.method === method && c.lang === lang)!.sets['dev']!;
    set('teacher', 'swh').metrics.x2en = { 'R@1': 0.1, 'R@5': 0.75, 'R@10': 0.8, MRR: 0.3 };
    set('ot', 'swh').metrics.x2en = { 'R@1': 0.4, 'R@5': 0.5, 'R@10': 0.9, MRR: 0.45 };
    r.comparisons.push({ set: 'dev', lang: 'swh', direction: 'x2en', metric: 'R@5', method: 'teacher', baseline: 'ot', n: 4, delta: 0.25, ci: [0.1, 0.4], p: 0.03 });
    expect(setTable(r, 'dev', 'R@5').split('\n')[2]).toBe('| teacher | **75.0** ▲ | **20.0** | **90.0** | 50.0 |');
    expect(setTable(r, 'dev', 'R@5').split('\n')[3]).toBe('| ot | 50.0 | **20.0** | 60.0 | **70.0** |');
    expect(setTable(r, 'dev', 'R@10').split('\n')[2]).toBe('| teacher | 80.0 | **20.0** | **90.0** | 50.0 |');
    expect(setTable(r, 'dev', 'MRR').split('\n')[3]).toBe('| ot | **45.0** | **20.0** | 60.0 | **70.0** |');
    const md = markdown(r, { command: 'c', machine: 'm', date: 'd' }, {});
    const sections = md.split('\n').filter((l) => l.startsWith('### '));
    expect(sections).toEqual(['### R@1', '### R@5', '### R@10', '### MRR', '### R@1 against ot']);
    expect(md).toContain('| teacher | **75.0** ▲ |');
  });

  it('gap = mean(high) − mean(low) of the mean of both directions', () => {
    // teacher: high (0.9 + 0.5)/2 = 0.70, low (0.1 + 0.2)/2 = 0.15 → 55.0; ot: 0.65 − 0.30 → 35.0
    const t = gapTable(results).split('\n');
    expect(t[2]).toBe('| teacher | 55.0 (70.0 − 15.0) |');
    expect(t[3]).toBe('| ot | 35.0 (65.0 − 30.0) |');
    // a partial report: a second low-resource language whose ot cell is not finished yet → no ot gap
    const r = structuredClone(results);
    r.languages.push({ code: 'kab', group: 'low' });
    r.cells.push(cell('teacher', 'kab', 'low', 0.3, 0.4));
    r.missing = ['ot/kab'];
    const p = gapTable(r).split('\n');
    expect(p[2]).toBe('| teacher | 45.0 (70.0 − 25.0) |');
    expect(p[3]).toBe('| ot | – |');
  });

  it('the baseline against each method, per group: significant wins (Δ < 0), losses (Δ > 0), and the (language, set) pairs won', () => {
    const r = structuredClone(results);
    r.comparisons.push(
      { set: 'dev', lang: 'swh', direction: 'en2x', metric: 'R@1', method: 'teacher', baseline: 'ot', n: 4, delta: -0.2, ci: [-0.3, -0.1], p: 0.04 },
      { set: 'test', lang: 'swh', direction: 'x2en', metric: 'R@1', method: 'teacher', baseline: 'ot', n: 4, delta: 0.2, ci: [0.1, 0.3], p: 0.01 },
      { set: 'dev', lang: 'swh', direction: 'x2en', metric: 'R@5', method: 'teacher', baseline: 'ot', n: 4, delta: -0.2, ci: [-0.3, -0.1], p: 0.01 },
    );
    const t = baselineSummary(r).split('\n');
    expect(t[0]).toBe('| method | group | comparisons | ot better | ot worse | no significant difference | (language, set) pairs where ot is better |');
    // low: swh dev x2en (won), swh dev en2x (won), swh test x2en (lost); the R@5 row is another metric
    expect(t[2]).toBe('| teacher | low | 3 | 2 | 1 | 0 | 1: swh dev |');
    expect(t[3]).toBe('| teacher | high | 1 | 0 | 0 | 1 | 0 |');
    expect(t).toHaveLength(4);
  });
});
