/**
 * Adam (Kingma & Ba 2015) with decoupled weight decay (AdamW, Loshchilov & Hutter 2019), in two forms:
 * dense, for engine tensors; and sparse ("lazy"), for typed-array embedding tables, where only the rows a
 * batch touched are updated (their moments too), as in TensorFlow's LazyAdam.
 *
 *   m ← β₁ m + (1 − β₁) g;  v ← β₂ v + (1 − β₂) g²
 *   θ ← θ − lr · ( m̂ / (√v̂ + ε) + λ θ ),   m̂ = m / (1 − β₁ᵗ), v̂ = v / (1 − β₂ᵗ)
 * The sparse form uses the global step t for bias correction (rows not touched keep stale moments).
 * {@link ArrayAdam} is the dense form on typed arrays (one fused loop per tensor), for the ONNX Runtime
 * training step, whose weights live in arrays.
 */
import { tf, type Tensor } from '../models/engine.ts';
import type { RowGrad } from '../models/encoder.ts';
import { adamwCoefficients, adamwUpdate } from './adamw-kernel.ts';
import { AdamOffload } from './adam-offload.ts';

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

export const ADAM_DEFAULTS: AdamConfig = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };

/** Checkpointing view of a dense optimiser's moments (the trainer writes `m.NAME`, `v.NAME`). */
export interface MomentStore {
  /** the moments of every parameter: shape, m, v (copies or views; written to disk as they are) */
  exportMoments(): Record<string, { shape: number[]; m: Float32Array; v: Float32Array }>;
  importMoments(name: string, m: Float32Array, v: Float32Array): void;
  dispose(): void;
}

/** Dense Adam over named engine variables. */
export class DenseAdam implements MomentStore {
  readonly m: Record<string, Tensor> = {};
  readonly v: Record<string, Tensor> = {};
  /** Free the moment tensors (engine memory) once training is over. */
  dispose(): void {
    for (const t of [...Object.values(this.m), ...Object.values(this.v)]) t.dispose();
  }
  constructor(
    readonly params: Record<string, tf.Variable>,
    readonly cfg: AdamConfig = ADAM_DEFAULTS,
  ) {
    for (const [k, p] of Object.entries(params)) {
      this.m[k] = tf.keep(tf.zerosLike(p));
      this.v[k] = tf.keep(tf.zerosLike(p));
    }
  }

  exportMoments(): Record<string, { shape: number[]; m: Float32Array; v: Float32Array }> {
    const out: Record<string, { shape: number[]; m: Float32Array; v: Float32Array }> = {};
    for (const k of Object.keys(this.m)) out[k] = { shape: this.m[k]!.shape, m: this.m[k]!.dataSync() as Float32Array, v: this.v[k]!.dataSync() as Float32Array };
    return out;
  }

  importMoments(k: string, m: Float32Array, v: Float32Array): void {
    const shape = this.params[k]!.shape;
    this.m[k]!.dispose();
    this.v[k]!.dispose();
    this.m[k] = tf.keep(tf.tensor(m, shape));
    this.v[k] = tf.keep(tf.tensor(v, shape));
  }

  /** One update with gradients by name, learning rate `lr`, at step `t` (1-based). */
  step(grads: Record<string, Tensor>, lr: number, t: number): void {
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    for (const [k, g] of Object.entries(grads)) {
      const p = this.params[k]!;
      const [m, v] = tf.tidy(() => {
        const m = tf.add(tf.mul(this.m[k]!, beta1), tf.mul(g, 1 - beta1));
        const v = tf.add(tf.mul(this.v[k]!, beta2), tf.mul(tf.square(g), 1 - beta2));
        let upd = tf.div(tf.div(m, c1), tf.add(tf.sqrt(tf.div(v, c2)), eps));
        if (weightDecay > 0) upd = tf.add(upd, tf.mul(p, weightDecay));
        p.assign(tf.sub(p, tf.mul(upd, lr)));
        return [tf.keep(m), tf.keep(v)];
      });
      this.m[k]!.dispose();
      this.v[k]!.dispose();
      this.m[k] = m!;
      this.v[k] = v!;
    }
  }
}

/**
 * Dense AdamW over named typed arrays (the same update as {@link DenseAdam}, in one loop per tensor). With
 * `offload`, the moments live in shared memory and `begin`/`end` run the update on a worker thread
 * (adam-offload.ts) while the caller does other work; `step` runs it on the calling thread.
 */
