/**
 * A Kona sentence encoder: tokenizer + input embedding tables + transformer layers. The teacher (USE-lite)
 * and every student are instances; students differ in vocabulary, n-gram features and trained weights.
 *
 * Legend: N sentences, B batch, L padded tokens, E input-embedding width (256), H hidden width (512),
 *         K n-grams per token, V vocabulary, G n-gram buckets.
 *
 * The input embedding tables live outside the engine as typed arrays:
 *   e[b, l] = E_tok[id_bl] + (1/|g_bl|) Σ_{k ∈ g_bl} E_ngram[k]          // [B, L, E], 0 at padding
 * so training updates only the rows a batch touches (sparse Adam) instead of a dense V×E gradient, and
 * tfjs-wasm's missing `UnsortedSegmentSum` (no `gather` gradient) never matters.
 *
 * Lexical skip (students): vectors of the word + character n-gram features of each token's word (a TF-IDF
 * lexicon fitted on the training text, F features), added to its last-layer state:
 *   ψ[b, l] = Σ_k a_blk N_lex[k]          // [B, L, H];  N_lex [F, H]
 * with coefficients a (features.ts `lexicalCoefficients`) chosen so that the mean-pooled vector holds
 * exactly the linear TF-IDF term, (1/T) Σ_t ψ_t = v(x) N_lex, v(x) the sentence's TF-IDF row — the
 * closed-form baseline's model inside the student. `initLexicalSkip` fits N_lex by ridge regression
 * before training; gradient training then refines the transformer and the table together.
 *
 * Sentence skip (students, fitted in closed form after training; distill/lexical-init.ts `fitSentenceSkip`):
 * the same sentence features v(x) move the sentence embedding itself,
 *   e(x) = l2norm(e_0(x) + v(x) N_sen + b_sen)          // [N, O];  N_sen [F, O], b_sen [O]
 * where e_0 is the embedding the transformer, lexical skip and head give. It acts on `encode` only: token
 * states, pooled vectors and the training forward do not see it.
 */
import { tf, tidyValues, type Tensor } from './engine.ts';
import { konaForward, konaOutputDim, type ForwardOptions, type KonaConfig, type KonaOutput, type KonaParams } from './kona.ts';
import { featurize, type Features, type NgramConfig, type SentenceLexical } from './features.ts';
import type { Tokenizer } from '../text/index.ts';
import type { Tfidf } from '../text/tfidf.ts';
import { encodeBatched, type BatchRunner } from './encode.ts';
import { KonaOnnx, ortUnavailableReason } from './onnx/index.ts';
import { InputError } from '../errors.ts';


export interface EmbeddingTables {
  /** [V, E] */
  embeddings: Float32Array;
  /** [G, E] n-gram input embeddings */
  ngrams?: Float32Array;
  /** [F, H] lexical skip vectors, one per feature of the lexicon */
  lexical?: Float32Array;
  /** [F, O] sentence skip vectors (same lexicon) and [O] its bias */
  sentence?: Float32Array;
  sentenceBias?: Float32Array;
  /** [F, O] linear head (same lexicon): the teacher's embedding fitted on the features alone, and w, its weight */
  linear?: Float32Array;
  linearMix?: number;
}

export interface PackedBatch {
  B: number;
  L: number;
  /** [B, L] piece ids, −1 = padding */
  ids: Int32Array;
  /** per (b, l): n-gram bucket ids */
  ngrams?: (number[] | undefined)[];
  /** per row b: the sentence's lexical-skip coefficients (features.ts) */
  lexical?: (SentenceLexical | undefined)[];
}

/** Sparse gradient of a table: `rows[i]` holds `grad[i*E … (i+1)*E)`. */
export interface RowGrad {
  rows: Int32Array;
  grad: Float32Array;
}

export interface EncoderMeta {
  /** "use-lite" for the teacher, the student's name otherwise */
  name: string;
  /** the teacher a student was distilled from ("use-lite"); undefined for a teacher */
  teacher?: string;
  /** students: which vocabulary and initialisation they were created with */
  vocab?: 'teacher' | 'new';
  init?: 'teacher' | 'random';
  /**
   * content hash of the weights, for models whose name does not pin them (Hugging Face folders): part of
   * the teacher-output cache key
   */
  fingerprint?: string;
}

