/**
 * Matrix products on ONNX Runtime for the training step (train-step.ts): one tiny graph per kind of product
 * (a single Gemm or MatMul node, transposes as attributes or fused by ONNX Runtime), built in memory on first
 * use and cached. Dims are symbolic, so one session serves every batch shape.
 *
 *   mm(A, B, M, K, N, {ta, tb, bias, relu})   Y [M, N] = op(A) @ op(B) (+ bias [N]) (then ReLU)
 *       A is [M, K] (or [K, M] with ta), B is [K, N] (or [N, K] with tb)             (ONNX Gemm)
 *   mmSub(C, A, B, M, K, N, {ta, tb})          Y [M, N] = C − op(A) @ op(B), C [M, N]   (Gemm, α = −1, β = 1)
 *   linearBackward(x, dy, W, M, K, N)    the backward of y = x @ W + b in one call:
 *       dW [K, N] = xᵀ @ dy,  db [N] = Σ_rows dy,  dx [M, K] = dy @ Wᵀ    x [M, K], dy [M, N], W [K, N]
 *       with `reluInput` (x = relu(u), the input of fc2): dx = (dy @ Wᵀ) ⊙ [x > 0], i.e. ∂L/∂u
 *       with `scale` {mult [M, N], rowMask [M, 1]} (either optional): dy is first replaced by dy ⊙ mult ⊙ rowMask
 *       (the backward of dropout and masking applied to the layer's output, without a JS pass)
 *   linearResidual(A, W, b, R, M, K, N, {mult, rowMask})   Y [M, N] = R + (A @ W + b) ⊙ mult ⊙ rowMask
 *       (a residual block's output: dropout and masking of the branch, then the residual add, in one call)
 */
import { FLOAT, GraphBuilder, type GraphIO } from './proto.ts';
import { OrtSession } from './runtime.ts';

export interface MmOptions {
  ta?: boolean;
  tb?: boolean;
  /** [N] added to every row (mm only) */
  bias?: Float32Array;
  /** apply ReLU to the result (mm only) */
  relu?: boolean;
}

type Kind = 'mm' | 'linear-backward' | 'mm-sub';

/** Which of the optional factors (dropout multipliers [M, N], row mask [M, 1]) a fused graph takes. */
export interface RowScale {
  mult?: Float32Array;
  rowMask?: Float32Array;
}

/** `v` ⊙ mult ⊙ rowMask for the factors present (graph inputs 'mult', 'rowMask'); the inputs' IO entries are pushed. */
function scaled(g: GraphBuilder, v: string, mult: boolean, rowMask: boolean, io: GraphIO[]): string {
  if (mult) (v = g.op('Mul', [v, 'mult'])), io.push({ name: 'mult', type: FLOAT, dims: ['m', 'n'] });
  if (rowMask) (v = g.op('Mul', [v, 'rowMask'])), io.push({ name: 'rowMask', type: FLOAT, dims: ['m', 1] });
  return v;
}

/** The graph of `linearResidual` (see the file header). */
function linearResidualGraph(mult: boolean, rowMask: boolean): Uint8Array {
  const g = new GraphBuilder();
  const inputs: GraphIO[] = [
    { name: 'A', type: FLOAT, dims: ['m', 'k'] },
    { name: 'W', type: FLOAT, dims: ['k', 'n'] },
    { name: 'b', type: FLOAT, dims: ['n'] },
    { name: 'R', type: FLOAT, dims: ['m', 'n'] },
  ];
  g.named('Add', ['R', scaled(g, g.op('Gemm', ['A', 'W', 'b']), mult, rowMask, inputs)], 'Y');
  return g.model('linear_residual', inputs, [{ name: 'Y', type: FLOAT, dims: ['m', 'n'] }]);
}

