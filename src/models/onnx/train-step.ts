/**
 * A Kona training step with its matrix products on ONNX Runtime: an explicit forward and backward on
 * Float32Arrays (llm.c style). Every product runs in a small cached ONNX graph, built in memory once per kind
 * (dims symbolic): LN → dense (ln-linear.ts), the attention core (attention.ts), plain dense layers and their
 * fused backward dW/db/dx (gemm.ts). The dropout, row mask and residual add around the attention output and
 * FFN products run inside those products' graphs (gemm.ts `linearResidual`, `linearBackward` with a
 * `RowScale`, the LN backward's `acc`), so no JS pass touches those [N, H] arrays; the input's timing signal
 * and dropout, pooling and the tanh / L2 head are plain loops here. It computes what `konaForward` (kona.ts) computes under tfjs autodiff —
 * same ops, same order, same dropout masks — so the trainer may use either (src/distill/ort-step.ts;
 * `OPTICAL_TRAIN_ENGINE=onnx`).
 *
 * Legend: B batch, L padded tokens, N = B·L rows, E input width, D a layer's input width, H hidden width,
 *         O output width (H, or `outDim`), F FFN width, nh heads, dh = D/nh.
 *
 * Forward (pre-LN; m = mask [B, L]; drop_s(·) = dropout site s, as kona.ts `dropRows` for a whole batch):
 *   x0   = drop_0(c·e·m + timing·m)          // [N, E]; c = 2 with doubleEmbedding, else 1
 *   per layer (D → H):
 *     qkv = LN1(x) @ Wqkv + bqkv            // [N, D] @ [D, 3D] -> [N, 3D]                    ln-linear
 *     S  = (q/√dh) @ kᵀ − 1e9·(1 − m_key)    // [B, nh, L, dh] @ [B, nh, dh, L] -> [B, nh, L, L] attention
 *     P  = softmax(S);  ctx = P @ v         // [B, nh, L, L] @ [B, nh, L, dh] -> [N, D]        attention
 *     x1 = drop(ctx @ Wo + bo) + res,  res = D ≠ H ? (x @ Wr + br)·m : x   // [N, D] @ [D, H]   gemm (linearResidual)
 *     f  = relu(LN2(x1) @ W1 + b1)          // [N, H] @ [H, F] -> [N, F]                      ln-linear
 *     x  = x1 + drop(f @ W2 + b2)·m         // [N, F] @ [F, H] -> [N, H]                      gemm (linearResidual)
 *   y = x @ Wp + bp when the config has `outDim` (a narrower student's projection, [N, H] -> [N, O]), else x
 *   tokens = (y + ψ)·m;  pooled = Σ_l tokens / max(len, 1);  emb = l2norm(tanh(pooled @ Wt + bt))   // O wide
 * Backward mirrors it in reverse from ∂L/∂tokens and ∂L/∂emb (either may be absent: the pooler then gets no
 * gradient, as under tfjs when the loss does not reach it). For y = x @ W + b: dW = xᵀ dy, db = Σ_rows dy,
 * dx = dy Wᵀ (each weight is used once, so gradients are assigned, not accumulated); the residual stream
 * accumulates dx; softmax and LN backward as in attention.ts / ln-linear.ts.
 * Returns gradients of every parameter reached, of the input embeddings e [B, L, E] and of ψ [B, L, H].
 *
 * Status (2026-11-22): equal to tfjs autodiff on a tiny model (src/distill/ort-step.test.ts: loss, every
 * parameter gradient, ∂L/∂e, ∂L/∂ψ within ~1e-6 of their largest values; `train()` on both engines agrees on
 * losses and updated weights, dropout included). The trainer's default for Kona students
 * (engine "auto"; BENCHMARKS.md: 0.93× PyTorch's step time on an idle machine, 2026-11-22). ONNX Runtime calls per step at the
 * bench shape: 11 forward (5 per layer + pooler), 10 backward (5 per layer; + pooler under `mse`).
 * Parity at the bench shape (`npx tsx bench/train-step/ort-parity.ts`, OT): loss within 8e-8 relative (1.6e-7 since
 * the OT cost's products moved to ONNX Runtime, a1854b2; rerun 2026-11-22 15:24 UTC);
 * gradients within ~1e-4 (L2-relative) — the larger max-abs differences (up to 1.6e-3 of the largest, in
 * fc1 of layer 1 and below it) come from 1–2 of the 2,048 FFN units whose pre-activation sits at ReLU's
 * kink for some token, which the two engines round to different sides.
 * Timing (2026-11-22, 2-core EPYC KVM guest, other sessions' jobs running: load average 4.8–6.3): smoke runs
 * of `npm run bench:train-step -- --json --rounds 1 --steps N` (bench shape: 2 layers, width 512, FFN 2048,
 * 8 heads, batch 32 × 32, OT loss, AdamW), median ms per step:
 *   --steps 3: ONNX Runtime 795, tfjs 2,451 (2 threads) / 2,082 (1 thread), PyTorch 1,058 → ratio_ort 0.75
 *   --steps 4: ONNX Runtime 1,123, tfjs 2,514 / 2,158, PyTorch 1,343 → ratio_ort 0.84
 * Few steps on a loaded machine: indicative only; the full bench on a quiet machine is still to be run.
 * Where the time goes (forward + backward alone, same load, `OPTICAL_ORT_THREADS` 2): ~600–750 ms, of which
 * ONNX Runtime ~85 %. Sessions run without intra-op spinning: with spinning, 2 threads on the loaded cores
 * took ~1.4 s for the same work.
 */
