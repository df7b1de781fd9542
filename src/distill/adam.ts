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

/** Dense AdamW over named typed arrays (the same update as {@link DenseAdam}, in one loop per tensor). */
export class ArrayAdam implements MomentStore {
  readonly m: Record<string, Float32Array> = {};
  readonly v: Record<string, Float32Array> = {};
  constructor(
    /** parameter shapes by name */
    readonly shapes: Record<string, number[]>,
    readonly cfg: AdamConfig = ADAM_DEFAULTS,
  ) {
    for (const [k, s] of Object.entries(shapes)) {
      const n = s.reduce((a, b) => a * b, 1);
      this.m[k] = new Float32Array(n);
      this.v[k] = new Float32Array(n);
    }
  }

  /** Update `params` in place with `grads` (by name; parameters without a gradient are left alone). */
  step(params: Record<string, Float32Array>, grads: Record<string, Float32Array>, lr: number, t: number): void {
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const b1 = 1 - beta1, b2 = 1 - beta2, stepSize = lr / c1, invC2 = 1 / c2, decay = 1 - lr * weightDecay;
    for (const [k, g] of Object.entries(grads)) update(params[k]!, this.m[k]!, this.v[k]!, g, beta1, b1, beta2, b2, stepSize, invC2, eps, decay);
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

  dispose(): void {}
}

/**
 * One AdamW update of p [n] in place (monomorphic loop): m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²;
 * p ← p·(1 − lr·λ) − (lr/c₁)·m / (√(v/c₂) + ε)   (= p − lr·(m̂/(√v̂ + ε) + λp)).
 */
function update(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, beta1: number, b1: number, beta2: number, b2: number, stepSize: number, invC2: number, eps: number, decay: number): void {
  const n = g.length;
  for (let i = 0; i < n; i++) {
    const gi = g[i]!;
    const mi = beta1 * m[i]! + b1 * gi;
    const vi = beta2 * v[i]! + b2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i]! * decay - (stepSize * mi) / (Math.sqrt(vi * invC2) + eps);
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

  step(g: RowGrad, lr: number, t: number): void {
    const { beta1, beta2, eps, weightDecay } = this.cfg;
    const c1 = 1 - beta1 ** t;
    const c2 = 1 - beta2 ** t;
    const { table, m, v, E } = this;
    for (let i = 0; i < g.rows.length; i++) {
      const o = g.rows[i]! * E;
      const go = i * E;
      for (let j = 0; j < E; j++) {
        const gj = g.grad[go + j]!;
        const mj = (m[o + j] = beta1 * m[o + j]! + (1 - beta1) * gj);
        const vj = (v[o + j] = beta2 * v[o + j]! + (1 - beta2) * gj * gj);
        table[o + j]! -= lr * (mj / c1 / (Math.sqrt(vj / c2) + eps) + weightDecay * table[o + j]!);
      }
    }
  }
}

/** Linear warm-up to `peak` over `warmup` steps, then linear decay to `peak·final` at `total`. */
export function learningRate(step: number, total: number, peak: number, warmup: number, final = 0): number {
  if (step <= warmup) return (peak * step) / Math.max(1, warmup);
  const frac = Math.min(1, (step - warmup) / Math.max(1, total - warmup));
  return peak * (1 - (1 - final) * frac);
}
