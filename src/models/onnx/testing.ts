/** Fixtures of the ONNX Runtime training step's tests: a tiny Kona config and seeded parameters for it. */
import { konaParamShapes, type KonaConfig } from '../kona.ts';
import { mulberry32 } from '../../util/random.ts';

export const TINY: KonaConfig = {
  vocabSize: 50,
  embedDim: 16,
  layers: [
    { inDim: 16, hidden: 32, heads: 4, ffn: 64 },
    { inDim: 32, hidden: 32, heads: 4, ffn: 64 },
  ],
  maxLength: 16,
  doubleEmbedding: true,
  layerNormEps: 1e-6,
};

/** Seeded parameters of a config (LN scales near 1, weights ~ N(0, 1/fan_in), non-zero biases). */
export function randomParams(cfg: KonaConfig, seed: number): Record<string, Float32Array> {
  const rnd = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
  const out: Record<string, Float32Array> = {};
  for (const [name, shape] of Object.entries(konaParamShapes(cfg))) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = new Float32Array(n);
    if (name === 'timing.inv_timescales') for (let i = 0; i < n; i++) x[i] = Math.exp((-Math.log(1e4) * i) / Math.max(1, n - 1));
    else if (name.endsWith('norm.scale')) for (let i = 0; i < n; i++) x[i] = 1 + 0.1 * normal();
    else if (name.endsWith('.weight')) for (let i = 0; i < n; i++) x[i] = normal() / Math.sqrt(shape[0]!);
    else for (let i = 0; i < n; i++) x[i] = 0.1 * normal();
    out[name] = x;
  }
  return out;
}
