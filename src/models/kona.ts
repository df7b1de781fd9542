/**
 * The "Kona" transformer encoder of Universal Sentence Encoder lite, written out with engine ops so the same
 * code serves the teacher (USE-lite weights) and the students (initialised from it, trained by distillation).
 *
 * Legend: B batch, L tokens (padded), D width of a layer's input, H hidden width (512), O output width
 *         (= H, or `outDim` for a student narrower than its teacher), V vocabulary,
 *         (input tables and n-gram features: see encoder.ts).
 *
 * Forward (matches the exported USE-lite graph; see ../shared/models/USE-LITE.md):
 *   e     = E[ids] · mask                                   // [B, L, 256]
 *   x0    = e + (e + timing(pos))                           // the graph adds the embedding twice
 *   per layer ℓ (pre-LN):
 *     h   = LN(x)                                          // [B, L, D]
 *     a   = MHA(h) W_o + b_o                               // [B, L, H]; 4 heads, q scaled by 1/√(D/4)
 *     x   = a + (D ≠ H ? x W_r + b_r : x)                  // residual projected to H in layer 0
 *     x   = x + (relu(LN(x) W_1 + b_1) W_2 + b_2) · mask   // FFN on real tokens only
 *   y      = outDim ? x W_p + b_p : x                      // [B, L, O]  a narrower student's projection to the
 *                                                          // teacher's width O (`outDim`); else O = H
 *   tokens = (y + skip) · mask                             // [B, L, O]  token states (OT uses these);
 *                                                          // skip = a student's lexical vectors, else 0
 *   pooled = Σ_t tokens / max(len, 1)                      // [B, O]
 *   emb    = l2norm(tanh(pooled W_t + b_t))                // [B, O]     sentence embedding
 * Padding id is −1 (id 0 is a real piece); sequences are clipped to `maxLength` (128) pieces.
 */
import { tf, matmul, bmm, embeddingLookup, type Tensor } from './engine.ts';
import type { EncoderOutput } from './types.ts';

export interface KonaLayerConfig {
  /** input width D */
  inDim: number;
  /** output width H */
  hidden: number;
  heads: number;
  /** FFN inner width */
  ffn: number;
}

export interface KonaConfig {
  vocabSize: number;
  /** token-embedding width (= first layer's inDim) */
  embedDim: number;
  layers: KonaLayerConfig[];
  maxLength: number;
  /** add the token embedding twice before layer 0, as the USE-lite graph does */
  doubleEmbedding: boolean;
  layerNormEps: number;
  /**
   * output width O when it differs from the last layer's H: a learned projection `proj.weight` [H, O],
   * `proj.bias` [O] maps the token states to it (a student narrower than its teacher; see student.ts)
   */
  outDim?: number;
}

/** O, the width of the token states, pooled vectors and embeddings (`outDim`, else the last layer's H). */
export function konaOutputDim(cfg: KonaConfig): number {
  return cfg.outDim ?? cfg.layers.at(-1)!.hidden;
}

/** Whether the config has the output projection (`outDim` set and different from the last H). */
export function hasProjection(cfg: KonaConfig): boolean {
  return cfg.outDim !== undefined && cfg.outDim !== cfg.layers.at(-1)!.hidden;
}

/** Parameter tensors by name (names are the safetensors keys of a saved student). */
export type KonaParams = Record<string, Tensor>;

export interface KonaBatch {
  /** [B, L] piece ids, −1 = padding */
  ids: Int32Array;
  B: number;
  L: number;
  /**
   * [B, L, embedDim] input embeddings computed outside the engine (students keep their embedding tables as
   * typed arrays with a sparse optimiser); replaces the lookup of `embeddings.weight` and n-grams.
   */
  embeds?: Tensor;
  /**
   * [B, L, H] per-token lexical vectors added to the last layer's token states before pooling (a student's
   * "lexical skip", see encoder.ts); absent for the teacher.
   */
  tokenSkip?: Tensor;
}

/** [B, L, H] tokens, [B, L] mask, [B, H] pooled (masked mean) and embedding (see the file header). */
export type KonaOutput = EncoderOutput;

