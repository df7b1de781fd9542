/**
 * FlatStore: the exact reference store. Vectors live in one Float32Array [N, D] (L2-normalised on add),
 * search is brute force, score_i = Σ_j q̂_j v̂_ij accumulated in float64 — exactly the cosine similarity
 * of the float32 vectors up to float64 rounding.
 *
 * On disk (folder `dir`), one *generation* g per successful add:
 *   flat.json                 {format: "optical-flat-store", version: 1, dim, count, generation: g,
 *                              vectors: "vectors-g.safetensors", docs: "docs-g.jsonl"}
 *   vectors-g.safetensors     tensor "vectors" F32 [N, D]
 *   docs-g.jsonl              N lines {id, text?, lang?, meta?}, row i ↔ vector row i
 * An add writes generation g+1's two files, then renames flat.json over the old one (the commit point),
 * then deletes generation g. A crash before the commit leaves generation g intact (stray g+1 files are
 * ignored and overwritten later); no reader ever sees vectors and docs from different generations.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, InputError } from '../errors.ts';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { compareHits, l2normalized, readStoredDocs, storedFields, validateAdd, validateQuery, type OpenStoreOptions, type SearchHit, type StoredDoc, type StoreInfo, type VectorStore } from './store.ts';

const FORMAT = 'optical-flat-store';
const MANIFEST = 'flat.json';

interface FlatManifest {
  format: typeof FORMAT;
  version: 1;
  dim: number;
  count: number;
  generation: number;
  vectors: string;
  docs: string;
}

export class FlatStore implements VectorStore {
  readonly kind = 'flat' as const;
  private ids: Map<string, number>;

  private constructor(
    readonly dir: string,
    private dim: number,
    /** [N, D], rows L2-normalised */
    private vectors: Float32Array,
    private docs: StoredDoc[],
    private generation: number,
  ) {
    this.ids = new Map(docs.map((d, i) => [d.id, i]));
  }

  /** Open the store in `dir` (an empty store if `dir` holds none; nothing is written until `add`). */
  static async open(dir: string, opts: OpenStoreOptions = {}): Promise<FlatStore> {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) return new FlatStore(dir, opts.dim ?? 0, new Float32Array(0), [], 0);
    const m = readManifest(file);
    if (opts.dim !== undefined && opts.dim !== m.dim) throw new ArgumentError(`the store in ${dir} has dim ${m.dim}, expected ${opts.dim}`);
    const vfile = join(dir, m.vectors);
    const t = readSafetensors(vfile).tensors['vectors'];
    if (!t || t.dtype !== 'F32' || t.shape.length !== 2 || t.shape[0] !== m.count || t.shape[1] !== m.dim) {
      throw new InputError(`expected tensor "vectors" F32 [${m.count}, ${m.dim}]`, vfile);
    }
    const dfile = join(dir, m.docs);
    const docs = readStoredDocs(dfile);
    if (docs.length !== m.count) throw new InputError(`${docs.length} documents but ${MANIFEST} says ${m.count}`, dfile);
    return new FlatStore(dir, m.dim, t.data as Float32Array, docs, m.generation);
  }

  async add(docs: readonly StoredDoc[], vectors: Float32Array): Promise<void> {
    if (docs.length === 0) return;
    const D = this.dim || vectors.length / docs.length;
    validateAdd(docs, vectors, D, (id) => this.ids.has(id));
    const N0 = this.docs.length;
    const all = new Float32Array((N0 + docs.length) * D);
    all.set(this.vectors);
    for (let i = 0; i < docs.length; i++) all.set(l2normalized(vectors.subarray(i * D, (i + 1) * D)), (N0 + i) * D);
    const newDocs = [...this.docs, ...docs.map(storedFields)];
    const g = this.generation + 1;
    const m: FlatManifest = { format: FORMAT, version: 1, dim: D, count: newDocs.length, generation: g, vectors: `vectors-${g}.safetensors`, docs: `docs-${g}.jsonl` };
    mkdirSync(this.dir, { recursive: true });
    try {
      writeSafetensors(join(this.dir, m.vectors), { vectors: { dtype: 'F32', shape: [m.count, D], data: all } }, { format: FORMAT });
      atomicWriteFile(join(this.dir, m.docs), newDocs.map((d) => JSON.stringify(d)).join('\n') + '\n');
      atomicWriteFile(join(this.dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    } catch (e) {
      rmSync(join(this.dir, m.vectors), { force: true });
      rmSync(join(this.dir, m.docs), { force: true });
      throw e;
    }
    if (this.generation > 0) {
      rmSync(join(this.dir, `vectors-${this.generation}.safetensors`), { force: true });
      rmSync(join(this.dir, `docs-${this.generation}.jsonl`), { force: true });
    }
    docs.forEach((d, i) => this.ids.set(d.id, N0 + i));
    this.dim = D;
    this.vectors = all;
    this.docs = newDocs;
    this.generation = g;
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    validateQuery(query, k, this.dim);
    const N = this.docs.length;
    if (N === 0) return [];
    const D = this.dim;
    const q = l2normalized(query);
    const V = this.vectors;
    const top = new TopK(Math.min(k, N), (i) => this.docs[i]!.id);
    for (let i = 0; i < N; i++) {
      let s = 0;
      const o = i * D;
      for (let j = 0; j < D; j++) s += q[j]! * V[o + j]!;
      top.push(i, s);
    }
    return top.sorted().map(({ i, score }) => ({ ...storedFields(this.docs[i]!), score }));
  }

  async has(ids: readonly string[]): Promise<string[]> {
    return ids.filter((id) => this.ids.has(id));
  }

  async count(): Promise<number> {
    return this.docs.length;
  }

  async info(): Promise<StoreInfo> {
    return { kind: 'flat', dim: this.dim, count: this.docs.length, metric: 'cosine', exact: true, details: { generation: this.generation } };
  }

  async close(): Promise<void> {}
}

function readManifest(file: string): FlatManifest {
  let m: FlatManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
  if (m?.format !== FORMAT) throw new InputError(`not a flat store (field "format" is ${JSON.stringify(m?.format)}, expected "${FORMAT}")`, file);
  if (m.version !== 1) throw new InputError(`unsupported version ${JSON.stringify(m.version)} (this optical reads version 1)`, file);
  for (const f of ['dim', 'count', 'generation'] as const) {
    if (!Number.isSafeInteger(m[f]) || m[f] < 0) throw new InputError(`field "${f}" must be a non-negative integer`, file);
  }
  return m;
}

/**
 * The k best (score, row) pairs seen, by a binary min-heap on (score, then id descending): the root is the
 * worst kept pair. O(N log k) for N pushes.
 */
export class TopK {
  private heap: { i: number; score: number }[] = [];
  constructor(
    private readonly k: number,
    private readonly idOf: (i: number) => string,
  ) {}

  /** a is worse than b: lower score, or equal score and larger id */
  private worse(a: { i: number; score: number }, b: { i: number; score: number }): boolean {
    return a.score < b.score || (a.score === b.score && this.idOf(a.i) > this.idOf(b.i));
  }

  push(i: number, score: number): void {
    const h = this.heap;
    const item = { i, score };
    if (h.length < this.k) {
      h.push(item);
      let c = h.length - 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (!this.worse(h[c]!, h[p]!)) break;
        [h[c], h[p]] = [h[p]!, h[c]!];
        c = p;
      }
      return;
    }
    if (!this.worse(h[0]!, item)) return;
    h[0] = item;
    let p = 0;
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < h.length && this.worse(h[l]!, h[m]!)) m = l;
      if (r < h.length && this.worse(h[r]!, h[m]!)) m = r;
      if (m === p) break;
      [h[m], h[p]] = [h[p]!, h[m]!];
      p = m;
    }
  }

  /** Best first (score descending, id ascending). */
  sorted(): { i: number; score: number }[] {
    return [...this.heap].sort((a, b) => compareHits({ id: this.idOf(a.i), score: a.score }, { id: this.idOf(b.i), score: b.score }));
  }
}
