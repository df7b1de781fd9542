/**
 * A persistent cross-lingual search index: documents encoded into a teacher's embedding space by the teacher
 * or by a student distilled from it, kept in a {@link VectorStore}, searched with queries encoded by any
 * model of the same space. Legend: N documents, Q queries, D dim, k results.
 *
 * On disk (folder INDEX):
 *   index.json   the manifest ({@link IndexManifest}): store kind, the embedding space {teacher, dim}, the
 *                models that encoded documents, counts per language; written atomically after every add
 *   store/       the store's own files (flat.ts, lancedb.ts, hnsw.ts)
 *   late/        with late interaction (`late: true`, chosen when the index is created): every document's
 *                token vectors (late.ts), for MaxSim scoring of the store's candidates
 *
 * Spaces. A model's space is (teacher, dim): the teacher's own name for a teacher (`use-lite`), the
 * `teacher` recorded in a student's config.json otherwise. Documents may be added by several models of the
 * index's space (e.g. English by the teacher, Swahili by a student), and queries encoded by any of them;
 * a model of another space is refused with an `InputError` naming both models and both spaces.
 *
 * Adding is incremental. **Duplicate ids are rejected**: an add whose file repeats an id, or holds an id
 * already in the index, fails before anything is encoded or written (the error names the file and line).
 * To change a document, rebuild the index. Nothing is half-written: the store commits each add atomically,
 * the manifest is renamed into place after it, and a new index whose first add fails is removed.
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { TokenVectors } from './late.ts';
import { compareHits, isStoreKind, openStore, STORE_KINDS, type SearchHit, type StoredDoc, type StoreInfo, type StoreKind, type VectorStore } from './store.ts';

export const INDEX_FORMAT = 'optical-index';
const MANIFEST = 'index.json';
const STORE_DIR = 'store';
const LATE_DIR = 'late';

/** What the index needs of an encoder (a structural subset of `KonaEncoder`). */
export interface IndexEncoder {
  readonly meta: { name: string; teacher?: string };
  readonly dim: number;
  encode(texts: string[], opts?: { batchSize?: number; tokens?: boolean; onProgress?: (done: number, total: number) => void }): { embeddings: Float32Array; tokens?: Float32Array[]; dim: number };
}

/** The space a model embeds into: documents and queries are comparable iff their spaces are equal. */
export interface EmbeddingSpace {
  teacher: string;
  dim: number;
}

export interface ModelRecord {
  name: string;
  /** how to load it again: "teacher" or an absolute student folder (as given by the caller) */
  path: string;
  teacher: string;
  dim: number;
  /** documents this model encoded */
  documents: number;
}

export interface IndexManifest {
  format: typeof INDEX_FORMAT;
  version: 1;
  store: StoreKind;
  space: EmbeddingSpace;
  /** the model of the first add: the default query model */
  model: ModelRecord;
  /** every model that encoded documents, in order of first use */
  models: ModelRecord[];
  count: number;
  /** documents per language (documents without a language are not counted) */
  languages: Record<string, number>;
  /** late interaction: token vectors are kept for every document (late/) */
  late?: boolean;
  created: string;
  updated: string;
}

/** A document to add: stored fields plus the text to encode (defaults to `text`) and its source line. */
export interface NewDoc extends StoredDoc {
  input?: string;
  line?: number;
}

/** Scoring of `search`: the store's cosine, or MaxSim over token vectors of the store's candidates. */
export interface ScoringOptions {
  /**
   * Re-rank by late interaction (late.ts): the store's `candidates` nearest documents (default 100;
   * 0 = every document, exact) are scored by MaxSim and the best k returned. Needs an index with `late`.
   */
  maxsim?: { candidates?: number };
}

export interface AddOptions {
  /** recorded in the manifest (default: the model's name) */
  modelPath?: string;
  /** the file the documents came from (for error messages) */
  file?: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

export function modelSpace(enc: Pick<IndexEncoder, 'meta' | 'dim'>): EmbeddingSpace {
  return { teacher: enc.meta.teacher ?? enc.meta.name, dim: enc.dim };
}

const describe = (name: string, s: EmbeddingSpace) => `"${name}" (teacher ${s.teacher}, dim ${s.dim})`;

export class SearchIndex {
  private tokenVectors?: TokenVectors;

  private constructor(
    readonly dir: string,
    private store: VectorStore,
    private manifestData: IndexManifest | undefined,
    private readonly kind: StoreKind,
    /** late interaction (token vectors kept) */
    readonly late: boolean,
  ) {}

  /** True when `dir` holds an index manifest. */
  static exists(dir: string): boolean {
    return existsSync(join(dir, MANIFEST));
  }

