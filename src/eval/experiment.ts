/**
 * The experiment runner (`optical experiment run CONFIG`): every (method, language) cell of the config is
 * fitted once on the language's training bitext and evaluated on each of the language's evaluation sets, in
 * both directions (x→en: foreign queries retrieve English; en→x: the reverse).
 *
 * Files under `out/` (all written atomically: temp file + rename):
 *   cells/<method>/<lang>.json   one finished cell (CellResult): metrics, per-query ranks, cost, fit info
 *   work/<method>/<lang>/        the cell's working folder (a distilled student and its checkpoints)
 *   cache/                       shared by all cells and runs (machine translations, keyed by their input)
 * Resumable: a cell whose JSON exists with the same key (hash of the method, the language, the seed, the
 * sampling, the held-out books and the teacher) is skipped; a changed config reruns only the changed cells;
 * an interrupted distillation continues from its checkpoint (`work/…/key` ties the folder to the cell key, so
 * a checkpoint of a changed cell is discarded, never resumed). Seeded: the seed drives sampling, training and
 * the significance tests. The cost of each cell (seconds to fit and to evaluate) is logged and recorded.
 *
 * With a `scoring` block, the named sets rank by a hubness-corrected score (CSLS or the ratio margin) of the
 * method's similarity matrix; `scoring` is part of the cell key, not of the fit key.
 *
 * With a `noise` block (issue 7) every set is evaluated again at each noise rate (`experiment-noise.ts`;
 * `sets[name].noise`, one entry per rate). The noise block is part of the cell key but not of the fit key
 * (`fitKey`: what the fitted system depends on, which also names the working folder): a cell whose noise
 * block changed is evaluated again with the system its earlier fit left (`Method.reload`, e.g. the saved
 * student), not refitted. A method with `pairs` is fitted on that seeded nested sample of the language's
 * bitext (`train.pairs` records the size used).
 *
 * With an `analysis` block, after the cells: training curves, held-out token transport and alignment examples
 * of the named methods on a development set (`experiment-analysis.ts`; `results.analysis`), for the report.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { resolveDataDir, sampleBitext, type Bitext } from '../data/index.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { loadEncoder } from '../models/student.ts';
import type { SentenceEncoder } from '../models/types.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { Stopped, stopRequested } from '../util/stop.ts';
import { InputError } from '../errors.ts';
import { readExperimentConfig, type ExperimentConfig, type LanguageConfig, type LanguageGroup, type MethodConfig } from './experiment-config.ts';
import { loadEvalSet, loadTrainingBitext, trainingOverlap, type EvalSet } from './experiment-sets.ts';
import { makeMethod, type Method, type MethodContext } from './experiment-methods.ts';
import './experiment-distill.ts';
import './experiment-baselines.ts';
import { DIRECTIONS, METRICS, hubnessScores, type Direction, type Metric } from './experiment-metrics.ts';
import { compareToBaseline, type Comparison } from './experiment-compare.ts';
import { analyseExperiment, type ExperimentAnalysis } from './experiment-analysis.ts';
import { compareAreas, evaluateScores, noisyVersions, type AreaComparison, type NoisyEvalSet, type NoisyResult } from './experiment-noise.ts';

export const CELL_VERSION = 1;

export interface SetResult {
  spec: string;
  n: number;
  /** evaluation pairs also present in the training bitext (expected 0) */
  overlap: number;
  metrics: Record<Direction, Record<Metric, number>>;
  /** 1-based rank of the gold item per query */
  ranks: Record<Direction, number[]>;
  /** with the config's `noise`: the set at every rate (rate 0 first) */
  noise?: NoisyResult[];
}

export interface CellResult {
  version: number;
  key: string;
  /** the fit key (cells written before issue 7 have none) */
  fitKey?: string;
  method: string;
  kind: string;
  lang: string;
  group: LanguageGroup;
  train: { pairs: number; source: string };
  info: Record<string, unknown>;
  /** fit and evaluation time; `fitEarlierRuns`: the part of `fit` spent by earlier runs stopped, failed or killed during this fit */
  seconds: { fit: number; eval: number; fitEarlierRuns?: number };
  sets: Record<string, SetResult>;
  finishedAt: string;
}

