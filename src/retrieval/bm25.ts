/**
 * A persistent BM25 index (the lexical baseline), scored by wink-bm25-text-search. Legend: N documents,
 * k results.
 *
 * Scoring (Robertson & Zaragoza 2009, with Lucene's IDF), for a query of words q_1 … q_m (repeats count):
 *   score(d) = Σ_i idf(q_i) · tf(q_i, d) (k1 + 1) / (tf(q_i, d) + k1 (1 − b + b |d| / avgdl))
 *   idf(t)   = ln(1 + (N − n_t + 0.5) / (n_t + 0.5))
 * where tf is the term's count in d, |d| the number of words of d, avgdl the mean of |d| over the index,
 * n_t the number of documents containing t (wink with k = 1; its per-term scores are rounded to 9
 * decimals, so scores are exact to ~1e-9). Words come from the analyzer of src/text/words.ts (ICU word
 * break, NFKC, lower case; no stemming, no stop list). Only documents sharing a word with the query are
 * returned, so a search may give fewer than k hits; ties are ordered by id (ascending) as in every store.
 * (MiniSearch was measured and rejected: its document length counts distinct words and it multiplies
 * scores by the number of matched query terms, which is not BM25.)
 *
 * wink's engine is fixed once consolidated (no add, k1/b baked in), so the index on disk is the documents
 * themselves and the engine is built in memory on first search for each (k1, b) (≈ 1 s per 100k short
 * documents). k1 and b can therefore be chosen per search; the index records defaults.
 *
 * On disk (folder INDEX), one generation g per add, as in the flat store:
 *   index.json      {format: "optical-bm25-index", version: 1, analyzer, bm25: {k1, b} (search defaults),
 *                    count, languages, translations, generation: g, docs: "docs-g.jsonl", created, updated}
 *   docs-g.jsonl    N lines {id, text?, lang?, meta?, input?}: `input` (when it differs from text) is what
 *                   was indexed, e.g. the dictionary translation of the text
 * An add writes docs-(g+1).jsonl, then renames index.json over the old one (the commit point), then
 * deletes generation g. Duplicate ids are rejected before anything is written.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import winkBm25 from 'wink-bm25-text-search';
import { ArgumentError, InputError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { analyzeWords, WORD_ANALYZER } from '../text/words.ts';
import { compareHits, readStoredDocs, storedFields, type SearchHit, type StoredDoc } from './store.ts';
import type { NewDoc } from './search-index.ts';

export const BM25_FORMAT = 'optical-bm25-index';
const MANIFEST = 'index.json';
/** decimals wink keeps of each term score (its maximum) */
const PRECISION = 9;

export interface Bm25Params {
  /** term-frequency saturation (≥ 0) */
  k1: number;
  /** length normalisation, in [0, 1] */
  b: number;
}

/** Robertson's usual values (Anserini uses 0.9 / 0.4 on MS MARCO). */
export const BM25_DEFAULTS: Bm25Params = { k1: 1.2, b: 0.75 };

export interface Bm25Manifest {
  format: typeof BM25_FORMAT;
  version: 1;
  analyzer: string;
  bm25: Bm25Params;
  count: number;
  languages: Record<string, number>;
  /** dictionaries documents were translated with before indexing (each named once) */
  translations: string[];
  generation: number;
  docs: string;
  created: string;
  updated: string;
}

/** A stored document with the text that was indexed when it differs from `text`. */
interface IndexedDoc extends StoredDoc {
  input?: string;
}

/** Check k1 ≥ 0 and b ∈ [0, 1] (`ArgumentError` naming the bad one). */
export function validateBm25(p: Bm25Params): Bm25Params {
  if (!Number.isFinite(p.k1) || p.k1 < 0) throw new ArgumentError(`BM25 k1 must be a finite number ≥ 0, got ${p.k1}`);
  if (!Number.isFinite(p.b) || p.b < 0 || p.b > 1) throw new ArgumentError(`BM25 b must be in [0, 1], got ${p.b}`);
  return p;
}

/** The per-term BM25 contributions of every document sharing a word with a query, summed. */
interface Engine {
  search(text: string, limit: number): [string, number][];
}