/** The graph of one kind of product (see the file header). */
function productGraph(kind: Kind, ta: boolean, tb: boolean, bias: boolean, relu: boolean, mult = false, rowMask = false): Uint8Array {
  const g = new GraphBuilder();
  if (kind === 'linear-backward') {
    const inputs: GraphIO[] = [
      { name: 'x', type: FLOAT, dims: ['m', 'k'] },
      { name: 'dy', type: FLOAT, dims: ['m', 'n'] },
      { name: 'W', type: FLOAT, dims: ['k', 'n'] },
    ];
    const dy = scaled(g, 'dy', mult, rowMask, inputs);
    g.named('Gemm', ['x', dy], 'dW', [{ name: 'transA', i: 1 }]);
    g.named('ReduceSum', [dy, g.i64('axis_0', [0])], 'db', [{ name: 'keepdims', i: 0 }]);
    if (relu) {
      const dxLin = g.op('Gemm', [dy, 'W'], [{ name: 'transB', i: 1 }]);
      g.named('Where', [g.op('Greater', ['x', g.scalar('zero', 0)]), dxLin, g.scalar('zero_out', 0)], 'dx');
    } else g.named('Gemm', [dy, 'W'], 'dx', [{ name: 'transB', i: 1 }]);
    const outputs = [
      { name: 'dW', type: FLOAT, dims: ['k', 'n'] },
      { name: 'db', type: FLOAT, dims: ['n'] },
      { name: 'dx', type: FLOAT, dims: ['m', 'k'] },
    ];
    return g.model('linear_backward', inputs, outputs);
  }
  const attrs = [{ name: 'transA', i: ta ? 1 : 0 }, { name: 'transB', i: tb ? 1 : 0 }];
  if (kind === 'mm-sub') {
    g.named('Gemm', ['A', 'B', 'C'], 'Y', [...attrs, { name: 'alpha', f: -1 }, { name: 'beta', f: 1 }]);
    const inputs = [
      { name: 'A', type: FLOAT, dims: ['a0', 'a1'] },
      { name: 'B', type: FLOAT, dims: ['b0', 'b1'] },
      { name: 'C', type: FLOAT, dims: ['m', 'n'] },
    ];
    return g.model('mm_sub', inputs, [{ name: 'Y', type: FLOAT, dims: ['m', 'n'] }]);
  }
  if (relu) g.named('Relu', [g.op('Gemm', bias ? ['A', 'B', 'C'] : ['A', 'B'], attrs)], 'Y');
  else g.named('Gemm', bias ? ['A', 'B', 'C'] : ['A', 'B'], 'Y', attrs);
  const inputs = [
    { name: 'A', type: FLOAT, dims: ['a0', 'a1'] },
    { name: 'B', type: FLOAT, dims: ['b0', 'b1'] },
    ...(bias ? [{ name: 'C', type: FLOAT, dims: ['n'] }] : []),
  ];
  return g.model('mm', inputs, [{ name: 'Y', type: FLOAT, dims: ['m', 'n'] }]);
}

/** The feeds of the optional factors of a {@link RowScale} for an [M, N] value. */
function scaleFeeds(scale: RowScale | undefined, M: number, N: number): Record<string, { data: Float32Array; dims: number[] }> {
  const f: Record<string, { data: Float32Array; dims: number[] }> = {};
  if (scale?.mult) {
    if (scale.mult.length !== M * N) throw new Error(`scale: mult has ${scale.mult.length} values, expected ${M}·${N}`);
    f['mult'] = { data: scale.mult, dims: [M, N] };
  }
  if (scale?.rowMask) {
    if (scale.rowMask.length !== M) throw new Error(`scale: rowMask has ${scale.rowMask.length} values, expected ${M}`);
    f['rowMask'] = { data: scale.rowMask, dims: [M, 1] };
  }
  return f;
}

/** Cached product sessions (see the file header). */
export class OrtProducts {
  private sessions = new Map<string, OrtSession>();
  /** number of products run (for tests and timing notes) */
  calls = 0;

  constructor(private readonly threads?: number) {}

  private session(kind: Kind, ta: boolean, tb: boolean, bias: boolean, relu = false, mult = false, rowMask = false): OrtSession {
    return this.cached(`${kind}:${+ta}${+tb}${+bias}${+relu}${+mult}${+rowMask}`, () => productGraph(kind, ta, tb, bias, relu, mult, rowMask));
  }

  /** The session of graph `key`, built by `build` on first use (other fused graphs: attention.ts). */
  cached(key: string, build: () => Uint8Array): OrtSession {
    let s = this.sessions.get(key);
    if (!s) {
      s = new OrtSession(build(), { threads: this.threads, spinning: false }); // no busy-waiting between the step's many calls (runtime.ts)
      this.sessions.set(key, s);
    }
    return s;
  }