export const USE_LITE_CONFIG: KonaConfig = {
  vocabSize: 8002,
  embedDim: 256,
  layers: [
    { inDim: 256, hidden: 512, heads: 4, ffn: 1536 },
    { inDim: 512, hidden: 512, heads: 4, ffn: 1536 },
  ],
  maxLength: 128,
  doubleEmbedding: true,
  layerNormEps: 1e-6,
};

/** Layer norm over the last axis: (x − μ) / √(σ² + eps) · scale + bias. */
function layerNorm(x: Tensor, scale: Tensor, bias: Tensor, eps: number): Tensor {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), scale), bias);
}

/** Sinusoidal timing signal [L, 2·C] = [sin(pos·inv) | cos(pos·inv)] for inv [C]. */
function timingSignal(L: number, invTimescales: Tensor): Tensor {
  const pos = tf.range(0, L, 1, 'float32').reshape([L, 1]);
  const scaled = tf.mul(pos, invTimescales.reshape([1, -1]));
  return tf.concat([tf.sin(scaled), tf.cos(scaled)], 1);
}

function p(params: KonaParams, name: string): Tensor {
  const t = params[name];
  if (!t) throw new Error(`missing parameter ${name}`);
  return t;
}

/**
 * Multi-head self-attention. h [B, L, D] → [B, L, D] (before the output transform).
 * scores = (q/√d_h) kᵀ + bias, bias = −1e9 at padded keys; softmax over keys.
 */
function attention(h: Tensor, qkvW: Tensor, qkvB: Tensor, heads: number, keyBias: Tensor, B: number, L: number): Tensor {
  const D = h.shape[2]!;
  const dh = D / heads;
  const qkv = tf.add(matmul(h, qkvW), qkvB); // [B, L, 3D]
  const [q, k, v] = tf.split(qkv, 3, 2) as [Tensor, Tensor, Tensor];
  const split = (t: Tensor) => tf.transpose(t.reshape([B, L, heads, dh]), [0, 2, 1, 3]).reshape([B * heads, L, dh]);
  const qh = tf.mul(split(q), 1 / Math.sqrt(dh));
  const kh = split(k);
  const vh = split(v);
  const scores = tf.add(bmm(qh, tf.transpose(kh, [0, 2, 1])).reshape([B, heads, L, L]), keyBias); // [B, heads, L, L]
  const probs = tf.softmax(scores, -1).reshape([B * heads, L, L]);
  const ctx = bmm(probs, vh).reshape([B, heads, L, dh]); // [B, heads, L, dh]
  return tf.transpose(ctx, [0, 2, 1, 3]).reshape([B, L, D]);
}

export interface ForwardOptions {
  /** dropout rate on attention output, FFN output and embeddings (training only) */
  dropout?: number;
  /** stop after this many layers (e.g. to read intermediate token states); default all */
  layers?: number;
  /** seed of the dropout masks (each dropout site uses seed + its index) */
  seed?: number;
  /**
   * Data parallelism: this batch is rows `rowOffset … rowOffset + B − 1` of a batch of `fullBatch` rows
   * (same L); the dropout masks are those rows of the full batch's masks, so a batch split across workers
   * drops exactly what the whole batch would. Default: the batch is whole.
   */
  rowOffset?: number;
  fullBatch?: number;
}

/**
 * Dropout of x [B, …] as `tf.dropout(x, rate, undefined, seed)` computes it for a batch of `fullB` rows, keeping
 * rows `row0 … row0 + B − 1` of its mask: multiplier = ⌊U + (1 − rate)⌋ / (1 − rate), U ~ uniform(seed).
 */
function dropRows(x: Tensor, rate: number, seed: number, row0: number, fullB: number): Tensor {
  if (row0 === 0 && fullB === x.shape[0]) return tf.dropout(x, rate, undefined, seed);
  const keep = 1 - rate;
  const u = tf.randomUniform([fullB, ...x.shape.slice(1)], 0, 1, 'float32', seed);
  const rows = tf.slice(u, [row0, ...x.shape.slice(1).map(() => 0)], x.shape);
  return tf.mul(x, tf.div(tf.floor(tf.add(rows, keep)), keep));
}