export interface EncodeOptions {
  batchSize?: number;
  /** also return each sentence's token states [len_i, H] */
  tokens?: boolean;
  /** also return pooled vectors [N, H] */
  pooled?: boolean;
  onProgress?: (done: number, total: number) => void;
  /**
   * Inference engine: "onnx" (ONNX Runtime, see onnx/), "tfjs", or "auto" (default: `OPTICAL_ENGINE`, else
   * ONNX Runtime when it loads — see {@link KonaEncoder.encodeFeatures}).
   */
  engine?: EngineChoice;
}

export type EngineChoice = 'auto' | 'onnx' | 'tfjs';

/** The engine choice from `OPTICAL_ENGINE` (auto | onnx | tfjs; default auto). */
export function engineFromEnv(): EngineChoice {
  const v = process.env['OPTICAL_ENGINE'];
  if (v === undefined || v === '') return 'auto';
  if (v === 'auto' || v === 'onnx' || v === 'tfjs') return v;
  throw new InputError(`OPTICAL_ENGINE must be auto, onnx or tfjs, got ${JSON.stringify(v)}`);
}

export interface EncodeResult {
  /** [N, H] L2-normalised sentence embeddings */
  embeddings: Float32Array;
  pooled?: Float32Array;
  tokens?: Float32Array[];
  dim: number;
}

export class KonaEncoder {
  constructor(
    readonly cfg: KonaConfig,
    /** transformer, timing and pooler parameters (everything but the input tables) */
    readonly params: KonaParams,
    readonly tables: EmbeddingTables,
    readonly tokenizer: Tokenizer,
    readonly ngram: NgramConfig | undefined,
    readonly meta: EncoderMeta,
    /** the lexical skip's TF-IDF lexicon (students with a lexical skip) */
    readonly lexicon?: Tfidf,
  ) {}

  /** O, the output width (the last layer's H, or `cfg.outDim` after a narrower student's projection) */
  get dim(): number {
    return konaOutputDim(this.cfg);
  }

  /** E, the width of the input embedding tables */
  get embedDim(): number {
    return this.cfg.embedDim;
  }

  /** The transformer and pooler variables (the fixed timing signal excluded). */
  trainableParams(): Record<string, tf.Variable> {
    const out: Record<string, tf.Variable> = {};
    for (const [k, v] of Object.entries(this.params)) if (k !== 'timing.inv_timescales') out[k] = v as tf.Variable;
    return out;
  }

  /** Free the engine memory of the parameters (the encoder is unusable afterwards). */
  dispose(): void {
    for (const t of Object.values(this.params)) t.dispose();
    this.onnx?.session.dispose();
    this.onnx = undefined;
  }

  featurize(text: string): Features {
    return featurize(this.tokenizer, text, this.cfg.maxLength, this.ngram, this.lexicon);
  }

  /** Pad a list of featurised sentences into a batch. */
  pack(feats: Features[]): PackedBatch {
    const B = feats.length;
    const L = Math.max(1, ...feats.map((f) => f.ids.length));
    const ids = new Int32Array(B * L).fill(-1);
    const ngrams: (number[] | undefined)[] | undefined = this.ngram ? new Array(B * L) : undefined;
    const lexical: (SentenceLexical | undefined)[] | undefined = this.lexicon ? new Array(B) : undefined;
    feats.forEach((f, b) => {
      ids.set(f.ids, b * L);
      if (ngrams && f.ngrams) f.ngrams.forEach((g, l) => (ngrams[b * L + l] = g));
      if (lexical) lexical[b] = f.lexical;
    });
    return { B, L, ids, ngrams, lexical };
  }

  /** Input embeddings e [B, L, E] of a batch (formula in the file header). */
  inputEmbeds(batch: PackedBatch): Float32Array {
    const E = this.cfg.embedDim;
    const { embeddings, ngrams } = this.tables;
    const out = new Float32Array(batch.B * batch.L * E);
    for (let i = 0; i < batch.B * batch.L; i++) {
      const id = batch.ids[i]!;
      if (id < 0) continue;
      const o = i * E;
      out.set(embeddings.subarray(id * E, (id + 1) * E), o);
      const g = batch.ngrams?.[i];
      if (ngrams && g && g.length > 0) {
        const w = 1 / g.length;
        for (const k of g) {
          const r = k * E;
          for (let j = 0; j < E; j++) out[o + j]! += w * ngrams[r + j]!;
        }
      }
    }
    return out;
  }

