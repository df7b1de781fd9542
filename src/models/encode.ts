/**
 * The batched encoding loop shared by every architecture: featurised sentences → sentence embeddings
 * (and optionally pooled vectors and token states), in input order.
 *
 * Legend: N sentences, B batch, L padded tokens, H output width.
 * Sentences are sorted by length before batching so padding stays small.
 */
import { tf, type Tensor } from './engine.ts';
import type { EncodeOptions, EncodeResult, PackedBatch } from './encoder.ts';
import type { Features } from './features.ts';

export interface BatchEncoder {
  readonly dim: number;
  pack(feats: Features[]): PackedBatch;
  forward(batch: PackedBatch): { embedding: Tensor; pooled: Tensor; tokens: Tensor };
}

/** Encode `feats` with `model`: embeddings [N, H], pooled [N, H] and per-sentence tokens [len_i, H] on request. */
export function encodeBatched(model: BatchEncoder, feats: Features[], opts: EncodeOptions = {}): EncodeResult {
  const N = feats.length;
  const H = model.dim;
  const bs = opts.batchSize ?? 64;
  const order = [...feats.keys()].sort((a, b) => feats[a]!.ids.length - feats[b]!.ids.length || a - b);
  const embeddings = new Float32Array(N * H);
  const pooled = opts.pooled ? new Float32Array(N * H) : undefined;
  const tokens: Float32Array[] | undefined = opts.tokens ? new Array(N) : undefined;
  for (let s = 0; s < N; s += bs) {
    const idx = order.slice(s, s + bs);
    const batch = model.pack(idx.map((i) => feats[i]!));
    const [emb, pool, tok] = tf.tidy(() => {
      const out = model.forward(batch);
      return [out.embedding.dataSync(), opts.pooled ? out.pooled.dataSync() : undefined, opts.tokens ? out.tokens.dataSync() : undefined];
    });
    idx.forEach((i, b) => {
      embeddings.set((emb as Float32Array).subarray(b * H, (b + 1) * H), i * H);
      if (pooled) pooled.set((pool as Float32Array).subarray(b * H, (b + 1) * H), i * H);
      if (tokens) tokens[i] = (tok as Float32Array).slice(b * batch.L * H, (b * batch.L + feats[i]!.ids.length) * H);
    });
    opts.onProgress?.(Math.min(s + bs, N), N);
  }
  return { embeddings, pooled, tokens, dim: H };
}