export class ArrayAdam implements MomentStore {
  readonly m: Record<string, Float32Array> = {};
  readonly v: Record<string, Float32Array> = {};
  private readonly offload: AdamOffload | undefined;
  /** what `end` returns: the weights `begin` updated on this thread, or "worker" when they went to the worker */
  private pending: Record<string, Float32Array> | 'worker' | undefined;
  constructor(
    /** parameter shapes by name */
    readonly shapes: Record<string, number[]>,
    readonly cfg: AdamConfig = ADAM_DEFAULTS,
    opts: { offload?: boolean } = {},
  ) {
    const layout: Record<string, [number, number]> = {};
    let total = 0;
    for (const [k, s] of Object.entries(shapes)) {
      const n = s.reduce((a, b) => a * b, 1);
      layout[k] = [total, n];
      total += n;
    }
    const Buf = opts.offload ? SharedArrayBuffer : ArrayBuffer;
    const m = new Buf(4 * total), v = new Buf(4 * total);
    for (const [k, [o, n]] of Object.entries(layout)) {
      this.m[k] = new Float32Array(m, 4 * o, n);
      this.v[k] = new Float32Array(v, 4 * o, n);
    }
    this.offload = opts.offload ? new AdamOffload(layout, m as SharedArrayBuffer, v as SharedArrayBuffer) : undefined;
  }

  /** Whether `begin` hands the update to the worker (it has loaded). */
  get workerReady(): boolean {
    return this.offload?.started ?? false;
  }

  /** Update `params` in place with `grads` (by name; parameters without a gradient are left alone). */
  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>, lr: number, t: number): void {
    const c = adamwCoefficients(this.cfg, lr, t);
    for (const [k, g] of Object.entries(grads)) adamwUpdate(params[k]!, this.m[k]!, this.v[k]!, g, 0, 0, g.length, c);
  }

  /**
   * Start the update of `step` on the worker when there is one and it has loaded (else do it here, now).
   * Until `end`, the arrays of `params` named in `grads` may be detached: use `end`'s instead.
   */
  begin(params: Record<string, Float32Array>, grads: Record<string, Float32Array>, lr: number, t: number): void {
    if (this.pending) throw new Error('ArrayAdam: begin() twice without end()');
    if (this.offload?.begin(params, grads, adamwCoefficients(this.cfg, lr, t))) this.pending = 'worker';
    else {
      this.step(params, grads, lr, t);
      this.pending = Object.fromEntries(Object.keys(grads).map((k) => [k, params[k]!]));
    }
  }

  /** The updated weights of the parameters `begin` was given gradients for (by name). */
  end(): Record<string, Float32Array> {
    const p = this.pending;
    if (!p) throw new Error('ArrayAdam: end() without begin()');
    this.pending = undefined;
    return p === 'worker' ? this.offload!.end() : p;
  }

  exportMoments(): Record<string, { shape: number[]; m: Float32Array; v: Float32Array }> {
    const out: Record<string, { shape: number[]; m: Float32Array; v: Float32Array }> = {};
    for (const k of Object.keys(this.m)) out[k] = { shape: this.shapes[k]!, m: this.m[k]!, v: this.v[k]! };
    return out;
  }

  importMoments(k: string, m: Float32Array, v: Float32Array): void {
    this.m[k]!.set(m);
    this.v[k]!.set(v);
  }

  dispose(): void {
    this.offload?.dispose();
  }
}

/** Lazy Adam over the rows of a typed-array table [rows, E]. */
export class SparseAdam {
  readonly m: Float32Array;
  readonly v: Float32Array;
  constructor(
    readonly table: Float32Array,
    readonly E: number,
    readonly cfg: AdamConfig = ADAM_DEFAULTS,
  ) {
    this.m = new Float32Array(table.length);
    this.v = new Float32Array(table.length);
  }

  /** One update of the rows in `g` (the same fused loop as {@link ArrayAdam}, one call per row). */
  step(g: RowGrad, lr: number, t: number): void {
    const c = adamwCoefficients(this.cfg, lr, t);
    const { table, m, v, E } = this;
    for (let i = 0; i < g.rows.length; i++) adamwUpdate(table, m, v, g.grad, g.rows[i]! * E, i * E, E, c);
  }
}

/** Linear warm-up to `peak` over `warmup` steps, then linear decay to `peak·final` at `total`. */
export function learningRate(step: number, total: number, peak: number, warmup: number, final = 0): number {
  if (step <= warmup) return (peak * step) / Math.max(1, warmup);
  const frac = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (1 - (1 - final) * frac);
}
