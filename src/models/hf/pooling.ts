/**
 * Poolings of token states into a sentence vector (sentence-transformers `Pooling` + `Normalize`, ColBERT).
 *
 * Legend: B batch, L padded tokens, H hidden width, D ColBERT projection width.
 *
 *   cls:     pooled = x[:, 0]                                  // [B, H]  (the [CLS] / <s> token)
 *   mean:    pooled = Σ_t x_t m_t / max(Σ_t m_t, 1)             // [B, H]
 *   colbert: y_t = l2norm(x_t W_lin) · m_t                     // [B, L, D]  W_lin [H, D] (`linear.weight`ᵀ)
 *            tokens := y (the token states OT and MaxSim use), pooled = mean of y over real tokens
 *   embedding = pooled / max(‖pooled‖, 1e-12)                  // as torch.nn.functional.normalize
 * ColBERT's query/document marker tokens and query augmentation are not applied: sentences are encoded as
 * plain text on both sides.
 */
import { tf, matmul, type Tensor } from '../engine.ts';
import type { EncoderOutput } from '../types.ts';

export const POOLINGS = ['cls', 'mean', 'colbert'] as const;
export type Pooling = (typeof POOLINGS)[number];

/**
 * Rows divided by max(‖row‖₂, 1e-12) over the last axis, computed as x · rsqrt(max(Σx², 1e-24)) so that
 * an all-zero row (padding) has a finite gradient.
 */
export function l2normalize(x: Tensor): Tensor {
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), -1, true), 1e-24)));
}

/** tokens [B, L, H] (zero at padding), mask [B, L] → the encoder's outputs under `pooling`. */
export function pool(tokens: Tensor, mask: Tensor, pooling: Pooling, linear?: Tensor): EncoderOutput {
  const [B, L] = mask.shape as [number, number];
  const mask3 = mask.reshape([B, L, 1]);
  if (pooling === 'cls') {
    const pooled = tf.slice(tokens, [0, 0, 0], [B, 1, -1]).reshape([B, -1]);
    return { tokens, mask, pooled, embedding: l2normalize(pooled) };
  }
  let x = tokens;
  if (pooling === 'colbert') {
    if (!linear) throw new Error('ColBERT pooling needs the projection "linear.weight"');
    x = tf.mul(l2normalize(matmul(tokens, linear)), mask3); // [B, L, D]
  }
  const len = tf.maximum(tf.sum(mask, 1, true), 1); // [B, 1]
  const pooled = tf.div(tf.sum(x, 1), len);
  return { tokens: x, mask, pooled, embedding: l2normalize(pooled) };
}
