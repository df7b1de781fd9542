/**
 * A Kona training step with its matrix products on ONNX Runtime: an explicit forward and backward on
 * Float32Arrays (llm.c style). The products run in cached one-node graphs (gemm.ts); layer norm, softmax,
 * ReLU, dropout, residual adds, pooling and the head are plain loops (kernels.ts and below). It computes
 * what `konaForward` (kona.ts) computes under tfjs autodiff — same ops, same order, same dropout masks — so
 * the trainer may use either (src/distill/ort-step.ts; `OPTICAL_TRAIN_ENGINE=onnx`).
 *
 * Legend: B batch, L padded tokens, N = B·L rows, E input width, D a layer's input width, H hidden width,
 *         F FFN width, nh heads, dh = D/nh, G = B·nh.
 *
 * Forward (pre-LN; m = mask [B, L]; drop_s(·) = dropout site s, as kona.ts `dropRows` for a whole batch):
 *   x0   = drop_0(c·e·m + timing·m)          // [N, E]; c = 2 with doubleEmbedding, else 1
 *   per layer (D → H):
 *     h  = LN1(x)                           // [N, D]
 *     qkv = h @ Wqkv + bqkv                 // [N, D] @ [D, 3D] -> [N, 3D]
 *     S  = (q/√dh) @ kᵀ − 1e9·(1 − m_key)    // [G, L, dh] @ [G, dh, L] -> [G, L, L]
 *     P  = softmax(S);  ctx = P @ v         // [G, L, L] @ [G, L, dh] -> [G, L, dh] -> [N, D]
 *     a  = ctx @ Wo + bo                    // [N, D] @ [D, H] -> [N, H]
 *     x1 = drop(a) + (D ≠ H ? (x @ Wr + br)·m : x)
 *     f  = relu(LN2(x1) @ W1 + b1)          // [N, H] @ [H, F] -> [N, F]
 *     x  = x1 + drop(f @ W2 + b2)·m         // [N, F] @ [F, H] -> [N, H]
 *   tokens = (x + ψ)·m;  pooled = Σ_l tokens / max(len, 1);  emb = l2norm(tanh(pooled @ Wt + bt))
 * Backward mirrors it in reverse from ∂L/∂tokens and ∂L/∂emb (either may be absent: the pooler then gets no
 * gradient, as under tfjs when the loss does not reach it). For y = x @ W + b: dW += xᵀ dy, db += Σ_rows dy,
 * dx = dy Wᵀ; for P = softmax(S): dS = P ⊙ (dP − Σ_j P dP); LN as kernels.ts.
 * Returns gradients of every parameter reached, of the input embeddings e [B, L, E] and of ψ [B, L, H].
 *
 * Status (2026-11-22): equal to tfjs autodiff on a tiny model (src/distill/ort-step.test.ts: loss, every
 * parameter gradient, ∂L/∂e, ∂L/∂ψ within 1.1e-6 of their largest values; `train()` on both engines agrees
 * on losses and updated weights, dropout included). Opt-in (`OPTICAL_TRAIN_ENGINE=onnx`); tfjs stays the
 * default until a full `bench:train-step` on a quieter machine confirms the speed. ONNX Runtime calls per
 * step: 14 forward (7 per layer incl. 2 batched attention products, + pooler) and 15 backward (one fused
 * dW/db/dx graph per linear, 4 batched attention products per layer).
 * Measured (bench shape: 2 layers, width 512, FFN 2048, 8 heads, batch 32 × 32, OT loss; smoke run
 * `bench:train-step -- --json --rounds 1 --steps 2`, load average 5.7–6.2 on the 2 cores, i.e. another
 * session's jobs running): 1,654 ms per step on ONNX Runtime (2 threads) against tfjs 2,876 ms (2 threads)
 * and 2,340 ms (1 thread), PyTorch 1,754 ms in the same run (ratio 0.94); only 2 counted steps each, so a
 * rough figure. Of a step, the products took about 55 % (≈ 50 GFLOP/s at that load) and the plain loops
 * about 40 % — the next speed-up is moving layer norm / softmax / head reshapes into the graphs.
 */
import { tf } from '../engine.ts';
import type { KonaConfig } from '../kona.ts';
import { OrtProducts } from './gemm.ts';
import { layerNormBackward, layerNormForward, maskRows } from './kernels.ts';
import { attentionBackward, attentionForward } from './attention.ts';

