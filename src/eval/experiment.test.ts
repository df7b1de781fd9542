import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadExperiment, runExperiment, cellFile, cellKey, fitKey } from './experiment.ts';
import { parseExperimentConfig } from './experiment-config.ts';
import { clearStop, requestStop } from '../util/stop.ts';
import { writeReport } from '../report/index.ts';
import { withEnv } from '../../test/env.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { cosineScores, hubnessScores, ranksFromScores } from './experiment-metrics.ts';

// held-out sentences made of the training words (never in the training bitext)
const EVAL_ENG = ['the dog sleeps in the garden', 'a cat runs over the roof', 'my father eats fish', 'she reads a new book', 'the old man sings a song', 'children eat bread at home'];
const shout = (s: string) => toyLanguage(s).toUpperCase().replace(/A\b/g, 'O');

function writeToy(dir: string): void {
  const w = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n') + '\n');
  w('train.toy', TOY_ENG_16.map(toyLanguage));
  w('train.sh', TOY_ENG_16.map(shout));
  w('train.en', TOY_ENG_16);
  w('dev.toy', EVAL_ENG.map(toyLanguage));
  w('dev.sh', EVAL_ENG.map(shout));
  w('dev.en', EVAL_ENG);
}

const config = (dir: string, otSteps = 2, teacherLangs?: string[]) => ({
  name: 'tiny',
  seed: 1,
  significance: { baseline: 'ot', samples: 200 },
  languages: [
    { code: 'toy', group: 'low', bitext: [`lines:${dir}/train.toy:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.toy:${dir}/dev.en` } },
    { code: 'sh', group: 'high', bitext: [`lines:${dir}/train.sh:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.sh:${dir}/dev.en` } },
  ],
  methods: [
    { name: 'teacher', kind: 'teacher', ...(teacherLangs ? { languages: teacherLangs } : {}) },
    { name: 'tfidf', kind: 'char-tfidf' },
    { name: 'ridge', kind: 'kernel-ridge', options: { lambda: 0.5 } },
    { name: 'ot', kind: 'distill', objective: 'ot', options: { steps: otSteps, batch: 8, ot: { tau: 'balanced' } } },
  ],
});

/** The cells of a committed experiment config that are committed under `out` (both relative to the repository). */
function committedCells(config: string, out: string) {
  const repo = join(import.meta.dirname, '..', '..');
  const { cfg, methods } = loadExperiment(join(repo, 'experiments', config));
  const found = methods.flatMap((m) => cfg.languages.flatMap((lang) => {
    const file = cellFile(join(repo, out), m.config.name, lang.code);
    return existsSync(file) ? [{ m, lang, file, cell: JSON.parse(readFileSync(file, 'utf8')) as { key: string; fitKey?: string } }] : [];
  }));
  return { cfg, methods, found };
}

