/** Issue 7's runner paths on a tiny config made by the test: noise at evaluation time, augmentation, student and bitext sizes, resume, report. */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadExperiment, runExperiment } from './experiment.ts';
import { parseExperimentConfig } from './experiment-config.ts';
import { compareAreas, curveArea, noisyVersions, perQueryArea, relativeDrop } from './experiment-noise.ts';
import { writeReport } from '../report/index.ts';
import { withEnv } from '../../test/env.ts';

const EVAL_ENG = ['the dog sleeps in the garden', 'a cat runs over the roof', 'my father eats fish', 'she reads a new book', 'the old man sings a song', 'children eat bread at home'];
const shout = (s: string) => toyLanguage(s).toUpperCase();

function writeToy(dir: string): void {
  const w = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n') + '\n');
  w('train.toy', TOY_ENG_16.map(toyLanguage));
  w('train.sh', TOY_ENG_16.map(shout));
  w('train.en', TOY_ENG_16);
  w('dev.toy', EVAL_ENG.map(toyLanguage));
  w('dev.sh', EVAL_ENG.map(shout));
  w('dev.en', EVAL_ENG);
}

const distill = (name: string, extra: Record<string, unknown> = {}, top: Record<string, unknown> = {}) => ({ name, kind: 'distill', objective: 'ot', series: 'ot', ...top, options: { steps: 2, batch: 8, ...extra } });
const config = (dir: string, rates = [0, 0.1, 0.3]) => ({
  name: 'studies',
  seed: 1,
  significance: { baseline: 'ot', samples: 200 },
  noise: { rates, kinds: ['keyboard', 'drop'], seed: 3 },
  languages: [
    { code: 'toy', group: 'low', bitext: [`lines:${dir}/train.toy:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.toy:${dir}/dev.en` } },
    { code: 'sh', group: 'high', bitext: [`lines:${dir}/train.sh:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.sh:${dir}/dev.en` } },
  ],
  methods: [
    { name: 'tfidf', kind: 'char-tfidf' },
    distill('ot'),
    distill('ot-aug', { augment: { rate: 0.2 } }, { series: 'ot-aug' }),
    distill('ot-w128-d1', { width: 128, depth: 1 }),
    distill('ot-p8', {}, { pairs: 8 }),
  ],
});

describe('curve summaries', () => {
  it('area = trapezoid over the rates / rate span; relative drop from the first to the last rate (worked by hand)', () => {
    // (0.05·(0.8+0.7) + 0.05·(0.7+0.6) + 0.1·(0.6+0.5) + 0.1·(0.5+0.2)) / 2 = (0.075 + 0.065 + 0.11 + 0.07) / 2 = 0.16; / 0.3
    expect(curveArea([0, 0.05, 0.1, 0.2, 0.3], [0.8, 0.7, 0.6, 0.5, 0.2])).toBeCloseTo(0.16 / 0.3, 12);
    expect(relativeDrop([0.8, 0.7, 0.6, 0.5, 0.2])).toBeCloseTo(0.75, 12);
    expect(curveArea([0, 0.1, 0.4], [0.5, 0.5, 0.5])).toBeCloseTo(0.5, 12);
    expect(relativeDrop([0, 0.1])).toBeUndefined();
    expect(relativeDrop([0.4, 0.5])).toBeCloseTo(-0.25, 12);
    expect(() => curveArea([0, 0.1, 0.1], [1, 1, 1])).toThrow(/rates must increase/);
    expect(() => curveArea([0], [1])).toThrow(/≥ 2/);
  });

  it('per-query areas average to the area of the mean curve; the paired test of areas runs on them', () => {
    // q0 ranks 1, 1, 2 → R@1 1, 1, 0 → (0.1·(1+1) + 0.2·(1+0)) / 2 / 0.3 = 2/3; q1 ranks 1, 3, 3 → 1, 0, 0 → 0.1 / 2 / 0.3 = 1/6
    const runs = [[1, 1], [1, 3], [2, 3]].map((x2en, k) => ({ rate: [0, 0.1, 0.3][k]!, ranks: { x2en, en2x: x2en } }));
    const a = perQueryArea(runs);
    expect(a[0]).toBeCloseTo(2 / 3, 12);
    expect(a[1]).toBeCloseTo(1 / 6, 12);
    expect((a[0]! + a[1]!) / 2).toBeCloseTo(curveArea([0, 0.1, 0.3], [1, 0.5, 0]), 12);
    const noise = (ranks: number[][]) => ranks.map((x2en, k) => ({ rate: [0, 0.1, 0.3][k]!, noise: '', metrics: {} as never, ranks: { x2en, en2x: x2en } }));
    const cells = [
      { method: 'ot', lang: 'x', sets: { dev: { noise: noise([[1, 1], [1, 3], [2, 3]]) } } },
      { method: 'mse', lang: 'x', sets: { dev: { noise: noise([[1, 1], [1, 1], [1, 1]]) } } },
    ];
    const [c] = compareAreas(cells, 'ot', ['dev'], { samples: 1000, seed: 0 });
    // mse areas 1, 1 against 2/3, 1/6: Δ = ((1 − 2/3) + (1 − 1/6)) / 2 = 7/12
    expect(c).toMatchObject({ set: 'dev', lang: 'x', method: 'mse', baseline: 'ot', n: 2 });
    expect(c!.delta).toBeCloseTo(7 / 12, 12);
  });

  it('noisy versions: rate 0 is the set itself, queries only by default, seeded', () => {
    const set = { src: EVAL_ENG.map(toyLanguage), eng: EVAL_ENG, spec: 'x' };
    const cfg = { rates: [0, 0.3], kinds: ['keyboard' as const, 'drop' as const], seed: 3, sides: 'queries' as const };
    const [clean, noisy] = noisyVersions(set, cfg);
    expect(clean!.src).toEqual(set.src);
    expect(clean!.noise).toBe('none');
    expect(noisy!.noise).toBe('drop:0.3,keyboard:0.3');
    expect(noisy!.src).not.toEqual(set.src);
    expect(noisy!.eng).toBe(set.eng);
    expect(noisyVersions(set, cfg)[1]!.src).toEqual(noisy!.src);
    const both = noisyVersions(set, { ...cfg, sides: 'both' })[1]!;
    expect(both.src).toEqual(noisy!.src);
    expect(both.eng).not.toEqual(set.eng);
  });
});