export interface ExperimentResults {
  name: string;
  /** the config's description */
  description?: string;
  /** the hand-written reading of the results (the markdown of the config's `reading` file) */
  reading?: string;
  file: string;
  seed: number;
  baseline: string;
  /** set names in report order */
  sets: string[];
  languages: { code: string; group: LanguageGroup }[];
  methods: { name: string; kind: string; objective?: string; pairs?: number; series?: string; options?: Record<string, unknown> }[];
  /** the config's noise block (robustness report) */
  noise?: ExperimentConfig['noise'];
  cells: CellResult[];
  comparisons: Comparison[];
  /** with a noise block: each method's R@1 area (X→en) against the baseline's, paired over the same queries */
  areaComparisons?: AreaComparison[];
  /** training curves, held-out token transport, alignment examples (config `analysis`) */
  analysis?: ExperimentAnalysis;
  /** cells fitted in this run and cells reused from earlier runs */
  ran: string[];
  skipped: string[];
  /** unfinished cells this run did not fit (`fit: false`, or outside `only`), as method/lang */
  missing?: string[];
  wallSeconds: number;
}

export interface RunOptions {
  out: string;
  dataDir?: string;
  log?: (msg: string) => void;
  /** false: fit nothing; report the finished cells (the others are listed in `missing`) */
  fit?: boolean;
  /** fit only the cells of these methods / languages (others not finished are listed in `missing`) */
  only?: { methods?: string[]; languages?: string[] };
  /** how often a fit's time so far is saved (work/METHOD/LANG/spent.json), so that a crash or kill loses at most this much of a cell's cost (default 30 s) */
  spentEverySeconds?: number;
  /** called once, when every cell is fitted and saved, before the analysis (the CLI then lets Ctrl-C end the run at once: nothing is left to save) */
  onFitted?: () => void;
}

/** A config with its methods built (bad method options fail here, before any work). */
export interface LoadedExperiment {
  cfg: ExperimentConfig;
  methods: Method[];
}

export function loadExperiment(file: string): LoadedExperiment {
  const cfg = readExperimentConfig(file);
  if (cfg.reading !== undefined && !existsSync(cfg.reading)) throw new InputError(`$.reading: no such file: ${cfg.reading}`, file);
  const methods = cfg.methods.map((m, i) =>
    makeMethod(m, (field, msg) => {
      throw new InputError(`$.methods[${i}].${field}: ${msg}`, file);
    }),
  );
  return { cfg, methods };
}

/** The key of a cell: what its result depends on (the fit, and the noise of the evaluation). */
export function cellKey(cfg: ExperimentConfig, m: Method, lang: LanguageConfig): string {
  return keyOf(cfg, m, lang, { ...(cfg.noise ? { noise: cfg.noise } : {}), ...(cfg.scoring ? { scoring: cfg.scoring } : {}) });
}

/** The key of a cell's fit: what the fitted system depends on (without a noise block it equals the cell key). */
export function fitKey(cfg: ExperimentConfig, m: Method, lang: LanguageConfig): string {
  return keyOf(cfg, m, lang, {});
}

function keyOf(cfg: ExperimentConfig, m: Method, lang: LanguageConfig, extra: Record<string, unknown>): string {
  const { series: _series, ...named } = m.config; // a label only: renaming a series refits nothing
  const method = named.kind === 'distill' ? distillKeyConfig(named) : named;
  const what = { v: CELL_VERSION, method, lang, seed: cfg.seed, maxPairs: cfg.maxPairs ?? null, books: cfg.bibleHeldOutBooks, teacher: cfg.teacher ?? 'use-lite', ...extra };
  return createHash('sha256').update(JSON.stringify(what)).digest('hex').slice(0, 24);
}

/**
 * A distill method as keyed: `sentenceSkip` (added 2026-11-22, default false) enters the key only when
 * true, so cells fitted before the option existed keep their keys.
 */
