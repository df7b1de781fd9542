/**
 * Pre-LN sublayer inputs of the training step (train-step.ts) as fused ONNX graphs: layer norm followed by a
 * dense layer (the qkv transform after LN1, fc1 + ReLU after LN2), forward and backward in one ONNX Runtime
 * call each, cached in {@link OrtProducts} per (ReLU, eps; the backward also per `acc` given or not). The backward recomputes the norm from x.
 *
 * Legend: N rows, D input width, M output width.
 *
 * Forward:  x [N, D], s, β [D] (LN scale, bias), W [D, M], b [M]
 *   h = (x − μ) · rstd · s + β,  rstd = 1/√(σ² + eps)    (as kona.ts `layerNorm`, in float32)
 *   y = h @ W + b  (then ReLU with `relu`)                 [N, D] @ [D, M] -> [N, M]
 * Backward: x, dy [N, M] (∂L/∂y, already through the ReLU), s, β, W
 *   dW = hᵀ dy,  db = Σ_rows dy,  dh = dy Wᵀ,  ds = Σ_rows dh ⊙ n,  dβ = Σ_rows dh   (n = (x − μ)·rstd)
 *   dx = rstd · (dn − mean(dn) − n · mean(dn ⊙ n)),  dn = dh ⊙ s                      (means over D)
 *   (plus `acc` [N, D] when given: the residual stream's gradient, added in the same call)
 */
import { FLOAT, GraphBuilder } from './proto.ts';
import type { OrtProducts } from './gemm.ts';

/** n = (x − μ)·rstd and rstd of the input 'x' (as kona.ts: xc · 1/√(mean(xc²) + eps)). */
function normalise(g: GraphBuilder, eps: number): { n: string; rstd: string } {
  const last = [{ name: 'axes', ints: [-1] }];
  const xc = g.op('Sub', ['x', g.op('ReduceMean', ['x'], last)]);
  const rstd = g.op('Reciprocal', [g.op('Sqrt', [g.op('Add', [g.op('ReduceMean', [g.op('Mul', [xc, xc])], last), g.scalar('eps', eps)])])]);
  return { n: g.op('Mul', [xc, rstd]), rstd };
}

const IO = (name: string, dims: (number | string)[]) => ({ name, type: FLOAT, dims });

function forwardGraph(relu: boolean, eps: number): Uint8Array {
  const g = new GraphBuilder();
  const { n } = normalise(g, eps);
  const h = g.op('Add', [g.op('Mul', [n, 's']), 'beta']);
  const y = g.op('Gemm', [h, 'W', 'b']);
  g.named(relu ? 'Relu' : 'Identity', [y], 'y');
  return g.model('ln_linear', [IO('x', ['n', 'd']), IO('s', ['d']), IO('beta', ['d']), IO('W', ['d', 'm']), IO('b', ['m'])], [IO('y', ['n', 'm'])]);
}

function backwardGraph(eps: number, acc: boolean): Uint8Array {
  const g = new GraphBuilder();
  const { n, rstd } = normalise(g, eps);
  const h = g.op('Add', [g.op('Mul', [n, 's']), 'beta']);
  const rows = g.i64('axis_0', [0]);
  const noKeep = [{ name: 'keepdims', i: 0 }];
  g.named('Gemm', [h, 'dy'], 'dW', [{ name: 'transA', i: 1 }]);
  g.named('ReduceSum', ['dy', rows], 'db', noKeep);
  const dh = g.op('Gemm', ['dy', 'W'], [{ name: 'transB', i: 1 }]);
  g.named('ReduceSum', [g.op('Mul', [dh, n]), rows], 'ds', noKeep);
  g.named('ReduceSum', [dh, rows], 'dbeta', noKeep);
  const dn = g.op('Mul', [dh, 's']);
  const last = [{ name: 'axes', ints: [-1] }];
  const mdn = g.op('ReduceMean', [dn], last);
  const mdnn = g.op('ReduceMean', [g.op('Mul', [dn, n])], last);
  const dx = g.op('Mul', [rstd, g.op('Sub', [g.op('Sub', [dn, mdn]), g.op('Mul', [n, mdnn])])]);
  g.named(acc ? 'Add' : 'Identity', acc ? ['acc', dx] : [dx], 'dx');
  const outs = [IO('dW', ['d', 'm']), IO('db', ['m']), IO('ds', ['d']), IO('dbeta', ['d']), IO('dx', ['n', 'd'])];
  const ins = [IO('x', ['n', 'd']), IO('dy', ['n', 'm']), IO('s', ['d']), IO('beta', ['d']), IO('W', ['d', 'm']), ...(acc ? [IO('acc', ['n', 'd'])] : [])];
  return g.model('ln_linear_backward', ins, outs);
}

export interface LnLinearWeights {
  /** LN scale, bias [D] */
  s: Float32Array;
  beta: Float32Array;
  /** [D, M], [M] */
  W: Float32Array;
  b: Float32Array;
}

/** y [N, M] = LN(x) @ W + b (ReLU with `relu`); see the file header. */
export function lnLinearForward(ops: OrtProducts, x: Float32Array, w: LnLinearWeights, N: number, D: number, M: number, o: { relu: boolean; eps: number }): Float32Array {
  ops.calls++;
  const feeds = { x: { data: x, dims: [N, D] }, s: { data: w.s, dims: [D] }, beta: { data: w.beta, dims: [D] }, W: { data: w.W, dims: [D, M] }, b: { data: w.b, dims: [M] } };
  return ops.cached(`ln-linear:${+o.relu}:${o.eps}`, () => forwardGraph(o.relu, o.eps)).run(feeds, ['y'])['y']!.data;
}

/** Gradients of LN + dense from dy [N, M] (see the file header); with `acc` [N, D], dx is acc + ∂L/∂x. */
export function lnLinearBackward(ops: OrtProducts, x: Float32Array, dy: Float32Array, w: LnLinearWeights, N: number, D: number, M: number, eps: number, acc?: Float32Array): { dW: Float32Array; db: Float32Array; ds: Float32Array; dbeta: Float32Array; dx: Float32Array } {
  ops.calls++;
  const feeds = { x: { data: x, dims: [N, D] }, dy: { data: dy, dims: [N, M] }, s: { data: w.s, dims: [D] }, beta: { data: w.beta, dims: [D] }, W: { data: w.W, dims: [D, M] }, ...(acc ? { acc: { data: acc, dims: [N, D] } } : {}) };
  const r = ops.cached(`ln-linear-backward:${eps}:${+Boolean(acc)}`, () => backwardGraph(eps, Boolean(acc))).run(feeds, ['dW', 'db', 'ds', 'dbeta', 'dx']);
  return { dW: r['dW']!.data, db: r['db']!.data, ds: r['ds']!.data, dbeta: r['dbeta']!.data, dx: r['dx']!.data };
}