  /**
   * Back-propagate dL/de [B, L, E] into sparse row gradients of the tables (adjoint of `inputEmbeds`):
   *   dE_tok[id_bl] += de[b, l],   dE_ngram[k] += de[b, l] / |g_bl|  for k ∈ g_bl.
   */
  tableGrads(batch: PackedBatch, dEmbeds: Float32Array, dSkip?: Float32Array): { embeddings: RowGrad; ngrams?: RowGrad; lexical?: RowGrad } {
    const E = this.cfg.embedDim;
    const tok = new RowAccumulator(E);
    const ng = this.tables.ngrams ? new RowAccumulator(E) : undefined;
    for (let i = 0; i < batch.B * batch.L; i++) {
      const id = batch.ids[i]!;
      if (id < 0) continue;
      const d = dEmbeds.subarray(i * E, (i + 1) * E);
      tok.add(id, d, 1);
      const g = batch.ngrams?.[i];
      if (ng && g && g.length > 0) for (const k of g) ng.add(k, d, 1 / g.length);
    }
    let lexical: RowGrad | undefined;
    if (dSkip && this.tables.lexical) {
      // adjoint of skipVectors: dN_lex[k] += a_blk dψ[b, l]. Consecutive pieces of one word share its
      // coefficients, so Σ_l a_k dψ[b, l] = a_k Σ_l dψ[b, l]: dψ is summed over the word, then scattered once.
      const H = this.dim;
      const lx = new RowAccumulator(H);
      const sum = new Float32Array(H);
      for (let b = 0; b < batch.B; b++) {
        const lex = batch.lexical?.[b];
        if (!lex) continue;
        let cur = -1; // the word being summed
        const flush = () => {
          if (cur >= 0) for (let j = lex.start[cur]!; j < lex.start[cur + 1]!; j++) lx.add(lex.cols[j]!, sum, lex.coef[j]!);
          cur = -1;
        };
        for (let l = 0; l < batch.L; l++) {
          const i = b * batch.L + l;
          const w = batch.ids[i]! < 0 ? -1 : (lex.word[l] ?? -1);
          if (w < 0) {
            flush();
            continue;
          }
          if (w !== cur) {
            flush();
            cur = w;
            sum.set(dSkip.subarray(i * H, (i + 1) * H));
          } else for (let h = 0, o = i * H; h < H; h++) sum[h]! += dSkip[o + h]!;
        }
        flush();
      }
      lexical = lx.result();
    }
    return { embeddings: tok.result(), ngrams: ng?.result(), lexical };
  }

  /**
   * Lexical skip vectors ψ [B, L, H] of a batch (0 at padding, and without a lexical table). The pieces
   * of a word share its coefficients, whose vector is computed once and copied.
   */
  skipVectors(batch: PackedBatch): Float32Array {
    const H = this.dim;
    const N = this.tables.lexical!;
    const out = new Float32Array(batch.B * batch.L * H);
    for (let b = 0; b < batch.B; b++) {
      const lex = batch.lexical?.[b];
      if (!lex) continue;
      let prev = -1; // the last word computed, at row prevAt
      let prevAt = 0;
      for (let l = 0; l < batch.L; l++) {
        const i = b * batch.L + l;
        const w = lex.word[l] ?? -1;
        if (batch.ids[i]! < 0 || w < 0) continue;
        const o = i * H;
        if (w === prev) {
          out.copyWithin(o, prevAt, prevAt + H);
          continue;
        }
        for (let j = lex.start[w]!; j < lex.start[w + 1]!; j++) {
          const r = lex.cols[j]! * H;
          const c = lex.coef[j]!;
          for (let h = 0; h < H; h++) out[o + h]! += c * N[r + h]!;
        }
        prev = w;
        prevAt = o;
      }
    }
    return out;
  }

