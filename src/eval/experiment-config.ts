/**
 * The experiment config (`optical experiment run FILE.json`): languages × methods, each cell trained or
 * fitted once and evaluated on every evaluation set of its language. Every field is validated here; a bad
 * value is an InputError naming the file and the field's JSON path (`$.methods[2].kind`).
 *
 * ```json
 * {
 *   "name": "paper",                       // results/<name>.json, <name>.md
 *   "description": "…",                     // optional: printed under the report's title
 *   "reading": "robustness-reading.md",     // optional: a markdown file (relative to this config) written by
 *                                           // hand after a run; the report includes it under "Reading"
 *   "seed": 0,
 *   "teacher": "use-lite",                  // optional model spec
 *   "maxPairs": 3000,                       // optional: a seeded sample of each language's training bitext
 *   "bibleHeldOutBooks": ["JOH", "REV"],    // whole books kept out of every bible: training bitext
 *   "significance": { "baseline": "ot", "samples": 10000 },
 *   "evaluation": ["tatoeba", "sib-dev"],   // optional: which set names to report, in this order
 *   "languages": [{ "code": "swh", "group": "low", "bitext": ["bible:Swahili"],
 *                   "eval": { "tatoeba": "tatoeba:swh", "sib-dev": "sib:swh_Latn:dev" },
 *                   "maxPairs": 10000 }],                // optional, overrides the top-level maxPairs
 *   "methods": [{ "name": "teacher", "kind": "teacher" },
 *               { "name": "ot", "kind": "distill", "objective": "ot", "options": { "epochs": 1 } },
 *               { "name": "ot-idf", "kind": "distill", "objective": "ot", "options": { "ot": { "marginals": "idf" } },
 *                 "languages": ["swh"] },                // optional: only these languages
 *               { "name": "ot-p1000", "kind": "distill", "objective": "ot", "pairs": 1000, "series": "ot" }],
 *                                       // pairs: a seeded nested sample of the language's training bitext;
 *                                       // series: the line of the method in scaling charts (default objective)
 *   "noise": { "rates": [0, 0.05, 0.1, 0.2, 0.3],       // optional: robustness; every cell is also evaluated
 *              "kinds": ["keyboard", "diacritics", "drop"], // with every kind at each rate (src/text/noise.ts;
 *                                                       // these are the default kinds)
 *              "seed": 0, "sides": "queries" }          // seed default: the config's; "queries" (default): the
 *                                                       // foreign side only; "both": also the English side
 *   "scoring": { "tatoeba-csls": { "score": "csls", "k": 4 } },  // optional: rank these sets by a hubness-
 *                                                       // corrected score (cosine, csls, margin; k default 4;
 *                                                       // experiment-metrics.ts `hubnessScores`) instead of the
 *                                                       // method's own; a set name of some language
 *   "analysis": { "set": "sib-dev", "methods": ["teacher", "mse", "ot"],   // optional: training curves, held-out
 *                 "pairs": 200, "examples": 2 }        // token transport and alignment examples (experiment-analysis.ts);
 *                                                       // the set must not be a test set
 * }
 * ```
 * Evaluation set specs: see `experiment-sets.ts`. Method kinds and their options: `experiment-methods.ts`.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { NOISE_NAMES, type NoiseName } from '../text/noise.ts';
import type { AnalysisConfig } from './experiment-analysis.ts';
import { DEFAULT_NOISE_KINDS } from '../distill/augment.ts';
import { MINING_SCORES, type MiningScore } from './mining.ts';

export const LANGUAGE_GROUPS = ['low', 'high', 'control'] as const;
export type LanguageGroup = (typeof LANGUAGE_GROUPS)[number];

export interface LanguageConfig {
  /** short code used in tables and file names (e.g. swh) */
  code: string;
  /** `low` and `high` make the gap table (high minus low); `control` (e.g. a high-resource language on Bible bitext) is reported but not in the gap */
  group: LanguageGroup;
  /** training bitext specs (`bible:NAME`, `mafand:en-XX`, `sib:LANG:train`, `lines:SRC:ENG`) */
  bitext: string[];
  /** evaluation sets by name (the table they go to) → spec */
  eval: Record<string, string>;
  /** a seeded sample of this many training pairs (overrides the config's `maxPairs`) */
  maxPairs?: number;
}