function distillKeyConfig(m: MethodConfig): MethodConfig {
  if (!m.options || !('sentenceSkip' in m.options) || m.options['sentenceSkip'] === true) return m;
  const { sentenceSkip: _off, ...rest } = m.options as Record<string, unknown>;
  return { ...m, options: rest };
}

export const cellFile = (out: string, method: string, lang: string) => join(out, 'cells', method, `${lang}.json`);

function readCell(file: string): CellResult | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as CellResult;
  } catch {
    return undefined; // unreadable (cannot happen with atomic writes, but never trust it): rerun
  }
}

/** Run (or resume) every cell, then compare each method with the baseline. */
export async function runExperiment(exp: LoadedExperiment, opts: RunOptions): Promise<ExperimentResults> {
  const t0 = performance.now();
  const { cfg, methods } = exp;
  const log = opts.log ?? (() => {});
  const specs = cfg.languages.flatMap((l) => [...l.bitext, ...Object.values(l.eval)]);
  const dataDir = specs.some((s) => !s.startsWith('lines:')) ? resolveDataDir(opts.dataDir) : (opts.dataDir ?? '.');
  let teacher: SentenceEncoder | undefined;
  const english = new WeakMap<string[], Float32Array>();
  const cells: CellResult[] = [];
  const ran: string[] = [];
  const skipped: string[] = [];
  const missing: string[] = [];
  const isDone = (m: Method, lang: LanguageConfig) => {
    const done = readCell(cellFile(opts.out, m.config.name, lang.code));
    return done !== undefined && done.key === cellKey(cfg, m, lang) && done.version === CELL_VERSION;
  };
  // what the cells still to run need outside the config (dictionaries, MT systems), before any fitting
  const inScope = (m: Method, lang: LanguageConfig) => !m.config.languages || m.config.languages.includes(lang.code);
  const { methods: onlyM, languages: onlyL } = opts.only ?? {};
  const fail = (msg: string): never => {
    throw new InputError(msg);
  };
  onlyM?.forEach((name) => methods.some((m) => m.config.name === name) || fail(`no method "${name}" in ${cfg.file} (have: ${methods.map((m) => m.config.name).join(', ')})`));
  onlyL?.forEach((code) => cfg.languages.some((l) => l.code === code) || fail(`no language "${code}" in ${cfg.file} (have: ${cfg.languages.map((l) => l.code).join(', ')})`));
  /** cells this run may fit */
  const selected = (m: Method, lang: LanguageConfig) => opts.fit !== false && (!onlyM || onlyM.includes(m.config.name)) && (!onlyL || onlyL.includes(lang.code));
  for (const lang of cfg.languages) {
    for (const m of methods) if (selected(m, lang) && m.check && inScope(m, lang) && !isDone(m, lang)) m.check(lang, dataDir);
  }
  // and their data: every language with a cell to run has its bitext and evaluation sets read now, so that a
  // missing or malformed file stops the run before hours of fitting, not when its language comes up
  const bitexts = new Map<string, Bitext>();
  const evalSetsOf = new Map<string, Map<string, EvalSet>>();
  for (const lang of cfg.languages) {
    if (!methods.some((m) => selected(m, lang) && inScope(m, lang) && !isDone(m, lang))) continue;
    bitexts.set(lang.code, loadTrainingBitext(lang, cfg, dataDir));
    evalSetsOf.set(lang.code, new Map(Object.entries(lang.eval).map(([name, spec]) => [name, loadEvalSet(spec, dataDir, cfg.bibleHeldOutBooks)])));
  }
  for (const lang of cfg.languages) {
    let evalSets: Map<string, EvalSet> | undefined;
    let noisy: Map<string, NoisyEvalSet[]> | undefined;
    let bitext: Bitext | undefined;
    for (const m of methods) {
      if (!inScope(m, lang)) continue;
      const id = `${m.config.name}/${lang.code}`;
      const key = cellKey(cfg, m, lang);
      const file = cellFile(opts.out, m.config.name, lang.code);
      const done = readCell(file);
      if (done && done.key === key && done.version === CELL_VERSION) {
        log(`cell ${id}: done (fit ${done.seconds.fit.toFixed(1)}s, eval ${done.seconds.eval.toFixed(1)}s), skipped`);
        cells.push(done);
        skipped.push(id);
        continue;
      }
      if (!selected(m, lang)) {
        missing.push(id);
        continue;
      }
      if (stopRequested()) throw new Stopped(`stopped before cell ${id} (${ran.length} cells finished in this run, all kept)`);
      if (done) log(`cell ${id}: config changed since it was run, running again`);
      teacher ??= cfg.teacher ? await loadEncoder(cfg.teacher) : await loadUseLite();
      const tch = teacher;
      evalSets ??= evalSetsOf.get(lang.code)!;
      bitext ??= bitexts.get(lang.code)!;
      const noiseCfg = cfg.noise;
      if (noiseCfg) noisy ??= new Map([...evalSets].map(([name, set]) => [name, noisyVersions(set, noiseCfg)]));
      const train = m.config.pairs ? sampleBitext(bitext, m.config.pairs, cfg.seed) : bitext;
      // the working folder belongs to one fit key: a checkpoint left by a changed config must not be resumed
      const fk = fitKey(cfg, m, lang);
      const dir = join(opts.out, 'work', m.config.name, lang.code);
      if (existsSync(join(dir, 'key')) && readFileSync(join(dir, 'key'), 'utf8').trim() !== fk) rmSync(dir, { recursive: true, force: true });
      atomicWriteFile(join(dir, 'key'), fk + '\n');
      const c0 = performance.now();
      const ctx: MethodContext = {
        lang,
        bitext: train,
        teacher: tch,
        teacherSpec: cfg.teacher,
        english: (texts) => {
          let e = english.get(texts);
          if (!e) english.set(texts, (e = tch.encode(texts).embeddings));
          return e;
        },
        dir,
        cacheDir: join(opts.out, 'cache'),
        seed: cfg.seed,
        dataDir,
        log: (msg) => log(`  ${id}: ${msg}`),
      };
      const reused = done?.fitKey === fk && done.version === CELL_VERSION && m.reload ? await m.reload(ctx, done.info) : undefined;
      log(reused ? `cell ${id}: evaluating again with the system of its finished fit (only the evaluation changed)` : `cell ${id}: fitting on ${train.src.length} pairs`);
      // time spent on this fit by earlier runs that were stopped (Ctrl-C), failed or were killed in the middle of it
      const spentFile = join(dir, 'spent.json');
      const earlier = !reused && existsSync(spentFile) ? (JSON.parse(readFileSync(spentFile, 'utf8')) as { seconds: number }).seconds : 0;
      // the time spent so far is saved while the fit runs and when it fails or is stopped, and counted by the
      // run that finishes the cell (a full disk or a kill must not erase an hour of cost)
      const saveSpent = () => atomicWriteFile(spentFile, JSON.stringify({ seconds: earlier + (performance.now() - c0) / 1000 }) + '\n');
      const heartbeat = reused
        ? undefined
        : setInterval(() => {
            try {
              saveSpent();
            } catch {
              // best effort; the next beat or the end of the fit tries again
            }
          }, 1000 * (opts.spentEverySeconds ?? 30));
      heartbeat?.unref();
      let fitted: Awaited<ReturnType<Method['fit']>>;
      try {
        fitted = reused ?? (await m.fit(ctx));
      } catch (e) {
        try {
          if (!reused) saveSpent();
        } catch {
          // best effort: the error being reported matters more (e.g. the disk is full)
        }
        throw e;
      } finally {
        clearInterval(heartbeat);
      }
      const c1 = performance.now();
      const sets: Record<string, SetResult> = {};
      for (const [name, set] of evalSets) {
        // a set of `scoring` ranks by the hubness-corrected version of the method's scores [N, N]
        const sc = cfg.scoring?.[name];
        const rescore = (S: Float64Array, n: number, m: number) => (sc ? hubnessScores(S, n, m, sc.score, sc.k) : S);
        const scores = (src: string[], eng: string[]) => rescore(fitted.system.scores(src, eng), src.length, eng.length);
        const en2x = fitted.system.scoresEn2x;
        const scoresEn2x = en2x ? (src: string[], eng: string[]) => rescore(en2x(src, eng), src.length, eng.length) : undefined;
        sets[name] = { spec: set.spec, n: set.src.length, overlap: trainingOverlap(bitext, set), ...evaluateScores(scores, set.src, set.eng, scoresEn2x) };
        const versions = noisy?.get(name);
        if (versions) sets[name].noise = versions.map((v) => ({ rate: v.rate, noise: v.noise, ...evaluateScores(scores, v.src, v.eng, scoresEn2x) }));
      }
      fitted.system.dispose?.();
      const c2 = performance.now();
      const cell: CellResult = {
        version: CELL_VERSION,
        key,
        fitKey: fk,
        method: m.config.name,
        kind: m.config.kind,
        lang: lang.code,
        group: lang.group,
        train: { pairs: train.src.length, source: train.source },
        info: fitted.info,
        // a reloaded fit keeps the cost of the fit that produced it
        seconds: { fit: reused ? done!.seconds.fit : earlier + (c1 - c0) / 1000, eval: (c2 - c1) / 1000, ...(earlier > 0 ? { fitEarlierRuns: earlier } : {}) },
        sets,
        finishedAt: new Date().toISOString(),
      };
      atomicWriteFile(file, JSON.stringify(cell) + '\n');
      rmSync(spentFile, { force: true });
      const noisyR1 = (r: SetResult) => (r.noise ? ` (noisy x→en: ${r.noise.map((v) => (100 * v.metrics.x2en['R@1']).toFixed(1)).join(' ')})` : '');
      log(`cell ${id}: fit ${cell.seconds.fit.toFixed(1)}s, eval ${cell.seconds.eval.toFixed(1)}s; ${Object.entries(sets).map(([s, r]) => `${s} R@1 ${(100 * r.metrics.x2en['R@1']).toFixed(1)}/${(100 * r.metrics.en2x['R@1']).toFixed(1)}${noisyR1(r)}`).join(', ')}`);
      cells.push(cell);
      ran.push(id);
    }
  }
  opts.onFitted?.();
  let analysis: ExperimentAnalysis | undefined;
  const an = cfg.analysis;
  if (an) {
    teacher ??= cfg.teacher ? await loadEncoder(cfg.teacher) : await loadUseLite();
    const lang = (code: string) => cfg.languages.find((l) => l.code === code)!;
    analysis = await analyseExperiment(cells, an, teacher, {
      heldOut: (code) => {
        const spec = lang(code).eval[an.set];
        return spec === undefined ? undefined : loadEvalSet(spec, dataDir, cfg.bibleHeldOutBooks);
      },
      train: (code, n) => sampleBitext(loadTrainingBitext(lang(code), cfg, dataDir), n, cfg.seed),
    }, log);
  }
  const sets = cfg.evaluation ?? [...new Set(cfg.languages.flatMap((l) => Object.keys(l.eval)))];
  const sig = { samples: cfg.significance.samples, seed: cfg.seed };
  const comparisons = compareToBaseline(cells, cfg.significance.baseline, sets, sig);
  const areaComparisons = cfg.noise ? compareAreas(cells, cfg.significance.baseline, sets, sig) : undefined;
  return {
    name: cfg.name,
    description: cfg.description,
    reading: cfg.reading === undefined ? undefined : readFileSync(cfg.reading, 'utf8').trim(),
    file: cfg.file,
    seed: cfg.seed,
    baseline: cfg.significance.baseline,
    sets,
    languages: cfg.languages.map((l) => ({ code: l.code, group: l.group })),
    methods: cfg.methods.map((m) => ({ name: m.name, kind: m.kind, objective: m.objective, pairs: m.pairs, series: m.series, options: m.options })),
    noise: cfg.noise,
    cells,
    comparisons,
    ...(areaComparisons ? { areaComparisons } : {}),
    ...(analysis ? { analysis } : {}),
    ran,
    skipped,
    ...(missing.length ? { missing } : {}),
    wallSeconds: (performance.now() - t0) / 1000,
  };
}

export { DIRECTIONS, METRICS };
