/**
 * bench/encode: sentences per second of `encode()` for the teacher (USE-lite) and a Swahili student,
 * on real text, with ONNX Runtime (the default engine) and with tfjs-wasm, in one script run.
 *
 *   npm run bench:encode              human-readable report
 *   npm run bench:encode -- --json    one JSON object: sentences_per_s (teacher, Bible verses, ONNX Runtime),
 *                                     sentences_per_s_tfjs (same sentences, tfjs), speedup, runs[], gemm_gflops
 *   options: --n N (sentences per ONNX run, default 2000), --n-tfjs N (default 400), --reps N (default 3),
 *            --reps-tfjs N (default 1),
 *            --threads N (ONNX Runtime intra-op threads; default OPTICAL_ORT_THREADS or the core count),
 *            --student DIR (a distilled student; default: a fresh one with a lexical skip fitted on the
 *            Swahili Bible, as `optical distill` creates it), --data-dir DIR,
 *            --distill-bitext (also time the teacher cache of `optical distill`'s README bitext: every English
 *            sentence of bible:Swahili + mafand:en-swa + sib:swh_Latn:train with token states, on ONNX Runtime,
 *            and a seeded sample of `--n-tfjs` of them on tfjs: `distill_bitext`)
 *
 * Corpora (read from the data folder, seeded sample, never modified):
 * - teacher: English Bible verses (World English Bible NT) and Tatoeba English (all `tatoeba.*-eng.eng`, deduplicated);
 * - student: Swahili Bible verses and Tatoeba Swahili (390 sentences, repeated to fill the sample).
 * Each figure is end-to-end `encode(texts)` (tokenisation, lexical features, batches of 64 sorted by
 * length, forward, pooling, head), the best of `--reps` timed runs (tfjs: `--reps-tfjs`) after a warm-up; the
 * engines alternate so they see the same machine load. ONNX sessions are built in the warm-up (a model
 * keeps its session while its weights are unchanged).
 * "useful GFLOP/s" counts the matrix products of the unpadded sentences (dense layers 2·in·out per token,
 * attention 4·len²·D per layer); `gemm_gflops` is ONNX Runtime's float32 GEMM rate (2048×512 by 512×1536)
 * measured in the same run: what this machine can do right now.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadUseLite } from '../../src/models/use-lite.ts';
import { createStudent, loadStudent } from '../../src/models/student.ts';
import type { EngineChoice, KonaEncoder } from '../../src/models/encoder.ts';
import type { KonaConfig } from '../../src/models/kona.ts';
import { GraphBuilder, OrtSession, ortThreads } from '../../src/models/onnx/index.ts';
import { FLOAT } from '../../src/models/onnx/proto.ts';
import { resolveDataDir } from '../../src/data/datadir.ts';
import { englishBibleFile, bibleFile } from '../../src/data/loaders.ts';
import { mulberry32, shuffleInPlace } from '../../src/util/random.ts';
import { loadBitexts } from '../../src/data/spec.ts';
import { benchArgs } from '../args.ts';

const args = process.argv.slice(2);
const { json, str: argVal } = benchArgs(args);
const N = Number(argVal('--n', '2000'));
const N_TFJS = Number(argVal('--n-tfjs', '400'));
const REPS = Number(argVal('--reps', '3'));
const REPS_TFJS = Math.min(REPS, Number(argVal('--reps-tfjs', '1')));
const threads = argVal('--threads', '');
if (threads) process.env['OPTICAL_ORT_THREADS'] = threads;
const studentDir = argVal('--student', '');
const dataDir = resolveDataDir(argVal('--data-dir', '') || undefined);
const log = (...x: unknown[]): void => {
  if (!json) console.log(...x);
};

// ---- corpora
function verses(file: string): string[] {
  const buf = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8');
  return text.split('\n').map((l) => l.split('\t')[1]?.trim() ?? '').filter((s) => s.length > 0);
}
function sample(xs: string[], n: number, seed: number): string[] {
  const pool = shuffleInPlace([...new Set(xs)], mulberry32(seed));
  const out: string[] = [];
  while (out.length < n) out.push(...pool.slice(0, n - out.length));
  return out;
}
const tatoebaDir = join(dataDir, 'tatoeba');
const tatoebaEng = readdirSync(tatoebaDir).filter((f) => /^tatoeba\.[a-z]+-eng\.eng$/.test(f)).sort().flatMap((f) => readFileSync(join(tatoebaDir, f), 'utf8').split('\n').filter(Boolean));
const bibleSwh = verses(bibleFile(dataDir, 'Swahili'));
const corpora = {
  'bible-eng': sample(verses(englishBibleFile(dataDir)), N, 1),
  'tatoeba-eng': sample(tatoebaEng, N, 2),
  'bible-swh': sample(bibleSwh, N, 3),
  'tatoeba-swh': sample(readFileSync(join(tatoebaDir, 'tatoeba.swh-eng.swh'), 'utf8').split('\n').filter(Boolean), N, 4),
};

// ---- models
const teacher = await loadUseLite();
const student: KonaEncoder = studentDir ? await loadStudent(studentDir) : await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: bibleSwh });

/** Useful FLOPs of encoding `texts` (see the header). */
function flops(model: KonaEncoder, texts: string[]): number {
  const cfg: KonaConfig = model.cfg;
  let dense = 0;
  for (const lc of cfg.layers) dense += 2 * (lc.inDim * 3 * lc.inDim + lc.inDim * lc.hidden + (lc.inDim !== lc.hidden ? lc.inDim * lc.hidden : 0) + 2 * lc.hidden * lc.ffn);
  let total = 0;
  for (const t of texts) {
    const len = model.featurize(t).ids.length;
    total += dense * len;
    for (const lc of cfg.layers) total += 4 * len * len * lc.inDim;
  }
  return total;
}