  /** Sentence-level lexical features v(x) = (1/T) Σ_t a_t (sparse: column → weight), for the ridge fit. */
  lexicalFeatures(f: Features): Map<number, number> {
    const c = new Map<number, number>();
    const T = f.ids.length;
    const lex = f.lexical;
    if (lex)
      for (let t = 0; t < T; t++) {
        const w = lex.word[t]!;
        if (w >= 0) for (let j = lex.start[w]!; j < lex.start[w + 1]!; j++) c.set(lex.cols[j]!, (c.get(lex.cols[j]!) ?? 0) + lex.coef[j]! / T);
      }
    return c;
  }

  /** Forward pass on a packed batch; `embeds` may be given (training builds it once). */
  forward(batch: PackedBatch, opts: ForwardOptions & { embeds?: Tensor; skip?: Tensor } = {}): KonaOutput {
    const embeds = opts.embeds ?? tf.tensor3d(this.inputEmbeds(batch), [batch.B, batch.L, this.cfg.embedDim]);
    const tokenSkip = opts.skip ?? (this.tables.lexical ? tf.tensor3d(this.skipVectors(batch), [batch.B, batch.L, this.dim]) : undefined);
    return konaForward(this.params, this.cfg, { ids: batch.ids, B: batch.B, L: batch.L, embeds, tokenSkip }, opts);
  }

  /** Sentence embeddings from pooled vectors [N, H]: l2norm(tanh(pooled W_t + b_t)) (the model's head). */
  embedPooled(pooled: Float32Array): Float32Array {
    const H = this.dim;
    return tidyValues(() => {
      const t = tf.tanh(tf.add(tf.matMul(tf.tensor2d(pooled, [pooled.length / H, H]), this.params['pooler.tanh.weight'] as tf.Tensor2D), this.params['pooler.tanh.bias']!));
      return tf.mul(t, tf.rsqrt(tf.maximum(tf.sum(tf.square(t), 1, true), 1e-12)));
    });
  }

  /** Encode sentences; batches are formed by length so padding stays small; output in input order. */
  encode(texts: string[], opts: EncodeOptions = {}): EncodeResult {
    return this.encodeFeatures(texts.map((t) => this.featurize(t)), opts);
  }

  /**
   * Encode featurised sentences. Engine (`opts.engine`, else `OPTICAL_ENGINE`, else "auto"): "auto" runs
   * ONNX Runtime when onnxruntime-node loads, tfjs otherwise. The session is kept and rebuilt only when a
   * parameter has been replaced since it was built (training assigns new values to the variables), so
   * repeated calls on unchanged weights pay for it once. The input tables and ψ are inputs of the graph,
   * read from the current tables at every call.
   */
  encodeFeatures(feats: Features[], opts: EncodeOptions = {}): EncodeResult {
    const r = this.encodeWithoutSentenceSkip(feats, opts);
    if (this.tables.sentence) r.embeddings = this.sentenceSkip(feats, r.embeddings);
    if (this.tables.linear) r.embeddings = this.linearHead(feats, r.embeddings);
    return r;
  }

  /** `encodeFeatures` before the sentence skip: e_0 (the base of the skip's closed-form fit). */
  encodeWithoutSentenceSkip(feats: Features[], opts: EncodeOptions = {}): EncodeResult {
    const engine = opts.engine ?? engineFromEnv();
    if (engine === 'tfjs') return encodeBatched(this, feats, opts);
    const reason = ortUnavailableReason();
    if (reason !== undefined) {
      if (engine === 'onnx') throw new Error(reason);
      return encodeBatched(this, feats, opts);
    }
    return encodeBatched(this, feats, opts, this.onnxRunner(this.onnxSession()));
  }

  /** e = l2norm(e_0 + v(x) N_sen + b_sen) for embeddings e_0 [N, O] of `feats` (a new array). */
  sentenceSkip(feats: Features[], e0: Float32Array): Float32Array {
    const O = this.dim;
    const N = this.tables.sentence!;
    const b = this.tables.sentenceBias;
    const out = e0.slice();
    feats.forEach((f, i) => {
      const o = i * O;
      if (b) for (let h = 0; h < O; h++) out[o + h]! += b[h]!;
      for (const [k, v] of this.lexicalFeatures(f)) {
        const r = k * O;
        for (let h = 0; h < O; h++) out[o + h]! += v * N[r + h]!;
      }
      let ss = 0;
      for (let h = 0; h < O; h++) ss += out[o + h]! * out[o + h]!;
      const inv = 1 / Math.sqrt(Math.max(ss, 1e-12));
      for (let h = 0; h < O; h++) out[o + h]! *= inv;
    });
    return out;
  }