  /** Y [M, N] = op(A) @ op(B) (+ bias); see the file header for the layouts. */
  mm(A: Float32Array, B: Float32Array, M: number, K: number, N: number, o: MmOptions = {}): Float32Array {
    const ta = Boolean(o.ta), tb = Boolean(o.tb);
    if (A.length !== M * K || B.length !== K * N || (o.bias && o.bias.length !== N)) throw new Error(`mm: sizes ${A.length}, ${B.length} do not fit [${M}, ${K}] @ [${K}, ${N}]`);
    const feeds: Record<string, { data: Float32Array; dims: number[] }> = {
      A: { data: A, dims: ta ? [K, M] : [M, K] },
      B: { data: B, dims: tb ? [N, K] : [K, N] },
    };
    if (o.bias) feeds['C'] = { data: o.bias, dims: [N] };
    this.calls++;
    return this.session('mm', ta, tb, Boolean(o.bias), Boolean(o.relu)).run(feeds, ['Y'])['Y']!.data;
  }

  /** Y [M, N] = C − op(A) @ op(B) for C [M, N] (layouts as `mm`). */
  mmSub(C: Float32Array, A: Float32Array, B: Float32Array, M: number, K: number, N: number, o: { ta?: boolean; tb?: boolean } = {}): Float32Array {
    const ta = Boolean(o.ta), tb = Boolean(o.tb);
    if (A.length !== M * K || B.length !== K * N || C.length !== M * N) throw new Error(`mmSub: sizes ${C.length}, ${A.length}, ${B.length} do not fit [${M}, ${N}] − [${M}, ${K}] @ [${K}, ${N}]`);
    this.calls++;
    const feeds = { A: { data: A, dims: ta ? [K, M] : [M, K] }, B: { data: B, dims: tb ? [N, K] : [K, N] }, C: { data: C, dims: [M, N] } };
    return this.session('mm-sub', ta, tb, false).run(feeds, ['Y'])['Y']!.data;
  }

  /** Backward of y = x @ W + b (see the file header): x [M, K], dy [M, N], W [K, N]; `scale` applies to dy first. */
  linearBackward(x: Float32Array, dy: Float32Array, W: Float32Array, M: number, K: number, N: number, o: { reluInput?: boolean; scale?: RowScale } = {}): { dx: Float32Array; dW: Float32Array; db: Float32Array } {
    if (x.length !== M * K || dy.length !== M * N || W.length !== K * N) throw new Error(`linearBackward: sizes ${x.length}, ${dy.length}, ${W.length} do not fit x [${M}, ${K}], W [${K}, ${N}]`);
    const { mult, rowMask } = o.scale ?? {};
    this.calls++;
    const feeds = { x: { data: x, dims: [M, K] }, dy: { data: dy, dims: [M, N] }, W: { data: W, dims: [K, N] }, ...scaleFeeds(o.scale, M, N) };
    const r = this.session('linear-backward', false, false, false, Boolean(o.reluInput), Boolean(mult), Boolean(rowMask)).run(feeds, ['dx', 'dW', 'db']);
    return { dx: r['dx']!.data, dW: r['dW']!.data, db: r['db']!.data };
  }

  /** Y [M, N] = R + (A @ W + b) ⊙ mult ⊙ rowMask (see the file header): A [M, K], W [K, N], b [N], R [M, N]. */
  linearResidual(A: Float32Array, W: Float32Array, b: Float32Array, R: Float32Array, M: number, K: number, N: number, scale: RowScale = {}): Float32Array {
    if (A.length !== M * K || W.length !== K * N || b.length !== N || R.length !== M * N) throw new Error(`linearResidual: sizes ${A.length}, ${W.length}, ${b.length}, ${R.length} do not fit A [${M}, ${K}], W [${K}, ${N}]`);
    this.calls++;
    const feeds = { A: { data: A, dims: [M, K] }, W: { data: W, dims: [K, N] }, b: { data: b, dims: [N] }, R: { data: R, dims: [M, N] }, ...scaleFeeds(scale, M, N) };
    return this.cached(`linear-residual:${+Boolean(scale.mult)}${+Boolean(scale.rowMask)}`, () => linearResidualGraph(Boolean(scale.mult), Boolean(scale.rowMask))).run(feeds, ['Y'])['Y']!.data;
  }

  dispose(): void {
    for (const s of this.sessions.values()) s.dispose();
    this.sessions.clear();
  }
}