  /** Open an existing index; a missing or invalid one is an `InputError`. */
  static async open(dir: string): Promise<SearchIndex> {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) {
      throw new InputError(existsSync(dir) ? `not an optical index (no ${MANIFEST})` : 'no such index', dir);
    }
    const m = readManifest(file);
    return new SearchIndex(dir, await openStore(m.store, join(dir, STORE_DIR), { dim: m.space.dim }), m, m.store, m.late === true);
  }

  /**
   * Open the index in `dir`, or prepare a new one there with store `store` (nothing is written until the
   * first add). `store` given for an existing index must match its store; `late` (keep token vectors for
   * MaxSim) is chosen at creation, and asking for it on an existing index without it is an error.
   */
  static async openOrCreate(dir: string, store?: string, opts: { late?: boolean } = {}): Promise<SearchIndex> {
    if (store !== undefined && !isStoreKind(store)) throw new InputError(`unknown store "${store}" (valid: ${STORE_KINDS.join(', ')})`);
    if (SearchIndex.exists(dir)) {
      const index = await SearchIndex.open(dir);
      if (store !== undefined && store !== index.kind) {
        await index.close();
        throw new InputError(`the index uses store "${index.kind}", not "${store}" (omit --store to add to it)`, dir);
      }
      if (opts.late && !index.late) {
        await index.close();
        throw new InputError('the index was built without late interaction (token vectors); build a new index with --late', dir);
      }
      return index;
    }
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new InputError(`exists and is not an optical index (no ${MANIFEST}); choose a new or empty folder`, dir);
    const kind = (store ?? 'lancedb') as StoreKind;
    return new SearchIndex(dir, await openStore(kind, join(dir, STORE_DIR)), undefined, kind, opts.late === true);
  }

  get storeKind(): StoreKind {
    return this.kind;
  }

  /** The manifest, or undefined for a new index that has no documents yet. */
  get manifest(): IndexManifest | undefined {
    return this.manifestData;
  }

  async info(): Promise<{ manifest: IndexManifest | undefined; store: StoreInfo }> {
    return { manifest: this.manifestData, store: await this.store.info() };
  }

  async count(): Promise<number> {
    return this.store.count();
  }

  /**
   * Refuse a model whose space differs from the index's (`InputError` naming both models and spaces).
   * `dim` may be left out to check a model's recorded teacher before loading it. `role` words the
   * message: "query" for search, "document" for add.
   */
  checkModel(enc: { meta: { name: string; teacher?: string }; dim?: number }, role: 'query' | 'document' = 'query'): void {
    const m = this.manifestData;
    if (!m) return;
    const teacher = enc.meta.teacher ?? enc.meta.name;
    if (teacher === m.space.teacher && (enc.dim === undefined || enc.dim === m.space.dim)) return;
    const theirs = enc.dim === undefined ? `"${enc.meta.name}" (teacher ${teacher})` : describe(enc.meta.name, { teacher, dim: enc.dim });
    throw new InputError(
      `${role} model ${theirs} does not map into the space of this index, encoded by ${describe(m.model.name, m.space)}: ` +
        `use the teacher ${m.space.teacher} or a student distilled from it`,
      this.dir,
    );
  }