import { hasProjection, konaOutputDim, type KonaConfig } from '../kona.ts';
import { aleaFill } from '../../util/alea.ts';
import { OrtProducts, type RowScale } from './gemm.ts';
import type { MaskJob } from './dropout-prefetch.ts';
import { lnLinearBackward, lnLinearForward, type LnLinearWeights } from './ln-linear.ts';
import { attentionBackward, attentionForward } from './attention.ts';

export interface StepBatch {
  B: number;
  L: number;
  /** [B, L] piece ids, −1 = padding */
  ids: Int32Array;
  /** [B, L, E] input embeddings (0 at padding) */
  embeds: Float32Array;
  /** [B, L, O] lexical skip ψ, when the student has one */
  skip?: Float32Array;
}

export interface StepOutputs {
  /** [B, L, O] */
  tokens: Float32Array;
  /** [B, L] */
  mask: Float32Array;
  /** [B, O] */
  pooled: Float32Array;
  /** [B, O] */
  embedding: Float32Array;
}

export interface StepGradients {
  /** ∂L/∂θ by parameter name (only the parameters the loss reaches) */
  grads: Record<string, Float32Array>;
  /** [B, L, E] */
  dEmbeds: Float32Array;
  /** [B, L, O] (ψ is added before masking, so this is ∂L/∂y · m) */
  dSkip: Float32Array;
}

/** What one layer's backward needs (shapes in the file header's legend). */
interface LayerCache {
  x: Float32Array; // [N, D] layer input
  qkv: Float32Array; // [N, 3D]
  probs: Float32Array; // [B, nh, L, L]
  ctx: Float32Array; // [N, D]
  dropA?: Float32Array; // [N, H] multipliers
  x1: Float32Array; // [N, H]
  f1: Float32Array; // [N, F] after ReLU
  dropF?: Float32Array; // [N, H]
}

/** The forward state kept for {@link KonaTrainStep.backward}. */
export interface ForwardState extends StepOutputs {
  B: number;
  L: number;
  layers: LayerCache[];
  drop0?: Float32Array;
  /** [B, O] tanh(pooled Wt + bt) */
  t: Float32Array;
  /** [N, H] the last layer's output (the projection's input) */
  xLast: Float32Array;
  len: Float32Array;
  params: Record<string, Float32Array>;
}

