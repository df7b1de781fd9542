/**
 * Data of an experiment cell: the training bitext of a language (Bible held-out books removed, optionally a
 * seeded sample) and its evaluation sets.
 *
 * Evaluation set specs (each a line-aligned pair list: query i translates document i):
 *   tatoeba:LANG3               Tatoeba test set (tatoeba/tatoeba.LANG3-eng.*)
 *   sib:LANG_Script:dev|test    SIB-200 dev or test split joined with English on index_id
 *   bible-heldout:NAME          the verses of the config's `bibleHeldOutBooks` in Bible NAME (with the WEB)
 *   multi30k:XX:SPLIT           Multi30k captions SPLIT.XX.gz with SPLIT.en.gz (e.g. multi30k:de:test_2016_flickr)
 *   lines:SRC:ENG               any two line-aligned files (plain or .gz)
 * Test sets are never training data: a language's training specs may not name an evaluation spec (checked
 * in the config), every `bible:` training spec loses the held-out books, and each cell records how many
 * evaluation pairs also occur in its training bitext (`overlap`, expected 0).
 */
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import {
  concatBitext,
  loadBible,
  loadLinePairs,
  loadSib200,
  loadTatoebaEval,
  parseBitextSpec,
  sampleBitext,
  splitByBibleBooks,
  type Bitext,
} from '../data/index.ts';
import type { ExperimentConfig, LanguageConfig } from './experiment-config.ts';

export interface EvalSet {
  /** foreign side (queries of x→en) */
  src: string[];
  /** English side */
  eng: string[];
  spec: string;
}

export const EVAL_SCHEMES = ['tatoeba', 'sib', 'bible-heldout', 'multi30k', 'lines'] as const;

/** Load an evaluation set by spec (see the file header). */
export function loadEvalSet(spec: string, dataDir: string, heldOutBooks: readonly string[]): EvalSet {
  const [scheme, ...rest] = spec.split(':');
  const arg = rest.join(':');
  const bad = (want: string): never => {
    throw new InputError(`evaluation set ${JSON.stringify(spec)}: expected ${want}`);
  };
  switch (scheme) {
    case 'tatoeba': {
      if (!/^[a-z]{3}$/.test(arg)) bad('tatoeba:LANG3 (e.g. tatoeba:swh)');
      const t = loadTatoebaEval(dataDir, arg);
      return { src: t.src, eng: t.eng, spec };
    }
    case 'sib': {
      const [lang, split] = rest;
      if (rest.length !== 2 || (split !== 'dev' && split !== 'test')) bad('sib:LANG_Script:dev|test');
      const b = loadSib200(dataDir, lang!, split);
      return { src: b.src, eng: b.eng, spec };
    }
    case 'bible-heldout': {
      if (!arg) bad('bible-heldout:NAME');
      if (heldOutBooks.length === 0) bad('a config with bibleHeldOutBooks');
      const { heldOut } = splitByBibleBooks(loadBible(dataDir, arg), heldOutBooks);
      if (heldOut.src.length === 0) throw new InputError(`evaluation set ${JSON.stringify(spec)}: no verses of ${heldOutBooks.join(', ')} in Bible ${arg}`);
      return { src: heldOut.src, eng: heldOut.eng, spec };
    }
    case 'multi30k': {
      const [xx, split] = rest;
      if (rest.length !== 2 || !xx || !split) bad('multi30k:XX:SPLIT (e.g. multi30k:de:test_2016_flickr)');
      if (split!.startsWith('train')) bad('a test or val split (train is training bitext)');
      const dir = join(dataDir, 'multi30k');
      const b = loadLinePairs(join(dir, `${split}.${xx}.gz`), join(dir, `${split}.en.gz`), spec);
      return { src: b.src, eng: b.eng, spec };
    }
    case 'lines': {
      const b = parseBitextSpec(spec, dataDir);
      return { src: b.src, eng: b.eng, spec };
    }
    default:
      throw new InputError(`evaluation set ${JSON.stringify(spec)}: unknown scheme "${scheme}" (valid: ${EVAL_SCHEMES.join(', ')})`);
  }
}

/**
 * The training bitext of a language: its specs loaded, `bible:` specs without the held-out books, exact
 * repeats removed, then (with the language's or the config's `maxPairs`) a seeded sample.
 */
export function loadTrainingBitext(lang: LanguageConfig, cfg: Pick<ExperimentConfig, 'bibleHeldOutBooks' | 'maxPairs' | 'seed'>, dataDir: string): Bitext {
  const parts = lang.bitext.map((spec) => {
    if (/^sib:[^:]+:(dev|test)$/.test(spec)) throw new InputError(`training bitext ${spec}: SIB-200 dev/test are evaluation sets`);
    const b = parseBitextSpec(spec, dataDir);
    return spec.startsWith('bible:') && cfg.bibleHeldOutBooks.length ? splitByBibleBooks(b, cfg.bibleHeldOutBooks).train : b;
  });
  const all = concatBitext(parts);
  const max = lang.maxPairs ?? cfg.maxPairs;
  return max ? sampleBitext(all, max, cfg.seed) : all;
}

/** Evaluation pairs whose foreign and English sentences both occur in the training bitext (leakage check; expected 0). */
export function trainingOverlap(train: Bitext, set: EvalSet): number {
  const src = new Set(train.src.map((s) => s.trim()));
  const eng = new Set(train.eng.map((s) => s.trim()));
  let n = 0;
  for (let i = 0; i < set.src.length; i++) if (src.has(set.src[i]!.trim()) && eng.has(set.eng[i]!.trim())) n++;
  return n;
}