export interface MethodConfig {
  /** row label and folder name; unique */
  name: string;
  /** a registered method kind (`teacher`, `char-tfidf`, `kernel-ridge`, `distill`, …) */
  kind: string;
  /** `distill` only: the objective (`ot`, `mse`, `contrastive`, `ot+mse`, …) */
  objective?: string;
  /** kind-specific options, checked by the method */
  options: Record<string, unknown>;
  /** run only on these language codes (default: all), e.g. ablations on a few languages */
  languages?: string[];
  /**
   * fit on a seeded sample of this many pairs of the language's training bitext (`sampleBitext` with the
   * config's seed: the first n of one seeded permutation, so the samples of one language are nested)
   */
  pairs?: number;
  /** the line this method belongs to in scaling tables and charts (default: its objective, else its name) */
  series?: string;
}

/**
 * Evaluation under noise (issue 7): each evaluation set is evaluated again at every rate r with the
 * composed noise `kinds` each at rate r (`Noise`, seeded), applied to the foreign side (`sides: "queries"`)
 * or to both sides (`"both"`; the English side with a different seed). Rates start at 0 (the clean set).
 */
export interface NoiseConfig {
  rates: number[];
  kinds: NoiseName[];
  seed: number;
  sides: 'queries' | 'both';
}

export interface ExperimentConfig {
  name: string;
  /** free text printed under the report's title (what the run is, what it leaves out) */
  description?: string;
  /** absolute path of the hand-written reading of the results (markdown), from `reading` */
  reading?: string;
  seed: number;
  teacher?: string;
  maxPairs?: number;
  bibleHeldOutBooks: string[];
  significance: { baseline: string; samples: number };
  evaluation?: string[];
  languages: LanguageConfig[];
  methods: MethodConfig[];
  noise?: NoiseConfig;
  /** evaluation set name → the hubness-corrected score its rankings use (absent: the method's own scores) */
  scoring?: Record<string, SetScoring>;
  analysis?: AnalysisConfig;
  /** the file it was read from (for messages) */
  file: string;
}

/** How an evaluation set is ranked: `score` over the method's similarity matrix, k nearest neighbours. */
export interface SetScoring {
  score: MiningScore;
  k: number;
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._+-]*$/;

/** Validation context: errors name the file and the JSON path. */
class At {
  constructor(
    readonly file: string,
    readonly path: string,
  ) {}
  at(key: string | number): At {
    return new At(this.file, typeof key === 'number' ? `${this.path}[${key}]` : `${this.path}.${key}`);
  }
  fail(msg: string): never {
    throw new InputError(`${this.path}: ${msg}`, this.file);
  }
  object(v: unknown): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(`expected an object, got ${JSON.stringify(v)}`);
    return v as Record<string, unknown>;
  }
  string(v: unknown): string {
    if (typeof v !== 'string' || v === '') this.fail(`expected a non-empty string, got ${JSON.stringify(v)}`);
    return v;
  }
  name(v: unknown): string {
    const s = this.string(v);
    if (!NAME_RE.test(s)) this.fail(`"${s}" is not a valid name (letters, digits, . _ + -; it names files)`);
    return s;
  }
  int(v: unknown, min = 0): number {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) this.fail(`expected an integer ≥ ${min}, got ${JSON.stringify(v)}`);
    return v;
  }
  strings(v: unknown): string[] {
    if (!Array.isArray(v)) this.fail(`expected an array of strings, got ${JSON.stringify(v)}`);
    return v.map((x, i) => this.at(i).string(x));
  }
  keys(o: Record<string, unknown>, allowed: readonly string[]): void {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) this.at(k).fail(`unknown field (valid: ${allowed.join(', ')})`);
  }
}

