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