export class Bm25Index {
  private engines = new Map<string, Engine>();
  private ids: Map<string, number>;

  private constructor(
    readonly dir: string,
    private docs: IndexedDoc[],
    private manifestData: Bm25Manifest | undefined,
    private readonly params: Bm25Params,
  ) {
    this.ids = new Map(docs.map((d, i) => [d.id, i]));
  }

  /** Open an existing BM25 index (`InputError` when `dir` holds none). */
  static open(dir: string): Bm25Index {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) throw new InputError(existsSync(dir) ? `not an optical index (no ${MANIFEST})` : 'no such index', dir);
    const m = readManifest(file);
    const docsFile = join(dir, m.docs);
    const docs = readStoredDocs(docsFile) as IndexedDoc[];
    if (docs.length !== m.count) throw new InputError(`${docs.length} documents but ${MANIFEST} says ${m.count}`, docsFile);
    return new Bm25Index(dir, docs, m, m.bm25);
  }

  /** Open the BM25 index in `dir`, or prepare a new one there (written at the first add) with `params`. */
  static openOrCreate(dir: string, params: Partial<Bm25Params> = {}): Bm25Index {
    if (existsSync(join(dir, MANIFEST))) return Bm25Index.open(dir);
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`exists and is not an optical index (no ${MANIFEST}); choose a new or empty folder`, dir);
    return new Bm25Index(dir, [], undefined, validateBm25({ ...BM25_DEFAULTS, ...params }));
  }

  /** The manifest, or undefined before the first add. */
  get manifest(): Bm25Manifest | undefined {
    return this.manifestData;
  }

  /** The search-time defaults recorded in the index. */
  get defaults(): Bm25Params {
    return { ...this.params };
  }

  count(): number {
    return this.docs.length;
  }

  /**
   * Index `docs` (the words of `input ?? text`); all-or-nothing, duplicate ids are rejected with an
   * `InputError` naming `opts.file` and the line. `opts.translation` names the dictionary `input` was
   * translated with (recorded in the manifest).
   */
  add(docs: readonly NewDoc[], opts: { file?: string; translation?: string } = {}): { added: number; count: number } {
    const seen = new Map<string, number | undefined>();
    for (const d of docs) {
      if (seen.has(d.id)) throw new InputError(`duplicate id "${d.id}"${seen.get(d.id) ? ` (first on line ${seen.get(d.id)})` : ''}`, opts.file, d.line);
      seen.set(d.id, d.line);
      if (this.ids.has(d.id)) throw new InputError(`document id "${d.id}" is already in the index ${this.dir}: duplicate ids are rejected`, opts.file, d.line);
    }
    if (docs.length === 0) return { added: 0, count: this.count() };
    const added: IndexedDoc[] = docs.map((d) => {
      const s: IndexedDoc = storedFields(d);
      const input = d.input ?? d.text ?? '';
      if (input !== d.text) s.input = input;
      return s;
    });
    const all = [...this.docs, ...added];
    const now = new Date().toISOString();
    const prev = this.manifestData;
    const g = (prev?.generation ?? 0) + 1;
    const m: Bm25Manifest = prev
      ? structuredClone(prev)
      : { format: BM25_FORMAT, version: 1, analyzer: WORD_ANALYZER, bm25: this.params, count: 0, languages: {}, translations: [], generation: 0, docs: '', created: now, updated: now };
    m.generation = g;
    m.docs = `docs-${g}.jsonl`;
    m.count = all.length;
    m.updated = now;
    for (const d of docs) if (d.lang) m.languages[d.lang] = (m.languages[d.lang] ?? 0) + 1;
    if (opts.translation && !m.translations.includes(opts.translation)) m.translations.push(opts.translation);
    const createdDir = !prev && !existsSync(this.dir);
    try {
      atomicWriteFile(join(this.dir, m.docs), all.map((d) => JSON.stringify(d)).join('\n') + '\n');
      atomicWriteFile(join(this.dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    } catch (e) {
      if (createdDir) rmSync(this.dir, { recursive: true, force: true });
      else rmSync(join(this.dir, m.docs), { force: true });
      throw e;
    }
    if (prev) rmSync(join(this.dir, prev.docs), { force: true });
    added.forEach((d, i) => this.ids.set(d.id, this.docs.length + i));
    this.docs = all;
    this.manifestData = m;
    this.engines.clear();
    return { added: docs.length, count: m.count };
  }

  /** The k best documents for `query` by BM25 (formula in the file header), best first. */
  search(query: string, k: number, params: Partial<Bm25Params> = {}): SearchHit[] {
    if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`k must be a positive integer, got ${k}`);
    const p = validateBm25({ ...this.params, ...params });
    if (this.docs.length === 0) return [];
    const hits: SearchHit[] = this.engine(p)
      .search(query, this.docs.length)
      .map(([id, score]) => {
        const { input: _input, ...stored } = this.docs[this.ids.get(id)!]!;
        return { ...stored, score };
      });
    return hits.sort(compareHits).slice(0, k);
  }

  /** `search` for each query: Q result lists. */
  searchTexts(queries: readonly string[], k: number, params: Partial<Bm25Params> = {}): SearchHit[][] {
    return queries.map((q) => this.search(q, k, params));
  }

  /** wink's engine for (k1, b), built from the documents on first use. */
  private engine(p: Bm25Params): Engine {
    const key = `${p.k1}/${p.b}`;
    let e = this.engines.get(key);
    if (e) return e;
    const w = winkBm25();
    w.defineConfig({ fldWeights: { input: 1 }, bm25Params: { k1: p.k1, b: p.b, k: 1 } });
    w.definePrepTasks([analyzeWords]);
    for (const d of this.docs) w.addDoc({ input: d.input ?? d.text ?? '' }, d.id);
    if (this.docs.length >= 3) {
      w.consolidate(PRECISION);
      e = w;
    } else {
      // wink refuses to consolidate fewer than 3 documents: pad with empty ones, which change
      // neither n_t nor any score but count in N and avgdl — so score the few documents exactly instead
      e = exactEngine(this.docs, p);
    }
    this.engines.set(key, e);
    return e;
  }
}

