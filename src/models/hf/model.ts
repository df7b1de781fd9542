/**
 * A Hugging Face BERT-family encoder as an optical model: tokenizer + word-embedding table (a typed array,
 * rows trained by sparse Adam) + engine variables for everything else, with a pooling. It serves as a
 * teacher (`SentenceEncoder`) and as a student (`TrainableEncoder`).
 *
 * Legend: N sentences, B batch, L padded tokens, H hidden width, V vocabulary, D output width
 *         (H, or the ColBERT projection width).
 *
 * Saved folder (the Hugging Face layout, loadable by `transformers` / `sentence-transformers`):
 *   model.safetensors  every tensor under its original name and layout (Linear weights [out, in]); tensors
 *                      optical does not use (BERT pooler, position_ids buffers, MLM heads) are written back
 *                      unchanged; a sharded checkpoint is saved as one file
 *   config.json        the original config plus an "optical" block {name, teacher, pooling, training}
 *   tokenizer files    copied byte for byte (tokenizer.json, tokenizer_config.json, vocab files, …)
 *   modules.json, 1_Pooling/config.json, 2_Normalize/   sentence-transformers modules for cls / mean pooling
 */
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { tf, type Tensor } from '../engine.ts';
import { RowAccumulator, type EmbeddingTables, type EncodeOptions, type EncodeResult, type EncoderMeta, type PackedBatch, type RowGrad } from '../encoder.ts';
import type { Features } from '../features.ts';
import type { ForwardOptions } from '../kona.ts';
import type { EncoderOutput, TrainableEncoder } from '../types.ts';
import { encodeBatched } from '../encode.ts';
import { writeSafetensors, type SafeTensor, type SafeTensorInput } from '../safetensors.ts';
import { atomicWriteFile } from '../../util/fs.ts';
import { InputError } from '../../errors.ts';
import type { BertConfig } from './config.ts';
import { bertForward } from './bert.ts';
import type { Pooling } from './pooling.ts';
import type { HfTokenizer } from './tokenizer.ts';
import { readHfWeights, slotTensors, transpose2d, WEIGHTS_FILE, type TensorSlot } from './weights.ts';

export const WORD_EMBEDDINGS = 'embeddings.word_embeddings.weight';

/** What a loaded folder brings besides the parameters, kept so that saving round-trips. */
export interface HfSource {
  /** config.json as read (without our "optical" block) */
  config: Record<string, unknown>;
  /** our name → checkpoint name, shape and orientation, for every parameter */
  slots: Record<string, TensorSlot>;
  /** checkpoint tensors optical does not use, written back unchanged */
  passthrough: Record<string, SafeTensor>;
  /** tokenizer and vocabulary files, copied byte for byte */
  files: Record<string, Uint8Array>;
}

/** The "optical" block of a saved config.json. */
export interface OpticalBlock {
  name: string;
  teacher?: string;
  pooling: Pooling;
  optical_version: string;
  training?: Record<string, unknown>;
}

export class HfEncoder implements TrainableEncoder {
  constructor(
    readonly cfg: BertConfig,
    /** every parameter but the word embeddings, by our name; Linear weights [in, out] */
    readonly params: Record<string, tf.Variable>,
    /** `embeddings` = the word-embedding table [V, H] */
    readonly tables: EmbeddingTables,
    readonly tokenizer: HfTokenizer,
    public pooling: Pooling,
    /** longest id sequence (special tokens included) */
    readonly maxLength: number,
    readonly meta: EncoderMeta,
    readonly source: HfSource,
  ) {}

  /** D: H, or the ColBERT projection width */
  get dim(): number {
    return this.pooling === 'colbert' ? this.params['linear.weight']!.shape[1]! : this.cfg.hidden;
  }

  get embedDim(): number {
    return this.cfg.hidden;
  }

  /**
   * Give this model a ColBERT projection W [H, D] (engine layout; copied) and switch it to ColBERT pooling —
   * how a plain encoder student takes over its ColBERT teacher's projection. Saved as `linear.weight` [D, H].
   */
  adoptProjection(linear: Tensor): void {
    const [H, D] = linear.shape as [number, number];
    if (this.params['linear.weight']) throw new InputError('the model already has a projection "linear.weight"');
    if (H !== this.cfg.hidden) throw new InputError(`a projection from width ${H} does not fit a model of hidden size ${this.cfg.hidden}`);
    this.params['linear.weight'] = tf.variable(linear.clone(), true);
    this.source.slots['linear.weight'] = { hf: 'linear.weight', shape: [D, H], linear: true };
    this.pooling = 'colbert';
  }

  trainableParams(): Record<string, tf.Variable> {
    return { ...this.params };
  }

  dispose(): void {
    for (const t of Object.values(this.params)) t.dispose();
  }

  featurize(text: string): Features {
    const { ids, tokens } = this.tokenizer.encode(text, this.maxLength);
    return { ids, pieces: tokens };
  }

