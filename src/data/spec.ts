/**
 * Bitext specs: the strings the CLI accepts to name training or development bitext.
 *
 *   bible:NAME                 Bible NAME (e.g. Swahili) joined with the World English Bible
 *   lines:SRC_FILE:ENG_FILE    two line-aligned files (plain or .gz)
 *   sib:LANG[:SPLIT]           SIB-200 LANG (e.g. swh_Latn) with English; SPLIT train (default), dev, test
 *   mafand:PAIR[:SPLIT]        MAFAND-MT PAIR (e.g. en-swa); SPLIT dev (default)
 *   multi30k:LANG[:SPLIT]      Multi30k task 1 captions LANG (de, fr, cs) with English; SPLIT train (default) or val
 *   freedict:PAIR[:N]          word-level bitext from the FreeDict dictionary PAIR (X-eng or eng-X, e.g. swh-eng):
 *                              each headword with its first N translations (default 1), foreign side first
 *
 * Tatoeba and the Multi30k test splits are deliberately not bitext: it is an evaluation set (`loadTatoebaEval`).
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { concatBitext, type Bitext } from './bitext.ts';
import { loadBible, loadLinePairs, loadMafand, loadSib200 } from './loaders.ts';
import { loadMulti30kBitext } from './multi30k.ts';
import { lexiconBitext, readDictd, resolveDictionary } from './dictd.ts';

export const BITEXT_SCHEMES = {
  bible: 'bible:NAME (e.g. bible:Swahili)',
  lines: 'lines:SRC_FILE:ENG_FILE (two line-aligned files, plain or .gz)',
  sib: 'sib:LANG[:train|dev|test] (e.g. sib:swh_Latn, default split train)',
  mafand: 'mafand:PAIR[:SPLIT] (e.g. mafand:en-swa, default split dev)',
  multi30k: 'multi30k:LANG[:train|val] (LANG de, fr or cs, paired with en; default split train)',
  freedict: 'freedict:PAIR[:N] (word-level bitext from freedict/freedict-PAIR, PAIR X-eng or eng-X, e.g. freedict:swh-eng; N translations per headword, default 1)',
} as const;

function schemesHelp(): string {
  return Object.values(BITEXT_SCHEMES)
    .map((s) => `  ${s}`)
    .join('\n');
}

/** A relative path is tried against the working directory first, then against the data folder. */
function resolveUserPath(p: string, dataDir: string): string {
  if (isAbsolute(p)) return p;
  const inCwd = resolve(p);
  if (existsSync(inCwd)) return inCwd;
  const inData = resolve(dataDir, p);
  return existsSync(inData) ? inData : inCwd;
}

/** Split `A:B` into two existing paths, allowing `:` inside paths when only one split point works. */
function splitPathPair(rest: string, dataDir: string, spec: string): [string, string] {
  const parts = rest.split(':');
  if (parts.length < 2) throw new InputError(`bitext spec ${JSON.stringify(spec)}: expected ${BITEXT_SCHEMES.lines}`);
  const candidates: [string, string][] = [];
  for (let k = 1; k < parts.length; k++) {
    candidates.push([parts.slice(0, k).join(':'), parts.slice(k).join(':')]);
  }
  const resolved = candidates.map(([a, b]) => [resolveUserPath(a, dataDir), resolveUserPath(b, dataDir)] as [string, string]);
  const existing = resolved.filter(([a, b]) => existsSync(a) && existsSync(b));
  if (existing.length === 1) return existing[0]!;
  if (existing.length > 1) throw new InputError(`bitext spec ${JSON.stringify(spec)}: ambiguous ':' in the file names`);
  if (candidates.length === 1) return resolved[0]!; // let the loader name the missing file
  throw new InputError(`bitext spec ${JSON.stringify(spec)}: no split at ':' names two existing files`);
}

/** Load the bitext named by a CLI spec (see the file header). Unknown schemes list the valid ones. */
export function parseBitextSpec(spec: string, dataDir: string): Bitext {
  const colon = spec.indexOf(':');
  const scheme = colon < 0 ? spec : spec.slice(0, colon);
  const rest = colon < 0 ? '' : spec.slice(colon + 1);
  const need = (what: string): void => {
    if (rest === '') throw new InputError(`bitext spec ${JSON.stringify(spec)}: missing ${what}; expected ${BITEXT_SCHEMES[scheme as keyof typeof BITEXT_SCHEMES]}`);
  };
  switch (scheme) {
    case 'bible':
      need('Bible name');
      return loadBible(dataDir, rest);
    case 'lines': {
      need('files');
      const [a, b] = splitPathPair(rest, dataDir, spec);
      return loadLinePairs(a, b, spec);
    }
    case 'sib': {
      need('language');
      const [lang, split = 'train', ...extra] = rest.split(':');
      if (extra.length) throw new InputError(`bitext spec ${JSON.stringify(spec)}: expected ${BITEXT_SCHEMES.sib}`);
      return loadSib200(dataDir, lang!, split);
    }
    case 'mafand': {
      need('pair');
      const [pair, split = 'dev', ...extra] = rest.split(':');
      if (extra.length) throw new InputError(`bitext spec ${JSON.stringify(spec)}: expected ${BITEXT_SCHEMES.mafand}`);
      return loadMafand(dataDir, pair!, split);
    }
    case 'multi30k': {
      need('language');
      const [lang, split = 'train', ...extra] = rest.split(':');
      if (extra.length) throw new InputError(`bitext spec ${JSON.stringify(spec)}: expected ${BITEXT_SCHEMES.multi30k}`);
      return loadMulti30kBitext(dataDir, lang!, split);
    }
    case 'freedict': {
      need('dictionary pair');
      const [pair, n = '1', ...extra] = rest.split(':');
      const m = /^([a-z]{2,3})-([a-z]{2,3})$/.exec(pair!);
      if (extra.length || !m || (m[1] !== 'eng') === (m[2] !== 'eng') || !/^[1-9]\d*$/.test(n)) {
        throw new InputError(`bitext spec ${JSON.stringify(spec)}: expected ${BITEXT_SCHEMES.freedict}`);
      }
      return lexiconBitext(readDictd(resolveDictionary(`freedict:${pair}`, dataDir)), m[2] === 'eng' ? 'head' : 'translation', Number(n));
    }
    case 'tatoeba':
      throw new InputError(
        `bitext spec ${JSON.stringify(spec)}: Tatoeba is an evaluation set and cannot be used as bitext; valid schemes:\n${schemesHelp()}`,
      );
    default:
      throw new InputError(`bitext spec ${JSON.stringify(spec)}: unknown scheme ${JSON.stringify(scheme)}; valid schemes:\n${schemesHelp()}`);
  }
}

/** Load several specs and concatenate them (exact duplicate pairs removed, see `concatBitext`). */
export function loadBitexts(specs: readonly string[], dataDir: string): Bitext {
  if (specs.length === 0) throw new InputError(`no bitext given; valid schemes:\n${schemesHelp()}`);
  return concatBitext(specs.map((s) => parseBitextSpec(s, dataDir)));
}
