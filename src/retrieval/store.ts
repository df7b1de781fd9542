/**
 * The vector store interface behind a search index, and the dispatcher over its implementations.
 *
 * Legend: N documents, D embedding dim, k results.
 *
 * A store keeps, per document, an id, a vector [D] and a few stored fields (text, language, metadata),
 * and answers k-nearest-neighbour queries by **cosine similarity**
 *   score(q, v) = q·v / (‖q‖ ‖v‖)          ∈ [−1, 1], higher is better
 * (on L2-normalised vectors, as every optical encoder outputs, that is the dot product). Implementations:
 *
 *   flat     FlatStore (flat.ts): typed arrays in memory, saved as safetensors + JSONL; exact brute force;
 *            the reference the others are tested against
 *   lancedb  LanceStore (lancedb.ts): an embedded LanceDB table; exact (a full scan) unless an ANN
 *            index has been built on it
 *   hnsw     HnswStore (hnsw.ts): hnswlib-node's HNSW graph; approximate, for large collections
 *
 * Contract (checked for every implementation by the shared suite in store.case.ts):
 * - `add` is all-or-nothing: it validates everything first (dims, finite non-zero vectors, ids unique
 *   within the batch and new to the store) and throws an `ArgumentError` leaving the store unchanged;
 *   when it resolves, the documents are durable (a reopened store sees them). Duplicate ids are
 *   **rejected**, never replaced.
 * - `search(q, k)` returns min(k, count) hits, best first; equal scores are ordered by id (ascending,
 *   UTF-16 code units), so results are deterministic (LanceDB and HNSW fetch 8 extra candidates so that
 *   ties straddling rank k are cut the same way as in the flat store).
 * - the dimension is fixed by the first `add` (or by `open(dir, dim)`); `info().dim` reports it.
 * - a store that was never added to writes nothing to disk.
 */
import { ArgumentError, InputError } from '../errors.ts';
import { readLines } from '../util/fs.ts';

/** What a store keeps besides the vector. */
export interface StoredDoc {
  id: string;
  text?: string;
  lang?: string;
  /** any other fields of the input record (JSON-serialisable) */
  meta?: Record<string, unknown>;
}

export interface SearchHit extends StoredDoc {
  /** cosine similarity to the query */
  score: number;
}

export interface StoreInfo {
  kind: StoreKind;
  /** embedding dim D (0 while nothing has been added and no dim was given) */
  dim: number;
  count: number;
  metric: 'cosine';
  /** true when `search` is exact (brute force), false for approximate indexes */
  exact: boolean;
  /** implementation details (file names, ANN parameters, table name, …) */
  details?: Record<string, unknown>;
}

export interface VectorStore {
  readonly kind: StoreKind;
  /** Add documents with their vectors `[N, D]` (row i belongs to docs[i]); see the contract above. */
  add(docs: readonly StoredDoc[], vectors: Float32Array): Promise<void>;
  /** The k nearest documents to `query` [D] by cosine similarity, best first. */
  search(query: Float32Array, k: number): Promise<SearchHit[]>;
  /** Which of `ids` are already in the store (in the order given). */
  has(ids: readonly string[]): Promise<string[]>;
  count(): Promise<number>;
  info(): Promise<StoreInfo>;
  /** Release handles; the store must not be used afterwards. */
  close(): Promise<void>;
  /**
   * Optional: build an approximate (ANN) index over the stored vectors, after which `search` may be
   * approximate (`info().exact` false). Implemented by LanceStore; HnswStore is approximate throughout.
   */
  buildAnnIndex?(): Promise<void>;
}

