/**
 * Multi-head self-attention of the training step (train-step.ts) as two fused ONNX graphs, one session per
 * head layout (nh, dh), cached in {@link OrtProducts}: the head split, scores, key mask, softmax, context
 * and head merge forward, and all of their gradients backward, each in one ONNX Runtime call.
 *
 * Legend: B batch, L tokens, nh heads, dh = D/nh, D width; q, k, v [B, nh, L, dh] (q scaled by s = 1/√dh).
 *
 * Forward:   qkv [B, L, 3D], keyBias [B, 1, 1, L] (−1e9 at padded keys, 0 elsewhere)
 *   S = (s·q) kᵀ + keyBias;  P = softmax(S);  ctx = merge(P v)          → P [B, nh, L, L], ctx [B, L, D]
 * Backward:  qkv, P, dctx [B, L, D]  → dqkv [B, L, 3D]
 *   dC = split(dctx);  dP = dC vᵀ;  dv = Pᵀ dC;  dS = P ⊙ (dP − Σ_j P dP);  dq = s·(dS k);  dk = dSᵀ (s·q)
 *   dqkv = [merge(dq) | merge(dk) | merge(dv)]
 * The ops are those of kona.ts `attention` (scale applied to q in float32, bias added before the softmax),
 * so the forward agrees with tfjs to float32 rounding.
 */
import { FLOAT, GraphBuilder } from './proto.ts';
import type { OrtProducts } from './gemm.ts';

/** Heads of one third of qkv: [B, L, 3D] → [B, nh, L, dh] (perm [0, 2, 1, 3]) or, with kT, [B, nh, dh, L]. */
function heads(g: GraphBuilder, part: number, nh: number, dh: number, perm: number[]): string {
  const D = nh * dh;
  const slice = g.op('Slice', ['qkv', g.i64(`start_${part}_${perm.join('')}`, [part * D]), g.i64(`end_${part}_${perm.join('')}`, [(part + 1) * D]), g.i64(`axis_${part}_${perm.join('')}`, [-1])]);
  return g.op('Transpose', [g.op('Reshape', [slice, g.i64(`shape_${part}_${perm.join('')}`, [0, 0, nh, dh])])], [{ name: 'perm', ints: perm }]);
}

/** [B, nh, L, dh] → [B, L, D] */
function merge(g: GraphBuilder, x: string, D: number): string {
  return g.op('Reshape', [g.op('Transpose', [x], [{ name: 'perm', ints: [0, 2, 1, 3] }]), g.i64(`merge_${x}`, [0, 0, D])]);
}

const T = [{ name: 'perm', ints: [0, 1, 3, 2] }];

function forwardGraph(nh: number, dh: number): Uint8Array {
  const g = new GraphBuilder();
  const D = nh * dh;
  const q = g.op('Mul', [heads(g, 0, nh, dh, [0, 2, 1, 3]), g.scalar('q_scale', 1 / Math.sqrt(dh))]);
  const kT = heads(g, 1, nh, dh, [0, 2, 3, 1]);
  const v = heads(g, 2, nh, dh, [0, 2, 1, 3]);
  const probs = g.named('Softmax', [g.op('Add', [g.op('MatMul', [q, kT]), 'keyBias'])], 'probs', [{ name: 'axis', i: -1 }]);
  g.named('Identity', [merge(g, g.op('MatMul', [probs, v]), D)], 'ctx');
  return g.model('attention', [
    { name: 'qkv', type: FLOAT, dims: ['B', 'L', 3 * D] },
    { name: 'keyBias', type: FLOAT, dims: ['B', 1, 1, 'L'] },
  ], [
    { name: 'probs', type: FLOAT, dims: ['B', nh, 'L', 'L'] },
    { name: 'ctx', type: FLOAT, dims: ['B', 'L', D] },
  ]);
}

function backwardGraph(nh: number, dh: number): Uint8Array {
  const g = new GraphBuilder();
  const D = nh * dh;
  const scale = g.scalar('q_scale', 1 / Math.sqrt(dh));
  const q = g.op('Mul', [heads(g, 0, nh, dh, [0, 2, 1, 3]), scale]);
  const k = heads(g, 1, nh, dh, [0, 2, 1, 3]);
  const v = heads(g, 2, nh, dh, [0, 2, 1, 3]);
  const dC = g.op('Transpose', [g.op('Reshape', ['dctx', g.i64('shape_dctx', [0, 0, nh, dh])])], [{ name: 'perm', ints: [0, 2, 1, 3] }]);
  const dP = g.op('MatMul', [dC, g.op('Transpose', [v], T)]); // [B, nh, L, dh] @ [B, nh, dh, L] -> [B, nh, L, L]
  const dv = g.op('MatMul', [g.op('Transpose', ['probs'], T), dC]); // [B, nh, L, L]ᵀ @ [B, nh, L, dh]
  const dot = g.op('ReduceSum', [g.op('Mul', ['probs', dP]), g.i64('axis_last', [-1])], [{ name: 'keepdims', i: 1 }]);
  const dS = g.op('Mul', ['probs', g.op('Sub', [dP, dot])]);
  const dq = g.op('Mul', [g.op('MatMul', [dS, k]), scale]); // [B, nh, L, L] @ [B, nh, L, dh]
  const dk = g.op('MatMul', [g.op('Transpose', [dS], T), q]); // [B, nh, L, L]ᵀ @ [B, nh, L, dh]
  g.named('Concat', [merge(g, dq, D), merge(g, dk, D), merge(g, dv, D)], 'dqkv', [{ name: 'axis', i: -1 }]);
  return g.model('attention_backward', [
    { name: 'qkv', type: FLOAT, dims: ['B', 'L', 3 * D] },
    { name: 'probs', type: FLOAT, dims: ['B', nh, 'L', 'L'] },
    { name: 'dctx', type: FLOAT, dims: ['B', 'L', D] },
  ], [{ name: 'dqkv', type: FLOAT, dims: ['B', 'L', 3 * D] }]);
}

/** Forward (see the file header): probs [B, nh, L, L], ctx [B, L, D]. */
export function attentionForward(ops: OrtProducts, qkv: Float32Array, keyBias: Float32Array, B: number, L: number, nh: number, dh: number): { probs: Float32Array; ctx: Float32Array } {
  const D = nh * dh;
  ops.calls++;
  const r = ops.cached(`attention:${nh}x${dh}`, () => forwardGraph(nh, dh)).run({ qkv: { data: qkv, dims: [B, L, 3 * D] }, keyBias: { data: keyBias, dims: [B, 1, 1, L] } }, ['probs', 'ctx']);
  return { probs: r['probs']!.data, ctx: r['ctx']!.data };
}

/** Backward (see the file header): dqkv [B, L, 3D]. */
export function attentionBackward(ops: OrtProducts, qkv: Float32Array, probs: Float32Array, dctx: Float32Array, B: number, L: number, nh: number, dh: number): Float32Array {
  const D = nh * dh;
  ops.calls++;
  return ops.cached(`attention-backward:${nh}x${dh}`, () => backwardGraph(nh, dh)).run({ qkv: { data: qkv, dims: [B, L, 3 * D] }, probs: { data: probs, dims: [B, nh, L, L] }, dctx: { data: dctx, dims: [B, L, D] } }, ['dqkv'])['dqkv']!.data;
}
