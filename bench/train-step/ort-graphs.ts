/**
 * Where the ONNX Runtime training step spends its time, per graph: one KonaTrainStep forward + backward at
 * the README bitext's shape (2 layers, width 512, FFN 2048, 8 heads, batch 32 × 57 tokens, dropout 0.1),
 * seeded weights, 5 timed steps after one warm-up; each OrtSession.run timed and keyed by its outputs and
 * input shapes. Divide a product's FLOPs by its time for its GFLOP/s (e.g. the FFN backward: dx and dW,
 * 2 × 1824 × 512 × 2048 × 2 = 7.65 GFLOP per call).
 *
 *   npx tsx bench/train-step/ort-graphs.ts
 */
import { initEngine } from '../../src/models/engine.ts';
import type { KonaConfig } from '../../src/models/kona.ts';
import { seededKonaArrays } from './seeded-kona.ts';
import { KonaTrainStep } from '../../src/models/onnx/train-step.ts';
import { OrtSession } from '../../src/models/onnx/runtime.ts';
import { mulberry32 } from '../../src/util/random.ts';
await initEngine();
const B = 32, L = 57, H = 512, F = 2048;
const cfg: KonaConfig = { vocabSize: 8000, embedDim: H, layers: [0, 1].map(() => ({ inDim: H, hidden: H, heads: 8, ffn: F })), maxLength: 128, doubleEmbedding: false, layerNormEps: 1e-6 };
const rnd = mulberry32(1);
const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const params = Object.fromEntries(Object.entries(seededKonaArrays(cfg, normal)).map(([k, v]) => [k, v.data]));
const ids = new Int32Array(B * L).fill(1);
const embeds = Float32Array.from({ length: B * L * H }, () => rnd() - 0.5);
const acc = new Map<string, { ms: number; n: number }>();
const orig = OrtSession.prototype.run;
OrtSession.prototype.run = function (feeds, outputs) {
  const t0 = performance.now();
  const r = orig.call(this, feeds, outputs);
  const key = `${outputs.join(',')} ← ${Object.entries(feeds).map(([k, v]) => `${k}[${v.dims.join('x')}]`).join(' ')}`;
  const a = acc.get(key) ?? { ms: 0, n: 0 };
  a.ms += performance.now() - t0; a.n++; acc.set(key, a);
  return r;
};
const step = new KonaTrainStep(cfg);
let total = 0;
for (let it = 0; it < 6; it++) {
  if (it === 1) acc.clear(), (total = 0);
  const t0 = performance.now();
  const fwd = step.forward(params, { B, L, ids, embeds }, { dropout: 0.1, seed: it });
  const dTok = Float32Array.from({ length: B * L * H }, () => rnd() - 0.5);
  step.backward(fwd, dTok, undefined);
  total += performance.now() - t0;
}
const ort = [...acc.values()].reduce((s, a) => s + a.ms, 0);
console.log(`per step: total ${(total / 5).toFixed(0)} ms, ORT ${(ort / 5).toFixed(0)} ms`);
for (const [k, a] of [...acc].sort((x, y) => y[1].ms - x[1].ms)) console.log(`${(a.ms / 5).toFixed(1).padStart(7)} ms  x${a.n / 5}  ${k}`);
