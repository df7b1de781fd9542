/**
 * The training-free baselines of the experiment runner: BM25 (both directions), FreeDict word-by-word
 * translation of a tiny dictd fixture, and Apertium through a fake `apertium` on PATH — each then the
 * teacher — on a tiny config made by the test.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16 } from '../../test/toy-bitext.ts';
import { installFakeApertium, type FakeApertium } from '../../test/fake-apertium.ts';
import { bm25Scores } from '../retrieval/bm25-scores.ts';
import { makeMethod, type MethodContext } from './experiment-methods.ts';
import { loadExperiment, runExperiment } from './experiment.ts';
import { ranksFromScores } from './experiment-metrics.ts';

const failer = (field: string, msg: string): never => {
  throw new Error(`${field}: ${msg}`);
};

describe('bm25 method', () => {
  it('x→en scores the English side as documents, en→x the foreign side (a transpose of the other way)', async () => {
    const m = makeMethod({ name: 'b', kind: 'bm25', options: { k1: 0.9, b: 0.4 } }, failer);
    const { system, info } = await m.fit({} as MethodContext);
    expect(info).toEqual({ k1: 0.9, b: 0.4 });
    const src = ['Juma na Maria 1990', 'Maria anasoma'];
    const eng = ['Juma and Maria in 1990', 'Maria reads', 'Paris is a city'];
    const S = system.scores(src, eng);
    expect(S).toEqual(bm25Scores(src, eng, { k1: 0.9, b: 0.4 }));
    const T = system.scoresEn2x!(src, eng);
    expect(T).toHaveLength(6);
    for (let j = 0; j < eng.length; j++) {
      const col = bm25Scores([eng[j]!], src, { k1: 0.9, b: 0.4 }); // English query j against the 2 foreign documents
      for (let i = 0; i < src.length; i++) expect(T[i * eng.length + j]).toBe(col[i]);
    }
    // the two directions differ: IDF comes from a different side ("maria" is in every foreign sentence, IDF ln(1 + 0.5/2.5))
    expect(T[1 * 3 + 1]).toBeCloseTo(Math.log(1.2) * (1.9 / (1 + 0.9 * (1 - 0.4 + (0.4 * 2) / 3))), 12);
    expect(S[1 * 3 + 1]).not.toBe(T[1 * 3 + 1]);
  });

  it('bad options name the field', () => {
    expect(() => makeMethod({ name: 'b', kind: 'bm25', options: { b: 2 } }, failer)).toThrow(/^options\.b: BM25 b must be in \[0, 1\], got 2/);
    expect(() => makeMethod({ name: 'b', kind: 'bm25', options: { k: 1 } }, failer)).toThrow(/^options\.k: unknown option for kind bm25 \(valid: k1, b\)/);
    expect(() => makeMethod({ name: 'd', kind: 'dict-translate', options: { dictionaries: { swh: 3 } } }, failer)).toThrow(/^options\.dictionaries\.swh: expected a dictionary spec/);
    expect(() => makeMethod({ name: 'd', kind: 'dict-translate', options: { translations: 0 } }, failer)).toThrow(/^options\.translations: expected an integer ≥ 1/);
    expect(() => makeMethod({ name: 't', kind: 'mt-translate', options: { pair: 'eu-en' } }, failer)).toThrow(/^options\.system: required \(one of: apertium\)/);
    expect(() => makeMethod({ name: 't', kind: 'mt-translate', options: { system: 'marian', pair: 'eu-en' } }, failer)).toThrow(/^options\.system: unknown MT system "marian"/);
    expect(() => makeMethod({ name: 't', kind: 'mt-translate', options: { system: 'apertium' } }, failer)).toThrow(/^options\.pair: required/);
    expect(() => makeMethod({ name: 't', kind: 'mt-translate', options: { system: 'apertium', pair: 'eu en' } }, failer)).toThrow(/^options\.pair: "eu en" is not an Apertium direction/);
  });
});

// the toy language: words of 4+ letters reversed + "a"; shorter words are shared with English (BM25's signal)
const toyWord = (w: string) => (w.length >= 4 ? [...w].reverse().join('') + 'a' : w);
const toy = (s: string) => s.split(' ').map(toyWord).join(' ');
const EVAL_ENG = ['the dog sleeps in the garden', 'a cat runs over the roof', 'my father eats fish', 'she reads a new book', 'the old man sings a song', 'children eat bread at home'];
// BM25's directions differ here: IDF and lengths come from the documents' side
const NAMES_X = ['maria nairobi radio', 'nairobi radio radio', 'radio', 'maria'];
const NAMES_EN = ['juma paris juma juma', 'radio 1990 1990', 'nairobi', 'maria radio'];
const WORDS = [...new Set([...TOY_ENG_16, ...EVAL_ENG].flatMap((s) => s.split(' ')).filter((w) => w.length >= 4))];

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const b64 = (n: number): string => (n < 64 ? B64[n]! : b64(Math.floor(n / 64)) + B64[n % 64]);

/** A dictd dictionary toy → English (NAME.index + uncompressed NAME.dict) in FreeDict's entry layout. */
function writeToyDictionary(base: string): void {
  let text = '';
  const index: string[] = [];
  for (const w of WORDS) {
    const body = `${toyWord(w)} <n>\n\n${w}, something else\n`;
    index.push(`${toyWord(w)}\t${b64(Buffer.byteLength(text))}\t${b64(Buffer.byteLength(body))}`);
    text += body;
  }
  writeFileSync(`${base}.index`, index.join('\n') + '\n');
  writeFileSync(`${base}.dict`, text);
}

