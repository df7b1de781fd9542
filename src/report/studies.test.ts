/** The robustness and scaling tables on hand-built results (values worked out in the comments). */
import { describe, it, expect } from 'vitest';
import type { CellResult, ExperimentResults } from '../eval/experiment.ts';
import { robustnessSummary, robustnessTable } from './robustness.ts';
import { initTable, scalingTable } from './scaling.ts';

const m = (x: number) => ({ 'R@1': x, 'R@5': x, 'R@10': x, MRR: x });
const RATES = [0, 0.1, 0.3];
const cell = (method: string, lang: string, group: 'low' | 'high', r1: number[], shape?: Record<string, unknown>): CellResult => ({
  version: 1, key: '', method, kind: 'distill', lang, group, train: { pairs: 100, source: '' }, info: shape ? { shape } : {}, seconds: { fit: 1, eval: 1 }, finishedAt: '',
  sets: { dev: { spec: 's', n: 10, overlap: 0, metrics: { x2en: m(r1[0]!), en2x: m(r1[0]!) }, ranks: { x2en: [], en2x: [] },
    noise: RATES.map((rate, k) => ({ rate, noise: '', metrics: { x2en: m(r1[k]!), en2x: m(r1[k]!) }, ranks: { x2en: [], en2x: [] } })) } },
});
const big = { width: 512, depth: 2, outDim: 512, params: 4.93e6, init: 'teacher: layers.0, layers.1, pooler' };
const small = { width: 128, depth: 1, outDim: 512, params: 0.69e6, init: 'teacher: pooler; scratch: layers.0, proj' };
const results: ExperimentResults = {
  name: 't', file: 'f', seed: 0, baseline: 'ot', sets: ['dev'], ran: [], skipped: [], wallSeconds: 1, comparisons: [],
  areaComparisons: [
    { set: 'dev', lang: 'swh', method: 'ot-w128', baseline: 'ot', n: 10, delta: 0.01, ci: [0.005, 0.02], p: 0.01 },
    { set: 'dev', lang: 'swh', method: 'ot-p50', baseline: 'ot', n: 10, delta: -0.4, ci: [-0.6, -0.2], p: 0.2 },
  ],
  noise: { rates: RATES, kinds: ['drop'], seed: 0, sides: 'queries' },
  languages: [{ code: 'swh', group: 'low' }, { code: 'deu', group: 'high' }],
  methods: [{ name: 'ot', kind: 'distill', objective: 'ot' }, { name: 'ot-w128', kind: 'distill', objective: 'ot' }, { name: 'ot-p50', kind: 'distill', objective: 'ot', pairs: 50 }],
  cells: [
    cell('ot', 'swh', 'low', [0.6, 0.4, 0.3], big), cell('ot', 'deu', 'high', [0.9, 0.8, 0.6], big),
    cell('ot-w128', 'swh', 'low', [0.5, 0.5, 0.2], small), cell('ot-w128', 'deu', 'high', [0.6, 0.6, 0.6], small),
    cell('ot-p50', 'swh', 'low', [0, 0, 0], big), cell('ot-p50', 'deu', 'high', [0.8, 0.7, 0.7], big),
  ],
};

describe('robustness and scaling tables', () => {
  it('rates, area and relative drop per method; best in bold, lowest drop in bold; ▲/▼ on the area only when p < 0.05', () => {
    // ot swh: area = (0.1·(0.6+0.4) + 0.2·(0.4+0.3)) / 2 / 0.3 = (0.1 + 0.14) / 2 / 0.3 = 0.4; drop = 0.3/0.6 = 50 %
    // ot-w128 swh: (0.1·1.0 + 0.2·0.7) / 2 / 0.3 = 0.4; drop 0.3/0.5 = 60 %; ot-p50: R@1 0 at rate 0 → drop n/a
    expect(robustnessTable(results, 'dev', 'swh').split('\n')).toEqual([
      '| method | r = 0 | r = 0.1 | r = 0.3 | area | rel. drop |',
      '| --- | ---: | ---: | ---: | ---: | ---: |',
      '| ot | **60.0** | 40.0 | **30.0** | **40.0** | **50.0** |',
      '| ot-w128 | 50.0 | **50.0** | 20.0 | **40.0** ▲ | 60.0 |',
      '| ot-p50 | 0.0 | 0.0 | 0.0 | 0.0 | n/a |',
    ]);
    const s = robustnessSummary(results).find((x) => x.method === 'ot-w128' && x.lang === 'deu')!;
    expect(s).toEqual({ set: 'dev', lang: 'deu', method: 'ot-w128', rates: RATES, r1: [0.6, 0.6, 0.6], area: expect.closeTo(0.6, 12), relativeDrop: 0 });
  });

  it('gap (high − low, clean R@1, both directions) against student size and bitext size; init per size', () => {
    // ot 512×2 full: 0.9 − 0.6 = 30.0; ot-w128 128×1 full: 0.6 − 0.5 = 10.0; ot-p50 512×2, 50 pairs: 0.8 − 0 = 80.0
    expect(scalingTable(results, 'dev', 'size').split('\n').slice(2)).toEqual([
      '| ot, full pairs | 10.0 (60.0 − 50.0) | 30.0 (90.0 − 60.0) |',
      '| ot, 50 pairs | – | 80.0 (80.0 − 0.0) |',
    ]);
    expect(scalingTable(results, 'dev', 'pairs').split('\n')).toEqual([
      '| series, student | 50 pairs | full |',
      '| --- | ---: | ---: |',
      '| ot, 512×2 | 80.0 (80.0 − 0.0) | 30.0 (90.0 − 60.0) |',
      '| ot, 128×1 | – | 10.0 (60.0 − 50.0) |',
    ]);
    expect(initTable(results).split('\n').slice(2)).toEqual(['| 128×1 | 0.69 M | teacher: pooler; scratch: layers.0, proj |', '| 512×2 | 4.93 M | teacher: layers.0, layers.1, pooler |']);
  });
});
