/**
 * A batched matrix product for the objectives' small per-sentence products (the OT cost S·Tᵀ), on ONNX
 * Runtime, as a tfjs op with its gradient:
 *
 *   Y [B, N, M] = A [B, N, K] @ Bm [B, K, M]
 *   ∂A = ∂Y @ Bmᵀ   [B, N, K];   ∂Bm = Aᵀ @ ∂Y   [B, K, M]      (one graph computes both)
 *
 * Why: tfjs-wasm's BatchMatMul with more than one matrix in the batch runs a plain loop kernel (no XNNPACK):
 * at the OT cost's shape (32 × [57, 512] @ [512, 45]) it reaches about 1.6 GFLOP/s, and its gradient (two more
 * such products) was 14 % of a real training step (profile in BENCHMARKS.md "Training step"). ONNX Runtime
 * runs the same products with MLAS. Falls back to tfjs (`bmm`) when ONNX Runtime is not usable.
 * Values agree with tfjs to float32 rounding (summation order differs); deterministic for a thread count.
 */
import { tf, bmm, type Tensor } from '../engine.ts';
import { FLOAT, GraphBuilder } from './proto.ts';
import { OrtSession, ortAvailable } from './runtime.ts';

let sessions: { forward: OrtSession; backward: OrtSession } | undefined;

function build(): { forward: OrtSession; backward: OrtSession } {
  const f = new GraphBuilder();
  f.named('MatMul', ['A', 'B'], 'Y');
  const forward = f.model('bmm', [{ name: 'A', type: FLOAT, dims: ['b', 'n', 'k'] }, { name: 'B', type: FLOAT, dims: ['b', 'k', 'm'] }], [{ name: 'Y', type: FLOAT, dims: ['b', 'n', 'm'] }]);
  const g = new GraphBuilder();
  g.named('MatMul', ['dY', g.op('Transpose', ['B'], [{ name: 'perm', ints: [0, 2, 1] }])], 'dA');
  g.named('MatMul', [g.op('Transpose', ['A'], [{ name: 'perm', ints: [0, 2, 1] }]), 'dY'], 'dB');
  const backward = g.model(
    'bmm_backward',
    [{ name: 'A', type: FLOAT, dims: ['b', 'n', 'k'] }, { name: 'B', type: FLOAT, dims: ['b', 'k', 'm'] }, { name: 'dY', type: FLOAT, dims: ['b', 'n', 'm'] }],
    [{ name: 'dA', type: FLOAT, dims: ['b', 'n', 'k'] }, { name: 'dB', type: FLOAT, dims: ['b', 'k', 'm'] }],
  );
  // no busy-waiting between calls: the step interleaves these with tfjs and JS work (runtime.ts)
  return { forward: new OrtSession(forward, { spinning: false }), backward: new OrtSession(backward, { spinning: false }) };
}

const values = (t: Tensor): Float32Array => t.dataSync() as Float32Array;

const ortBmmOp = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  const s = (sessions ??= build());
  const [B, N, K] = a.shape as [number, number, number];
  const M = b.shape[2]!;
  const y = s.forward.run({ A: { data: values(a), dims: [B, N, K] }, B: { data: values(b), dims: [B, K, M] } }, ['Y'])['Y']!;
  return {
    value: tf.tensor3d(y.data, [B, N, M]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor, tf.Tensor];
      const r = s.backward.run({ A: { data: values(as), dims: [B, N, K] }, B: { data: values(bs), dims: [B, K, M] }, dY: { data: values(dy), dims: [B, N, M] } }, ['dA', 'dB']);
      return [tf.tensor3d(r['dA']!.data, [B, N, K]), tf.tensor3d(r['dB']!.data, [B, K, M])];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/** Y [B, N, M] = A [B, N, K] @ B [B, K, M] with its gradient (file header); tfjs's `bmm` without ONNX Runtime. */
export function batchedMatMul(a: Tensor, b: Tensor): Tensor {
  if (a.rank !== 3 || b.rank !== 3 || a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) throw new Error(`batchedMatMul: shapes [${a.shape}] and [${b.shape}] do not fit [B, N, K] @ [B, K, M]`);
  return ortAvailable() ? ortBmmOp(a, b) : bmm(a, b);
}
