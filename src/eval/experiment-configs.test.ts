/** The committed experiment configs parse, and (with the shared data) every evaluation set loads and is disjoint from training. */
import { describe, it, expect } from 'vitest';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveTestData } from '../../test/data.ts';
import { loadExperiment } from './experiment.ts';
import { loadEvalSet, loadTrainingBitext, trainingOverlap } from './experiment-sets.ts';

const EXP = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'experiments');
const data = resolveTestData();
const cells = (e: ReturnType<typeof loadExperiment>) => e.cfg.languages.reduce((n, l) => n + e.methods.filter((m) => !m.config.languages || m.config.languages.includes(l.code)).length, 0);

describe('committed experiment configs', () => {
  it('smoke.json and paper.json parse, methods built', () => {
    const smoke = loadExperiment(join(EXP, 'smoke.json'));
    expect(cells(smoke)).toBe(10);
    const paper = loadExperiment(join(EXP, 'paper.json'));
    expect(paper.cfg.languages.map((l) => l.code)).toEqual(['swh', 'kab', 'zul', 'wol', 'eus', 'deu', 'fra', 'ces', 'ukr', 'lvs']);
    expect(paper.cfg.significance.baseline).toBe('ot');
    expect(cells(paper)).toBe(104);
  });

  it('robustness.json, scaling.json and their CI-sized variants parse, methods built', () => {
    const rob = loadExperiment(join(EXP, 'robustness.json'));
    expect(rob.cfg.noise).toEqual({ rates: [0, 0.05, 0.1, 0.2, 0.3], kinds: ['keyboard', 'diacritics', 'drop'], seed: 0, sides: 'queries' });
    expect(rob.cfg.methods.map((m) => m.objective ?? m.kind)).toEqual(['teacher', 'mse', 'ot', 'contrastive', 'ot+contrastive', 'ot']);
    expect(cells(rob)).toBe(12);
    const sc = loadExperiment(join(EXP, 'scaling.json'));
    expect(sc.cfg.methods.map((m) => [m.options['width'] ?? 512, m.options['depth'] ?? 2, m.pairs ?? 'full'])).toEqual([
      [512, 2, 'full'], [512, 2, 'full'], [128, 1, 'full'], [256, 2, 'full'], [512, 4, 'full'], [512, 2, 1000], [512, 2, 2000], [512, 2, 4000],
    ]);
    expect(cells(sc)).toBe(16);
    expect(cells(loadExperiment(join(EXP, 'robustness-smoke.json')))).toBe(6);
    expect(cells(loadExperiment(join(EXP, 'scaling-smoke.json')))).toBe(8);
  });

  it.skipIf(!data)('robustness.json and scaling.json: every evaluation set loads and is disjoint from training (skipped without ../shared/data)', () => {
    for (const name of ['robustness.json', 'scaling.json']) {
      const e = loadExperiment(join(EXP, name));
      for (const lang of e.cfg.languages) {
        const train = loadTrainingBitext(lang, e.cfg, data!);
        expect(train.src.length).toBe(e.cfg.maxPairs);
        for (const spec of Object.values(lang.eval)) expect(trainingOverlap(train, loadEvalSet(spec, data!, []))).toBe(0);
      }
    }
  });

  it.skipIf(!data)('paper.json: Bible held-out books are out of training, eval sets load (skipped without ../shared/data)', () => {
    const paper = loadExperiment(join(EXP, 'paper.json'));
    const swh = paper.cfg.languages.find((l) => l.code === 'swh')!;
    const train = loadTrainingBitext(swh, paper.cfg, data!);
    expect(train.ids.some((id) => id.startsWith('b.JOH.') || id.startsWith('b.REV.'))).toBe(false);
    for (const spec of Object.values(swh.eval)) {
      const set = loadEvalSet(spec, data!, paper.cfg.bibleHeldOutBooks);
      expect(set.src.length).toBeGreaterThan(50);
      expect(trainingOverlap(train, set)).toBe(0);
    }
    // the FreeDict baseline's dictionary exists for its language (and a language without one is refused)
    const freedict = paper.methods.find((m) => m.config.kind === 'dict-translate')!;
    expect(freedict.config.languages).toEqual(['swh']);
    expect(() => freedict.check!(swh, data!)).not.toThrow();
    expect(() => freedict.check!(paper.cfg.languages.find((l) => l.code === 'kab')!, data!)).toThrow(/options\.dictionaries: no dictionary for language kab: .*\(FreeDict into English in .*: afr-eng, cym-eng, gle-eng, isl-eng, kha-eng, kur-eng, lit-eng, swh-eng\)/);
    const deu = paper.cfg.languages.find((l) => l.code === 'deu')!;
    expect(loadEvalSet(deu.eval['multi30k-2016']!, data!, []).src).toHaveLength(1000);
  });
});
