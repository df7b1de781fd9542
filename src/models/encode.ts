/**
 * Batched inference for Kona encoders (teacher or student): id sequences → sentence embeddings and,
 * optionally, token states. Sequences are sorted by length and cut into batches of similar length so
 * padding stays small; results come back in input order.
 *
 * Legend: N sentences, L padded tokens, H hidden width, K n-grams per token.
 */
import { tf } from './engine.ts';
import { konaForward, type KonaConfig, type KonaParams } from './kona.ts';

export interface EncodeInput {
  /** piece ids per sentence (already clipped to maxLength) */
  ids: number[][];
  /** hashed n-gram bucket ids per sentence per token (students with n-gram features) */
  ngrams?: number[][][];
}

export interface EncodeOptions {
  batchSize?: number;
  /** also return each sentence's token states [len, H] */
  tokens?: boolean;
  /** also return the pooled (pre-tanh) vectors [N, H] */
  pooled?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface EncodeResult {
  /** [N, H] L2-normalised sentence embeddings */
  embeddings: Float32Array;
  /** [N, H] masked means of token states */
  pooled?: Float32Array;
  /** per sentence [len_i, H] */
  tokens?: Float32Array[];
  dim: number;
}

/** Pack a list of id sequences into a padded [B, L] batch (−1 = padding) plus [B, L, K] n-grams. */
export function packBatch(ids: number[][], ngrams?: number[][][]): { ids: Int32Array; B: number; L: number; ngrams?: Int32Array; K?: number } {
  const B = ids.length;
  const L = Math.max(1, ...ids.map((s) => s.length));
  const out = new Int32Array(B * L).fill(-1);
  ids.forEach((s, b) => out.set(s, b * L));
  if (!ngrams) return { ids: out, B, L };
  let K = 1;
  for (const s of ngrams) for (const t of s) K = Math.max(K, t.length);
  const ng = new Int32Array(B * L * K).fill(-1);
  ngrams.forEach((s, b) => s.forEach((t, l) => ng.set(t, (b * L + l) * K)));
  return { ids: out, B, L, ngrams: ng, K };
}

/** Encode sentences given as id sequences with a Kona model. */
export function encodeIds(params: KonaParams, cfg: KonaConfig, input: EncodeInput, opts: EncodeOptions = {}): EncodeResult {
  const N = input.ids.length;
  const H = cfg.layers.at(-1)!.hidden;
  const bs = opts.batchSize ?? 64;
  const order = [...input.ids.keys()].sort((a, b) => input.ids[a]!.length - input.ids[b]!.length || a - b);
  const embeddings = new Float32Array(N * H);
  const pooled = opts.pooled ? new Float32Array(N * H) : undefined;
  const tokens: Float32Array[] | undefined = opts.tokens ? new Array(N) : undefined;
  for (let s = 0; s < N; s += bs) {
    const idx = order.slice(s, s + bs);
    const batch = packBatch(
      idx.map((i) => input.ids[i]!),
      input.ngrams ? idx.map((i) => input.ngrams![i]!) : undefined,
    );
    const [emb, pool, tok] = tf.tidy(() => {
      const out = konaForward(params, cfg, batch);
      return [out.embedding.dataSync(), opts.pooled ? out.pooled.dataSync() : undefined, opts.tokens ? out.tokens.dataSync() : undefined];
    });
    idx.forEach((i, b) => {
      embeddings.set(emb!.subarray(b * H, (b + 1) * H), i * H);
      if (pooled) pooled.set(pool!.subarray(b * H, (b + 1) * H), i * H);
      if (tokens) {
        const len = input.ids[i]!.length;
        tokens[i] = tok!.slice(b * batch.L * H, (b * batch.L + len) * H);
      }
    });
    opts.onProgress?.(Math.min(s + bs, N), N);
  }
  return { embeddings, pooled, tokens, dim: H };
}
