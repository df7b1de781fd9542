/**
 * Late interaction (ColBERT-style MaxSim; Khattab & Zaharia 2020, "ColBERT: Efficient and Effective Passage
 * Search via Contextualized Late Interaction over BERT"): a document keeps one vector per token, and
 *   score(q, d) = Σ_{i < T_q} max_{j < T_d} cos(q_i, d_j)          ∈ [−T_q, T_q]
 * Legend: N documents, T_d tokens of a document, T_q of the query, D dim, S = Σ_d T_d.
 *
 * Token vectors are the encoder's last-layer token states (before mean pooling; for a student with a
 * lexical skip, including it: `KonaEncoder.encode(..., {tokens: true})`), L2-normalised per token.
 *
 * On disk (folder `dir`, inside an index), generations as in the flat store:
 *   tokens.json            {format: "optical-token-vectors", version: 1, dim, count, tokens: S,
 *                           generation: g, vectors: "tokens-g.safetensors", ids: "ids-g.json"}
 *   tokens-g.safetensors   "vectors" F32 [S, D] (rows L2-normalised), "offsets" I32 [N + 1]
 *   ids-g.json             the N document ids, row order
 * An add is two steps so that the index can commit its store in between: `prepare` writes generation
 * g+1's files, `commit` renames tokens.json over the old one and deletes generation g (`abort` deletes g+1).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, InputError } from '../errors.ts';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { initEngine, tf, tidyValues } from '../models/engine.ts';

const FORMAT = 'optical-token-vectors';
const MANIFEST = 'tokens.json';

interface TokenManifest {
  format: typeof FORMAT;
  version: 1;
  dim: number;
  count: number;
  tokens: number;
  generation: number;
  vectors: string;
  ids: string;
}

/** Σ_i max_j q̂_i · d̂_j for query tokens `q` [T_q, D] and unit document rows `d` [T_d, D] (formula above). */
export function maxSim(q: Float32Array, d: Float32Array, dim: number): number {
  const Tq = q.length / dim;
  const Td = d.length / dim;
  let total = 0;
  for (let i = 0; i < Tq; i++) {
    let best = -Infinity;
    const qo = i * dim;
    for (let j = 0; j < Td; j++) {
      let s = 0;
      const o = j * dim;
      for (let h = 0; h < dim; h++) s += q[qo + h]! * d[o + h]!;
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}

/** Rows of `tokens` [T, D] scaled to unit norm (zero rows — padding never reaches here — stay zero). */
export function normalizeRows(tokens: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(tokens.length);
  for (let o = 0; o < tokens.length; o += dim) {
    let s = 0;
    for (let h = 0; h < dim; h++) s += tokens[o + h]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let h = 0; h < dim; h++) out[o + h] = tokens[o + h]! * inv;
  }
  return out;
}

export class TokenVectors {
  private index: Map<string, number>;
  private pending?: { m: TokenManifest; vectors: Float32Array; offsets: Int32Array; ids: string[] };

  private constructor(
    readonly dir: string,
    private dim: number,
    /** [S, D] unit rows */
    private vectors: Float32Array,
    /** [N + 1] */
    private offsets: Int32Array,
    private ids: string[],
    private generation: number,
  ) {
    this.index = new Map(ids.map((id, i) => [id, i]));
  }

  /** Open the token vectors in `dir` (empty when there are none yet). */
  static open(dir: string): TokenVectors {
    const file = join(dir, MANIFEST);
    if (!existsSync(file)) return new TokenVectors(dir, 0, new Float32Array(0), new Int32Array([0]), [], 0);
    let m: TokenManifest;
    try {
      m = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
    }
    if (m?.format !== FORMAT || m.version !== 1) throw new InputError(`not optical token vectors (expected format "${FORMAT}", version 1)`, file);
    const vfile = join(dir, m.vectors);
    const t = readSafetensors(vfile).tensors;
    const v = t['vectors'];
    const off = t['offsets'];
    if (!v || v.dtype !== 'F32' || v.shape[0] !== m.tokens || v.shape[1] !== m.dim) throw new InputError(`expected tensor "vectors" F32 [${m.tokens}, ${m.dim}]`, vfile);
    if (!off || off.dtype !== 'I32' || off.shape[0] !== m.count + 1) throw new InputError(`expected tensor "offsets" I32 [${m.count + 1}]`, vfile);
    const ifile = join(dir, m.ids);
    let ids: string[];
    try {
      ids = JSON.parse(readFileSync(ifile, 'utf8'));
    } catch (e) {
      throw new InputError(`cannot read the ids (${(e as Error).message})`, ifile);
    }
    if (!Array.isArray(ids) || ids.length !== m.count) throw new InputError(`expected ${m.count} ids`, ifile);
    return new TokenVectors(dir, m.dim, v.data as Float32Array, off.data as Int32Array, ids, m.generation);
  }

  get count(): number {
    return this.ids.length;
  }

  has(id: string): boolean {
    return this.index.has(id);
  }

  /** Unit token rows of document `id` [T_d, D], or undefined when it has none. */
  get(id: string): Float32Array | undefined {
    const i = this.index.get(id);
    if (i === undefined) return undefined;
    return this.vectors.subarray(this.offsets[i]! * this.dim, this.offsets[i + 1]! * this.dim);
  }

  /**
   * Write the next generation with documents `ids` and their token states `tokens[i]` [T_i, D] (not yet
   * visible: see `commit`). Ids must be new; every document needs at least one token.
   */
  prepare(ids: readonly string[], tokens: readonly Float32Array[], dim: number): void {
    if (ids.length !== tokens.length) throw new ArgumentError(`${ids.length} ids but ${tokens.length} token arrays`);
    if (this.dim !== 0 && dim !== this.dim) throw new ArgumentError(`token vectors have dim ${this.dim}, got ${dim}`);
    let S = this.offsets[this.ids.length]!;
    const add = tokens.map((t, i) => {
      if (t.length === 0 || t.length % dim !== 0) throw new ArgumentError(`document "${ids[i]}": ${t.length} values is not a positive multiple of dim ${dim}`);
      if (this.index.has(ids[i]!)) throw new ArgumentError(`document "${ids[i]}" already has token vectors`);
      return normalizeRows(t, dim);
    });
    const total = S + add.reduce((s, t) => s + t.length / dim, 0);
    const vectors = new Float32Array(total * dim);
    vectors.set(this.vectors.subarray(0, S * dim));
    const offsets = new Int32Array(this.ids.length + ids.length + 1);
    offsets.set(this.offsets.subarray(0, this.ids.length + 1));
    add.forEach((t, i) => {
      vectors.set(t, S * dim);
      S += t.length / dim;
      offsets[this.ids.length + i + 1] = S;
    });
    const g = this.generation + 1;
    const m: TokenManifest = { format: FORMAT, version: 1, dim, count: offsets.length - 1, tokens: total, generation: g, vectors: `tokens-${g}.safetensors`, ids: `ids-${g}.json` };
    mkdirSync(this.dir, { recursive: true });
    try {
      writeSafetensors(join(this.dir, m.vectors), { vectors: { dtype: 'F32', shape: [total, dim], data: vectors }, offsets: { dtype: 'I32', shape: [offsets.length], data: offsets } }, { format: FORMAT });
      atomicWriteFile(join(this.dir, m.ids), JSON.stringify([...this.ids, ...ids]));
    } catch (e) {
      this.removeGeneration(m);
      throw e;
    }
    this.pending = { m, vectors, offsets, ids: [...this.ids, ...ids] };
  }

  /** Make the prepared generation current (renames tokens.json), then delete the previous one. */
  commit(): void {
    const p = this.pending;
    if (!p) throw new ArgumentError('nothing prepared to commit');
    atomicWriteFile(join(this.dir, MANIFEST), JSON.stringify(p.m, null, 2) + '\n');
    if (this.generation > 0) this.removeGeneration({ vectors: `tokens-${this.generation}.safetensors`, ids: `ids-${this.generation}.json` });
    this.vectors = p.vectors;
    this.offsets = p.offsets;
    this.ids = p.ids;
    this.dim = p.m.dim;
    this.generation = p.m.generation;
    this.index = new Map(p.ids.map((id, i) => [id, i]));
    this.pending = undefined;
  }

  /** Delete the prepared generation's files. */
  abort(): void {
    if (this.pending) this.removeGeneration(this.pending.m);
    this.pending = undefined;
  }

  /**
   * MaxSim of query tokens `q` [T_q, D] (any norm) against each document of `ids` (all when omitted):
   * `{id, score}` in the order given. A document without token vectors is an `InputError`.
   * The similarities of a batch of documents come from one engine product, their rows stacked:
   *   S = [d_1; …; d_c] q̂ᵀ    // [Σ T_d, T_q]
   * then each document's column maxima are summed (`maxSim` is the reference, checked in late.test.ts).
   */
  async score(q: Float32Array, ids?: readonly string[]): Promise<{ id: string; score: number }[]> {
    await initEngine();
    const D = this.dim;
    const Tq = q.length / D;
    const qn = normalizeRows(q, D);
    const qT = new Float32Array(D * Tq); // [D, T_q]
    for (let i = 0; i < Tq; i++) for (let h = 0; h < D; h++) qT[h * Tq + i] = qn[i * D + h]!;
    const list = ids ?? this.ids;
    const docs = list.map((id) => {
      const d = this.get(id);
      if (!d) throw new InputError(`document "${id}" has no token vectors (the index was interrupted between its store and its token vectors: rebuild it)`, this.dir);
      return d;
    });
    const out: { id: string; score: number }[] = [];
    const BATCH_ROWS = 16384;
    for (let start = 0; start < docs.length; ) {
      let end = start;
      let rows = 0;
      while (end < docs.length && (end === start || rows + docs[end]!.length / D <= BATCH_ROWS)) rows += docs[end++]!.length / D;
      const stacked = new Float32Array(rows * D);
      let o = 0;
      for (let i = start; i < end; i++) {
        stacked.set(docs[i]!, o);
        o += docs[i]!.length;
      }
      const sims = tidyValues(() => tf.matMul(tf.tensor2d(stacked, [rows, D]), tf.tensor2d(qT, [D, Tq])));
      let r = 0;
      for (let i = start; i < end; i++) {
        const Td = docs[i]!.length / D;
        let total = 0;
        for (let t = 0; t < Tq; t++) {
          let best = -Infinity;
          for (let j = 0; j < Td; j++) best = Math.max(best, sims[(r + j) * Tq + t]!);
          total += best;
        }
        r += Td;
        out.push({ id: list[i]!, score: total });
      }
      start = end;
    }
    return out;
  }

  private removeGeneration(m: Pick<TokenManifest, 'vectors' | 'ids'>): void {
    rmSync(join(this.dir, m.vectors), { force: true });
    rmSync(join(this.dir, m.ids), { force: true });
  }
}
