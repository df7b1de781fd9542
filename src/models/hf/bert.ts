/**
 * The BERT-family encoder forward (BERT, MiniLM, RoBERTa / XLM-R, DistilBERT), as Hugging Face
 * `transformers` computes it in eval mode, written with engine ops.
 *
 * Legend: B batch, L padded tokens, H hidden width, h heads, d = H / h, F FFN width, P positions.
 *
 *   e      = W_word[ids] + W_pos[o … o + L) + W_type[0]          // [B, L, H]; o = position offset
 *   x      = LN(e)                                                // embedding LayerNorm
 *   per layer (post-LN):
 *     q, k, v = x W_q + b_q, x W_k + b_k, x W_v + b_v             // [B, L, H] → [B·h, L, d]
 *     A      = softmax(q kᵀ / √d + m)                            // [B·h, L, L]; m = −1e9 at padded keys
 *     x      = LN(x + (A v) W_o + b_o)                           // attention output + residual
 *     x      = LN(x + act(x W_i + b_i) W_2 + b_2)                // FFN; act = GELU (exact erf form) by default
 *   tokens = x · mask                                             // [B, L, H]
 * then the pooling (see pooling.ts) gives `pooled` [B, H] and the L2-normalised `embedding` [B, H].
 *
 * Position ids: BERT counts from 0; RoBERTa-style models from `pad_token_id + 1` (o above). With right
 * padding the real tokens of every row have exactly these ids (RoBERTa's cumulative-sum ids coincide), and
 * padded tokens never influence real ones (their keys are masked), so one slice of the table serves the batch.
 * Token type ids are 0 for a single sentence: row 0 of the type table is added when the model has one.
 * Training dropout (rate from the trainer): after the embedding LayerNorm, on the attention output and on the
 * FFN output, as in BERT; attention probabilities are not dropped.
 * Word embeddings come in as `embeds` (looked up outside the engine, see encoder.ts), so no `gather`
 * gradient is needed; the slices of the position and type tables have ordinary gradients.
 */
import { tf, matmul, bmm, type Tensor } from '../engine.ts';
import type { EncoderOutput } from '../types.ts';
import type { ForwardOptions } from '../kona.ts';
import type { BertConfig } from './config.ts';
import { pool, type Pooling } from './pooling.ts';

export type BertParams = Record<string, Tensor>;

export interface BertBatch {
  B: number;
  L: number;
  /** [B, L] 1 for real tokens, 0 for padding */
  mask: Float32Array;
  /** [B, L, H] word embeddings, 0 at padding */
  embeds: Tensor;
}

function p(params: BertParams, name: string): Tensor {
  const t = params[name];
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}

/** Layer norm over the last axis: (x − μ) / √(σ² + eps) · γ + β (biased variance, as PyTorch). */
export function layerNorm(x: Tensor, gamma: Tensor, beta: Tensor, eps: number): Tensor {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/**
 * Activations: gelu(x) = x · ½ (1 + erf(x / √2)) (HF "gelu"); the tanh form
 * ½ x (1 + tanh(√(2/π) (x + 0.044715 x³))) ("gelu_new", "gelu_pytorch_tanh"); relu.
 */
export function activation(x: Tensor, act: BertConfig['activation']): Tensor {
  if (act === 'relu') return tf.relu(x);
  if (act === 'gelu') return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), 0.044715)), Math.sqrt(2 / Math.PI));
  return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.tanh(inner)));
}

function linear(x: Tensor, params: BertParams, name: string): Tensor {
  return tf.add(matmul(x, p(params, `${name}.weight`)), p(params, `${name}.bias`));
}

/** The forward pass described in the file header. Call inside `tf.tidy` (or a gradient closure). */
export function bertForward(params: BertParams, cfg: BertConfig, pooling: Pooling, batch: BertBatch, opts: ForwardOptions = {}): EncoderOutput {
  const { B, L } = batch;
  const H = cfg.hidden;
  const h = cfg.heads;
  const d = H / h;
  const rate = opts.dropout ?? 0;
  let site = 0;
  const drop = (t: Tensor) => (rate > 0 ? tf.dropout(t, rate, undefined, (opts.seed ?? 0) + site++) : t);
  if (cfg.positionOffset + L > cfg.maxPositions) throw new Error(`sequence of ${L} tokens exceeds the ${cfg.maxPositions - cfg.positionOffset} positions of the model`);
  const mask = tf.tensor2d(batch.mask, [B, L]);
  const mask3 = mask.reshape([B, L, 1]);
  let e = tf.add(batch.embeds, tf.slice(p(params, 'embeddings.position_embeddings.weight'), [cfg.positionOffset, 0], [L, H]));
  if (cfg.typeVocabSize > 0) e = tf.add(e, tf.slice(p(params, 'embeddings.token_type_embeddings.weight'), [0, 0], [1, H]));
  let x = drop(layerNorm(e, p(params, 'embeddings.LayerNorm.weight'), p(params, 'embeddings.LayerNorm.bias'), cfg.layerNormEps));
  const keyBias = tf.mul(tf.sub(1, mask), -1e9).reshape([B, 1, 1, L]);
  const split = (t: Tensor) => tf.transpose(t.reshape([B, L, h, d]), [0, 2, 1, 3]).reshape([B * h, L, d]);
  const nLayers = opts.layers ?? cfg.layers;
  for (let i = 0; i < nLayers; i++) {
    const pre = `encoder.layer.${i}.`;
    const q = tf.mul(split(linear(x, params, pre + 'attention.self.query')), 1 / Math.sqrt(d));
    const k = split(linear(x, params, pre + 'attention.self.key'));
    const v = split(linear(x, params, pre + 'attention.self.value'));
    const scores = tf.add(bmm(q, tf.transpose(k, [0, 2, 1])).reshape([B, h, L, L]), keyBias); // [B, h, L, L]
    const probs = tf.softmax(scores, -1).reshape([B * h, L, L]);
    const ctx = tf.transpose(bmm(probs, v).reshape([B, h, L, d]), [0, 2, 1, 3]).reshape([B, L, H]);
    const a = drop(linear(ctx, params, pre + 'attention.output.dense'));
    x = layerNorm(tf.add(x, a), p(params, pre + 'attention.output.LayerNorm.weight'), p(params, pre + 'attention.output.LayerNorm.bias'), cfg.layerNormEps);
    const f = drop(linear(activation(linear(x, params, pre + 'intermediate.dense'), cfg.activation), params, pre + 'output.dense'));
    x = layerNorm(tf.add(x, f), p(params, pre + 'output.LayerNorm.weight'), p(params, pre + 'output.LayerNorm.bias'), cfg.layerNormEps);
  }
  return pool(tf.mul(x, mask3), mask, pooling, params['linear.weight']);
}