/** BM25 computed directly (for indexes of 1–2 documents, which wink cannot consolidate). */
function exactEngine(docs: readonly IndexedDoc[], p: Bm25Params): Engine {
  const words = docs.map((d) => analyzeWords(d.input ?? d.text ?? ''));
  const N = docs.length;
  const avgdl = words.reduce((s, w) => s + w.length, 0) / N || 1;
  return {
    search(text: string): [string, number][] {
      const out: [string, number][] = [];
      const q = analyzeWords(text);
      docs.forEach((d, i) => {
        let score = 0;
        let match = false;
        for (const t of q) {
          const tf = words[i]!.filter((w) => w === t).length;
          if (tf === 0) continue;
          match = true;
          const n = words.filter((ws) => ws.includes(t)).length;
          const idf = Math.log(1 + (N - n + 0.5) / (n + 0.5));
          score += (idf * (tf * (p.k1 + 1))) / (tf + p.k1 * (1 - p.b + (p.b * words[i]!.length) / avgdl));
        }
        if (match) out.push([d.id, score]);
      });
      return out;
    },
  };
}

function readManifest(file: string): Bm25Manifest {
  let m: Bm25Manifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
  if (m?.format !== BM25_FORMAT) throw new InputError(`not a BM25 index (field "format" is ${JSON.stringify(m?.format)}, expected "${BM25_FORMAT}")`, file);
  if (m.version !== 1) throw new InputError(`unsupported index version ${JSON.stringify(m.version)} (this optical reads version 1)`, file);
  if (m.analyzer !== WORD_ANALYZER) throw new InputError(`index built with analyzer "${m.analyzer}", this optical has "${WORD_ANALYZER}": rebuild the index`, file);
  if (typeof m.bm25?.k1 !== 'number' || typeof m.bm25?.b !== 'number') throw new InputError('field "bm25" must be {k1, b}', file);
  if (!Number.isSafeInteger(m.count) || !Number.isSafeInteger(m.generation) || typeof m.docs !== 'string') throw new InputError('fields "count", "generation", "docs" are missing or invalid', file);
  return m;
}