describe('robustness and scaling in the experiment runner', () => {
  it('evaluates every cell at every rate (rate 0 = the clean evaluation exactly), resumes, and reports', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-studies-'));
    writeToy(dir);
    const file = join(dir, 'studies.json');
    writeFileSync(file, JSON.stringify(config(dir)));
    const out = join(dir, 'results');
    await withEnv({ OPTICAL_CACHE: join(dir, 'cache'), OPTICAL_TRAIN_THREADS: '1' }, async () => {
      const r1 = await runExperiment(loadExperiment(file), { out });
      expect(r1.ran).toHaveLength(10);
      for (const c of r1.cells) {
        const s = c.sets['dev']!;
        expect(s.noise!.map((v) => v.rate)).toEqual([0, 0.1, 0.3]);
        expect(s.noise![0]!.metrics).toEqual(s.metrics);
        expect(s.noise![0]!.ranks).toEqual(s.ranks);
      }
      // character n-grams lose matches when a third of the letters are replaced and a third of the words dropped
      const tf = r1.cells.find((c) => c.method === 'tfidf' && c.lang === 'sh')!.sets['dev']!;
      expect(tf.noise![2]!.ranks).not.toEqual(tf.ranks);
      const cell = (m: string) => r1.cells.find((c) => c.method === m && c.lang === 'toy')!;
      expect(cell('ot-w128-d1').info['shape']).toMatchObject({ width: 128, depth: 1, outDim: 512, init: 'teacher: pooler; scratch: layers.0, proj' });
      expect(cell('ot').info['shape']).toMatchObject({ width: 512, depth: 2, init: 'teacher: layers.0, layers.1, pooler' });
      expect(cell('ot-p8').train.pairs).toBe(8);
      expect(cell('ot').train.pairs).toBe(16);
      expect(cell('ot-aug').info['augmented']).toBeGreaterThan(0);

      // resume: nothing to do (a hand-written reading added to the config refits nothing); a changed noise
      // block re-runs every cell
      writeFileSync(join(dir, 'studies-reading.md'), 'OT keeps its lead on the toy language.\n');
      writeFileSync(file, JSON.stringify({ ...config(dir), reading: 'studies-reading.md' }));
      const r2 = await runExperiment(loadExperiment(file), { out });
      expect(r2.ran).toEqual([]);
      expect(r2.reading).toBe('OT keeps its lead on the toy language.');
      expect(r2.cells.map((c) => c.sets['dev']!.noise)).toEqual(r1.cells.map((c) => c.sets['dev']!.noise));

      const reportFile = join(dir, 'studies-report.md'); // beside the output folder, as results/scaling.md
      const { files } = await writeReport(r2, out, { command: 'test', machine: 'test', date: '2026-01-01' }, { reportFile });
      expect(files).toEqual(expect.arrayContaining(['charts/studies-noise.png', 'charts/studies-scaling-size.svg', 'charts/studies-scaling-pairs.vl.json']));
      const md = readFileSync(join(out, 'studies.md'), 'utf8');
      // the copy links the same charts relative to its own folder
      const rel = relative(dir, out).split(sep).join('/');
      expect(readFileSync(reportFile, 'utf8')).toBe(md.split('](charts/').join(`](${rel}/charts/`));
      expect(md).toContain('](charts/studies-noise.png)');
      expect(md).toContain('## Reading\n\nOT keeps its lead on the toy language.\n');
      expect(md).toMatch(/summed cell cost \d+s; cells finished \d{4}-\d\d-\d\d \d\d:\d\d – \d{4}-\d\d-\d\d \d\d:\d\d UTC\./);
      expect(md).toContain('## Robustness to noisy input');
      expect(md).toContain('| method | r = 0 | r = 0.1 | r = 0.3 | area | rel. drop |');
      // 4 methods against ot × 2 languages × 1 set
      expect(r2.areaComparisons).toHaveLength(8);
      expect(md).toContain('| method | direction | n | Δ area | 95% CI | p |');
      expect(md).toContain('| 128×1 |');
      expect(md).toMatch(/\| ot, full pairs \| [-\d.]+ \([\d.]+ − [\d.]+\) \| [-\d.]+ \(/);
      expect(md).toMatch(/\| ot, 512×2 \| [-\d.]+ \([\d.]+ − [\d.]+\) \| [-\d.]+ \(/);
      const summary = JSON.parse(readFileSync(join(out, 'studies.json'), 'utf8'));
      expect(summary.cells[0].sets.dev.noise[1]).toEqual({ rate: 0.1, noise: 'drop:0.1,keyboard:0.1', metrics: r2.cells[0]!.sets['dev']!.noise![1]!.metrics });

      // a changed noise block: every cell is evaluated again, the distilled students are reloaded, not retrained
      const student = join(out, 'work', 'ot-w128-d1', 'toy', 'student', 'model.safetensors');
      const mtime = statSync(student).mtimeMs;
      writeFileSync(file, JSON.stringify(config(dir, [0, 0.2])));
      const logs: string[] = [];
      const r3 = await runExperiment(loadExperiment(file), { out, log: (msg) => logs.push(msg) });
      expect(r3.ran).toHaveLength(10);
      expect(logs.filter((l) => l.includes('evaluating again with the system of its finished fit'))).toHaveLength(8);
      expect(logs.some((l) => /lexical|train/.test(l) && l.includes('ot/'))).toBe(false);
      expect(statSync(student).mtimeMs).toBe(mtime);
      for (const c of r3.cells) {
        const before = r1.cells.find((x) => x.method === c.method && x.lang === c.lang)!;
        expect(c.sets['dev']!.ranks).toEqual(before.sets['dev']!.ranks);
        expect(c.sets['dev']!.noise!.map((v) => v.rate)).toEqual([0, 0.2]);
        if (c.kind === 'distill') expect(c.seconds.fit).toBe(before.seconds.fit);
      }
    });
  }, 300_000);

  it('bad noise, size, pairs and augmentation fields name the file and the JSON path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-studies-bad-'));
    const base = config(dir);
    const parse = (edit: (c: ReturnType<typeof config>) => void) => {
      const c = structuredClone(base);
      edit(c);
      return () => parseExperimentConfig(c, 'x.json');
    };
    expect(parse((c) => void (c.noise.rates = [0.1, 0.2]))).toThrow(/x\.json: \$\.noise\.rates\[0\]: the first rate must be 0/);
    expect(parse((c) => void (c.noise.rates = [0, 0.2, 0.2]))).toThrow(/\$\.noise\.rates\[2\]: rates must increase/);
    expect(parse((c) => void (c.noise.kinds = ['keyboard', 'typo']))).toThrow(/\$\.noise\.kinds\[1\]: unknown noise kind "typo" \(valid: drop, duplicate/);
    expect(parse((c) => void ((c.noise as Record<string, unknown>)['sides'] = 'docs'))).toThrow(/\$\.noise\.sides: expected "queries" or "both"/);
    expect(parse((c) => void ((c.methods[4] as Record<string, unknown>)['pairs'] = 0))).toThrow(/\$\.methods\[4\]\.pairs: expected an integer ≥ 1/);
    const write = (edit: (c: ReturnType<typeof config>) => void) => {
      const c = structuredClone(base);
      edit(c);
      const f = join(dir, 'c.json');
      writeFileSync(f, JSON.stringify(c));
      return () => loadExperiment(f);
    };
    expect(write((c) => void ((c as Record<string, unknown>)['reading'] = 'missing-reading.md'))).toThrow(/c\.json: \$\.reading: no such file: .*missing-reading\.md/);
    expect(write((c) => void ((c.methods[3] as Record<string, unknown>)['options'] = { width: 130 }))).toThrow(/c\.json: \$\.methods\[3\]\.options\.width: expected a positive multiple of 4/);
    expect(write((c) => void ((c.methods[3] as Record<string, unknown>)['options'] = { depth: 0 }))).toThrow(/\$\.methods\[3\]\.options\.depth: expected a positive integer/);
    expect(write((c) => void ((c.methods[2] as Record<string, unknown>)['options'] = { augment: { rate: 2 } }))).toThrow(/\$\.methods\[2\]\.options\.augment\.rate: expected a number in \(0, 1\]/);
    expect(write((c) => void ((c.methods[2] as Record<string, unknown>)['options'] = { augment: { rate: 0.1, kinds: ['swap', 'x'] } }))).toThrow(/\$\.methods\[2\]\.options\.augment\.kinds\[1\]: unknown noise kind "x"/);
    expect(write((c) => void ((c.methods[2] as Record<string, unknown>)['options'] = { augment: {} }))).toThrow(/\$\.methods\[2\]\.options\.augment\.rate: required/);
  });
});
