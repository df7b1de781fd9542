/**
 * The Kona forward (kona.ts) as an ONNX graph, built in memory from an encoder's weights, for fast
 * inference with ONNX Runtime (runtime.ts). Training stays on tfjs; this graph only encodes.
 *
 * Legend: B batch, L padded tokens, E input-embedding width, H output width (the last layer's, or `outDim`
 *         after the projection `proj` of a narrower student).
 *
 * Inputs:  embeds [B, L, E] float (looked-up input embeddings, 0 at padding: `KonaEncoder.inputEmbeds`)
 *          mask   [B, L]    float (1 = real token)
 *          skip   [B, L, H] float (a student's lexical skip vectors ψ; only when `skip: true`)
 * Outputs: tokens [B, L, H] (last-layer states + ψ, 0 at padding), pooled [B, H], embedding [B, H].
 * The ops are those of `konaForward`, in the same order, so the two agree to float32 rounding:
 *   x0 = 2e + timing·mask (or e + timing·mask), timing = [sin(pos·inv) | cos(pos·inv)], pos = 0 … L−1;
 *   per layer: pre-LN attention (q scaled by 1/√d_h, −1e9 on padded keys), residual (projected in
 *   layer 0), pre-LN ReLU FFN masked to real tokens; x = x W_p + b_p with a projection; tokens = (x + ψ)·mask; pooled = Σ tokens / max(len, 1);
 *   embedding = l2norm(tanh(pooled W_t + b_t)).
 */
import { hasProjection, konaOutputDim, type KonaConfig } from '../kona.ts';
import { FLOAT, GraphBuilder } from './proto.ts';
import { OrtSession, type OrtArray } from './runtime.ts';

