/**
 * Seeded Kona weights for the training-step benches (ort-parity.ts, ort-graphs.ts): weights N(0, 1/fan-in),
 * biases 0, layer-norm scales 1, the timing signal's inverse timescales; the input table is left out.
 * Draws from `normal` in the order of `konaParamShapes`.
 */
import { konaParamShapes, type KonaConfig } from '../../src/models/kona.ts';

export function seededKonaArrays(cfg: KonaConfig, normal: () => number): Record<string, { shape: number[]; data: Float32Array }> {
  const out: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [k, s] of Object.entries(konaParamShapes(cfg))) {
    if (k === 'embeddings.weight') continue;
    const n = s.reduce((a, b) => a * b, 1);
    const d = new Float32Array(n);
    if (k === 'timing.inv_timescales') for (let i = 0; i < n; i++) d[i] = Math.exp((-Math.log(1e4) * i) / (n - 1));
    else if (k.endsWith('norm.scale')) d.fill(1);
    else if (k.endsWith('.weight')) for (let i = 0; i < n; i++) d[i] = normal() / Math.sqrt(s[0]!);
    out[k] = { shape: s, data: d };
  }
  return out;
}