  /**
   * Encode `docs` with `enc` and add them (see the file header for duplicates and atomicity).
   * Returns the number added and the new total.
   */
  async add(docs: readonly NewDoc[], enc: IndexEncoder, opts: AddOptions = {}): Promise<{ added: number; count: number }> {
    this.checkModel(enc, 'document');
    if (docs.length === 0) return { added: 0, count: await this.store.count() };
    const seen = new Map<string, number | undefined>();
    for (const d of docs) {
      if (seen.has(d.id)) throw new InputError(`duplicate id "${d.id}"${seen.get(d.id) ? ` (first on line ${seen.get(d.id)})` : ''}`, opts.file, d.line);
      seen.set(d.id, d.line);
    }
    const dup = await this.store.has(docs.map((d) => d.id));
    if (dup.length > 0) {
      const first = docs.find((d) => d.id === dup[0])!;
      const more = dup.length > 1 ? ` (and ${dup.length - 1} more)` : '';
      throw new InputError(`document id "${first.id}" is already in the index ${this.dir}${more}: duplicate ids are rejected`, opts.file, first.line);
    }
    const { embeddings, tokens, dim } = enc.encode(
      docs.map((d) => d.input ?? d.text ?? ''),
      { batchSize: opts.batchSize, onProgress: opts.onProgress, tokens: this.late },
    );
    const isNew = !this.manifestData;
    const createdDir = isNew && !existsSync(this.dir);
    const stored = docs.map(({ id, text, lang, meta }) => ({ id, text, lang, meta }));
    const tv = this.late ? this.tokens() : undefined;
    try {
      tv?.prepare(docs.map((d) => d.id), tokens!, dim);
      await this.store.add(stored, embeddings);
      tv?.commit();
    } catch (e) {
      tv?.abort();
      if (isNew) this.cleanupNew(createdDir);
      throw e;
    }
    const now = new Date().toISOString();
    const space = modelSpace(enc);
    const path = opts.modelPath ?? enc.meta.name;
    const m: IndexManifest = this.manifestData
      ? structuredClone(this.manifestData)
      : { format: INDEX_FORMAT, version: 1, store: this.kind, space, model: { name: enc.meta.name, path, ...space, documents: 0 }, models: [], count: 0, languages: {}, ...(this.late ? { late: true } : {}), created: now, updated: now };
    let rec = m.models.find((r) => r.name === enc.meta.name && r.path === path);
    if (!rec) m.models.push((rec = { name: enc.meta.name, path, teacher: space.teacher, dim, documents: 0 }));
    rec.documents += docs.length;
    if (m.model.name === rec.name && m.model.path === rec.path) m.model = { ...rec };
    for (const d of docs) if (d.lang) m.languages[d.lang] = (m.languages[d.lang] ?? 0) + 1;
    m.count = await this.store.count();
    m.updated = now;
    try {
      atomicWriteFile(join(this.dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    } catch (e) {
      if (isNew) this.cleanupNew(createdDir);
      throw e;
    }
    this.manifestData = m;
    return { added: docs.length, count: m.count };
  }

  /** The k nearest documents to one query vector [D] (cosine), best first. */
  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    return (await this.store.search(query, k)).sort(compareHits);
  }

  /**
   * Encode `queries` with `enc` (checked against the index's space) and search each: Q result lists.
   * With `maxsim`, hits are scored by late interaction (see {@link ScoringOptions}).
   */
  async searchTexts(
    queries: string[],
    enc: IndexEncoder,
    k: number,
    opts: ScoringOptions & { batchSize?: number; onProgress?: (done: number, total: number) => void } = {},
  ): Promise<SearchHit[][]> {
    this.checkModel(enc, 'query');
    if (opts.maxsim && !this.late) throw new InputError('MaxSim needs token vectors: this index was built without --late', this.dir);
    const { embeddings, tokens, dim } = enc.encode(queries, { batchSize: opts.batchSize, onProgress: opts.onProgress, tokens: opts.maxsim !== undefined });
    const out: SearchHit[][] = [];
    for (let i = 0; i < queries.length; i++) {
      const q = embeddings.subarray(i * dim, (i + 1) * dim);
      if (!opts.maxsim) {
        out.push(await this.search(q, k));
        continue;
      }
      const total = await this.store.count();
      const c = opts.maxsim.candidates ?? 100;
      const cands = await this.store.search(q, c === 0 ? Math.max(total, 1) : Math.max(c, k));
      const scores = await this.tokens().score(tokens![i]!, cands.map((h) => h.id));
      out.push(cands.map((h, j) => ({ ...h, score: scores[j]!.score })).sort(compareHits).slice(0, k));
    }
    return out;
  }

  /** Build the store's ANN index (LanceDB only; see {@link VectorStore.buildAnnIndex}). */
  async buildAnnIndex(): Promise<void> {
    if (!this.store.buildAnnIndex) throw new InputError(`store "${this.kind}" has no ANN index to build (LanceDB builds one; "hnsw" is approximate already)`, this.dir);
    await this.store.buildAnnIndex();
  }

  async close(): Promise<void> {
    await this.store.close();
  }

  private tokens(): TokenVectors {
    return (this.tokenVectors ??= TokenVectors.open(join(this.dir, LATE_DIR)));
  }

  private cleanupNew(createdDir: boolean): void {
    if (createdDir) rmSync(this.dir, { recursive: true, force: true });
    else rmSync(join(this.dir, STORE_DIR), { recursive: true, force: true });
  }
}

function readManifest(file: string): IndexManifest {
  let m: IndexManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
  if (m?.format !== INDEX_FORMAT) throw new InputError(`not an optical index (field "format" is ${JSON.stringify(m?.format)}, expected "${INDEX_FORMAT}")`, file);
  if (m.version !== 1) throw new InputError(`unsupported index version ${JSON.stringify(m.version)} (this optical reads version 1)`, file);
  if (!isStoreKind(m.store)) throw new InputError(`unknown store "${m.store}" (valid: ${STORE_KINDS.join(', ')})`, file);
  if (typeof m.space?.teacher !== 'string' || !Number.isInteger(m.space?.dim)) throw new InputError('field "space" must be {teacher, dim}', file);
  if (typeof m.model?.name !== 'string' || typeof m.model?.path !== 'string') throw new InputError('field "model" must be {name, path, …}', file);
  return m;
}