export interface StepBatch {
  B: number;
  L: number;
  /** [B, L] piece ids, −1 = padding */
  ids: Int32Array;
  /** [B, L, E] input embeddings (0 at padding) */
  embeds: Float32Array;
  /** [B, L, H] lexical skip ψ, when the student has one */
  skip?: Float32Array;
}

export interface StepOutputs {
  /** [B, L, H] */
  tokens: Float32Array;
  /** [B, L] */
  mask: Float32Array;
  /** [B, H] */
  pooled: Float32Array;
  /** [B, H] */
  embedding: Float32Array;
}

export interface StepGradients {
  /** ∂L/∂θ by parameter name (only the parameters the loss reaches) */
  grads: Record<string, Float32Array>;
  /** [B, L, E] */
  dEmbeds: Float32Array;
  /** [B, L, H] (ψ is added before masking, so this is ∂L/∂x_last · m) */
  dSkip: Float32Array;
}

/** What one layer's backward needs (shapes in the file header's legend). */
interface LayerCache {
  x: Float32Array; // [N, D] layer input
  ln1Mean: Float32Array; ln1Rstd: Float32Array; h: Float32Array; // [N], [N], [N, D]
  qkv: Float32Array; // [N, 3D]
  probs: Float32Array; // [B, nh, L, L]
  ctx: Float32Array; // [N, D]
  dropA?: Float32Array; // [N, H] multipliers
  x1: Float32Array; // [N, H]
  ln2Mean: Float32Array; ln2Rstd: Float32Array; h2: Float32Array; // [N], [N], [N, H]
  f1: Float32Array; // [N, F] after ReLU
  dropF?: Float32Array; // [N, H]
}

/** The forward state kept for {@link KonaTrainStep.backward}. */
export interface ForwardState extends StepOutputs {
  B: number;
  L: number;
  layers: LayerCache[];
  drop0?: Float32Array;
  /** [B, H] tanh(pooled Wt + bt) */
  t: Float32Array;
  len: Float32Array;
  params: Record<string, Float32Array>;
}

/** Dropout multipliers ⌊U + keep⌋ / keep, U ~ uniform(seed): tfjs `dropout(x, rate, undefined, seed)`'s, bit for bit. */
function dropoutMultipliers(shape: number[], rate: number, seed: number): Float32Array {
  return tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), 1 - rate)), 1 - rate).dataSync() as Float32Array);
}

export class KonaTrainStep {
  readonly ops: OrtProducts;
  readonly H: number;

  constructor(readonly cfg: KonaConfig, opts: { threads?: number } = {}) {
    this.ops = new OrtProducts(opts.threads);
    this.H = cfg.layers.at(-1)!.hidden;
  }