/** The forward pass described in the file header. Call inside `tf.tidy` (or a gradient closure). */
export function konaForward(params: KonaParams, cfg: KonaConfig, batch: KonaBatch, opts: ForwardOptions = {}): KonaOutput {
  const { B, L } = batch;
  const rate = opts.dropout ?? 0;
  let site = 0;
  const drop = (t: Tensor) => (rate > 0 ? dropRows(t, rate, (opts.seed ?? 0) + site++, opts.rowOffset ?? 0, opts.fullBatch ?? B) : t);
  const maskArr = new Float32Array(B * L);
  const safeIds = new Int32Array(B * L);
  for (let i = 0; i < B * L; i++) {
    const id = batch.ids[i]!;
    maskArr[i] = id >= 0 ? 1 : 0;
    safeIds[i] = id >= 0 ? id : 0;
  }
  const mask = tf.tensor2d(maskArr, [B, L]);
  const mask3 = mask.reshape([B, L, 1]);
  let e: Tensor;
  if (batch.embeds) e = batch.embeds;
  else e = embeddingLookup(p(params, 'embeddings.weight'), tf.tensor2d(safeIds, [B, L], 'int32')); // [B, L, 256]
  e = tf.mul(e, mask3);
  const timing = timingSignal(L, p(params, 'timing.inv_timescales')); // [L, 256]
  let x = cfg.doubleEmbedding ? tf.add(tf.mul(e, 2), tf.mul(timing, mask3)) : tf.add(e, tf.mul(timing, mask3));
  x = drop(x);
  const keyBias = tf.mul(tf.sub(1, mask), -1e9).reshape([B, 1, 1, L]);
  const nLayers = opts.layers ?? cfg.layers.length;
  for (let li = 0; li < nLayers; li++) {
    const lc = cfg.layers[li]!;
    const pre = `layers.${li}.`;
    const h = layerNorm(x, p(params, pre + 'attn_norm.scale'), p(params, pre + 'attn_norm.bias'), cfg.layerNormEps);
    const ctx = attention(h, p(params, pre + 'attn.qkv.weight'), p(params, pre + 'attn.qkv.bias'), lc.heads, keyBias, B, L);
    const a = tf.add(matmul(ctx, p(params, pre + 'attn.out.weight')), p(params, pre + 'attn.out.bias'));
    const res = lc.inDim !== lc.hidden ? tf.mul(tf.add(matmul(x, p(params, pre + 'residual.weight')), p(params, pre + 'residual.bias')), mask3) : x;
    x = tf.add(drop(a), res);
    const h2 = layerNorm(x, p(params, pre + 'ffn_norm.scale'), p(params, pre + 'ffn_norm.bias'), cfg.layerNormEps);
    const f1 = tf.relu(tf.add(matmul(h2, p(params, pre + 'ffn.fc1.weight')), p(params, pre + 'ffn.fc1.bias')));
    const f2 = tf.add(matmul(f1, p(params, pre + 'ffn.fc2.weight')), p(params, pre + 'ffn.fc2.bias'));
    x = tf.add(x, tf.mul(drop(f2), mask3));
  }
  if (hasProjection(cfg) && nLayers === cfg.layers.length) x = tf.add(matmul(x, p(params, 'proj.weight')), p(params, 'proj.bias'));
  if (batch.tokenSkip) x = tf.add(x, batch.tokenSkip);
  const tokens = tf.mul(x, mask3); // [B, L, H]
  const len = tf.maximum(tf.sum(mask, 1, true), 1); // [B, 1]
  const pooled = tf.div(tf.sum(tokens, 1), len); // [B, H]
  const t = tf.tanh(tf.add(matmul(pooled, p(params, 'pooler.tanh.weight')), p(params, 'pooler.tanh.bias')));
  const embedding = tf.mul(t, tf.rsqrt(tf.maximum(tf.sum(tf.square(t), 1, true), 1e-12)));
  return { tokens, mask, pooled, embedding };
}

/** Prefix of the USE-lite graph's weight names. */
const G = 'module_apply_default/Encoder_en/KonaTransformer/Encode/';
const GM = 'module/Encoder_en/KonaTransformer/Encode/';

/**
 * Map of our parameter names → the USE-lite tfjs graph's weight names (conv kernels [1,1,in,out] are
 * reshaped to [in, out] by the loader).
 */
