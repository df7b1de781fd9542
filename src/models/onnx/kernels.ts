/**
 * The elementwise and row-wise kernels of the Kona training step (train-step.ts), on Float32Arrays, as
 * forward/backward pairs in llm.c's style: outputs first, then inputs, then sizes; forward keeps what
 * backward needs; backward ACCUMULATES (+=) into its input gradients. Sums run in float64 and are stored in
 * float32.
 *
 * Legend: N rows (B·L tokens), C channels, B batch, L tokens, nh heads, dh = D / nh, G = B·nh.
 */

/**
 * layer norm over the last axis, as kona.ts `layerNorm`:
 *   out = (x − μ) · rstd · w + b,   rstd = 1/√(σ² + eps)       x, out [N, C]; w, b [C]; mean, rstd [N]
 */
export function layerNormForward(out: Float32Array, mean: Float32Array, rstd: Float32Array, x: Float32Array, w: Float32Array, b: Float32Array, N: number, C: number, eps: number): void {
  for (let i = 0; i < N; i++) {
    const o = i * C;
    let m = 0;
    for (let c = 0; c < C; c++) m += x[o + c]!;
    m /= C;
    let v = 0;
    for (let c = 0; c < C; c++) v += (x[o + c]! - m) ** 2;
    const s = 1 / Math.sqrt(v / C + eps);
    for (let c = 0; c < C; c++) out[o + c] = (x[o + c]! - m) * s * w[c]! + b[c]!;
    mean[i] = m;
    rstd[i] = s;
  }
}

/**
 * Backward of {@link layerNormForward} (n = (x − μ)·rstd, dn = dout·w):
 *   dw += Σ_rows dout·n,  db += Σ_rows dout,  dx += rstd · (dn − mean(dn) − n · mean(dn·n))
 */
export function layerNormBackward(dx: Float32Array, dw: Float32Array, db: Float32Array, dout: Float32Array, x: Float32Array, w: Float32Array, mean: Float32Array, rstd: Float32Array, N: number, C: number): void {
  const dwAcc = new Float64Array(C);
  const dbAcc = new Float64Array(C);
  for (let i = 0; i < N; i++) {
    const o = i * C;
    const m = mean[i]!, s = rstd[i]!;
    let dnMean = 0, dnNMean = 0;
    for (let c = 0; c < C; c++) {
      const n = (x[o + c]! - m) * s;
      const dn = dout[o + c]! * w[c]!;
      dnMean += dn;
      dnNMean += dn * n;
      dwAcc[c]! += dout[o + c]! * n;
      dbAcc[c]! += dout[o + c]!;
    }
    dnMean /= C;
    dnNMean /= C;
    for (let c = 0; c < C; c++) {
      const n = (x[o + c]! - m) * s;
      dx[o + c]! += s * (dout[o + c]! * w[c]! - dnMean - n * dnNMean);
    }
  }
  for (let c = 0; c < C; c++) {
    dw[c]! += dwAcc[c]!;
    db[c]! += dbAcc[c]!;
  }
}

/** out [N, C] = x · m[row] · scale (· mult, when given) — masking, dropout and the embedding factor. */
export function maskRows(out: Float32Array, x: Float32Array, mask: Float32Array, N: number, C: number, scale = 1, mult?: Float32Array): void {
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

/**
 * qkv [B, L, 3D] (row: q | k | v, each [nh, dh]) → q, k, v [G, L, dh] (G = B·nh, batch-major), q scaled by
 * `qScale` (float32, as tfjs multiplies it).
 */
export function splitHeads(q: Float32Array, k: Float32Array, v: Float32Array, qkv: Float32Array, B: number, L: number, nh: number, dh: number, qScale: number): void {
  const D = nh * dh;
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const src = (b * L + l) * 3 * D;
      for (let h = 0; h < nh; h++) {
        const dst = ((b * nh + h) * L + l) * dh;
        const s = src + h * dh;
        for (let j = 0; j < dh; j++) {
          q[dst + j] = qkv[s + j]! * qScale;
          k[dst + j] = qkv[s + D + j]!;
          v[dst + j] = qkv[s + 2 * D + j]!;
        }
      }
    }
  }
}

/** Adjoint of {@link splitHeads}: dqkv [B, L, 3D] = merge(dq · qScale | dk | dv) (overwrites). */
export function splitHeadsBackward(dqkv: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array, B: number, L: number, nh: number, dh: number, qScale: number): void {
  const D = nh * dh;
  for (let b = 0; b < B; b++) {
    for (let l = 0; l < L; l++) {
      const dst = (b * L + l) * 3 * D;
      for (let h = 0; h < nh; h++) {
        const src = ((b * nh + h) * L + l) * dh;
        const d = dst + h * dh;
        for (let j = 0; j < dh; j++) {
          dqkv[d + j] = dq[src + j]! * qScale;
          dqkv[d + D + j] = dk[src + j]!;
          dqkv[d + 2 * D + j] = dv[src + j]!;
        }
      }
    }
  }
}

/** ctx [G, L, dh] → out [B, L, D] (heads side by side); with `inverse`, out [B, L, D] → ctx [G, L, dh]. */
export function mergeHeads(out: Float32Array, ctx: Float32Array, B: number, L: number, nh: number, dh: number, inverse = false): void {
  const D = nh * dh;
  for (let b = 0; b < B; b++) {
    for (let h = 0; h < nh; h++) {
      for (let l = 0; l < L; l++) {
        const s = ((b * nh + h) * L + l) * dh;
        const d = (b * L + l) * D + h * dh;
        for (let j = 0; j < dh; j++) {
          if (inverse) ctx[s + j] = out[d + j]!;
          else out[d + j] = ctx[s + j]!;
        }
      }
    }
  }
}

/**
 * probs [G, L, L] = softmax over keys of (scores + keyBias), keyBias = −1e9 at padded keys (added in float32,
 * as tfjs does); mask [B, L]; scores may be overwritten.
 */
export function attentionSoftmax(probs: Float32Array, scores: Float32Array, mask: Float32Array, B: number, nh: number, L: number): void {
  for (let g = 0; g < B * nh; g++) {
    const b = Math.floor(g / nh);
    for (let i = 0; i < L; i++) {
      const o = (g * L + i) * L;
      for (let j = 0; j < L; j++) scores[o + j] = scores[o + j]! + (1 - mask[b * L + j]!) * -1e9;
      let mx = -Infinity;
      for (let j = 0; j < L; j++) mx = Math.max(mx, scores[o + j]!);
      let sum = 0;
      for (let j = 0; j < L; j++) sum += (probs[o + j] = Math.exp(scores[o + j]! - mx));
      for (let j = 0; j < L; j++) probs[o + j] = probs[o + j]! / sum;
    }
  }
}

/** Softmax backward over rows of length L: dscores = p ⊙ (dp − Σ_j p_j dp_j)   (overwrites; n rows). */
export function softmaxBackward(dscores: Float32Array, probs: Float32Array, dprobs: Float32Array, rows: number, L: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * L;
    let dot = 0;
    for (let j = 0; j < L; j++) dot += probs[o + j]! * dprobs[o + j]!;
    for (let j = 0; j < L; j++) dscores[o + j] = probs[o + j]! * (dprobs[o + j]! - dot);
  }
}
