/**
 * Recovering CLIP's text projection from the text tower's own outputs. A transformers.js `text_model.onnx`
 * (CLIPTextModelWithProjection) returns text_embeds = P · h_eos with h_eos the final-layer-normed state of the
 * end-of-text token (`last_hidden_state` at that position) and P [D, Wt] a bias-free Linear; P itself is
 * not a graph output. Token-level OT needs the teacher's token states in the space of its sentence vectors,
 * so we solve for P by least squares on probe sentences:
 *
 *   min_P ‖X Pᵀ − Y‖²_F + λ‖P‖²_F,   X [n, Wt] = h_eos rows,  Y [n, D] = text_embeds rows
 *   Pᵀ = (XᵀX + λI)⁻¹ XᵀY            (Cholesky in float64; λ = 1e-8 · tr(XᵀX) / Wt)
 *
 * and check the fit: ‖X Pᵀ − Y‖_F / ‖Y‖_F must stay below `maxResidual` (exactly linear up to float32
 * rounding for a real export), else the graph is not a projection of its last_hidden_state.
 */
import { InputError } from '../../errors.ts';

/** Least-squares P [D, Wt] (row-major) from X [n, Wt], Y [n, D]; throws when the relative residual is large. */
export function fitProjection(X: Float64Array, Y: Float64Array, n: number, Wt: number, D: number, file: string, maxResidual = 1e-3): { P: Float32Array; residual: number } {
  if (n < Wt) throw new InputError(`need at least ${Wt} probe sentences to recover the text projection, got ${n}`, file);
  const A = new Float64Array(Wt * Wt);
  const B = new Float64Array(Wt * D);
  for (let r = 0; r < n; r++) {
    const x = X.subarray(r * Wt, (r + 1) * Wt);
    const y = Y.subarray(r * D, (r + 1) * D);
    for (let i = 0; i < Wt; i++) {
      const xi = x[i]!;
      for (let j = 0; j <= i; j++) A[i * Wt + j]! += xi * x[j]!;
      for (let d = 0; d < D; d++) B[i * D + d]! += xi * y[d]!;
    }
  }
  let tr = 0;
  for (let i = 0; i < Wt; i++) tr += A[i * Wt + i]!;
  const lambda = (1e-8 * tr) / Wt;
  // Cholesky A + λI = L Lᵀ (lower triangle of A holds the sums)
  const L = new Float64Array(Wt * Wt);
  for (let i = 0; i < Wt; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * Wt + j]! + (i === j ? lambda : 0);
      for (let k = 0; k < j; k++) s -= L[i * Wt + k]! * L[j * Wt + k]!;
      if (i === j) {
        if (!(s > 0)) throw new InputError('the probe states are degenerate (cannot recover the text projection)', file);
        L[i * Wt + i] = Math.sqrt(s);
      } else L[i * Wt + j] = s / L[j * Wt + j]!;
    }
  }
  // solve L Z = B, then Lᵀ Pᵀ = Z (column by column of B)
  const Pt = new Float64Array(Wt * D);
  for (let d = 0; d < D; d++) {
    const z = new Float64Array(Wt);
    for (let i = 0; i < Wt; i++) {
      let s = B[i * D + d]!;
      for (let k = 0; k < i; k++) s -= L[i * Wt + k]! * z[k]!;
      z[i] = s / L[i * Wt + i]!;
    }
    for (let i = Wt - 1; i >= 0; i--) {
      let s = z[i]!;
      for (let k = i + 1; k < Wt; k++) s -= L[k * Wt + i]! * Pt[k * D + d]!;
      Pt[i * D + d] = s / L[i * Wt + i]!;
    }
  }
  let num = 0;
  let den = 0;
  for (let r = 0; r < n; r++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let i = 0; i < Wt; i++) s += X[r * Wt + i]! * Pt[i * D + d]!;
      num += (s - Y[r * D + d]!) ** 2;
      den += Y[r * D + d]! ** 2;
    }
  }
  const residual = Math.sqrt(num / Math.max(den, 1e-300));
  if (!(residual <= maxResidual)) {
    throw new InputError(`text_embeds is not a linear map of last_hidden_state at the end-of-text token (relative residual ${residual.toExponential(2)}): not a CLIPTextModelWithProjection export`, file);
  }
  const P = new Float32Array(D * Wt);
  for (let d = 0; d < D; d++) for (let i = 0; i < Wt; i++) P[d * Wt + i] = Pt[i * D + d]!;
  return { P, residual };
}