function gemmGflops(): number {
  const M = 2048, K = 512, Nn = 1536;
  const g = new GraphBuilder();
  g.named('MatMul', ['x', g.f32('w', [K, Nn], new Float32Array(K * Nn).fill(0.01))], 'y');
  const s = new OrtSession(g.model('gemm', [{ name: 'x', type: FLOAT, dims: ['M', K] }], [{ name: 'y', type: FLOAT, dims: ['M', Nn] }]));
  const x = { x: { data: new Float32Array(M * K).fill(1), dims: [M, K] } };
  s.run(x, ['y']);
  let best = Infinity;
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    s.run(x, ['y']);
    best = Math.min(best, performance.now() - t0);
  }
  s.dispose();
  return (2 * M * K * Nn) / best / 1e6;
}

interface Run {
  model: 'teacher' | 'student';
  corpus: string;
  engine: EngineChoice;
  sentences: number;
  mean_tokens: number;
  seconds: number;
  sentences_per_s: number;
  useful_gflops: number;
}

const runs: Run[] = [];
const plan: { model: 'teacher' | 'student'; enc: KonaEncoder; corpus: keyof typeof corpora }[] = [
  { model: 'teacher', enc: teacher, corpus: 'bible-eng' },
  { model: 'teacher', enc: teacher, corpus: 'tatoeba-eng' },
  { model: 'student', enc: student, corpus: 'bible-swh' },
  { model: 'student', enc: student, corpus: 'tatoeba-swh' },
];
const gemm = gemmGflops();
log(`ONNX Runtime GEMM: ${gemm.toFixed(1)} GFLOP/s on ${ortThreads()} threads`);
for (const p of plan) {
  const texts = corpora[p.corpus];
  for (const engine of ['onnx', 'tfjs'] as const) p.enc.encode(texts.slice(0, 64), { engine }); // warm-up
  const sets = { onnx: texts, tfjs: texts.slice(0, N_TFJS) };
  const best = { onnx: Infinity, tfjs: Infinity };
  for (let r = 0; r < REPS; r++) {
    for (const engine of ['onnx', 'tfjs'] as const) {
      if (engine === 'tfjs' && r >= REPS_TFJS) continue; // tfjs is slow: fewer reps
      const t0 = performance.now();
      p.enc.encode(sets[engine], { engine });
      best[engine] = Math.min(best[engine], (performance.now() - t0) / 1000);
    }
  }
  for (const engine of ['onnx', 'tfjs'] as const) {
    const s = sets[engine];
    const tokens = s.reduce((a, t) => a + p.enc.featurize(t).ids.length, 0);
    const run: Run = {
      model: p.model,
      corpus: p.corpus,
      engine,
      sentences: s.length,
      mean_tokens: Number((tokens / s.length).toFixed(1)),
      seconds: Number(best[engine].toFixed(3)),
      sentences_per_s: Math.round(s.length / best[engine]),
      useful_gflops: Number((flops(p.enc, s) / best[engine] / 1e9).toFixed(1)),
    };
    runs.push(run);
    log(`${p.model.padEnd(8)} ${p.corpus.padEnd(12)} ${engine.padEnd(5)} ${String(run.sentences_per_s).padStart(6)} sentences/s  (${run.sentences} sentences, ${run.mean_tokens} pieces on average, ${run.useful_gflops} useful GFLOP/s)`);
  }
}
const pick = (model: string, corpus: string, engine: string) => runs.find((r) => r.model === model && r.corpus === corpus && r.engine === engine)!;
const main = pick('teacher', 'bible-eng', 'onnx');
const mainTf = pick('teacher', 'bible-eng', 'tfjs');
let distill: Record<string, number> | undefined;
if (args.includes('--distill-bitext')) {
  const eng = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir).eng;
  let t0 = performance.now();
  teacher.encode(eng, { engine: 'onnx', tokens: true, pooled: true });
  const onnxS = (performance.now() - t0) / 1000;
  const few = sample(eng, Math.min(N_TFJS, eng.length), 5);
  t0 = performance.now();
  teacher.encode(few, { engine: 'tfjs', tokens: true, pooled: true });
  const tfjsS = (performance.now() - t0) / 1000;
  distill = { sentences: eng.length, onnx_seconds: Number(onnxS.toFixed(1)), onnx_sentences_per_s: Math.round(eng.length / onnxS), tfjs_sample: few.length, tfjs_sentences_per_s: Math.round(few.length / tfjsS) };
  log(`teacher cache of the distill bitext (${eng.length} English sentences, token states): ${distill.onnx_seconds} s on ONNX Runtime (${distill.onnx_sentences_per_s}/s); tfjs on ${few.length} of them: ${distill.tfjs_sentences_per_s}/s`);
}
const result = {
  sentences_per_s: main.sentences_per_s,
  sentences_per_s_tfjs: mainTf.sentences_per_s,
  speedup: Number((main.sentences_per_s / mainTf.sentences_per_s).toFixed(2)),
  what: 'teacher (USE-lite) encode() on English Bible verses; ONNX Runtime vs tfjs-wasm',
  ort_threads: ortThreads(),
  gemm_gflops: Number(gemm.toFixed(1)),
  runs,
  ...(distill ? { distill_bitext: distill } : {}),
};
if (json) console.log(JSON.stringify(result));
else log(`teacher on Bible verses: ${result.sentences_per_s} sentences/s with ONNX Runtime, ${result.sentences_per_s_tfjs} with tfjs (×${result.speedup})`);