/**
 * Dropout multipliers ⌊U + keep⌋ / keep in float32, U = tfjs `randomUniform(shape, 0, 1, 'float32', seed)`:
 * those of kona.ts `dropRows` (the tfjs step), bit for bit, without tensors. U comes from the same generator
 * (util/alea.ts). The float32 sum U + keep rounds to ≥ 1 exactly when U ≥ 1 − 2⁻²⁵ − keep (half an ulp below
 * 1, where a tie rounds to the even 1.0); that threshold is exact in float64, so the test needs no rounding.
 */
export function dropoutMultipliers(shape: number[], rate: number, seed: number, out?: Float32Array): Float32Array {
  const keep = Math.fround(1 - rate);
  const scale = Math.fround(1 / keep);
  const threshold = 1 - 2 ** -25 - keep;
  const n = shape.reduce((a, b) => a * b, 1);
  if (out && out.length !== n) throw new Error(`dropoutMultipliers: out has ${out.length} values, the shape ${n}`);
  return aleaFill(seed, out ?? new Float32Array(n), (u) => (u >= threshold ? scale : 0));
}

/**
 * Where the step's dropout masks come from: `take(n, rate, seed)` returns a mask drawn elsewhere with the
 * same values (dropout-prefetch.ts), or undefined to draw it here.
 */
export interface MaskSource {
  take(n: number, rate: number, seed: number): Float32Array | undefined;
}

export class KonaTrainStep {
  readonly ops: OrtProducts;
  /** hidden width of the layers */
  readonly H: number;
  /** output width O of tokens, pooled vectors and embeddings (H, or `outDim` after the projection) */
  readonly O: number;

  constructor(readonly cfg: KonaConfig, opts: { threads?: number } = {}) {
    this.ops = new OrtProducts(opts.threads);
    this.H = cfg.layers.at(-1)!.hidden;
    this.O = konaOutputDim(cfg);
  }

  /**
   * The dropout masks `forward` draws for a [B, L] batch at `rate` with `seed`, in site order (the input,
   * then the attention and FFN outputs of each layer): what to prefetch (dropout-prefetch.ts).
   */
  dropoutJobs(B: number, L: number, rate: number, seed: number): MaskJob[] {
    if (!(rate > 0)) return [];
    const widths = [this.cfg.embedDim, ...this.cfg.layers.flatMap(() => [this.H, this.H])];
    return widths.map((w, site) => ({ n: B * L * w, rate, seed: seed + site }));
  }

  private timing?: { inv: Float32Array; values: Float32Array };

  /** timing[l, j] = [sin(l·inv) | cos(l·inv)] (float32) for l < L, computed once per `inv` (grown as needed). */
  private timingTable(inv: Float32Array, L: number): Float32Array {
    const E = this.cfg.embedDim, half = E / 2;
    const t = this.timing;
    if (t && t.inv === inv && t.values.length >= L * E) return t.values;
    const rows = Math.max(L, this.cfg.maxLength);
    const values = new Float32Array(rows * E);
    for (let l = 0; l < rows; l++) {
      for (let j = 0; j < E; j++) {
        const ang = Math.fround(l * inv[j % half]!);
        values[l * E + j] = j < half ? Math.sin(ang) : Math.cos(ang);
      }
    }
    this.timing = { inv, values };
    return values;
  }

