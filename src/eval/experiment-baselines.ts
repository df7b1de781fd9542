/**
 * Baselines of the experiment matrix that need no training: BM25 on raw text, and translation of the
 * foreign side into English followed by the teacher (word by word with a FreeDict dictionary, or with an
 * MT system — Apertium, the only MT on these machines; no neural MT exists here).
 *
 * Legend: Q foreign sentences, M English sentences.
 *
 * Kinds and options (checked when the config is read; what lies outside the config — the dictionary file,
 * the installed MT pair — is checked for every cell still to run, before any cell is fitted):
 *   bm25            k1 (default 1.2), b (default 0.75). x→en: the foreign sentence is the query, the English
 *                   sentences of the evaluation set are the documents; en→x the reverse (IDF and avgdl from
 *                   the documents' side). Words: `src/text/words.ts`; no training (the bitext is unused).
 *                   A gold item sharing no word with its query scores 0 and is ranked among the other zeros
 *                   by the harness's tie rule (lower index first, `experiment-metrics.ts`).
 *   dict-translate  dictionaries: {LANG: SPEC} (default for a language: freedict:LANG-eng), translations
 *                   (per word, default 1). SPEC is `freedict:PAIR` (freedict/freedict-PAIR.index in the data
 *                   folder) or a dictd path (relative paths are in the data folder). A language without a
 *                   dictionary is an error: leave it out with the method's `languages`.
 *   mt-translate    system: "apertium", pair: an Apertium direction into English (e.g. "eu-en"). The foreign
 *                   side of each evaluation set is translated in one process and cached under OUT/cache/mt
 *                   (keyed by the pair and the sentences); the cell records `apertium -V`.
 * A cell's key covers its config, not the dictionary file or the installed Apertium: after changing either,
 * delete OUT/cells/METHOD (and OUT/cache/mt) to rerun.
 */
import { existsSync, readdirSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { readDictd, translateText } from '../data/dictd.ts';
import { apertiumVersion, checkApertium, translateApertium } from '../data/apertium.ts';
import { bm25Scores } from '../retrieval/bm25-scores.ts';
import { validateBm25 } from '../retrieval/bm25.ts';
import { InputError } from '../errors.ts';
import { checkOptions, encoderSystem, registerMethod, type MethodContext } from './experiment-methods.ts';

/** T [Q, M] from U [M, Q] (row-major). */
function transpose(U: Float64Array, rows: number, cols: number): Float64Array {
  const T = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) T[j * rows + i] = U[i * cols + j]!;
  return T;
}

registerMethod('bm25', (m, fail) => {
  checkOptions(m, fail, { k1: 'number', b: 'number' });
  const params = { k1: (m.options['k1'] as number | undefined) ?? 1.2, b: (m.options['b'] as number | undefined) ?? 0.75 };
  try {
    validateBm25(params);
  } catch (e) {
    fail(/k1/.test((e as Error).message) ? 'options.k1' : 'options.b', (e as Error).message);
  }
  return {
    config: m,
    fit: async () => ({
      system: {
        scores: (src, eng) => bm25Scores(src, eng, params),
        scoresEn2x: (src, eng) => transpose(bm25Scores(eng, src, params), eng.length, src.length),
      },
      info: { ...params },
    }),
  };
});

/** A system that translates the foreign side into English, then encodes it with the teacher. */
function translateThenTeacher(translate: (texts: string[]) => string[], ctx: MethodContext) {
  return encoderSystem((texts) => ctx.teacher.encode(translate(texts)).embeddings, ctx);
}

/** The dictd base path of a dictionary spec (see the file header). */
export function dictionaryPath(spec: string, dataDir: string): string {
  const m = /^freedict:(.+)$/.exec(spec);
  if (m) return join(resolve(dataDir), 'freedict', `freedict-${m[1]}`);
  const base = spec.replace(/\.(index|dict\.dz|dict)$/, '');
  return isAbsolute(base) ? base : resolve(dataDir, base);
}

/** The FreeDict pairs into English in the data folder (for messages). */
function freedictIntoEnglish(dataDir: string): string[] {
  const dir = join(dataDir, 'freedict');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((f) => /^freedict-(.+-eng)\.index$/.exec(f)?.[1])
    .filter((p): p is string => p !== undefined)
    .sort();
}

registerMethod('dict-translate', (m, fail) => {
  checkOptions(m, fail, { dictionaries: 'object', translations: 'number' });
  const dicts = (m.options['dictionaries'] ?? {}) as Record<string, unknown>;
  for (const [lang, spec] of Object.entries(dicts)) {
    if (typeof spec !== 'string' || spec === '') fail(`options.dictionaries.${lang}`, `expected a dictionary spec (freedict:PAIR or a dictd path), got ${JSON.stringify(spec)}`);
  }
  const max = (m.options['translations'] as number | undefined) ?? 1;
  if (!Number.isInteger(max) || max < 1) fail('options.translations', `expected an integer ≥ 1, got ${max}`);
  const specOf = (code: string) => (dicts[code] as string | undefined) ?? `freedict:${code}-eng`;
  const field = (code: string) => (dicts[code] === undefined ? 'options.dictionaries' : `options.dictionaries.${code}`);
  return {
    config: m,
    check: (lang, dataDir) => {
      const base = dictionaryPath(specOf(lang.code), dataDir);
      if (existsSync(`${base}.index`)) return;
      const have = freedictIntoEnglish(dataDir);
      fail(
        field(lang.code),
        `no dictionary for language ${lang.code}: ${base}.index does not exist (FreeDict into English in ${join(dataDir, 'freedict')}: ${have.join(', ') || 'none'}); ` +
          `give options.dictionaries.${lang.code}, or leave ${lang.code} out with the method's "languages"`,
      );
    },
    fit: async (ctx) => {
      const lex = readDictd(dictionaryPath(specOf(ctx.lang.code), ctx.dataDir));
      const translate = (texts: string[]) => texts.map((t) => translateText(t, lex, { max }));
      return { system: translateThenTeacher(translate, ctx), info: { dictionary: lex.name, headwords: lex.entries.size, translations: max } };
    },
  };
});

export const MT_SYSTEMS = ['apertium'] as const;

registerMethod('mt-translate', (m, fail) => {
  checkOptions(m, fail, { system: 'string', pair: 'string' });
  const system = m.options['system'];
  if (system === undefined) fail('options.system', `required (one of: ${MT_SYSTEMS.join(', ')})`);
  if (!MT_SYSTEMS.includes(system as (typeof MT_SYSTEMS)[number])) fail('options.system', `unknown MT system ${JSON.stringify(system)} (valid: ${MT_SYSTEMS.join(', ')})`);
  const pair = (m.options['pair'] as string | undefined) ?? fail('options.pair', 'required: the translation direction into English, e.g. "eu-en"');
  if (!/^[a-z]{2,3}(_[A-Za-z]+)?-[a-z]{2,3}(_[A-Za-z]+)?(-[a-z_]+)?$/.test(pair)) fail('options.pair', `"${pair}" is not an Apertium direction (e.g. eu-en)`);
  return {
    config: m,
    check: () => {
      try {
        checkApertium(pair);
      } catch (e) {
        if (e instanceof InputError) fail('options.pair', e.message);
        throw e;
      }
    },
    fit: async (ctx) => {
      const cacheDir = join(ctx.cacheDir, 'mt');
      const translate = (texts: string[]) => translateApertium(texts, { pair, cacheDir });
      return { system: translateThenTeacher(translate, ctx), info: { system, pair, version: apertiumVersion() } };
    },
  };
});