export const STORE_KINDS = ['lancedb', 'flat', 'hnsw'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface OpenStoreOptions {
  /** embedding dim, when known before the first add (checked against the stored dim) */
  dim?: number;
}

export function isStoreKind(s: string): s is StoreKind {
  return (STORE_KINDS as readonly string[]).includes(s);
}

/**
 * Open (or prepare to create) the store of kind `kind` in folder `dir`. Nothing is written until the
 * first `add`. An unknown kind throws an `ArgumentError` listing the valid ones.
 */
export async function openStore(kind: string, dir: string, opts: OpenStoreOptions = {}): Promise<VectorStore> {
  switch (kind) {
    case 'flat': {
      const { FlatStore } = await import('./flat.ts');
      return FlatStore.open(dir, opts);
    }
    case 'lancedb': {
      const { LanceStore } = await import('./lancedb.ts');
      return LanceStore.open(dir, opts);
    }
    case 'hnsw': {
      const { HnswStore } = await import('./hnsw.ts');
      return HnswStore.open(dir, opts);
    }
    default:
      throw new ArgumentError(`unknown store "${kind}" (valid: ${STORE_KINDS.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the implementations

/**
 * Validate an `add` batch: `vectors.length === docs.length * dim`, every vector finite and non-zero,
 * ids non-empty strings unique within the batch and absent from `existing`. Throws `ArgumentError`.
 */
export function validateAdd(docs: readonly StoredDoc[], vectors: Float32Array, dim: number, existing: (id: string) => boolean): void {
  if (!Number.isInteger(dim) || dim <= 0) throw new ArgumentError(`invalid dim ${dim}`);
  if (vectors.length !== docs.length * dim) {
    throw new ArgumentError(`vectors have ${vectors.length} values, expected ${docs.length} documents × dim ${dim} = ${docs.length * dim}`);
  }
  const seen = new Set<string>();
  docs.forEach((d, i) => {
    if (typeof d.id !== 'string' || d.id === '') throw new ArgumentError(`document ${i}: id must be a non-empty string`);
    if (seen.has(d.id)) throw new ArgumentError(`duplicate id "${d.id}" within the batch (document ${i})`);
    seen.add(d.id);
    if (existing(d.id)) throw new ArgumentError(`id "${d.id}" is already in the store (duplicates are rejected)`);
    let norm = 0;
    for (let j = i * dim; j < (i + 1) * dim; j++) {
      const x = vectors[j]!;
      if (!Number.isFinite(x)) throw new ArgumentError(`document "${d.id}": vector has a non-finite value`);
      norm += x * x;
    }
    if (norm === 0) throw new ArgumentError(`document "${d.id}": zero vector (cosine undefined)`);
  });
}

/** Validate a query vector and k (positive integer). */
export function validateQuery(query: Float32Array, k: number, dim: number): void {
  if (!Number.isInteger(k) || k < 1) throw new ArgumentError(`k must be a positive integer, got ${k}`);
  if (dim > 0 && query.length !== dim) throw new ArgumentError(`query has dim ${query.length}, the store ${dim}`);
  let norm = 0;
  for (const x of query) {
    if (!Number.isFinite(x)) throw new ArgumentError('query vector has a non-finite value');
    norm += x * x;
  }
  if (norm === 0) throw new ArgumentError('zero query vector (cosine undefined)');
}

/** Best first; equal scores by id ascending (the order every store returns). */
export function compareHits(a: { id: string; score: number }, b: { id: string; score: number }): number {
  return b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** A copy of `v` scaled to unit L2 norm (float32). */
export function l2normalized(v: Float32Array): Float32Array {
  let s = 0;
  for (const x of v) s += x * x;
  const inv = 1 / Math.sqrt(s);
  const out = new Float32Array(v.length);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** The stored fields of a doc, without undefined members (for JSON and for hits). */
export function storedFields(d: StoredDoc): StoredDoc {
  const out: StoredDoc = { id: d.id };
  if (d.text !== undefined) out.text = d.text;
  if (d.lang !== undefined) out.lang = d.lang;
  if (d.meta !== undefined && Object.keys(d.meta).length > 0) out.meta = d.meta;
  return out;
}

/** Read a docs file written by a store (one JSON `StoredDoc` per line); bad lines are InputErrors. */
export function readStoredDocs(file: string): StoredDoc[] {
  return readLines(file).map((line, i) => {
    let d: StoredDoc;
    try {
      d = JSON.parse(line);
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, file, i + 1);
    }
    if (typeof d?.id !== 'string') throw new InputError('record without a string "id"', file, i + 1);
    return d;
  });
}