  /** Forward on the current weights `params` (kona.ts names); keeps what backward needs. */
  forward(params: Record<string, Float32Array>, batch: StepBatch, opts: { dropout?: number; seed?: number; masks?: MaskSource } = {}): ForwardState {
    const { cfg, ops, H, O } = this;
    const { B, L } = batch;
    const N = B * L, E = cfg.embedDim;
    const p = (name: string): Float32Array => params[name] ?? fail(`missing parameter ${name}`);
    const rate = opts.dropout ?? 0;
    let site = 0;
    const mult = (width: number): Float32Array | undefined => {
      if (!(rate > 0)) return undefined;
      const seed = (opts.seed ?? 0) + site++;
      // a prefetched mask is a view of shared memory, which ONNX Runtime does not take as an input: copied (0.75 ms for [32, 63, 512], measured 2026-11-23)
      return opts.masks?.take(B * L * width, rate, seed)?.slice() ?? dropoutMultipliers([B, L, width], rate, seed);
    };
    const mask = new Float32Array(N);
    const len = new Float32Array(B);
    for (let i = 0; i < N; i++) if (batch.ids[i]! >= 0) (mask[i] = 1), len[Math.floor(i / L)]!++;

    // x0 = c·e·m + timing·m, timing[l] = [sin(l·inv) | cos(l·inv)]          // [N, E]
    const timing = this.timingTable(p('timing.inv_timescales'), L);
    const c = cfg.doubleEmbedding ? 2 : 1;
    let x: Float32Array = new Float32Array(N * E);
    for (let n = 0; n < N; n++) {
      if (!mask[n]) continue;
      const o = n * E, t = (n % L) * E;
      for (let j = 0; j < E; j++) x[o + j] = c * batch.embeds[o + j]! + timing[t + j]!;
    }
    const drop0 = mult(E);
    if (drop0) for (let i = 0; i < x.length; i++) x[i] = x[i]! * drop0[i]!;

    const keyBias = new Float32Array(N); // [B, 1, 1, L]: −1e9 at padded keys
    for (let i = 0; i < N; i++) keyBias[i] = mask[i] ? 0 : -1e9;
    const layers: LayerCache[] = [];
    cfg.layers.forEach((lc, li) => {
      const pre = `layers.${li}.`;
      const D = lc.inDim, nh = lc.heads, dh = D / nh, F = lc.ffn;
      const qkv = lnLinearForward(ops, x, lnWeights(params, pre, 'attn_norm.', 'attn.qkv.'), N, D, 3 * D, { relu: false, eps: cfg.layerNormEps }); // LN1(x) [N, D] @ [D, 3D] -> [N, 3D]
      const { probs, ctx } = attentionForward(ops, qkv, keyBias, B, L, nh, dh); // [B, nh, L, L], [N, D] (attention.ts)
      const dropA = mult(H);
      let res = x;
      if (D !== H) {
        const r = ops.mm(x, p(pre + 'residual.weight'), N, D, H, { bias: p(pre + 'residual.bias') }); // [N, D] @ [D, H] -> [N, H]
        res = new Float32Array(N * H);
        maskRows(res, r, mask, N, H); // r·m
      }
      const x1 = ops.linearResidual(ctx, p(pre + 'attn.out.weight'), p(pre + 'attn.out.bias'), res, N, D, H, { mult: dropA }); // res + (ctx Wo + bo)⊙dropA: [N, D] @ [D, H] -> [N, H]
      const f1 = lnLinearForward(ops, x1, lnWeights(params, pre, 'ffn_norm.', 'ffn.fc1.'), N, H, F, { relu: true, eps: cfg.layerNormEps }); // relu(LN2(x1) [N, H] @ [H, F]) -> [N, F]
      const dropF = mult(H);
      const out = ops.linearResidual(f1, p(pre + 'ffn.fc2.weight'), p(pre + 'ffn.fc2.bias'), x1, N, F, H, { mult: dropF, rowMask: mask }); // x1 + (f1 W2 + b2)⊙dropF⊙m: [N, F] @ [F, H] -> [N, H]
      layers.push({ x, qkv, probs, ctx, dropA, x1, f1, dropF });
      x = out;
    });

    // y = x Wp + bp (a narrower student's projection) or x; tokens = (y + ψ)·m; pooled = Σ_l tokens / max(len, 1);
    // emb = l2norm(tanh(pooled Wt + bt))
    const xLast = x; // [N, H]
    const y = hasProjection(cfg) ? ops.mm(x, p('proj.weight'), N, H, O, { bias: p('proj.bias') }) : x; // [N, H] @ [H, O] -> [N, O]
    const tokens = new Float32Array(N * O);
    if (batch.skip) for (let i = 0; i < N * O; i++) y[i]! += batch.skip[i]!; // y is not kept: x is xLast only when y = x
    maskRows(tokens, y, mask, N, O);
    const pooled = new Float32Array(B * O);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < O; j++) {
        let s = 0;
        for (let l = 0; l < L; l++) s += tokens[(b * L + l) * O + j]!;
        pooled[b * O + j] = s / Math.max(len[b]!, 1);
      }
    }
    const t = ops.mm(pooled, p('pooler.tanh.weight'), B, O, O, { bias: p('pooler.tanh.bias') }); // [B, O] @ [O, O] -> [B, O]
    const embedding = new Float32Array(B * O);
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < O; j++) s += (t[b * O + j] = Math.tanh(t[b * O + j]!)) ** 2;
      const r = 1 / Math.sqrt(Math.max(s, 1e-12));
      for (let j = 0; j < O; j++) embedding[b * O + j] = t[b * O + j]! * r;
    }
    return { B, L, tokens, mask, pooled, embedding, layers, drop0, t, len, params, xLast };
  }

  /** Backward from ∂L/∂tokens [B, L, H] and/or ∂L/∂embedding [B, H] (see the file header). */
  backward(st: ForwardState, dTokens: Float32Array | undefined, dEmbedding: Float32Array | undefined): StepGradients {
    const { cfg, ops, H, O } = this;
    const { B, L, mask, params } = st;
    const N = B * L, E = cfg.embedDim;
    const grads: Record<string, Float32Array> = {};
    const eps = cfg.layerNormEps;
    /** LN → dense backward (one call, ln-linear.ts): grads of both; returns acc + ∂L/∂x through the norm. */
    const lnLinearBack = (pre: string, ln: string, lin: string, acc: Float32Array, dy: Float32Array, x: Float32Array, din: number, dout: number): Float32Array => {
      const r = lnLinearBackward(ops, x, dy, lnWeights(params, pre, ln, lin), N, din, dout, eps, acc);
      [grads[pre + lin + 'weight'], grads[pre + lin + 'bias'], grads[pre + ln + 'scale'], grads[pre + ln + 'bias']] = [r.dW, r.db, r.ds, r.dbeta];
      return r.dx;
    };
    /**
     * y = x @ W + b backward (one ONNX Runtime call): dW = xᵀ dy', db = Σ_rows dy'; returns dx = dy' Wᵀ, where
     * dy' = dy ⊙ scale (the dropout multipliers and row mask applied to y in the forward). Each weight is used once.
     */
    const linearBack = (pre: string, dy: Float32Array, x: Float32Array, rows: number, din: number, dout: number, reluInput = false, scale?: RowScale): Float32Array => {
      const r = ops.linearBackward(x, dy, params[pre + 'weight']!, rows, din, dout, { reluInput, scale }); // [N, din]ᵀ @ [N, dout] -> [din, dout]; [N, dout] @ [din, dout]ᵀ -> [N, din]
      grads[pre + 'weight'] = r.dW;
      grads[pre + 'bias'] = r.db;
      return r.dx;
    };

    // ∂L/∂tokens including the head's: emb = t·r, r = 1/√max(Σt², 1e-12): dt = r·dE − r³ (t·dE) t; dz = dt (1 − t²)
    const dTok = dTokens ? dTokens.slice() : new Float32Array(N * O);
    if (dEmbedding) {
      const dz = new Float32Array(B * O);
      for (let b = 0; b < B; b++) {
        let s = 0, dot = 0;
        for (let j = 0; j < O; j++) (s += st.t[b * O + j]! ** 2), (dot += st.t[b * O + j]! * dEmbedding[b * O + j]!);
        const r = 1 / Math.sqrt(Math.max(s, 1e-12));
        const k = s >= 1e-12 ? r * r * r * dot : 0;
        for (let j = 0; j < O; j++) {
          const t = st.t[b * O + j]!;
          dz[b * O + j] = (r * dEmbedding[b * O + j]! - k * t) * (1 - t * t);
        }
      }
      const dPooled = linearBack('pooler.tanh.', dz, st.pooled, B, O, O); // [B, O]
      for (let b = 0; b < B; b++) {
        const w = 1 / Math.max(st.len[b]!, 1);
        for (let l = 0; l < L; l++) for (let j = 0; j < O; j++) dTok[(b * L + l) * O + j]! += dPooled[b * O + j]! * w;
      }
    }
    const dy = new Float32Array(N * O); // ∂L/∂y = ∂L/∂ψ (ψ is added before masking)
    maskRows(dy, dTok, mask, N, O);
    const dSkip = dy.slice();
    let dx: Float32Array = hasProjection(cfg) ? linearBack('proj.', dy, st.xLast, N, H, O) : dy; // [N, O] @ [H, O]ᵀ -> [N, H]

    for (let li = cfg.layers.length - 1; li >= 0; li--) {
      const lc = cfg.layers[li]!, c = st.layers[li]!;
      const pre = `layers.${li}.`;
      const D = lc.inDim, nh = lc.heads, dh = D / nh, F = lc.ffn;
      // x = x1 + drop(f2)·m: ∂L/∂f2 = dx ⊙ dropF ⊙ m (in the graph); the residual path carries dx to x1, and LN2 → fc1 adds to it
      const df1 = linearBack(pre + 'ffn.fc2.', dx, c.f1, N, F, H, true, { mult: c.dropF, rowMask: mask }); // ∂L/∂(pre-ReLU), masked in the graph
      const dx1 = lnLinearBack(pre, 'ffn_norm.', 'ffn.fc1.', dx, df1, c.x1, H, F);
      // x1 = drop(a) + res, res = r·m (D ≠ H) or x
      const dRes = D !== H ? linearBack(pre + 'residual.', dx1, c.x, N, D, H, false, { rowMask: mask }) : dx1;
      const dctx = linearBack(pre + 'attn.out.', dx1, c.ctx, N, D, H, false, { mult: c.dropA }); // [N, D]
      const dqkv = attentionBackward(ops, c.qkv, c.probs, dctx, B, L, nh, dh); // [N, 3D] (attention.ts)
      dx = lnLinearBack(pre, 'attn_norm.', 'attn.qkv.', dRes, dqkv, c.x, D, 3 * D);
    }
    // x0 = drop_0(c·e·m + timing·m)
    const cE = cfg.doubleEmbedding ? 2 : 1;
    const dEmbeds = new Float32Array(N * E);
    maskRows(dEmbeds, dx, mask, N, E, cE, st.drop0);
    return { grads, dEmbeds, dSkip };
  }

  dispose(): void {
    this.ops.dispose();
  }
}

/** out [N, C] = x · m[row] · scale (· mult, when given) — masking, dropout and the embedding factor. */
function maskRows(out: Float32Array, x: Float32Array, mask: Float32Array, N: number, C: number, scale = 1, mult?: Float32Array): void {
  for (let n = 0; n < N; n++) {
    const o = n * C;
    const m = mask[n]! * scale;
    if (m === 0) {
      out.fill(0, o, o + C);
      continue;
    }
    if (mult) for (let j = o; j < o + C; j++) out[j] = x[j]! * m * mult[j]!;
    else for (let j = o; j < o + C; j++) out[j] = x[j]! * m;
  }
}

/** The weights of an LN → dense pair of layer prefix `pre` (kona.ts names). */
function lnWeights(params: Record<string, Float32Array>, pre: string, ln: string, lin: string): LnLinearWeights {
  const p = (name: string): Float32Array => params[pre + name] ?? fail(`missing parameter ${pre + name}`);
  return { s: p(ln + 'scale'), beta: p(ln + 'bias'), W: p(lin + 'weight'), b: p(lin + 'bias') };
}

function fail(msg: string): never {
  throw new Error(msg);
}