export function useLiteWeightNames(): Record<string, string> {
  const names: Record<string, string> = {
    'embeddings.weight': 'module/Embeddings_en',
    'timing.inv_timescales': `${G}TransformerStack/Layer_0/AddTimingSignal/TimingSignal/ExpandDims_1`,
    'pooler.tanh.weight': 'module/Encoder_en/hidden_layers/tanh_layer_0/weights',
    'pooler.tanh.bias': 'module/Encoder_en/hidden_layers/tanh_layer_0/bias',
    'layers.0.residual.weight': `${G}Layer_0/TransformerLayer/dense/kernel/ConcatPartitions/concat`,
    'layers.0.residual.bias': `${G}Layer_0/TransformerLayer/dense/bias/ConcatPartitions/concat`,
  };
  for (const l of [0, 1]) {
    const L = `${G}Layer_${l}/TransformerLayer/`;
    const pre = `layers.${l}.`;
    names[pre + 'attn_norm.scale'] = `${L}layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`;
    names[pre + 'attn_norm.bias'] = `${L}layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`;
    names[pre + 'attn.qkv.weight'] = `${GM}Layer_${l}/TransformerLayer/MultiheadAttention/qkv_transform_single/kernel/part_0`;
    names[pre + 'attn.qkv.bias'] = `${L}MultiheadAttention/qkv_transform_single/bias/ConcatPartitions/concat`;
    names[pre + 'attn.out.weight'] = `${GM}Layer_${l}/TransformerLayer/MultiheadAttention/output_transform_single/kernel/part_0`;
    names[pre + 'attn.out.bias'] = `${L}MultiheadAttention/output_transform_single/bias/ConcatPartitions/concat`;
    names[pre + 'ffn_norm.scale'] = `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_scale/ConcatPartitions/concat`;
    names[pre + 'ffn_norm.bias'] = `${L}FFN/layer_prepostprocess/layer_norm/layer_norm_bias/ConcatPartitions/concat`;
    names[pre + 'ffn.fc1.weight'] = `${G}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv1/Tensordot/Reshape_1`;
    names[pre + 'ffn.fc1.bias'] = `${L}FFN/conv1/bias/ConcatPartitions/concat`;
    names[pre + 'ffn.fc2.weight'] = `${G}TransformerStack/Layer_${l}/TransformerLayer/FFN/conv2/Tensordot/Reshape_1`;
    names[pre + 'ffn.fc2.bias'] = `${L}FFN/conv2/bias/ConcatPartitions/concat`;
  }
  return names;
}

/** Shapes of every parameter for a config (the pooler always maps O → O). */
export function konaParamShapes(cfg: KonaConfig): Record<string, number[]> {
  const s: Record<string, number[]> = {
    'embeddings.weight': [cfg.vocabSize, cfg.embedDim],
    'timing.inv_timescales': [cfg.embedDim / 2],
  };
  cfg.layers.forEach((lc, l) => {
    const pre = `layers.${l}.`;
    s[pre + 'attn_norm.scale'] = [lc.inDim];
    s[pre + 'attn_norm.bias'] = [lc.inDim];
    s[pre + 'attn.qkv.weight'] = [lc.inDim, 3 * lc.inDim];
    s[pre + 'attn.qkv.bias'] = [3 * lc.inDim];
    s[pre + 'attn.out.weight'] = [lc.inDim, lc.hidden];
    s[pre + 'attn.out.bias'] = [lc.hidden];
    if (lc.inDim !== lc.hidden) {
      s[pre + 'residual.weight'] = [lc.inDim, lc.hidden];
      s[pre + 'residual.bias'] = [lc.hidden];
    }
    s[pre + 'ffn_norm.scale'] = [lc.hidden];
    s[pre + 'ffn_norm.bias'] = [lc.hidden];
    s[pre + 'ffn.fc1.weight'] = [lc.hidden, lc.ffn];
    s[pre + 'ffn.fc1.bias'] = [lc.ffn];
    s[pre + 'ffn.fc2.weight'] = [lc.ffn, lc.hidden];
    s[pre + 'ffn.fc2.bias'] = [lc.hidden];
  });
  const H = cfg.layers.at(-1)!.hidden;
  const O = konaOutputDim(cfg);
  if (hasProjection(cfg)) {
    s['proj.weight'] = [H, O];
    s['proj.bias'] = [O];
  }
  s['pooler.tanh.weight'] = [O, O];
  s['pooler.tanh.bias'] = [O];
  return s;
}