  /** Forward on the current weights `params` (kona.ts names); keeps what backward needs. */
  forward(params: Record<string, Float32Array>, batch: StepBatch, opts: { dropout?: number; seed?: number } = {}): ForwardState {
    const { cfg, ops, H } = this;
    const { B, L } = batch;
    const N = B * L, E = cfg.embedDim;
    const p = (name: string): Float32Array => params[name] ?? fail(`missing parameter ${name}`);
    const rate = opts.dropout ?? 0;
    let site = 0;
    const mult = (width: number) => (rate > 0 ? dropoutMultipliers([B, L, width], rate, (opts.seed ?? 0) + site++) : undefined);
    const mask = new Float32Array(N);
    const len = new Float32Array(B);
    for (let i = 0; i < N; i++) if (batch.ids[i]! >= 0) (mask[i] = 1), len[Math.floor(i / L)]!++;

    // x0 = c·e·m + timing·m, timing[l] = [sin(l·inv) | cos(l·inv)]          // [N, E]
    const inv = p('timing.inv_timescales');
    const half = E / 2, c = cfg.doubleEmbedding ? 2 : 1;
    let x = new Float32Array(N * E);
    for (let n = 0; n < N; n++) {
      if (!mask[n]) continue;
      const l = n % L;
      for (let j = 0; j < E; j++) {
        const ang = Math.fround(l * inv[j % half]!);
        x[n * E + j] = c * batch.embeds[n * E + j]! + Math.fround(j < half ? Math.sin(ang) : Math.cos(ang));
      }
    }
    const drop0 = mult(E);
    if (drop0) for (let i = 0; i < x.length; i++) x[i] = x[i]! * drop0[i]!;

    const keyBias = new Float32Array(N); // [B, 1, 1, L]: −1e9 at padded keys
    for (let i = 0; i < N; i++) keyBias[i] = mask[i] ? 0 : -1e9;
    const layers: LayerCache[] = [];
    cfg.layers.forEach((lc, li) => {
      const pre = `layers.${li}.`;
      const D = lc.inDim, nh = lc.heads, dh = D / nh, G = B * nh, F = lc.ffn;
      const ln1Mean = new Float32Array(N), ln1Rstd = new Float32Array(N), h = new Float32Array(N * D);
      layerNormForward(h, ln1Mean, ln1Rstd, x, p(pre + 'attn_norm.scale'), p(pre + 'attn_norm.bias'), N, D, cfg.layerNormEps);
      const qkv = ops.mm(h, p(pre + 'attn.qkv.weight'), N, D, 3 * D, { bias: p(pre + 'attn.qkv.bias') }); // [N, D] @ [D, 3D] -> [N, 3D]
      const { probs, ctx } = attentionForward(ops, qkv, keyBias, B, L, nh, dh); // [B, nh, L, L], [N, D] (attention.ts)
      const a = ops.mm(ctx, p(pre + 'attn.out.weight'), N, D, H, { bias: p(pre + 'attn.out.bias') }); // [N, D] @ [D, H] -> [N, H]
      const dropA = mult(H);
      const x1 = new Float32Array(N * H);
      if (D !== H) {
        const r = ops.mm(x, p(pre + 'residual.weight'), N, D, H, { bias: p(pre + 'residual.bias') }); // [N, D] @ [D, H] -> [N, H]
        maskRows(x1, r, mask, N, H); // x1 = r·m
      } else x1.set(x);
      if (dropA) for (let i = 0; i < N * H; i++) x1[i]! += a[i]! * dropA[i]!;
      else for (let i = 0; i < N * H; i++) x1[i]! += a[i]!;
      const ln2Mean = new Float32Array(N), ln2Rstd = new Float32Array(N), h2 = new Float32Array(N * H);
      layerNormForward(h2, ln2Mean, ln2Rstd, x1, p(pre + 'ffn_norm.scale'), p(pre + 'ffn_norm.bias'), N, H, cfg.layerNormEps);
      const f1 = ops.mm(h2, p(pre + 'ffn.fc1.weight'), N, H, F, { bias: p(pre + 'ffn.fc1.bias'), relu: true }); // relu([N, H] @ [H, F]) -> [N, F]
      const f2 = ops.mm(f1, p(pre + 'ffn.fc2.weight'), N, F, H, { bias: p(pre + 'ffn.fc2.bias') }); // [N, F] @ [F, H] -> [N, H]
      const dropF = mult(H);
      const out = new Float32Array(N * H);
      maskRows(out, f2, mask, N, H, 1, dropF);
      for (let i = 0; i < N * H; i++) out[i]! += x1[i]!;
      layers.push({ x, ln1Mean, ln1Rstd, h, qkv, probs, ctx, dropA, x1, ln2Mean, ln2Rstd, h2, f1, dropF });
      x = out;
    });

    // tokens = (x + ψ)·m, pooled = Σ_l tokens / max(len, 1), emb = l2norm(tanh(pooled Wt + bt))
    const tokens = new Float32Array(N * H);
    if (batch.skip) for (let i = 0; i < N * H; i++) x[i]! += batch.skip[i]!;
    maskRows(tokens, x, mask, N, H);
    const pooled = new Float32Array(B * H);
    for (let b = 0; b < B; b++) {
      for (let j = 0; j < H; j++) {
        let s = 0;
        for (let l = 0; l < L; l++) s += tokens[(b * L + l) * H + j]!;
        pooled[b * H + j] = s / Math.max(len[b]!, 1);
      }
    }
    const t = ops.mm(pooled, p('pooler.tanh.weight'), B, H, H, { bias: p('pooler.tanh.bias') }); // [B, H] @ [H, H] -> [B, H]
    const embedding = new Float32Array(B * H);
    for (let b = 0; b < B; b++) {
      let s = 0;
      for (let j = 0; j < H; j++) s += (t[b * H + j] = Math.tanh(t[b * H + j]!)) ** 2;
      const r = 1 / Math.sqrt(Math.max(s, 1e-12));
      for (let j = 0; j < H; j++) embedding[b * H + j] = t[b * H + j]! * r;
    }
    return { B, L, tokens, mask, pooled, embedding, layers, drop0, t, len, params };
  }