  /**
   * e = l2norm(e_1 + w · l2norm(v(x) N_lin)) for embeddings e_1 [N, O] of `feats` (a new array): the linear
   * head's direction mixed in with weight w (`linearMix`); a sentence with no known feature keeps e_1.
   */
  linearHead(feats: Features[], e1: Float32Array): Float32Array {
    const O = this.dim;
    const N = this.tables.linear!;
    const w = this.tables.linearMix ?? 1;
    const out = e1.slice();
    const l = new Float64Array(O);
    feats.forEach((f, i) => {
      l.fill(0);
      for (const [k, v] of this.lexicalFeatures(f)) {
        const r = k * O;
        for (let h = 0; h < O; h++) l[h]! += v * N[r + h]!;
      }
      let ll = 0;
      for (let h = 0; h < O; h++) ll += l[h]! * l[h]!;
      if (ll <= 0) return;
      const o = i * O;
      const a = w / Math.sqrt(ll);
      let ss = 0;
      for (let h = 0; h < O; h++) {
        out[o + h]! += a * l[h]!;
        ss += out[o + h]! * out[o + h]!;
      }
      const inv = 1 / Math.sqrt(Math.max(ss, 1e-12));
      for (let h = 0; h < O; h++) out[o + h]! *= inv;
    });
    return out;
  }

  private onnx?: { session: KonaOnnx; dataIds: unknown[] };

  /**
   * The kept ONNX session, rebuilt when any parameter's data has been replaced (tfjs gives a tensor a new
   * `dataId` on `assign`; the old ids are held here, so an id cannot be recycled while compared).
   */
  private onnxSession(): KonaOnnx {
    const ids = Object.values(this.params).map((t) => t.dataId);
    const kept = this.onnx;
    if (kept && kept.dataIds.length === ids.length && kept.dataIds.every((d, i) => d === ids[i])) return kept.session;
    kept?.session.dispose();
    this.onnx = { session: this.buildOnnx(), dataIds: ids };
    return this.onnx.session;
  }

  /** This encoder's forward as an ONNX Runtime session, built from the current weights. */
  buildOnnx(opts: { threads?: number } = {}): KonaOnnx {
    const arrays: Record<string, Float32Array> = {};
    for (const [k, t] of Object.entries(this.params)) arrays[k] = t.dataSync() as Float32Array;
    return new KonaOnnx(this.cfg, arrays, Boolean(this.tables.lexical), opts);
  }

  /** A batch runner on an ONNX session of this encoder (input tables and ψ computed here, as for tfjs). */
  onnxRunner(session: KonaOnnx): BatchRunner {
    return (batch) => {
      const mask = new Float32Array(batch.B * batch.L);
      for (let i = 0; i < mask.length; i++) mask[i] = batch.ids[i]! >= 0 ? 1 : 0;
      const skip = this.tables.lexical ? this.skipVectors(batch) : undefined;
      return session.run(batch.B, batch.L, this.inputEmbeds(batch), mask, skip);
    };
  }
}

/** Accumulates rows of a sparse gradient. */
export class RowAccumulator {
  private index = new Map<number, number>();
  private data: Float32Array;
  private n = 0;
  constructor(private readonly E: number) {
    this.data = new Float32Array(E * 256);
  }
  add(row: number, d: Float32Array, w: number): void {
    let slot = this.index.get(row);
    if (slot === undefined) {
      slot = this.n++;
      this.index.set(row, slot);
      if (this.n * this.E > this.data.length) {
        const bigger = new Float32Array(this.data.length * 2);
        bigger.set(this.data);
        this.data = bigger;
      }
    }
    const E = this.E;
    const data = this.data;
    const o = slot * E;
    for (let j = 0; j < E; j++) data[o + j]! += w * d[j]!;
  }
  result(): RowGrad {
    const rows = new Int32Array(this.n);
    for (const [r, s] of this.index) rows[s] = r;
    return { rows, grad: this.data.subarray(0, this.n * this.E) };
  }
}