describe('translation baselines in the runner (tiny dictd fixture, fake apertium)', () => {
  let fake: FakeApertium;
  let cacheEnv: string | undefined;
  beforeEach(() => {
    fake = installFakeApertium();
    fake.wordMap(Object.fromEntries(WORDS.map((w) => [toyWord(w), w])));
    cacheEnv = process.env['OPTICAL_CACHE'];
  });
  afterEach(() => {
    fake.restore();
    if (cacheEnv === undefined) delete process.env['OPTICAL_CACHE'];
    else process.env['OPTICAL_CACHE'] = cacheEnv;
  });

  it('bm25, dict-translate and mt-translate cells: ranks in both directions, translations, cache, resume; missing dictionary or pair fails before any fit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-exp-baselines-'));
    process.env['OPTICAL_CACHE'] = join(dir, 'model-cache');
    const w = (name: string, lines: string[]) => writeFileSync(join(dir, name), lines.join('\n') + '\n');
    w('train.toy', TOY_ENG_16.map(toy));
    w('train.en', TOY_ENG_16);
    w('dev.toy', EVAL_ENG.map(toy));
    w('dev.en', EVAL_ENG);
    w('names.x', NAMES_X);
    w('names.en', NAMES_EN);
    mkdirSync(join(dir, 'dicts'));
    writeToyDictionary(join(dir, 'dicts', 'toy-eng'));
    const lang = (code: string) => ({ code, group: 'low', bitext: [`lines:${dir}/train.toy:${dir}/train.en`], eval: { dev: `lines:${dir}/dev.toy:${dir}/dev.en`, names: `lines:${dir}/names.x:${dir}/names.en` } });
    const config = (pair: string, langs = ['toy']) => ({
      name: 'baselines',
      seed: 0,
      significance: { baseline: 'bm25', samples: 200 },
      languages: langs.map(lang),
      methods: [
        { name: 'bm25', kind: 'bm25' },
        { name: 'dict', kind: 'dict-translate', options: { dictionaries: { toy: 'dicts/toy-eng' } } },
        { name: 'mt', kind: 'mt-translate', options: { system: 'apertium', pair } },
      ],
    });
    const file = join(dir, 'baselines.json');
    const out = join(dir, 'results');

    // what lies outside the config is checked before any cell is fitted
    writeFileSync(file, JSON.stringify(config('kab-en')));
    await expect(runExperiment(loadExperiment(file), { out, dataDir: dir })).rejects.toThrow(`${file}: $.methods[2].options.pair: Apertium has no "kab-en" pair`);
    writeFileSync(file, JSON.stringify(config('toy-en', ['toy', 'kab'])));
    await expect(runExperiment(loadExperiment(file), { out, dataDir: dir })).rejects.toThrow(
      /\$\.methods\[1\]\.options\.dictionaries: no dictionary for language kab: .*freedict-kab-eng\.index does not exist .*give options\.dictionaries\.kab, or leave kab out/,
    );
    expect(existsSync(join(out, 'cells'))).toBe(false);
    expect(fake.calls().every((c) => c === '-l')).toBe(true);

    writeFileSync(file, JSON.stringify(config('toy-en')));
    const r = await runExperiment(loadExperiment(file), { out, dataDir: dir });
    expect(r.ran).toEqual(['bm25/toy', 'dict/toy', 'mt/toy']);
    const cell = (m: string) => r.cells.find((c) => c.method === m)!;

    // BM25: x→en ranks from the foreign queries over English documents, en→x from the reverse
    const src = EVAL_ENG.map(toy);
    const x2en = ranksFromScores(bm25Scores(src, EVAL_ENG), 6).x2en;
    const en2xScores = bm25Scores(EVAL_ENG, src); // [English query, foreign document]
    const en2x = Array.from({ length: 6 }, (_, j) => 1 + [0, 1, 2, 3, 4, 5].filter((i) => en2xScores[j * 6 + i]! > en2xScores[j * 6 + j]! || (en2xScores[j * 6 + i] === en2xScores[j * 6 + j] && i < j)).length);
    expect(cell('bm25').sets['dev']!.ranks).toEqual({ x2en: Array.from(x2en), en2x });
    // a set where reading en→x off the x→en scores (as for a symmetric similarity) would rank differently
    const names = cell('bm25').sets['names']!.ranks;
    expect(names).toEqual({ x2en: Array.from(ranksFromScores(bm25Scores(NAMES_X, NAMES_EN), 4).x2en), en2x: [1, 2, 3, 2] });
    expect(Array.from(ranksFromScores(bm25Scores(NAMES_X, NAMES_EN), 4).en2x)).toEqual([1, 1, 3, 3]);
    expect(cell('bm25').info).toEqual({ k1: 1.2, b: 0.75 });

    // both translations give the English sentences back exactly, so the teacher matches every pair
    for (const m of ['dict', 'mt']) {
      const s = cell(m).sets['dev']!;
      expect(s.ranks).toEqual({ x2en: [1, 1, 1, 1, 1, 1], en2x: [1, 1, 1, 1, 1, 1] });
      expect(s.metrics.x2en).toEqual({ 'R@1': 1, 'R@5': 1, 'R@10': 1, MRR: 1 });
    }
    expect(cell('dict').info).toEqual({ dictionary: 'toy-eng', headwords: WORDS.length, translations: 1 });
    expect(cell('mt').info).toEqual({ system: 'apertium', pair: 'toy-en', version: 'Apertium 0.0-fake' });
    const translate = fake.calls().filter((c) => c.startsWith('-u '));
    expect(translate).toHaveLength(2); // one process per evaluation set
    const cached = readdirSync(join(out, 'cache', 'mt')).map((f) => JSON.parse(readFileSync(join(out, 'cache', 'mt', f), 'utf8')).translations);
    expect(cached).toHaveLength(2);
    expect(cached).toContainEqual(EVAL_ENG);

    // resume: finished cells are skipped without checking for (or running) apertium
    fake.hide();
    const r2 = await runExperiment(loadExperiment(file), { out, dataDir: dir });
    expect(r2.skipped).toEqual(['bm25/toy', 'dict/toy', 'mt/toy']);
  }, 120_000);
});