describe('experiment runner on a tiny config made by the test', () => {
  it('runs every cell, resumes (skips finished cells, reruns changed or missing ones), and writes the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-exp-'));
    writeToy(dir);
    const file = join(dir, 'tiny.json');
    writeFileSync(file, JSON.stringify(config(dir)));
    const out = join(dir, 'results');
    await withEnv({ OPTICAL_CACHE: join(dir, 'cache') }, async () => {
      const logs: string[] = [];
      const r1 = await runExperiment(loadExperiment(file), { out, log: (m) => logs.push(m), onFitted: () => logs.push('onFitted') });
      expect(r1.ran).toHaveLength(8);
      // onFitted: once, after the last cell was saved (the CLI then gives Ctrl-C its default action back)
      expect(logs.filter((l) => l === 'onFitted')).toHaveLength(1);
      const lastCell = logs.map((l) => /^cell .*: fit /.test(l)).lastIndexOf(true);
      expect(lastCell).toBeGreaterThanOrEqual(0);
      expect(logs.indexOf('onFitted')).toBeGreaterThan(lastCell);
      expect(r1.skipped).toHaveLength(0);
      for (const c of r1.cells) {
        const s = c.sets['dev']!;
        expect(s.n).toBe(6);
        expect(s.overlap).toBe(0);
        expect(s.ranks.x2en).toHaveLength(6);
        for (const d of ['x2en', 'en2x'] as const) for (const v of Object.values(s.metrics[d])) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
        expect(c.seconds.fit).toBeGreaterThanOrEqual(0);
        expect(existsSync(cellFile(out, c.method, c.lang))).toBe(true);
      }
      expect(logs.some((l) => /cell ot\/toy: fit [\d.]+s, eval [\d.]+s/.test(l))).toBe(true);
      // char n-gram TF-IDF cannot match reversed words to English; the lexical ridge fit maps them
      const ridge = r1.cells.find((c) => c.method === 'ridge' && c.lang === 'toy')!;
      expect(ridge.sets['dev']!.metrics.x2en['R@1']).toBeGreaterThanOrEqual(0.5);
      // 3 non-baseline methods × 2 languages × 1 set × 2 directions × 4 metrics (R@1, R@5, R@10, MRR)
      expect(r1.comparisons).toHaveLength(48);

      // resume: nothing to do, cell files untouched
      const mtime = statSync(cellFile(out, 'ot', 'toy')).mtimeMs;
      const r2 = await runExperiment(loadExperiment(file), { out });
      expect(r2.ran).toEqual([]);
      expect(r2.skipped).toHaveLength(8);
      expect(statSync(cellFile(out, 'ot', 'toy')).mtimeMs).toBe(mtime);
      expect(r2.cells.map((c) => c.sets['dev']!.metrics)).toEqual(r1.cells.map((c) => c.sets['dev']!.metrics));

      // a missing cell and changed methods are run again, nothing else; a method limited to one language
      rmSync(cellFile(out, 'ridge', 'sh'));
      writeFileSync(file, JSON.stringify(config(dir, 3, ['toy'])));
      // a checkpoint left in a changed cell's folder (an interrupted run of the old config) is discarded
      const stale = join(out, 'work', 'ot', 'toy', 'student', 'checkpoint');
      mkdirSync(stale, { recursive: true });
      writeFileSync(join(stale, 'state.json'), '{"step": 1}\n');
      const r3 = await runExperiment(loadExperiment(file), { out });
      expect(r3.ran.sort()).toEqual(['ot/sh', 'ot/toy', 'ridge/sh', 'teacher/toy']);
      expect(r3.cells.filter((c) => c.method === 'teacher').map((c) => c.lang)).toEqual(['toy']);
      expect(r3.cells.find((c) => c.method === 'ot')!.info['steps']).toBe(3);
      // seeded: the re-fitted ridge cell equals the first run's
      expect(r3.cells.find((c) => c.method === 'ridge' && c.lang === 'sh')!.sets['dev']).toEqual(r1.cells.find((c) => c.method === 'ridge' && c.lang === 'sh')!.sets['dev']);

      const { files } = await writeReport(r3, out, { command: 'test', machine: 'test', date: '2026-01-01' });
      const md = readFileSync(join(out, 'tiny.md'), 'utf8');
      expect(md).toContain('| method | toy→en | en→toy | sh→en | en→sh |');
      expect(md).toMatch(/### R@1\n[^]*### R@5\n[^]*### R@10\n[^]*### MRR\n/);
      expect(md).toMatch(/\*\*\d+\.\d\*\*/);
      expect(md).toContain('## Gap: high- minus low-resource');
      expect(files).toContain('charts/tiny-dev.png');
      expect(readFileSync(join(out, 'charts/tiny-dev.png')).subarray(1, 4).toString()).toBe('PNG');
      expect(readFileSync(join(out, 'charts/tiny-gap.svg'), 'utf8')).toMatch(/^<svg/);
      const summary = JSON.parse(readFileSync(join(out, 'tiny.json'), 'utf8'));
      expect(summary.cells).toHaveLength(7);
      expect(summary.cells[0].sets.dev.ranks).toBeUndefined();

      // an analysis block: every cell reused; curves, token transport (held-out and train) and alignment examples
      writeFileSync(file, JSON.stringify({ ...config(dir, 3, ['toy']), analysis: { set: 'dev', methods: ['teacher', 'ot'], pairs: 4, examples: 1 } }));
      const r4 = await runExperiment(loadExperiment(file), { out });
      expect(r4.ran).toEqual([]);
      const a = r4.analysis!;
      expect(a.curves.map((c) => `${c.method}/${c.lang}:${c.points.length}`).sort()).toEqual(['ot/sh:3', 'ot/toy:3']);
      expect(a.transport.map((t) => `${t.method}/${t.lang}/${t.split}:${t.pairs}`).sort()).toEqual(['ot/sh/held-out:4', 'ot/sh/train:4', 'ot/toy/held-out:4', 'ot/toy/train:4', 'teacher/toy/held-out:4', 'teacher/toy/train:4']);
      for (const t of a.transport) expect(t.mean).toBeGreaterThan(0);
      expect(a.alignments.map((x) => `${x.method}/${x.lang}/${x.index}`).sort()).toEqual(['ot/sh/0', 'ot/toy/0', 'teacher/toy/0']);
      await writeReport(r4, out, { command: 'test', machine: 'test', date: '2026-01-01' });
      const md4 = readFileSync(join(out, 'tiny.md'), 'utf8');
      expect(md4).toContain('## Why: held-out token transport, training curves, alignments');
      expect(md4).toContain('| method | toy held-out | toy train | sh held-out | sh train |');
      expect(md4).toMatch(/Alignment example, toy, `dev` pair 0/);
      expect(readFileSync(join(out, 'charts/tiny-curves.svg'), 'utf8')).toMatch(/^<svg/);

      // fit: false (--report-only): a missing cell is listed, not fitted; the report says it is partial
      rmSync(cellFile(out, 'tfidf', 'sh'));
      const r5 = await runExperiment(loadExperiment(file), { out, fit: false });
      expect(r5.ran).toEqual([]);
      expect(r5.missing).toEqual(['tfidf/sh']);
      expect(existsSync(cellFile(out, 'tfidf', 'sh'))).toBe(false);
      await writeReport(r5, out, { command: 'test', machine: 'test', date: '2026-01-01' });
      expect(readFileSync(join(out, 'tiny.md'), 'utf8')).toContain('**Partial report:** 6 of 7 cells are finished; not run yet (shown as –): tfidf/sh.');
      // only some methods / languages: the other unfinished cells are left for later
      rmSync(cellFile(out, 'ridge', 'toy'));
      const r6 = await runExperiment(loadExperiment(file), { out, only: { methods: ['ridge'], languages: ['toy'] } });
      expect(r6.ran).toEqual(['ridge/toy']);
      expect(r6.missing).toEqual(['tfidf/sh']);
      await expect(runExperiment(loadExperiment(file), { out, only: { methods: ['nope'] } })).rejects.toThrow(/no method "nope" in .*tiny\.json \(have: teacher, tfidf, ridge, ot\)/);
      await expect(runExperiment(loadExperiment(file), { out, only: { languages: ['xx'] } })).rejects.toThrow(/no language "xx"/);
    });
  }, 240_000);

  it('a missing data file stops the run before the first fit; a stop request ends it before the next cell, or inside a distillation with its checkpoint and time kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-exp-pre-'));
    writeToy(dir);
    const c = config(dir);
    c.languages[1]!.eval = { dev: `lines:${dir}/dev.sh:${dir}/missing.en` };
    const file = join(dir, 'pre.json');
    writeFileSync(file, JSON.stringify(c));
    const out = join(dir, 'results');
    await expect(runExperiment(loadExperiment(file), { out })).rejects.toThrow(/missing\.en/);
    expect(existsSync(join(out, 'cells'))).toBe(false);
    // a stop request (Ctrl-C in the CLI) ends the run before its next cell
    writeFileSync(file, JSON.stringify(config(dir)));
    requestStop();
    try {
      await expect(runExperiment(loadExperiment(file), { out })).rejects.toThrow(/stopped before cell teacher\/toy \(0 cells finished in this run/);
    } finally {
      clearStop();
    }
    // stopped inside a distillation: its checkpoint and the time spent are kept; the next run resumes the cell
    // and counts that time in its cost
    writeFileSync(file, JSON.stringify(config(dir, 3)));
    await withEnv({ OPTICAL_CACHE: join(dir, 'cache') }, async () => {
      try {
        await expect(runExperiment(loadExperiment(file), { out, log: (m) => m.startsWith('cell ot/toy: fitting') && requestStop() })).rejects.toThrow(/training stopped at step 1 of 3/);
        clearStop();
        const spent = JSON.parse(readFileSync(join(out, 'work', 'ot', 'toy', 'spent.json'), 'utf8')).seconds;
        expect(spent).toBeGreaterThan(0);
        expect(existsSync(join(out, 'work', 'ot', 'toy', 'student', 'checkpoint', 'state.json'))).toBe(true);
        const r = await runExperiment(loadExperiment(file), { out });
        const ot = r.cells.find((c) => c.method === 'ot' && c.lang === 'toy')!;
        expect(ot.seconds.fitEarlierRuns).toBe(spent);
        expect(ot.seconds.fit).toBeGreaterThan(spent);
        expect(ot.info['steps']).toBe(3);
        expect(existsSync(join(out, 'work', 'ot', 'toy', 'spent.json'))).toBe(false);
      } finally {
        clearStop();
      }
    });
  }, 240_000);

  it('a scoring block ranks the named sets by the hubness-corrected method scores; it keys the cell, not the fit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-exp-csls-'));
    writeToy(dir);
    const base = config(dir);
    const toy = { ...base.languages[0]!, eval: { dev: base.languages[0]!.eval.dev, 'dev-csls': base.languages[0]!.eval.dev } };
    const cfg = { ...base, significance: { baseline: 'teacher', samples: 200 }, languages: [toy], methods: [base.methods[0]!, base.methods[2]!], scoring: { 'dev-csls': { score: 'csls', k: 2 } } };
    const file = join(dir, 'csls.json');
    writeFileSync(file, JSON.stringify(cfg));
    const out = join(dir, 'results');
    await withEnv({ OPTICAL_CACHE: join(dir, 'cache') }, async () => {
      const r = await runExperiment(loadExperiment(file), { out, log: () => {} });
      const teacherCell = r.cells.find((c) => c.method === 'teacher')!;
      const teacher = await loadUseLite();
      const set = { src: readFileSync(join(dir, 'dev.toy'), 'utf8').trim().split('\n'), eng: EVAL_ENG };
      const S = cosineScores(teacher.encode(set.src).embeddings, teacher.encode(set.eng).embeddings, teacher.dim);
      const plain = ranksFromScores(S, 6);
      const csls = ranksFromScores(hubnessScores(S, 6, 6, 'csls', 2), 6);
      expect(Array.from(csls.x2en).concat(Array.from(csls.en2x))).not.toEqual(Array.from(plain.x2en).concat(Array.from(plain.en2x))); // the two sets can tell them apart
      expect(teacherCell.sets['dev']!.ranks).toEqual({ x2en: Array.from(plain.x2en), en2x: Array.from(plain.en2x) });
      expect(teacherCell.sets['dev-csls']!.ranks).toEqual({ x2en: Array.from(csls.x2en), en2x: Array.from(csls.en2x) });
    });
    const { cfg: withScoring, methods } = loadExperiment(file);
    const { scoring: _drop, ...rest } = cfg;
    writeFileSync(file, JSON.stringify(rest));
    const { cfg: without } = loadExperiment(file);
    const lang = withScoring.languages[0]!;
    expect(cellKey(withScoring, methods[1]!, lang)).not.toBe(cellKey(without, methods[1]!, lang));
    expect(fitKey(withScoring, methods[1]!, lang)).toBe(fitKey(without, methods[1]!, lang));
    const bad = (scoring: unknown) => () => parseExperimentConfig({ ...cfg, scoring }, 'x.json');
    expect(bad({ tst: { score: 'csls' } })).toThrow(/x\.json: \$\.scoring\.tst: no language has an evaluation set "tst"/);
    expect(bad({ dev: { score: 'cls' } })).toThrow(/\$\.scoring\.dev\.score: expected one of cosine, csls, margin, got "cls"/);
    expect(bad({ dev: { score: 'csls', k: 0 } })).toThrow(/\$\.scoring\.dev\.k: expected an integer ≥ 1/);
    expect(bad({ dev: { score: 'csls', kk: 3 } })).toThrow(/\$\.scoring\.dev\.kk: unknown field/);
  });

  it('every committed cell of the paper matrix has the key the current config and code give it (a rerun reuses it)', () => {
    const { cfg, found } = committedCells('paper.json', 'results');
    for (const { m, lang, cell, file } of found) expect(cellKey(cfg, m, lang), file).toBe(cell.key);
    expect(found.length).toBeGreaterThanOrEqual(8);
  });

  it('every committed cell of the targets run has the key the current config and code give it', () => {
    const { cfg, found } = committedCells('targets.json', join('results', 'targets'));
    for (const { m, lang, cell, file } of found) expect(cellKey(cfg, m, lang), file).toBe(cell.key);
    expect(found).toHaveLength(10);
  });

  it('the sentence skip in cell keys: absent = false = the keys of the committed robustness cells (fitted before it existed); true differs', () => {
    const { cfg, methods, found } = committedCells('robustness.json', join('results', 'robustness'));
    for (const { m, lang, cell } of found) {
      expect(cellKey(cfg, m, lang)).toBe(cell.key);
      expect(fitKey(cfg, m, lang)).toBe(cell.fitKey);
    }
    expect(found).toHaveLength(12);
    const ot = methods.find((m) => m.config.name === 'ot')!;
    const lang = cfg.languages[0]!;
    const withOption = (v: boolean | undefined) => {
      const { sentenceSkip: _drop, ...rest } = ot.config.options ?? {};
      return { ...ot, config: { ...ot.config, options: v === undefined ? rest : { ...rest, sentenceSkip: v } } };
    };
    expect(fitKey(cfg, withOption(undefined), lang)).toBe(fitKey(cfg, withOption(false), lang));
    expect(fitKey(cfg, withOption(undefined), lang)).not.toBe(fitKey(cfg, withOption(true), lang));
  });

  it('bad configs name the file and the JSON path of the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-exp-bad-'));
    const base = config(dir);
    const bad = (edit: (c: ReturnType<typeof config>) => unknown) => {
      const c = structuredClone(base);
      const e = edit(c) ?? c;
      return () => parseExperimentConfig(e, 'x.json');
    };
    expect(bad((c) => void (c.languages[0]!.bitext = ['sib:swh_Latn:dev']))).toThrow(/x\.json: \$\.languages\[0\]\.bitext\[0\]: .*evaluation sets/);
    expect(bad((c) => void ((c.languages[1] as { group: string }).group = 'mid'))).toThrow(/\$\.languages\[1\]\.group: expected one of low, high, control/);
    expect(bad((c) => void (c.languages[0]!.eval = { dev: c.languages[0]!.bitext[0]! }))).toThrow(/\$\.languages\[0\]\.eval\.dev: .*also a training bitext/);
    expect(bad((c) => void c.methods.push({ name: 'ot', kind: 'teacher' }))).toThrow(/\$\.methods\[4\]\.name: duplicate name "ot"/);
    expect(bad((c) => ({ ...c, extra: 1 }))).toThrow(/\$\.extra: unknown field/);
    expect(bad((c) => void ((c.methods[0] as { languages?: string[] }).languages = ['toy', 'xx']))).toThrow(/\$\.methods\[0\]\.languages\[1\]: no language "xx" \(have: toy, sh\)/);
    expect(bad((c) => void ((c.languages[0] as { maxPairs?: number }).maxPairs = 0))).toThrow(/\$\.languages\[0\]\.maxPairs: expected an integer ≥ 1/);
    expect(bad((c) => ({ ...c, evaluation: ['test'] }))).toThrow(/\$\.evaluation\[0\]: no language has an evaluation set "test"/);
    expect(bad((c) => ({ ...c, analysis: { set: 'dev', methods: ['ot', 'nope'] } }))).toThrow(/\$\.analysis\.methods\[1\]: no method "nope"/);
    expect(bad((c) => ({ ...c, analysis: { set: 'tst', methods: ['ot'] } }))).toThrow(/\$\.analysis\.set: no language has an evaluation set "tst"/);
    expect(bad((c) => ({ ...c, languages: c.languages.map((l) => ({ ...l, eval: { 'sib-test': l.eval.dev } })), analysis: { set: 'sib-test', methods: ['ot'] } }))).toThrow(/\$\.analysis\.set: "sib-test" looks like a test set/);
    expect(bad((c) => ({ ...c, analysis: { set: 'dev', methods: ['ot'], pairs: 2, examples: 3 } }))).toThrow(/\$\.analysis\.examples: 3 examples > 2 pairs/);
    const write = (c: unknown) => {
      const f = join(dir, 'c.json');
      writeFileSync(f, JSON.stringify(c));
      return () => loadExperiment(f);
    };
    const f = join(dir, 'c.json');
    expect(write({ ...base, methods: [{ name: 'b', kind: 'bm99' }] })).toThrow(`${f}: $.methods[0].kind: unknown method kind "bm99" (valid: teacher, char-tfidf, kernel-ridge, distill, bm25, dict-translate, mt-translate)`);
    expect(write({ ...base, methods: [{ name: 'o', kind: 'distill', objective: 'ot', options: { ot: { tau: -1 } } }] })).toThrow(/\$\.methods\[0\]\.options\.ot\.tau: expected a number > 0 or "balanced"/);
    expect(write({ ...base, methods: [{ name: 'o', kind: 'distill', objective: 'ot', options: { linearMix: -1 } }] })).toThrow(/\$\.methods\[0\]\.options\.linearMix: expected a number ≥ 0, got -1/);
    expect(write({ ...base, methods: [{ name: 'o', kind: 'distill', objective: 'ot+kl' }] })).toThrow(/\$\.methods\[0\]\.objective: unknown objective part "kl"/);
    expect(write({ ...base, methods: [{ name: 'r', kind: 'kernel-ridge', options: { lamda: 1 } }] })).toThrow(/\$\.methods\[0\]\.options\.lamda: unknown option for kind kernel-ridge \(valid: lambda, center\)/);
    writeFileSync(f, '{ not json');
    expect(() => loadExperiment(f)).toThrow(/c\.json: not a readable JSON file/);
  });
});