/** Parse and validate a config object (`file` names it in errors). */
export function parseExperimentConfig(raw: unknown, file: string): ExperimentConfig {
  const root = new At(file, '$');
  const o = root.object(raw);
  root.keys(o, ['name', 'seed', 'teacher', 'maxPairs', 'bibleHeldOutBooks', 'significance', 'evaluation', 'languages', 'methods', 'noise', 'description', 'reading', 'analysis', 'scoring']);
  const name = root.at('name').name(o['name']);
  const description = o['description'] === undefined ? undefined : root.at('description').string(o['description']);
  const reading = o['reading'] === undefined ? undefined : resolve(dirname(file), root.at('reading').string(o['reading']));
  const seed = o['seed'] === undefined ? 0 : root.at('seed').int(o['seed']);
  const teacher = o['teacher'] === undefined ? undefined : root.at('teacher').string(o['teacher']);
  const maxPairs = o['maxPairs'] === undefined ? undefined : root.at('maxPairs').int(o['maxPairs'], 1);
  const books = o['bibleHeldOutBooks'] === undefined ? [] : root.at('bibleHeldOutBooks').strings(o['bibleHeldOutBooks']);
  books.forEach((b, i) => /^[0-9A-Z]+$/.test(b) || root.at('bibleHeldOutBooks').at(i).fail(`"${b}" is not a book code (e.g. JOH, REV, 1CO)`));
  const sigAt = root.at('significance');
  const sig = o['significance'] === undefined ? {} : sigAt.object(o['significance']);
  sigAt.keys(sig, ['baseline', 'samples']);
  const significance = {
    baseline: sig['baseline'] === undefined ? 'ot' : sigAt.at('baseline').string(sig['baseline']),
    samples: sig['samples'] === undefined ? 10_000 : sigAt.at('samples').int(sig['samples'], 100),
  };

  const langAt = root.at('languages');
  if (!Array.isArray(o['languages']) || o['languages'].length === 0) langAt.fail('expected a non-empty array of languages');
  const languages = (o['languages'] as unknown[]).map((l, i) => parseLanguage(l, langAt.at(i)));
  dupes(languages.map((l) => l.code), langAt, 'code');

  const methAt = root.at('methods');
  if (!Array.isArray(o['methods']) || o['methods'].length === 0) methAt.fail('expected a non-empty array of methods');
  const methods = (o['methods'] as unknown[]).map((m, i) => parseMethod(m, methAt.at(i)));
  dupes(methods.map((m) => m.name), methAt, 'name');
  const codes = languages.map((l) => l.code);
  methods.forEach((m, i) => m.languages?.forEach((c, k) => codes.includes(c) || methAt.at(i).at('languages').at(k).fail(`no language "${c}" (have: ${codes.join(', ')})`)));

  const setNames = new Set(languages.flatMap((l) => Object.keys(l.eval)));
  const evaluation = o['evaluation'] === undefined ? undefined : root.at('evaluation').strings(o['evaluation']);
  evaluation?.forEach((s, i) => setNames.has(s) || root.at('evaluation').at(i).fail(`no language has an evaluation set "${s}" (have: ${[...setNames].join(', ')})`));
  if (books.length === 0) {
    languages.forEach((l, i) => {
      for (const [k, spec] of Object.entries(l.eval)) if (spec.startsWith('bible-heldout:')) langAt.at(i).at('eval').at(k).fail('a bible-heldout set needs $.bibleHeldOutBooks');
    });
  }
  const noise = o['noise'] === undefined ? undefined : parseNoise(o['noise'], root.at('noise'), seed);
  const analysis = o['analysis'] === undefined ? undefined : parseAnalysis(o['analysis'], root.at('analysis'), setNames, methods.map((m) => m.name));
  const scoring = o['scoring'] === undefined ? undefined : parseScoring(o['scoring'], root.at('scoring'), setNames);
  return { name, description, reading, seed, teacher, maxPairs, bibleHeldOutBooks: books, significance, evaluation, languages, methods, noise, scoring, analysis, file };
}

