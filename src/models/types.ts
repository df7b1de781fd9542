/**
 * What the rest of optical needs of a model, independent of its architecture (Kona / USE-lite, or a
 * Hugging Face BERT-family encoder in `hf/`).
 *
 * Legend: N sentences, B batch, L padded tokens, E input-embedding width, H output width.
 *
 * - {@link SentenceEncoder}: text → sentence embeddings (and token states); what evaluation, indexing,
 *   search and the teacher side of distillation use.
 * - {@link TrainableEncoder}: what the distillation trainer drives. The input-embedding table is a typed
 *   array outside the engine (rows updated by sparse Adam: tfjs-wasm has no `gather` gradient), the rest
 *   are engine variables (dense AdamW); `forward` takes the looked-up embeddings as a tensor so their
 *   gradient comes back to the table through {@link TrainableEncoder.tableGrads}.
 */
import type { tf, Tensor } from './engine.ts';
import type { EmbeddingTables, EncodeOptions, EncodeResult, EncoderMeta, PackedBatch, RowGrad } from './encoder.ts';
import type { Features } from './features.ts';
import type { ForwardOptions } from './kona.ts';

/** The outputs of a forward pass (what the objectives read). */
export interface EncoderOutput {
  /** [B, L, H] token states, zero at padding */
  tokens: Tensor;
  /** [B, L] 1 for real tokens */
  mask: Tensor;
  /** [B, H] the pooled vector the sentence embedding is computed from */
  pooled: Tensor;
  /** [B, H] L2-normalised sentence embedding */
  embedding: Tensor;
}

export interface SentenceEncoder {
  readonly meta: EncoderMeta;
  /** H */
  readonly dim: number;
  /** Encode sentences (input order kept); `tokens`/`pooled` on request. */
  encode(texts: string[], opts?: EncodeOptions): EncodeResult;
  /** Free the engine memory of the parameters (the encoder is unusable afterwards). */
  dispose(): void;
}

export interface TrainableEncoder extends SentenceEncoder {
  /** E, the width of `tables.embeddings` */
  readonly embedDim: number;
  readonly tables: EmbeddingTables;
  /** The engine variables trained by dense AdamW, by the names they are saved under. */
  trainableParams(): Record<string, tf.Variable>;
  featurize(text: string): Features;
  pack(feats: Features[]): PackedBatch;
  /** [B, L, E] looked-up input embeddings of a batch (0 at padding). */
  inputEmbeds(batch: PackedBatch): Float32Array;
  /** [B, L, H] lexical skip vectors (only models with `tables.lexical`). */
  skipVectors?(batch: PackedBatch): Float32Array;
  /** Adjoint of `inputEmbeds` (and of `skipVectors`): sparse row gradients of the tables. */
  tableGrads(batch: PackedBatch, dEmbeds: Float32Array, dSkip?: Float32Array): { embeddings: RowGrad; ngrams?: RowGrad; lexical?: RowGrad };
  /** Forward pass; `embeds` [B, L, E] replaces the table lookup (training passes a variable). */
  forward(batch: PackedBatch, opts?: ForwardOptions & { embeds?: Tensor; skip?: Tensor }): EncoderOutput;
  /** Save as a model folder (temp name + rename per file, config.json last); `training` is recorded in it. */
  save(dir: string, extra?: { training?: Record<string, unknown> }): void;
  /** Load parameters and tables back from a folder written by `save` of a model of the same shape. */
  restore(dir: string): void;
}
