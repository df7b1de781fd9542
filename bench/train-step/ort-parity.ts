/**
 * bench/train-step/ort-parity.ts: the ONNX Runtime training step (OPTICAL_TRAIN_ENGINE=onnx) against tfjs
 * autodiff (src/distill/grads.ts `partGradients`) on one batch of the bench shape — 2 Kona layers, width 512,
 * FFN 2048, 8 heads, batch 32 × up to 32 tokens (seeded lengths, so with padding) — for one objective:
 *
 *   npx tsx bench/train-step/ort-parity.ts [ot|mse]       (default ot; about 5 s)
 *
 * Prints the loss of both, and for every gradient the max-abs difference relative to its largest value and
 * the L2-relative difference, plus where the large max-abs differences sit: ReLU units whose pre-activation
 * is at the kink for some token (the two engines round it to different sides), which shows up as whole
 * columns of an fc1 gradient. src/distill/ort-step.test.ts is the exact check on a tiny model.
 */
import { initEngine, tf } from '../../src/models/engine.ts';
import type { KonaConfig, KonaParams } from '../../src/models/kona.ts';
import { seededKonaArrays } from './seeded-kona.ts';
import { KonaTrainStep } from '../../src/models/onnx/train-step.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { makeObjective } from '../../src/distill/objectives.ts';
import { partGradients } from '../../src/distill/grads.ts';
import { ortGradients, paramArrays } from '../../src/distill/ort-step.ts';

await initEngine();
const name = process.argv[2] ?? 'ot';
const B = 32, L = 32, H = 512, Lt = 30, F = 2048;
const cfg: KonaConfig = { vocabSize: 8000, embedDim: H, layers: [0, 1].map(() => ({ inDim: H, hidden: H, heads: 8, ffn: F })), maxLength: 128, doubleEmbedding: false, layerNormEps: 1e-6 };
const rnd = mulberry32(2026);
const normal = () => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const params: KonaParams = {};
for (const [k, { shape, data }] of Object.entries(seededKonaArrays(cfg, normal))) params[k] = tf.variable(tf.tensor(data, shape), k !== 'timing.inv_timescales');
const trainable = Object.fromEntries(Object.entries(params).filter(([k]) => k !== 'timing.inv_timescales')) as Record<string, tf.Variable>;
const lengths = Int32Array.from({ length: B }, () => 5 + Math.floor(rnd() * 28));
const ids = new Int32Array(B * L).fill(-1);
const embeds = new Float32Array(B * L * H);
lengths.forEach((n, b) => {
  for (let l = 0; l < n; l++) {
    ids[b * L + l] = Math.floor(rnd() * 8000);
    for (let j = 0; j < H; j++) embeds[(b * L + l) * H + j] = normal();
  }
});
const tLen = Int32Array.from({ length: B }, () => 5 + Math.floor(rnd() * 26));
const tokens = new Float32Array(B * Lt * H), mask = new Float32Array(B * Lt);
tLen.forEach((n, b) => {
  for (let l = 0; l < n; l++) {
    mask[b * Lt + l] = 1;
    for (let j = 0; j < H; j++) tokens[(b * Lt + l) * H + j] = (normal() * 54) / Math.sqrt(H);
  }
});
const embedding = Float32Array.from({ length: B * H }, () => normal() / Math.sqrt(H));
const objective = makeObjective(name);
const job = { B, L, ids, lengths, embeds, skipTrains: false, teacher: { tokens, mask, embedding, lengths: tLen, Lt }, dropout: 0, seed: 0, rowOffset: 0, fullBatch: B };

let t = performance.now();
const ref = partGradients(cfg, params, trainable, objective, job);
const tfjsMs = performance.now() - t;
const step = new KonaTrainStep(cfg);
t = performance.now();
const ours = ortGradients(step, paramArrays(params), Object.keys(trainable), objective, job, () => ({
  tokens: tf.tensor3d(tokens, [B, Lt, H]), mask: tf.tensor2d(mask, [B, Lt]), embedding: tf.tensor2d(embedding, [B, H]), lengths: tLen,
}));
const ortMs = performance.now() - t;
step.dispose();

const maxRel = (a: Float32Array, b: Float32Array) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) (d = Math.max(d, Math.abs(a[i]! - b[i]!))), (s = Math.max(s, Math.abs(b[i]!)));
  return d / s;
};
const l2Rel = (a: Float32Array, b: Float32Array) => {
  let d = 0, s = 0;
  for (let i = 0; i < a.length; i++) (d += (a[i]! - b[i]!) ** 2), (s += b[i]! ** 2);
  return Math.sqrt(d / s);
};
console.log(`objective ${name}: loss onnx ${ours.loss} tfjs ${ref.loss} (relative difference ${(Math.abs(ours.loss - ref.loss) / Math.abs(ref.loss)).toExponential(2)}); time onnx ${ortMs.toFixed(0)} ms, tfjs ${tfjsMs.toFixed(0)} ms (first call of each)`);
console.log(`same gradient keys: ${JSON.stringify(Object.keys(ours.grads).sort()) === JSON.stringify(Object.keys(ref.grads).sort())}`);
for (const [k, g] of [...Object.entries(ref.grads), ['∂L/∂e', ref.dEmbeds] as const]) {
  const a = k === '∂L/∂e' ? ours.dEmbeds : ours.grads[k]!;
  let note = '';
  if (k.endsWith('ffn.fc1.weight')) {
    let mx = 0;
    for (let i = 0; i < g.length; i++) mx = Math.max(mx, Math.abs(g[i]!));
    const units = new Set<number>();
    for (let i = 0; i < g.length; i++) if (Math.abs(a[i]! - g[i]!) > 1e-4 * mx) units.add(i % F);
    note = `  (FFN units with entries off by > 1e-4 of the largest: ${units.size}${units.size ? ` [${[...units].slice(0, 8).join(', ')}]` : ''})`;
  }
  console.log(`${k.padEnd(28)} max-abs/max ${maxRel(a, g).toExponential(2)}  L2-rel ${l2Rel(a, g).toExponential(2)}${note}`);
}