/** The `scoring` block: set name → { score, k }. */
function parseScoring(v: unknown, at: At, setNames: Set<string>): Record<string, SetScoring> {
  const o = at.object(v);
  const out: Record<string, SetScoring> = {};
  for (const [set, raw] of Object.entries(o)) {
    const sAt = at.at(set);
    if (!setNames.has(set)) sAt.fail(`no language has an evaluation set "${set}" (have: ${[...setNames].join(', ')})`);
    const e = sAt.object(raw);
    sAt.keys(e, ['score', 'k']);
    const score = sAt.at('score').string(e['score']);
    if (!(MINING_SCORES as readonly string[]).includes(score)) sAt.at('score').fail(`expected one of ${MINING_SCORES.join(', ')}, got "${score}"`);
    out[set] = { score: score as MiningScore, k: e['k'] === undefined ? 4 : sAt.at('k').int(e['k'], 1) };
  }
  return out;
}

/** The `analysis` block: a set some language has (not a test set), known methods, pair counts. */
function parseAnalysis(v: unknown, at: At, setNames: Set<string>, methodNames: string[]): AnalysisConfig {
  const o = at.object(v);
  at.keys(o, ['set', 'methods', 'pairs', 'examples']);
  const set = at.at('set').string(o['set']);
  if (!setNames.has(set)) at.at('set').fail(`no language has an evaluation set "${set}" (have: ${[...setNames].join(', ')})`);
  if (/test/i.test(set)) at.at('set').fail(`"${set}" looks like a test set; the analysis reads a development set (test sets are never used for tuning)`);
  const methods = at.at('methods').strings(o['methods']);
  methods.forEach((m, i) => methodNames.includes(m) || at.at('methods').at(i).fail(`no method "${m}" (have: ${methodNames.join(', ')})`));
  const pairs = o['pairs'] === undefined ? 200 : at.at('pairs').int(o['pairs'], 1);
  const examples = o['examples'] === undefined ? 2 : at.at('examples').int(o['examples'], 0);
  if (examples > pairs) at.at('examples').fail(`${examples} examples > ${pairs} pairs`);
  return { set, methods, pairs, examples };
}

/** Noise kind names, checked: a non-empty array of distinct `NOISE_NAMES` (`fail(index, msg)`). */
export function noiseKinds(v: unknown, fail: (index: number | undefined, msg: string) => never): NoiseName[] {
  if (!Array.isArray(v) || v.length === 0) fail(undefined, `expected a non-empty array of noise kinds (valid: ${NOISE_NAMES.join(', ')})`);
  return v.map((k, i) => {
    if (typeof k !== 'string' || !(NOISE_NAMES as readonly string[]).includes(k)) fail(i, `unknown noise kind ${JSON.stringify(k)} (valid: ${NOISE_NAMES.join(', ')})`);
    if (v.indexOf(k) !== i) fail(i, `duplicate noise kind "${k}"`);
    return k as NoiseName;
  });
}

function parseNoise(v: unknown, at: At, seed: number): NoiseConfig {
  const o = at.object(v);
  at.keys(o, ['rates', 'kinds', 'seed', 'sides']);
  const rAt = at.at('rates');
  if (!Array.isArray(o['rates']) || o['rates'].length < 2) rAt.fail('expected an array of at least two rates, starting at 0');
  const rates = (o['rates'] as unknown[]).map((v, i) => {
    const r = v as number;
    if (typeof v !== 'number' || !(r >= 0 && r <= 1)) rAt.at(i).fail(`expected a rate in [0, 1], got ${JSON.stringify(v)}`);
    if (i === 0 && r !== 0) rAt.at(0).fail('the first rate must be 0 (the clean set: relative drop and area are measured from it)');
    if (i > 0 && r <= (o['rates'] as number[])[i - 1]!) rAt.at(i).fail('rates must increase');
    return r;
  });
  const kinds = o['kinds'] === undefined ? [...DEFAULT_NOISE_KINDS] : noiseKinds(o['kinds'], (i, msg) => (i === undefined ? at.at('kinds') : at.at('kinds').at(i)).fail(msg));
  const nseed = o['seed'] === undefined ? seed : at.at('seed').int(o['seed']);
  const sides = (o['sides'] === undefined ? 'queries' : at.at('sides').string(o['sides'])) as NoiseConfig['sides'];
  if (sides !== 'queries' && sides !== 'both') at.at('sides').fail(`expected "queries" or "both", got "${sides}"`);
  return { rates, kinds, seed: nseed, sides };
}

