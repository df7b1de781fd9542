/**
 * HnswStore: an approximate VectorStore on an HNSW graph (hnswlib-node, the only file that imports it;
 * Malkov & Yashunin 2018, "Efficient and robust approximate nearest neighbor search using Hierarchical
 * Navigable Small World graphs"). Legend: N documents, D dim.
 *
 * hnswlib's `cosine` space normalises vectors on insertion and queries; distance = 1 − q̂·v̂, so
 * score = 1 − distance. Graph labels are row numbers 0…N−1 into the docs file.
 *
 * On disk (folder `dir`), generations as in FlatStore:
 *   hnsw.json             {format: "optical-hnsw-store", version: 1, dim, count, generation: g,
 *                          m, efConstruction, efSearch, graph: "graph-g.bin", docs: "docs-g.jsonl"}
 *   graph-g.bin           hnswlib's index file
 *   docs-g.jsonl          N lines {id, text?, lang?, meta?}
 * An add inserts into the in-memory graph, writes generation g+1 and commits by renaming hnsw.json;
 * if anything fails the graph is reloaded from generation g.
 *
 * Choosing parameters: `m` (links per node, 16) and `efConstruction` (200) trade build time for recall;
 * `efSearch` (default 128, raised to k + 8 when needed) trades query time for recall. Measured at 1M
 * vectors of 512 dims (BENCHMARKS.md, `npm run bench:search`, m 16, efConstruction 100, 2026-11-22):
 * efSearch 64 / 128 / 256 → recall@10 0.889 / 0.962 / 0.987 at p50 0.57 / 0.90 / 1.43 ms; hence 128.
 * An index keeps the efSearch it was built with (hnsw.json); `setEfSearch` changes it for a session.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import hnswlib from 'hnswlib-node';
import { ArgumentError, InputError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { compareHits, readStoredDocs, storedFields, validateAdd, validateQuery, type OpenStoreOptions, type SearchHit, type StoredDoc, type StoreInfo, type VectorStore } from './store.ts';

const FORMAT = 'optical-hnsw-store';
const MANIFEST = 'hnsw.json';
const TIE_SLACK = 8;
const SEED = 100;

export interface HnswParams {
  /** links per node (hnswlib `M`) */
  m: number;
  efConstruction: number;
  efSearch: number;
}

export const DEFAULT_HNSW: HnswParams = { m: 16, efConstruction: 200, efSearch: 128 };

interface HnswManifest extends HnswParams {
  format: typeof FORMAT;
  version: 1;
  dim: number;
  count: number;
  generation: number;
  graph: string;
  docs: string;
}

type Graph = InstanceType<typeof hnswlib.HierarchicalNSW>;

export class HnswStore implements VectorStore {
  readonly kind = 'hnsw' as const;
  private ids: Set<string>;

  private constructor(
    readonly dir: string,
    private dim: number,
    private graph: Graph | undefined,
    private docs: StoredDoc[],
    private generation: number,
    readonly params: HnswParams,
  ) {
    this.ids = new Set(docs.map((d) => d.id));
  }

