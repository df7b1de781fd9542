/**
 * What the machine's cores give to float32 matrix products: ONNX Runtime's GEMM rate with 1 and 2 intra-op
 * threads, and with two 1-thread processes running at the same time (what data parallelism over the cores
 * could get at best). A product of the training step's shape, [M, 512] · [512, 1536] (the FFN's first
 * layer for a batch of 32 × 57 pieces: M = 1,824), and one of the encoding bench's, M = 2,048.
 *
 *   npx tsx bench/cores/run.ts [--json] [--rounds N]
 * JSON: {"gemm_1thread": GFLOP/s, "gemm_2threads": …, "gemm_2threads_nospin": … (intra-op threads not
 *        busy-waiting, as the training step's sessions), "gemm_2threads_fed_weights": … (the weights an
 *        input of each run, as in training, not a constant), "gemm_2procs_each": […], "gemm_2procs_total": …,
 *        "scaling_threads": 2threads / 1thread, "scaling_procs": total of the 2 processes / 1thread}
 * (best of N rounds of 5 products each; the M = 1,824 shape).
 */
import { parseArgs } from 'node:util';
import { spawn } from 'node:child_process';
import { cpus } from 'node:os';
import { GraphBuilder, OrtSession } from '../../src/models/onnx/index.ts';
import { FLOAT } from '../../src/models/onnx/proto.ts';

const { values: a } = parseArgs({ options: { json: { type: 'boolean', default: false }, rounds: { type: 'string', default: '5' }, child: { type: 'string' }, start: { type: 'string' } } });
const rounds = Number(a.rounds);

/** Best GFLOP/s of `rounds` rounds of 5 runs of `s` (one [M, K] · [K, N] product each); `until` (ms since epoch): keep going until then. */
function bestRate(s: OrtSession, feeds: Parameters<OrtSession['run']>[0], M: number, K: number, N: number, until = 0): number {
  s.run(feeds, ['y']);
  let best = Infinity;
  for (let r = 0; r < rounds || Date.now() < until; r++) {
    const t0 = performance.now();
    for (let i = 0; i < 5; i++) s.run(feeds, ['y']);
    best = Math.min(best, (performance.now() - t0) / 5);
  }
  s.dispose();
  return (2 * M * K * N) / best / 1e6;
}

/** [M, K] · [K, N] with constant weights on `threads` intra-op threads (ONNX Runtime's default spinning unless `spinning` is given). */
function gemm(threads: number, M = 1824, K = 512, N = 1536, until = 0, spinning?: boolean): number {
  const g = new GraphBuilder();
  g.named('MatMul', ['x', g.f32('w', [K, N], new Float32Array(K * N).fill(0.01))], 'y');
  const s = new OrtSession(g.model('gemm', [{ name: 'x', type: FLOAT, dims: ['M', K] }], [{ name: 'y', type: FLOAT, dims: ['M', N] }]), { threads, ...(spinning === undefined ? {} : { spinning }) });
  return bestRate(s, { x: { data: new Float32Array(M * K).fill(1), dims: [M, K] } }, M, K, N, until);
}

/** As `gemm` without spinning, but the weights are an input of each run (as in the training step, whose weights change every step). */
function gemmFedWeights(threads: number, M = 1824, K = 512, N = 1536): number {
  const g = new GraphBuilder();
  g.named('MatMul', ['x', 'w'], 'y');
  const s = new OrtSession(g.model('gemm_fed', [{ name: 'x', type: FLOAT, dims: ['M', K] }, { name: 'w', type: FLOAT, dims: [K, N] }], [{ name: 'y', type: FLOAT, dims: ['M', N] }]), { threads, spinning: false });
  return bestRate(s, { x: { data: new Float32Array(M * K).fill(1), dims: [M, K] }, w: { data: new Float32Array(K * N).fill(0.01), dims: [K, N] } }, M, K, N);
}

if (a.child !== undefined) {
  // a child process: wait for the common start, run 1-thread products for the given time, print the rate
  const start = Number(a.start);
  while (Date.now() < start) await new Promise((r) => setTimeout(r, 5));
  process.stdout.write(String(gemm(1, 1824, 512, 1536, start + Number(a.child))) + '\n');
  process.exit(0);
}

/** Two child processes of this script, each running 1-thread products over the same 4 s. */
async function twoProcesses(): Promise<number[]> {
  const start = Date.now() + 1500;
  const one = () =>
    new Promise<number>((resolve, reject) => {
      const p = spawn(process.execPath, [...process.execArgv, import.meta.filename, '--child', '4000', '--start', String(start), '--rounds', '1'], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('close', (code) => (code === 0 ? resolve(Number(out.trim())) : reject(new Error(`child exited ${code}`))));
    });
  return Promise.all([one(), one()]);
}

const one = gemm(1);
const two = gemm(2);
const twoNoSpin = gemm(2, 1824, 512, 1536, 0, false); // as the training step's sessions (gemm.ts)
const fed = gemmFedWeights(2);
const enc1 = gemm(1, 2048);
const enc2 = gemm(2, 2048);
const procs = await twoProcesses();
const total = procs[0]! + procs[1]!;
const r = {
  machine: `${cpus().length} cores (${cpus()[0]?.model.trim()})`,
  date: new Date().toISOString(),
  shape: '[1824, 512] x [512, 1536]',
  gemm_1thread: +one.toFixed(1),
  gemm_2threads: +two.toFixed(1),
  gemm_2threads_nospin: +twoNoSpin.toFixed(1),
  gemm_2threads_fed_weights: +fed.toFixed(1),
  gemm_2procs_each: procs.map((x) => +x.toFixed(1)),
  gemm_2procs_total: +total.toFixed(1),
  scaling_threads: +(two / one).toFixed(2),
  scaling_procs: +(total / one).toFixed(2),
  encode_shape_1thread: +enc1.toFixed(1),
  encode_shape_2threads: +enc2.toFixed(1),
};
if (a.json) process.stdout.write(JSON.stringify(r) + '\n');
else {
  console.log(`${r.machine}, ${r.date}; float32 GEMM ${r.shape}, ONNX Runtime, best of ${rounds} rounds`);
  console.log(`1 thread ${r.gemm_1thread} GFLOP/s; 2 threads ${r.gemm_2threads} (×${r.scaling_threads}); two 1-thread processes at once ${r.gemm_2procs_each.join(' + ')} = ${r.gemm_2procs_total} (×${r.scaling_procs})`);
  console.log(`2 threads without spinning (the training step's sessions): ${r.gemm_2threads_nospin}`);
  console.log(`2 threads, no spinning, weights fed as an input of each run (as in training): ${r.gemm_2threads_fed_weights}`);
  console.log(`encoding bench's shape [2048, 512] x [512, 1536]: 1 thread ${r.encode_shape_1thread}, 2 threads ${r.encode_shape_2threads}`);
}
