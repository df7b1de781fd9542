/**
 * `experiments/smoke.json` end to end on the real corpora (issue 4: "a small config runs in CI in minutes"):
 * Swahili and German, 400 training pairs each, teacher, BM25, kernel ridge, mse and ot (5 steps), Tatoeba and
 * SIB-200 dev, the analysis block; then the same command again reuses every cell. Skipped without
 * ../shared/data. Fixed points: the teacher's Tatoeba swh accuracy is the one measured everywhere else in the
 * repository (24 and 25 of 390 sentences: 6.2 / 6.4 %).
 */
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveTestData } from '../../test/data.ts';
import { loadExperiment, runExperiment } from './experiment.ts';
import { writeReport } from '../report/index.ts';
import { withEnv } from '../../test/env.ts';

const EXP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments');
const data = resolveTestData();

describe.skipIf(!data)(`experiments/smoke.json on the real data${data ? '' : ' (skipped: no ../shared/data)'}`, () => {
  it('runs its 10 cells, reports with the analysis, and a rerun reuses every cell', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-smoke-'));
    const out = join(dir, 'results');
    await withEnv({ OPTICAL_CACHE: join(dir, 'cache') }, async () => {
      const r = await runExperiment(loadExperiment(join(EXP, 'smoke.json')), { out, dataDir: data! });
      expect(r.ran).toHaveLength(10);
      const cell = (m: string, l: string) => r.cells.find((c) => c.method === m && c.lang === l)!;
      const r1 = (m: string, l: string, set: string, d: 'x2en' | 'en2x' = 'x2en') => cell(m, l).sets[set]!.metrics[d]['R@1'];
      const n = cell('teacher', 'swh').sets['tatoeba']!.n;
      expect(n).toBe(390);
      expect(Math.round(r1('teacher', 'swh', 'tatoeba') * n)).toBe(24);
      expect(Math.round(r1('teacher', 'swh', 'tatoeba', 'en2x') * n)).toBe(25);
      // the distilled students (closed-form start + 5 steps) are far above the teacher zero-shot
      for (const m of ['mse', 'ot']) expect(r1(m, 'swh', 'tatoeba')).toBeGreaterThan(r1('teacher', 'swh', 'tatoeba') + 0.03);
      for (const c of r.cells) for (const s of Object.values(c.sets)) expect(s.overlap).toBe(0);
      // the analysis: curves of the 4 distilled cells, token transport of 3 methods × 2 languages × 2 splits
      expect(r.analysis!.curves).toHaveLength(4);
      expect(r.analysis!.transport).toHaveLength(12);
      await writeReport(r, out, { command: 'test', machine: 'test', date: '2026-01-01' });
      const md = readFileSync(join(out, 'smoke.md'), 'utf8');
      for (const h of ['## tatoeba', '## sib-dev', '## Gap: high- minus low-resource', '## Why: held-out token transport', '## Cost per cell']) expect(md).toContain(h);
      expect(existsSync(join(out, 'charts', 'smoke-curves.png'))).toBe(true);

      const again = await runExperiment(loadExperiment(join(EXP, 'smoke.json')), { out, dataDir: data! });
      expect(again.ran).toEqual([]);
      expect(again.skipped).toHaveLength(10);
    });
  }, 600_000);
});