  /** Backward from ∂L/∂tokens [B, L, H] and/or ∂L/∂embedding [B, H] (see the file header). */
  backward(st: ForwardState, dTokens: Float32Array | undefined, dEmbedding: Float32Array | undefined): StepGradients {
    const { cfg, ops, H } = this;
    const { B, L, mask, params } = st;
    const N = B * L, E = cfg.embedDim;
    const grads: Record<string, Float32Array> = {};
    const g = (name: string) => (grads[name] ??= new Float32Array(params[name]!.length));
    /** y = x @ W + b backward (one ONNX Runtime call): dW = xᵀ dy, db = Σ_rows dy; returns dx = dy Wᵀ. Each weight is used once. */
    const linearBack = (pre: string, dy: Float32Array, x: Float32Array, rows: number, din: number, dout: number, reluInput = false): Float32Array => {
      const r = ops.linearBackward(x, dy, params[pre + 'weight']!, rows, din, dout, { reluInput }); // [N, din]ᵀ @ [N, dout] -> [din, dout]; [N, dout] @ [din, dout]ᵀ -> [N, din]
      grads[pre + 'weight'] = r.dW;
      grads[pre + 'bias'] = r.db;
      return r.dx;
    };

    // ∂L/∂tokens including the head's: emb = t·r, r = 1/√max(Σt², 1e-12): dt = r·dE − r³ (t·dE) t; dz = dt (1 − t²)
    const dTok = dTokens ? dTokens.slice() : new Float32Array(N * H);
    if (dEmbedding) {
      const dz = new Float32Array(B * H);
      for (let b = 0; b < B; b++) {
        let s = 0, dot = 0;
        for (let j = 0; j < H; j++) (s += st.t[b * H + j]! ** 2), (dot += st.t[b * H + j]! * dEmbedding[b * H + j]!);
        const r = 1 / Math.sqrt(Math.max(s, 1e-12));
        const k = s >= 1e-12 ? r * r * r * dot : 0;
        for (let j = 0; j < H; j++) {
          const t = st.t[b * H + j]!;
          dz[b * H + j] = (r * dEmbedding[b * H + j]! - k * t) * (1 - t * t);
        }
      }
      const dPooled = linearBack('pooler.tanh.', dz, st.pooled, B, H, H); // [B, H]
      for (let b = 0; b < B; b++) {
        const w = 1 / Math.max(st.len[b]!, 1);
        for (let l = 0; l < L; l++) for (let j = 0; j < H; j++) dTok[(b * L + l) * H + j]! += dPooled[b * H + j]! * w;
      }
    }
    let dx: Float32Array = new Float32Array(N * H);
    maskRows(dx, dTok, mask, N, H);
    const dSkip = dx.slice();

    for (let li = cfg.layers.length - 1; li >= 0; li--) {
      const lc = cfg.layers[li]!, c = st.layers[li]!;
      const pre = `layers.${li}.`;
      const D = lc.inDim, nh = lc.heads, dh = D / nh, G = B * nh, F = lc.ffn;
      // x = x1 + drop(f2)·m
      const df2 = new Float32Array(N * H);
      maskRows(df2, dx, mask, N, H, 1, c.dropF);
      const df1 = linearBack(pre + 'ffn.fc2.', df2, c.f1, N, F, H, true); // ∂L/∂(pre-ReLU), masked in the graph
      const dh2 = linearBack(pre + 'ffn.fc1.', df1, c.h2, N, H, F);
      const dx1 = dx; // the residual path; LN2 adds to it
      layerNormBackward(dx1, g(pre + 'ffn_norm.scale'), g(pre + 'ffn_norm.bias'), dh2, c.x1, params[pre + 'ffn_norm.scale']!, c.ln2Mean, c.ln2Rstd, N, H);
      // x1 = drop(a) + res
      const da = c.dropA ? dx1.map((d, i) => d * c.dropA![i]!) : dx1;
      let dxIn: Float32Array;
      if (D !== H) {
        const dr = new Float32Array(N * H);
        maskRows(dr, dx1, mask, N, H);
        dxIn = linearBack(pre + 'residual.', dr, c.x, N, D, H);
      } else dxIn = dx1.slice();
      const dctx = linearBack(pre + 'attn.out.', da, c.ctx, N, D, H); // [N, D]
      const dqkv = attentionBackward(ops, c.qkv, c.probs, dctx, B, L, nh, dh); // [N, 3D] (attention.ts)
      const dh1 = linearBack(pre + 'attn.qkv.', dqkv, c.h, N, D, 3 * D);
      layerNormBackward(dxIn, g(pre + 'attn_norm.scale'), g(pre + 'attn_norm.bias'), dh1, c.x, params[pre + 'attn_norm.scale']!, c.ln1Mean, c.ln1Rstd, N, D);
      dx = dxIn;
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

function fail(msg: string): never {
  throw new Error(msg);
}
