/**
 * bench/train-step: one distillation training step of a USE-lite-sized encoder in optical's trainer and in
 * PyTorch (Debian python3-torch), same shapes, same weights, same batches, same loss, in one script run.
 * Install OpenBLAS with it (`apt-get install python3-torch libopenblas0-pthread`): without it Debian's PyTorch
 * runs its products on the reference BLAS (~5 GFLOP/s here, 2026-11-23) and the anchor is meaningless.
 *
 *   npm run bench:train-step              human-readable report
 *   npm run bench:train-step -- --json    one JSON object: ours_ms, torch_ms, ratio (ours / torch), …
 *   options: --steps N (timed steps per round, default 6), --rounds N (default 3), --threads N (PyTorch
 *            threads, default 2), --ours-threads N (our trainer's threads, default OPTICAL_TRAIN_THREADS or
 *            the core count; each round also runs ours on 1 thread: `ours_1thread_ms`),
 *            --python PATH (default /usr/bin/python3), --tokens N (tokens per sentence, student and teacher;
 *            default 32, the issue's shape; the README's Swahili bitext averages about 57 student pieces)
 * Each round also runs ours with `engine: "onnx"` (OPTICAL_TRAIN_ENGINE=onnx: explicit forward/backward, the
 * matrix products on ONNX Runtime with OPTICAL_ORT_THREADS or the core count; src/models/onnx/train-step.ts):
 * `ours_ort_ms`, `ratio_ort` (ours_ort / torch), `ort_threads`; skipped when onnxruntime-node cannot load.
 *
 * The step (issue 9): 2 Kona layers of width 512, FFN 2048, 8 heads (pre-LN, ReLU), an 8,000 × 512 input
 * embedding table, batch 32 × 32 tokens, token-level OT loss L = (1/B) Σ_b ⟨P*_b, C_b⟩ with the
 * squared-Euclidean cost C_ij = ‖s_i − t_j‖² / 54² against teacher token states (seeded, norms ≈ 54) and the
 * plan P* from Sinkhorn on the detached cost (ε 0.05, tol 1e-4, ≤ 200 iterations), backward, Adam
 * (dense AdamW on the transformer, lazy/sparse Adam on the embedding rows), no dropout.
 * Ours: the product trainer (`train()` of src/distill/trainer.ts, objective `OtObjective`) on a
 * `KonaStudent` whose featuriser returns the seeded ids; its per-step times come from its own log.
 * PyTorch: bench/train-step/torch_anchor.py, a server that runs the same step on the same initial weights and
 * the same batches (the order `makeBatches` gives ours). Rounds alternate between the two so that both
 * see the same machine load; each round's first step is a warm-up and not counted; figures are medians.
 * Check: the loss of the first step (before any update, same weights and batch) must agree
 * (`first_loss_rel_diff`), which shows that both compute the same thing.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { tf, initEngine } from '../../src/models/engine.ts';
import { konaParamShapes, type KonaConfig, type KonaParams } from '../../src/models/kona.ts';
import { KonaStudent } from '../../src/models/student.ts';
import type { Features } from '../../src/models/features.ts';
import { loadUseLiteTokenizer } from '../../src/text/index.ts';
import { useLiteDir } from '../../src/models/use-lite.ts';
import { train, makeBatches, type TeacherTargets } from '../../src/distill/trainer.ts';
import { OtObjective } from '../../src/distill/objectives.ts';
import { trainThreads } from '../../src/distill/parallel.ts';
import type { TrainEngine } from '../../src/distill/ort-step.ts';
import { ortThreads, ortUnavailableReason } from '../../src/models/onnx/index.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { benchArgs } from '../args.ts';

const { json, str: argVal } = benchArgs();
const STEPS = Number(argVal('--steps', '6'));
const ROUNDS = Number(argVal('--rounds', '3'));
const THREADS = Number(argVal('--threads', '2'));
const OURS_THREADS = Number(argVal('--ours-threads', String(trainThreads())));
const PYTHON = argVal('--python', '/usr/bin/python3');
const log = (...x: unknown[]): void => {
  if (!json) console.log(...x);
};

const B = 32, L = Number(argVal('--tokens', '32')), H = 512, V = 8000;
if (!(Number.isInteger(L) && L > 0 && L <= 128)) throw new Error(`--tokens must be an integer in [1, 128], got ${argVal('--tokens', '')}`);
const N_STEPS = STEPS + 1; // + the warm-up step of each round
const cfg: KonaConfig = {
  vocabSize: V,
  embedDim: H,
  layers: [0, 1].map(() => ({ inDim: H, hidden: H, heads: 8, ffn: 2048 })),
  maxLength: 128,
  doubleEmbedding: false,
  layerNormEps: 1e-6,
};
const OT = { epsilon: 0.05, maxIter: 200, tol: 1e-4, scale: 54 * 54 };
const LR = 1e-4, TABLE_LR = 1e-3;

// ---- seeded weights, ids and teacher states
const rnd = mulberry32(2026);
const normal = (): number => Math.sqrt(-2 * Math.log(1 - rnd())) * Math.cos(2 * Math.PI * rnd());
const init: Record<string, { shape: number[]; data: Float32Array }> = {};
for (const [name, shape] of Object.entries(konaParamShapes(cfg))) {
  const n = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (name === 'timing.inv_timescales') for (let i = 0; i < n; i++) data[i] = Math.exp((-Math.log(1e4) * i) / (n - 1));
  else if (name.endsWith('norm.scale')) data.fill(1);
  else if (name.endsWith('.weight')) for (let i = 0; i < n; i++) data[i] = normal() * (name === 'embeddings.weight' ? 1 : 1 / Math.sqrt(shape[0]!));
  init[name] = { shape, data };
}
const nSent = B * N_STEPS;
const ids: number[][] = Array.from({ length: nSent }, () => Array.from({ length: L }, () => Math.floor(rnd() * V)));
const teacherTokens: Float32Array[] = Array.from({ length: nSent }, () => Float32Array.from({ length: L * H }, () => normal() * (54 / Math.sqrt(H))));

// ---- ours: the product trainer on a student whose featuriser returns the seeded ids
await initEngine();
class BenchStudent extends KonaStudent {
  override featurize(text: string): Features {
    return { ids: ids[Number(text)]!, pieces: [] };
  }
}
const tokenizer = loadUseLiteTokenizer(join(useLiteDir(), 'vocab.json'));
function makeStudent(): BenchStudent {
  const params: KonaParams = {};
  for (const [k, v] of Object.entries(init)) if (k !== 'embeddings.weight') params[k] = tf.variable(tf.tensor(v.data, v.shape), k !== 'timing.inv_timescales');
  return new BenchStudent(cfg, params, { embeddings: init['embeddings.weight']!.data.slice() }, tokenizer, undefined, { name: 'bench-train-step', teacher: 'none' });
}
const targets: TeacherTargets = { embeddings: new Float32Array(nSent * H), pooled: new Float32Array(nSent * H), tokens: teacherTokens, dim: H };
const src = Array.from({ length: nSent }, (_, i) => String(i));
const outDir = mkdtempSync(join(tmpdir(), 'optical-bench-train-step-'));
const batches = makeBatches(src.map(() => L), B, 0, 0); // the order train() will use (seed 0, epoch 0)

async function oursRound(threads: number, engine: TrainEngine = 'tfjs'): Promise<{ ms: number[]; loss: number[] }> {
  const student = makeStudent();
  const ms: number[] = [];
  const loss: number[] = [];
  await train({ student, src, targets, objective: new OtObjective({ cost: 'sqeuclid', ...OT }), outDir, steps: N_STEPS, batchSize: B, lr: LR, tableLr: TABLE_LR, dropout: 0, warmupFraction: 0, seed: 0, checkpointEvery: 1e9, threads, engine, onStep: (i) => (ms.push(i.ms), loss.push(i.loss)) });
  student.dispose();
  return { ms, loss };
}

// ---- PyTorch: write the same inputs, batch k = batches[k]
const dir = mkdtempSync(join(tmpdir(), 'optical-bench-torch-'));
const f32 = (name: string, x: Float32Array) => writeFileSync(join(dir, name), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
const params = Object.entries(init).map(([name, v], i) => (f32(`p${i}.f32`, v.data), { name, shape: v.shape, file: `p${i}.f32` }));
const idsOut = new Int32Array(N_STEPS * B * L);
const tOut = new Float32Array(N_STEPS * B * L * H);
batches.slice(0, N_STEPS).forEach((idx, k) => idx.forEach((s, b) => {
  idsOut.set(ids[s]!, (k * B + b) * L);
  tOut.set(teacherTokens[s]!, (k * B + b) * L * H);
}));
writeFileSync(join(dir, 'ids.i32'), new Uint8Array(idsOut.buffer));
f32('teacher.f32', tOut);
writeFileSync(join(dir, 'meta.json'), JSON.stringify({ cfg, S: N_STEPS, B, L, H, params, ot: OT, lr: LR, table_lr: TABLE_LR }));

const py = spawn(PYTHON, [join(import.meta.dirname, 'torch_anchor.py'), dir, String(THREADS)], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, OMP_NUM_THREADS: String(THREADS) } });
const lines = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
const ask = async (cmd?: object): Promise<any> => {
  if (cmd) py.stdin!.write(JSON.stringify(cmd) + '\n');
  const r = await lines.next();
  if (r.done) throw new Error(`torch_anchor.py exited (is python3-torch installed for ${PYTHON}? apt-get install -y python3-torch libopenblas0-pthread)`);
  return JSON.parse(r.value);
};
const hello = await ask();

const median = (x: number[]): number => {
  const s = [...x].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const oursMs: number[] = [];
const ours1Ms: number[] = [];
const torchMs: number[] = [];
const ortMs: number[] = [];
const withOrt = ortUnavailableReason() === undefined;
let firstLoss: { ours: number; torch: number; ours_ort?: number } | undefined;
for (let r = 0; r < ROUNDS; r++) {
  const t = await ask({ cmd: 'steps', n: N_STEPS });
  await ask({ cmd: 'reset' });
  const o = await oursRound(OURS_THREADS);
  const o1 = OURS_THREADS > 1 ? await oursRound(1) : o;
  const oo = withOrt ? await oursRound(1, 'onnx') : undefined;
  firstLoss ??= { ours: o.loss[0]!, torch: t.loss[0], ...(oo ? { ours_ort: oo.loss[0]! } : {}) };
  if (oo) ortMs.push(...oo.ms.slice(1));
  torchMs.push(...t.ms.slice(1));
  oursMs.push(...o.ms.slice(1));
  ours1Ms.push(...o1.ms.slice(1));
  log(`round ${r + 1}: ours ${median(o.ms.slice(1)).toFixed(0)} ms/step (${OURS_THREADS} threads; 1 thread ${median(o1.ms.slice(1)).toFixed(0)})${oo ? `, ours on ONNX Runtime ${median(oo.ms.slice(1)).toFixed(0)}` : ''}, PyTorch ${median(t.ms.slice(1)).toFixed(0)} ms/step`);
}
py.stdin!.end();
rmSync(dir, { recursive: true, force: true });
rmSync(outDir, { recursive: true, force: true });

const ours = median(oursMs);
const torch = median(torchMs);
const result = {
  ours_ms: Math.round(ours),
  torch_ms: Math.round(torch),
  ratio: Number((ours / torch).toFixed(2)),
  ours_threads: OURS_THREADS,
  ours_1thread_ms: Math.round(median(ours1Ms)),
  ...(withOrt ? { ours_ort_ms: Math.round(median(ortMs)), ratio_ort: Number((median(ortMs) / torch).toFixed(2)), ort_threads: ortThreads() } : {}),
  steps_counted: { ours: oursMs.length, ours_1thread: ours1Ms.length, ours_ort: ortMs.length, torch: torchMs.length },
  first_loss: firstLoss,
  first_loss_rel_diff: Number((Math.abs(firstLoss!.ours - firstLoss!.torch) / Math.abs(firstLoss!.torch)).toExponential(2)),
  ...(firstLoss!.ours_ort !== undefined ? { first_loss_rel_diff_ort: Number((Math.abs(firstLoss!.ours_ort - firstLoss!.torch) / Math.abs(firstLoss!.torch)).toExponential(2)) } : {}),
  torch_version: hello.torch,
  torch_threads: hello.threads,
  shape: { layers: 2, width: H, ffn: 2048, heads: 8, batch: B, tokens: L, vocab: V },
};
if (json) console.log(JSON.stringify(result));
else log(`median step: ours ${result.ours_ms} ms${withOrt ? ` (on ONNX Runtime ${result.ours_ort_ms} ms)` : ''}, PyTorch ${result.torch_ms} ms, ratio ${result.ratio}; first-step loss ours ${firstLoss!.ours.toFixed(6)} vs PyTorch ${firstLoss!.torch.toFixed(6)}`);