function dupes(names: string[], at: At, field: string): void {
  names.forEach((n, i) => {
    if (names.indexOf(n) !== i) at.at(i).at(field).fail(`duplicate ${field} "${n}"`);
  });
}

function parseLanguage(v: unknown, at: At): LanguageConfig {
  const o = at.object(v);
  at.keys(o, ['code', 'group', 'bitext', 'eval', 'maxPairs']);
  const code = at.at('code').name(o['code']);
  const group = at.at('group').string(o['group']) as LanguageGroup;
  if (!LANGUAGE_GROUPS.includes(group)) at.at('group').fail(`expected one of ${LANGUAGE_GROUPS.join(', ')}, got "${group}"`);
  const bitext = at.at('bitext').strings(o['bitext']);
  if (bitext.length === 0) at.at('bitext').fail('expected at least one bitext spec');
  bitext.forEach((s, i) => {
    if (/^sib:[^:]+:(dev|test)$/.test(s)) at.at('bitext').at(i).fail(`"${s}": SIB-200 dev and test are evaluation sets, never training bitext`);
    if (s.startsWith('tatoeba')) at.at('bitext').at(i).fail(`"${s}": Tatoeba is an evaluation set, never training bitext`);
  });
  const evAt = at.at('eval');
  const ev = evAt.object(o['eval']);
  if (Object.keys(ev).length === 0) evAt.fail('expected at least one evaluation set');
  const evalSets: Record<string, string> = {};
  for (const [k, spec] of Object.entries(ev)) {
    evAt.name(k);
    evalSets[k] = evAt.at(k).string(spec);
    if (bitext.includes(evalSets[k]!)) evAt.at(k).fail(`"${spec}" is also a training bitext of this language`);
  }
  const maxPairs = o['maxPairs'] === undefined ? undefined : at.at('maxPairs').int(o['maxPairs'], 1);
  return { code, group, bitext, eval: evalSets, maxPairs };
}

function parseMethod(v: unknown, at: At): MethodConfig {
  const o = at.object(v);
  at.keys(o, ['name', 'kind', 'objective', 'options', 'languages', 'pairs', 'series']);
  const name = at.at('name').name(o['name']);
  const kind = at.at('kind').string(o['kind']);
  const objective = o['objective'] === undefined ? undefined : at.at('objective').string(o['objective']);
  const options = o['options'] === undefined ? {} : at.at('options').object(o['options']);
  const languages = o['languages'] === undefined ? undefined : at.at('languages').strings(o['languages']);
  const pairs = o['pairs'] === undefined ? undefined : at.at('pairs').int(o['pairs'], 1);
  const series = o['series'] === undefined ? undefined : at.at('series').name(o['series']);
  return { name, kind, objective, options, languages, pairs, series };
}

/** Read and validate a config file. */
export function readExperimentConfig(file: string): ExperimentConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`not a readable JSON file: ${(e as Error).message}`, file);
  }
  return parseExperimentConfig(raw, file);
}

/** JSON path of a method's option (for the methods' own checks). */
export function methodOptionPath(cfg: ExperimentConfig, method: string, option: string): string {
  return `$.methods[${cfg.methods.findIndex((m) => m.name === method)}].options.${option}`;
}