  /** Open the store in `dir` (empty if there is none; nothing is written until `add`). */
  static async open(dir: string, opts: OpenStoreOptions & Partial<HnswParams> = {}): Promise<HnswStore> {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) {
      const params = { m: opts.m ?? DEFAULT_HNSW.m, efConstruction: opts.efConstruction ?? DEFAULT_HNSW.efConstruction, efSearch: opts.efSearch ?? DEFAULT_HNSW.efSearch };
      return new HnswStore(dir, opts.dim ?? 0, undefined, [], 0, params);
    }
    const m = readManifest(file);
    if (opts.dim !== undefined && opts.dim !== m.dim) throw new ArgumentError(`the store in ${dir} has dim ${m.dim}, expected ${opts.dim}`);
    const docs = readStoredDocs(join(dir, m.docs));
    if (docs.length !== m.count) throw new InputError(`${docs.length} documents but ${MANIFEST} says ${m.count}`, join(dir, m.docs));
    const graph = loadGraph(join(dir, m.graph), m.dim);
    if (graph.getCurrentCount() !== m.count) throw new InputError(`graph holds ${graph.getCurrentCount()} points but ${MANIFEST} says ${m.count}`, join(dir, m.graph));
    return new HnswStore(dir, m.dim, graph, docs, m.generation, { m: m.m, efConstruction: m.efConstruction, efSearch: opts.efSearch ?? m.efSearch });
  }

  async add(docs: readonly StoredDoc[], vectors: Float32Array): Promise<void> {
    if (docs.length === 0) return;
    const D = this.dim || vectors.length / docs.length;
    validateAdd(docs, vectors, D, (id) => this.ids.has(id));
    const N0 = this.docs.length;
    const N = N0 + docs.length;
    let graph = this.graph;
    if (!graph) {
      graph = new hnswlib.HierarchicalNSW('cosine', D);
      graph.initIndex(N, this.params.m, this.params.efConstruction, SEED);
    } else graph.resizeIndex(N);
    const g = this.generation + 1;
    const m: HnswManifest = { format: FORMAT, version: 1, dim: D, count: N, generation: g, ...this.params, graph: `graph-${g}.bin`, docs: `docs-${g}.jsonl` };
    const newDocs = [...this.docs, ...docs.map(storedFields)];
    mkdirSync(this.dir, { recursive: true });
    const graphFile = join(this.dir, m.graph);
    try {
      for (let i = 0; i < docs.length; i++) graph.addPoint(Array.from(vectors.subarray(i * D, (i + 1) * D)), N0 + i);
      const tmp = `${graphFile}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
      try {
        graph.writeIndexSync(tmp);
        renameSync(tmp, graphFile);
      } finally {
        rmSync(tmp, { force: true });
      }
      atomicWriteFile(join(this.dir, m.docs), newDocs.map((d) => JSON.stringify(d)).join('\n') + '\n');
      atomicWriteFile(join(this.dir, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    } catch (e) {
      rmSync(graphFile, { force: true });
      rmSync(join(this.dir, m.docs), { force: true });
      // back to the last committed generation
      this.graph = this.generation > 0 ? loadGraph(join(this.dir, `graph-${this.generation}.bin`), this.dim) : undefined;
      throw e;
    }
    if (this.generation > 0) {
      rmSync(join(this.dir, `graph-${this.generation}.bin`), { force: true });
      rmSync(join(this.dir, `docs-${this.generation}.jsonl`), { force: true });
    }
    for (const d of docs) this.ids.add(d.id);
    this.graph = graph;
    this.dim = D;
    this.docs = newDocs;
    this.generation = g;
  }

  async search(query: Float32Array, k: number): Promise<SearchHit[]> {
    validateQuery(query, k, this.dim);
    const N = this.docs.length;
    if (!this.graph || N === 0) return [];
    const want = Math.min(k + TIE_SLACK, N);
    this.graph.setEf(Math.max(this.params.efSearch, want));
    const { neighbors, distances } = this.graph.searchKnn(Array.from(query), want);
    const hits = neighbors.map((label, j) => ({ ...storedFields(this.docs[label]!), score: 1 - distances[j]! }));
    return hits.sort(compareHits).slice(0, k);
  }

  /** Change efSearch for the following searches (not saved; the manifest keeps the value it was built with). */
  setEfSearch(ef: number): void {
    if (!Number.isSafeInteger(ef) || ef < 1) throw new ArgumentError(`efSearch must be a positive integer, got ${ef}`);
    (this.params as HnswParams).efSearch = ef;
  }

  async has(ids: readonly string[]): Promise<string[]> {
    return ids.filter((id) => this.ids.has(id));
  }

  async count(): Promise<number> {
    return this.docs.length;
  }

  async info(): Promise<StoreInfo> {
    return { kind: 'hnsw', dim: this.dim, count: this.docs.length, metric: 'cosine', exact: false, details: { ...this.params, generation: this.generation } };
  }

  async close(): Promise<void> {
    this.graph = undefined;
  }
}

function loadGraph(file: string, dim: number): Graph {
  if (!existsSync(file)) throw new InputError('no such file', file);
  const graph = new hnswlib.HierarchicalNSW('cosine', dim);
  try {
    graph.readIndexSync(file);
  } catch (e) {
    throw new InputError(`cannot read the HNSW graph (${(e as Error).message})`, file);
  }
  return graph;
}

function readManifest(file: string): HnswManifest {
  let m: HnswManifest;
  try {
    m = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
  if (m?.format !== FORMAT) throw new InputError(`not an HNSW store (field "format" is ${JSON.stringify(m?.format)}, expected "${FORMAT}")`, file);
  if (m.version !== 1) throw new InputError(`unsupported version ${JSON.stringify(m.version)} (this optical reads version 1)`, file);
  for (const f of ['dim', 'count', 'generation', 'm', 'efConstruction', 'efSearch'] as const) {
    if (!Number.isSafeInteger(m[f]) || m[f] < 0) throw new InputError(`field "${f}" must be a non-negative integer`, file);
  }
  return m;
}