/** Build the ONNX model (bytes) of a Kona encoder from its parameters by name (kona.ts names). */
export function konaToOnnx(cfg: KonaConfig, params: Record<string, Float32Array>, opts: { skip: boolean }): Uint8Array {
  const g = new GraphBuilder();
  const H = konaOutputDim(cfg);
  const w = (name: string, dims: number[]) => {
    const x = params[name];
    if (!x) throw new Error(`onnx export: missing parameter ${name}`);
    const n = dims.reduce((a, b) => a * b, 1);
    if (x.length !== n) throw new Error(`onnx export: parameter ${name} has ${x.length} values, expected [${dims}]`);
    return g.f32(name, dims, x);
  };
  const one = g.scalar('one', 1);
  const two = g.scalar('two', 2);
  const zero = g.scalar('zero', 0);
  const negBig = g.scalar('neg_big', -1e9);
  const tiny = g.scalar('tiny', 1e-12);
  const axis1 = g.i64('axis_1', [1]);
  const axisLast = g.i64('axis_last', [-1]);
  const axes12 = g.i64('axes_12', [1, 2]);
  const idx1 = g.i64('idx_1', [1], []);

  const mask3 = g.op('Unsqueeze', ['mask', g.i64('axis_2', [2])]); // [B, L, 1]
  // timing signal [L, E]
  const Lf = g.op('Cast', [g.op('Gather', [g.op('Shape', ['mask']), idx1])], [{ name: 'to', i: FLOAT }]);
  const pos = g.op('Unsqueeze', [g.op('Range', [zero, Lf, one]), axis1]); // [L, 1]
  const scaled = g.op('Mul', [pos, g.op('Unsqueeze', [w('timing.inv_timescales', [cfg.embedDim / 2]), g.i64('axis_0', [0])])]);
  const timing = g.op('Concat', [g.op('Sin', [scaled]), g.op('Cos', [scaled])], [{ name: 'axis', i: 1 }]);
  const e = g.op('Mul', ['embeds', mask3]);
  const tm = g.op('Mul', [timing, mask3]);
  let x = cfg.doubleEmbedding ? g.op('Add', [g.op('Mul', [e, two]), tm]) : g.op('Add', [e, tm]);
  const keyBias = g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', [one, 'mask']), negBig]), axes12]); // [B, 1, 1, L]

  /** LN over the last axis, written as kona.ts's layerNorm: (x − μ)·rsqrt(var + eps)·scale + bias */
  const layerNorm = (y: string, pre: string, D: number) => {
    const xc = g.op('Sub', [y, g.op('ReduceMean', [y], [{ name: 'axes', ints: [-1] }])]);
    const variance = g.op('ReduceMean', [g.op('Mul', [xc, xc])], [{ name: 'axes', ints: [-1] }]);
    const inv = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [variance, g.scalar(`${pre}eps`, cfg.layerNormEps)])])]);
    return g.op('Add', [g.op('Mul', [g.op('Mul', [xc, inv]), w(`${pre}scale`, [D])]), w(`${pre}bias`, [D])]);
  };
  const linear = (y: string, pre: string, din: number, dout: number) => g.op('Add', [g.op('MatMul', [y, w(`${pre}weight`, [din, dout])]), w(`${pre}bias`, [dout])]);

  cfg.layers.forEach((lc, li) => {
    const pre = `layers.${li}.`;
    const D = lc.inDim;
    const dh = D / lc.heads;
    const h = layerNorm(x, pre + 'attn_norm.', D);
    const qkv = linear(h, pre + 'attn.qkv.', D, 3 * D); // [B, L, 3D]
    const shapeHeads = g.i64(`${pre}shape_heads`, [0, 0, lc.heads, dh]);
    const split = (from: number, perm: number[]) => {
      const part = g.op('Slice', [qkv, g.i64(`${pre}s${from}`, [from * D]), g.i64(`${pre}e${from}`, [(from + 1) * D]), axisLast]);
      return g.op('Transpose', [g.op('Reshape', [part, shapeHeads])], [{ name: 'perm', ints: perm }]);
    };
    const q = g.op('Mul', [split(0, [0, 2, 1, 3]), g.scalar(`${pre}q_scale`, 1 / Math.sqrt(dh))]); // [B, heads, L, dh]
    const kT = split(1, [0, 2, 3, 1]); // [B, heads, dh, L]
    const v = split(2, [0, 2, 1, 3]);
    const probs = g.op('Softmax', [g.op('Add', [g.op('MatMul', [q, kT]), keyBias])], [{ name: 'axis', i: -1 }]);
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], [{ name: 'perm', ints: [0, 2, 1, 3] }]), g.i64(`${pre}shape_ctx`, [0, 0, D])]);
    const a = linear(ctx, pre + 'attn.out.', D, lc.hidden);
    const res = D !== lc.hidden ? g.op('Mul', [linear(x, pre + 'residual.', D, lc.hidden), mask3]) : x;
    x = g.op('Add', [a, res]);
    const h2 = layerNorm(x, pre + 'ffn_norm.', lc.hidden);
    const f1 = g.op('Relu', [linear(h2, pre + 'ffn.fc1.', lc.hidden, lc.ffn)]);
    x = g.op('Add', [x, g.op('Mul', [linear(f1, pre + 'ffn.fc2.', lc.ffn, lc.hidden), mask3])]);
  });
  if (hasProjection(cfg)) x = linear(x, 'proj.', cfg.layers.at(-1)!.hidden, H);
  if (opts.skip) x = g.op('Add', [x, 'skip']);
  const tokens = g.named('Mul', [x, mask3], 'tokens');
  const len = g.op('Max', [g.op('ReduceSum', ['mask', axis1], [{ name: 'keepdims', i: 1 }]), one]); // [B, 1]
  const pooled = g.named('Div', [g.op('ReduceSum', [tokens, axis1], [{ name: 'keepdims', i: 0 }]), len], 'pooled');
  const t = g.op('Tanh', [linear(pooled, 'pooler.tanh.', H, H)]);
  const sq = g.op('ReduceSum', [g.op('Mul', [t, t]), axis1], [{ name: 'keepdims', i: 1 }]);
  g.named('Mul', [t, g.op('Reciprocal', [g.op('Sqrt', [g.op('Max', [sq, tiny])])])], 'embedding');

  const inputs = [
    { name: 'embeds', type: FLOAT, dims: ['B', 'L', cfg.embedDim] },
    { name: 'mask', type: FLOAT, dims: ['B', 'L'] },
    ...(opts.skip ? [{ name: 'skip', type: FLOAT, dims: ['B', 'L', H] }] : []),
  ];
  const outputs = [
    { name: 'tokens', type: FLOAT, dims: ['B', 'L', H] },
    { name: 'pooled', type: FLOAT, dims: ['B', H] },
    { name: 'embedding', type: FLOAT, dims: ['B', H] },
  ];
  return g.model('kona', inputs, outputs);
}

/** A Kona encoder's graph in an ONNX Runtime session. */
export class KonaOnnx {
  private session: OrtSession;
  readonly H: number;
  readonly E: number;

  constructor(readonly cfg: KonaConfig, params: Record<string, Float32Array>, readonly skip: boolean, opts: { threads?: number } = {}) {
    this.H = konaOutputDim(cfg);
    this.E = cfg.embedDim;
    this.session = new OrtSession(konaToOnnx(cfg, params, { skip }), opts);
  }

  /**
   * One batch: embeds [B, L, E], mask [B, L], skip [B, L, H] (required iff the graph has it) →
   * tokens [B, L, H], pooled [B, H], embedding [B, H].
   */
  run(B: number, L: number, embeds: Float32Array, mask: Float32Array, skip?: Float32Array): { tokens: Float32Array; pooled: Float32Array; embedding: Float32Array } {
    if (this.skip !== Boolean(skip)) throw new Error(this.skip ? 'this graph needs lexical skip vectors' : 'this graph has no lexical skip input');
    const feeds: Record<string, OrtArray> = { embeds: { data: embeds, dims: [B, L, this.E] }, mask: { data: mask, dims: [B, L] } };
    if (skip) feeds['skip'] = { data: skip, dims: [B, L, this.H] };
    const r = this.session.run(feeds, ['tokens', 'pooled', 'embedding']);
    return { tokens: r['tokens']!.data, pooled: r['pooled']!.data, embedding: r['embedding']!.data };
  }

  dispose(): void {
    this.session.dispose();
  }
}
