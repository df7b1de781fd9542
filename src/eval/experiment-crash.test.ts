/** In a file of its own: the method kind it registers must not appear in other tests' lists of valid kinds. */
import { it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadExperiment, runExperiment } from './experiment.ts';
import { registerMethod } from './experiment-methods.ts';

it('a fit that crashes keeps its time (saved while it runs, and when it fails); the run that finishes the cell counts it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'optical-exp-crash-'));
  const w = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n') + '\n');
  w('train.toy', TOY_ENG_16.map(toyLanguage));
  w('train.en', TOY_ENG_16);
  w('dev.toy', TOY_ENG_16.slice(0, 4).map(toyLanguage).map((x) => `${x} dev`));
  w('dev.en', TOY_ENG_16.slice(0, 4).map((x) => `${x} dev`));
  let crash = true;
  let sawHeartbeat = false;
  registerMethod('crash-once-test', (m) => ({
    config: m,
    async fit(ctx) {
      await new Promise((r) => setTimeout(r, 150));
      sawHeartbeat = existsSync(join(ctx.dir, 'spent.json'));
      if (crash) throw new Error('ENOSPC: no space left on device, write');
      return { system: { scores: (src, eng) => new Float64Array(src.length * eng.length) }, info: {} };
    },
  }));
  const c = {
    name: 'crash',
    seed: 1,
    languages: [{ code: 'toy', group: 'low', bitext: [`lines:${dir}/train.toy:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.toy:${dir}/dev.en` } }],
    methods: [{ name: 'ot', kind: 'crash-once-test' }],
  };
  const file = join(dir, 'crash.json');
  writeFileSync(file, JSON.stringify(c));
  const out = join(dir, 'results');
  await expect(runExperiment(loadExperiment(file), { out, spentEverySeconds: 0.02 })).rejects.toThrow(/ENOSPC/);
  expect(sawHeartbeat).toBe(true); // written by the heartbeat before the fit ended
  const spent = JSON.parse(readFileSync(join(out, 'work', 'ot', 'toy', 'spent.json'), 'utf8')).seconds;
  expect(spent).toBeGreaterThanOrEqual(0.14);
  crash = false;
  const r = await runExperiment(loadExperiment(file), { out });
  const cell = r.cells.find((x) => x.method === 'ot')!;
  expect(cell.seconds.fitEarlierRuns).toBe(spent);
  expect(cell.seconds.fit).toBeGreaterThan(spent + 0.14);
  expect(existsSync(join(out, 'work', 'ot', 'toy', 'spent.json'))).toBe(false);
});