  /** Pad featurised sentences into a batch (padding id −1). */
  pack(feats: Features[]): PackedBatch {
    const B = feats.length;
    const L = Math.max(1, ...feats.map((f) => f.ids.length));
    const ids = new Int32Array(B * L).fill(-1);
    feats.forEach((f, b) => ids.set(f.ids, b * L));
    return { B, L, ids };
  }

  /** Word embeddings [B, L, H] of a batch: e[b, l] = W_word[id_bl], 0 at padding. */
  inputEmbeds(batch: PackedBatch): Float32Array {
    const H = this.cfg.hidden;
    const W = this.tables.embeddings;
    const out = new Float32Array(batch.B * batch.L * H);
    for (let i = 0; i < batch.B * batch.L; i++) {
      const id = batch.ids[i]!;
      if (id >= 0) out.set(W.subarray(id * H, (id + 1) * H), i * H);
    }
    return out;
  }

  /** Adjoint of `inputEmbeds`: dW_word[id_bl] += de[b, l]. */
  tableGrads(batch: PackedBatch, dEmbeds: Float32Array): { embeddings: RowGrad } {
    const H = this.cfg.hidden;
    const acc = new RowAccumulator(H);
    for (let i = 0; i < batch.B * batch.L; i++) {
      const id = batch.ids[i]!;
      if (id >= 0) acc.add(id, dEmbeds.subarray(i * H, (i + 1) * H), 1);
    }
    return { embeddings: acc.result() };
  }

  forward(batch: PackedBatch, opts: ForwardOptions & { embeds?: Tensor } = {}): EncoderOutput {
    const { B, L } = batch;
    const mask = new Float32Array(B * L);
    for (let i = 0; i < B * L; i++) mask[i] = batch.ids[i]! >= 0 ? 1 : 0;
    const embeds = opts.embeds ?? tf.tensor3d(this.inputEmbeds(batch), [B, L, this.cfg.hidden]);
    return bertForward(this.params, this.cfg, this.pooling, { B, L, mask, embeds }, opts);
  }

  encode(texts: string[], opts: EncodeOptions = {}): EncodeResult {
    return encodeBatched(this, texts.map((t) => this.featurize(t)), opts);
  }

  /** Every tensor of the checkpoint under its original name and layout. */
  checkpointTensors(): Record<string, SafeTensorInput> {
    const out: Record<string, SafeTensorInput> = {};
    for (const [name, t] of Object.entries(this.source.passthrough)) out[name] = { dtype: t.dtype, shape: t.shape, data: t.data };
    for (const [ours, slot] of Object.entries(this.source.slots)) {
      const data = ours === WORD_EMBEDDINGS ? this.tables.embeddings : (this.params[ours]!.dataSync() as Float32Array);
      out[slot.hf] = { dtype: 'F32', shape: slot.shape, data: slot.linear ? transpose2d(data, slot.shape[1]!, slot.shape[0]!) : data };
    }
    return out;
  }

  save(dir: string, extra: { training?: Record<string, unknown> } = {}): void {
    mkdirSync(dir, { recursive: true });
    writeSafetensors(join(dir, WEIGHTS_FILE), this.checkpointTensors(), { format: 'pt' });
    for (const [name, bytes] of Object.entries(this.source.files)) atomicWriteFile(join(dir, name), bytes);
    if (this.pooling !== 'colbert') {
      const modules = [
        { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
        { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
        { idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' },
      ];
      atomicWriteFile(join(dir, 'modules.json'), JSON.stringify(modules, null, 2) + '\n');
      const poolCfg = { word_embedding_dimension: this.cfg.hidden, pooling_mode_cls_token: this.pooling === 'cls', pooling_mode_mean_tokens: this.pooling === 'mean', pooling_mode_max_tokens: false, pooling_mode_mean_sqrt_len_tokens: false };
      atomicWriteFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify(poolCfg, null, 2) + '\n');
      mkdirSync(join(dir, '2_Normalize'), { recursive: true });
    }
    const optical: OpticalBlock = { name: this.meta.name, teacher: this.meta.teacher, pooling: this.pooling, optical_version: '0.1.0', ...(extra.training ? { training: extra.training } : {}) };
    atomicWriteFile(join(dir, 'config.json'), JSON.stringify({ ...this.source.config, optical }, null, 2) + '\n');
  }

  restore(dir: string): void {
    const raw = readHfWeights(dir);
    const got = slotTensors(raw, this.source.slots, dir);
    for (const [ours, t] of Object.entries(got)) {
      if (ours === WORD_EMBEDDINGS) this.tables.embeddings.set(t.data);
      else {
        const v = this.params[ours];
        if (!v) throw new InputError(`tensor "${this.source.slots[ours]!.hf}" has no parameter to restore into`, dir);
        v.assign(tf.tensor(t.data, t.shape));
      }
    }
  }
}
