/**
 * The AdamW update as one loop over typed arrays (no engine import, so that a worker thread can load it
 * without the tensor library): adam.ts's ArrayAdam and SparseAdam and the worker of adam-offload.ts.
 *
 *   m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;  p ← p·(1 − lr·λ) − (lr/c₁)·m / (√(v/c₂) + ε)
 *   (= p − lr·(m̂/(√v̂ + ε) + λp)),  c₁ = 1 − β₁ᵗ, c₂ = 1 − β₂ᵗ
 */
import type { AdamConfig } from './adam.ts';

/** The per-step constants of the update (t: the 1-based step). */
export interface AdamwCoefficients {
  beta1: number;
  b1: number;
  beta2: number;
  b2: number;
  /** lr / c₁ */
  stepSize: number;
  /** 1 / c₂ */
  invC2: number;
  eps: number;
  /** 1 − lr·λ */
  decay: number;
}

export function adamwCoefficients(cfg: AdamConfig, lr: number, t: number): AdamwCoefficients {
  const { beta1, beta2, eps, weightDecay } = cfg;
  return { beta1, b1: 1 - beta1, beta2, b2: 1 - beta2, stepSize: lr / (1 - beta1 ** t), invC2: 1 / (1 - beta2 ** t), eps, decay: 1 - lr * weightDecay };
}

/** One AdamW update in place of p[po .. po + n) and its moments m, v (same offsets) with g[go .. go + n). */
export function adamwUpdate(p: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, po: number, go: number, n: number, c: AdamwCoefficients): void {
  const { beta1, b1, beta2, b2, stepSize, invC2, eps, decay } = c;
  for (let i = 0; i < n; i++) {
    const gi = g[go + i]!;
    const j = po + i;
    const mi = beta1 * m[j]! + b1 * gi;
    const vi = beta2 * v[j]! + b2 * gi * gi;
    m[j] = mi;
    v[j] = vi;
    p[j] = p[j]! * decay - (stepSize * mi) / (Math.sqrt(vi * invC2) + eps);
  }
}
