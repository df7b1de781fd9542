/**
 * The batched encoding loop shared by every architecture: featurised sentences → sentence embeddings
 * (and optionally pooled vectors and token states), in input order.
 *
 * Legend: N sentences, B batch, L padded tokens, H output width.
 * Sentences are sorted by length before batching so padding stays small. Each batch is run by a
 * {@link BatchRunner}: the tfjs forward by default, or an ONNX Runtime session (onnx/).
 */
import { tf, type Tensor } from './engine.ts';
import type { EncodeOptions, EncodeResult, PackedBatch } from './encoder.ts';
import type { Features } from './features.ts';

export interface BatchEncoder {
  readonly dim: number;
  pack(feats: Features[]): PackedBatch;
  forward(batch: PackedBatch): { embedding: Tensor; pooled: Tensor; tokens: Tensor };
}

/** A batch's outputs as arrays: embedding [B, H], pooled [B, H], tokens [B, L, H] (the last two on request). */
export interface BatchOutputs {
  embedding: Float32Array;
  pooled?: Float32Array;
  tokens?: Float32Array;
}

/** Runs one packed batch; `want` says which optional outputs the caller reads. */
export type BatchRunner = (batch: PackedBatch, want: { pooled: boolean; tokens: boolean }) => BatchOutputs;

/** The tfjs forward of `model` as a {@link BatchRunner}. */
export function tfjsRunner(model: BatchEncoder): BatchRunner {
  return (batch, want) =>
    tf.tidy(() => {
      const out = model.forward(batch);
      return {
        embedding: out.embedding.dataSync() as Float32Array,
        pooled: want.pooled ? (out.pooled.dataSync() as Float32Array) : undefined,
        tokens: want.tokens ? (out.tokens.dataSync() as Float32Array) : undefined,
      };
    });
}

/** Encode `feats` with `model`: embeddings [N, H], pooled [N, H] and per-sentence tokens [len_i, H] on request. */
export function encodeBatched(model: BatchEncoder, feats: Features[], opts: EncodeOptions = {}, run: BatchRunner = tfjsRunner(model)): EncodeResult {
  const N = feats.length;
  const H = model.dim;
  const bs = opts.batchSize ?? 64;
  const order = [...feats.keys()].sort((a, b) => feats[a]!.ids.length - feats[b]!.ids.length || a - b);
  const embeddings = new Float32Array(N * H);
  const pooled = opts.pooled ? new Float32Array(N * H) : undefined;
  const tokens: Float32Array[] | undefined = opts.tokens ? new Array(N) : undefined;
  const want = { pooled: Boolean(opts.pooled), tokens: Boolean(opts.tokens) };
  for (let s = 0; s < N; s += bs) {
    const idx = order.slice(s, s + bs);
    const batch = model.pack(idx.map((i) => feats[i]!));
    const out = run(batch, want);
    idx.forEach((i, b) => {
      embeddings.set(out.embedding.subarray(b * H, (b + 1) * H), i * H);
      if (pooled) pooled.set(out.pooled!.subarray(b * H, (b + 1) * H), i * H);
      if (tokens) tokens[i] = out.tokens!.slice(b * batch.L * H, (b * batch.L + feats[i]!.ids.length) * H);
    });
    opts.onProgress?.(Math.min(s + bs, N), N);
  }
  return { embeddings, pooled, tokens, dim: H };
}
