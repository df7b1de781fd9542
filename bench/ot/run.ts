/**
 * bench/ot: optical's OT solvers against POT, on the same problems, in the same script run.
 *
 *   npm run bench:ot              human-readable report
 *   npm run bench:ot -- --json    one JSON object (batch256_ratio, single512_ratio, max_rel_err, unconverged, …)
 *   options: --reps N (timing repetitions, default 7), --python PATH (default /usr/bin/python3)
 *
 * Problems (seeded, written as float64 files to a temp dir that pot_anchor.py reads):
 * - batch: 256 problems of 32×32, cosine costs 1 − <x, y> of random unit vectors in R^16 (costs
 *   in [0, 2]), uniform marginals, ε = 0.05, tol 1e-6, maxIter 1000. POT: a loop of
 *   `ot.sinkhorn(method='sinkhorn_log')`; ours: `sinkhornBatched` (method 'auto').
 * - single: one 512×512 problem of the same kind, 100 iterations (tol 0), ε = 0.05 and ε = 1e-3.
 *   POT: `ot.sinkhorn(method='sinkhorn')` (kernel domain); ours: `sinkhorn` (method 'auto').
 * - agreement: random small problems (balanced entropic, unbalanced, exact) solved to
 *   convergence by both; relative errors of cost and plan.
 * POT runs as two servers (pot_anchor.py; numpy's OpenBLAS with default threads and with
 * OPENBLAS_NUM_THREADS=1) whose timed runs alternate with ours, so all see the same machine load;
 * timings are the best of `--reps` runs after a warm-up, and POT's time is the faster of its two
 * configurations.
 * Requires Debian's python3-pot (`apt-get install -y python3-pot`); bench only, never a test dependency.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { emd, sinkhorn, sinkhornBatched, sinkhornLogBatched, sinkhornUnbalanced, type BatchedResult, type OTResult } from '../../src/ot/index.ts';
import { cosineCost, rng, simplex, unitVectors } from '../../src/ot/testing.ts';
import { benchArgs } from '../args.ts';

const { json, str: argVal } = benchArgs();
const REPS = Number(argVal('--reps', '7'));
const PYTHON = argVal('--python', '/usr/bin/python3');
const log = (...x: unknown[]): void => {
  if (!json) console.log(...x);
};

const dir = mkdtempSync(join(tmpdir(), 'optical-bench-ot-'));
const write = (name: string, x: Float64Array): void => writeFileSync(join(dir, name), new Uint8Array(x.buffer, x.byteOffset, x.byteLength));
const read = (name: string): Float64Array => {
  const buf = readFileSync(join(dir, name));
  return new Float64Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
};

const min = (x: number[]): number => Math.min(...x);

// ---- problems
const D = 16;
const B = 256;
const N = 32;
const batchCost = new Float64Array(B * N * N);
{
  const r = rng(2026);
  for (let k = 0; k < B; k++) cosineCost(unitVectors(r, N, D), unitVectors(r, N, D), N, N, D, batchCost, k * N * N);
}
const S = 512;
const singleCost = (() => {
  const r = rng(512);
  return cosineCost(unitVectors(r, S, D), unitVectors(r, S, D), S, S, D);
})();
interface Agree {
  kind: 'balanced' | 'unbalanced' | 'exact';
  n: number;
  m: number;
  eps: number;
  tau: number;
  C: Float64Array;
  a: Float64Array;
  b: Float64Array;
}
const agree: Agree[] = [];
{
  const r = rng(7);
  const kinds: Agree['kind'][] = ['balanced', 'balanced', 'balanced', 'balanced', 'balanced', 'balanced', 'unbalanced', 'unbalanced', 'unbalanced', 'exact', 'exact', 'exact'];
  const epss = [0.05, 0.1, 0.5];
  kinds.forEach((kind, k) => {
    const n = 8 + Math.floor(r() * 57);
    const m = 8 + Math.floor(r() * 57);
    const d = 2 + Math.floor(r() * 14);
    const C = cosineCost(unitVectors(r, n, d), unitVectors(r, m, d), n, m, d);
    const a = simplex(r, n);
    const b = simplex(r, m, kind === 'unbalanced' ? 1.5 : 1);
    agree.push({ kind, n, m, eps: epss[k % 3] as number, tau: 1, C, a, b });
  });
}

write('batch_cost.f64', batchCost);
write('single_cost.f64', singleCost);
agree.forEach((p, k) => {
  write(`agree_${k}_C.f64`, p.C);
  write(`agree_${k}_a.f64`, p.a);
  write(`agree_${k}_b.f64`, p.b);
});
const SINGLE_EPS = [0.05, 1e-3];
writeFileSync(
  join(dir, 'meta.json'),
  JSON.stringify({
    batch: { B, N, M: N, eps: 0.05, tol: 1e-6, maxIter: 1000, reps: Math.max(3, Math.ceil(REPS / 2)) },
    single: { n: S, eps: SINGLE_EPS, iters: 100, reps: REPS },
    agree: agree.map(({ kind, n, m, eps, tau }) => ({ kind, n, m, eps, tau })),
  }),
);

// ---- POT, as a server so that its timed runs interleave with ours (min over reps of each)
log(`starting POT (${PYTHON} bench/ot/pot_anchor.py) …`);
/**
 * Two POT servers: numpy's BLAS with its default threads, and with OPENBLAS_NUM_THREADS=1
 * (multi-threaded OpenBLAS collapses when the other core is busy). Ratios use the faster of the
 * two, i.e. POT's best configuration at that moment.
 */
function server(env: NodeJS.ProcessEnv) {
  const py = spawn(PYTHON, [join(import.meta.dirname, 'pot_anchor.py'), dir], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const it = createInterface({ input: py.stdout! })[Symbol.asyncIterator]();
  return {
    py,
    async call<T>(req: object | null): Promise<T> {
      if (req !== null) py.stdin!.write(JSON.stringify(req) + '\n');
      const next = await it.next();
      if (next.done) throw new Error('pot_anchor.py exited early (is python3-pot installed? apt-get install -y python3-pot)');
      return JSON.parse(next.value as string) as T;
    },
  };
}
const servers = [server({ ...process.env }), server({ ...process.env, OPENBLAS_NUM_THREADS: '1' })];
const POT_CONFIGS = ['default threads', 'OPENBLAS_NUM_THREADS=1'];
const pot = <T>(req: object | null, k = 0): Promise<T> => (servers[k] as ReturnType<typeof server>).call<T>(req);
await pot(null, 1);
const hello = await pot<{ pot_version: string; numpy_version: string }>(null);
interface PotBatch {
  ms: number;
  unconverged: number;
  values: number[];
}
interface PotSingle {
  ms: number;
  finite: boolean;
  marginal_error: number | null;
  value: number | null;
}

log('timing (POT and optical interleaved) …');
const problem = { cost: batchCost, batch: B, rows: N, cols: N };
const batchOpts = { epsilon: 0.05, tol: 1e-6, maxIter: 1000 };
const u = new Float64Array(S).fill(1 / S);
const t = {
  potBatch: [] as number[],
  potBatchBy: [[], []] as number[][],
  ourBatch: [] as number[],
  ourLog: [] as number[],
  potSingle: {} as Record<string, number[]>,
  potSingleBy: {} as Record<string, number[][]>,
  ourSingle: {} as Record<string, number[]>,
  potLog: {} as Record<string, number[]>,
};
let potBatchRes: PotBatch | undefined;
let ourBatchRes: BatchedResult | undefined;
let ourLogRes: BatchedResult | undefined;
const potSingleRes: Record<string, PotSingle> = {};
const ourSingleRes: Record<string, OTResult> = {};
const timed = <T>(fn: () => T): { out: T; ms: number } => {
  const t0 = performance.now();
  const out = fn();
  return { out, ms: performance.now() - t0 };
};
const BATCH_REPS = Math.max(3, Math.ceil(REPS / 2));
for (let rep = -1; rep < BATCH_REPS; rep++) {
  const p = await pot<PotBatch>({ cmd: 'batch' });
  const p1 = await pot<PotBatch>({ cmd: 'batch' }, 1);
  const o = timed(() => sinkhornBatched(problem, batchOpts));
  if (rep < 0) continue; // warm-up
  potBatchRes = p;
  ourBatchRes = o.out;
  t.potBatchBy[0]!.push(p.ms);
  t.potBatchBy[1]!.push(p1.ms);
  t.potBatch.push(Math.min(p.ms, p1.ms));
  t.ourBatch.push(o.ms);
  if (rep < Math.max(1, Math.ceil(REPS / 3))) {
    const l = timed(() => sinkhornLogBatched(problem, batchOpts));
    ourLogRes = l.out;
    t.ourLog.push(l.ms);
  }
}
for (const eps of SINGLE_EPS) {
  const k = String(eps);
  t.potSingle[k] = [];
  t.potSingleBy[k] = [[], []];
  t.ourSingle[k] = [];
  t.potLog[k] = [];
  for (let rep = -1; rep < REPS; rep++) {
    const p = await pot<PotSingle>({ cmd: 'single', eps });
    const p1 = await pot<PotSingle>({ cmd: 'single', eps }, 1);
    const o = timed(() => sinkhorn(u, u, singleCost, { epsilon: eps, maxIter: 100, tol: 0 }));
    if (rep < 0) continue;
    potSingleRes[k] = p;
    ourSingleRes[k] = o.out;
    t.potSingleBy[k]![0]!.push(p.ms);
    t.potSingleBy[k]![1]!.push(p1.ms);
    t.potSingle[k]!.push(Math.min(p.ms, p1.ms));
    t.ourSingle[k]!.push(o.ms);
  }
  t.potLog[k]!.push(Math.min((await pot<PotSingle>({ cmd: 'single_log', eps })).ms, (await pot<PotSingle>({ cmd: 'single_log', eps }, 1)).ms));
}
const potAgree = await pot<{ values: number[] }>({ cmd: 'agree' });
for (const sv of servers) {
  sv.py.stdin!.write(JSON.stringify({ cmd: 'quit' }) + '\n');
  sv.py.stdin!.end();
}

const unconverged = ourBatchRes!.converged.reduce((s, c) => s + (c ? 0 : 1), 0);
let batchRel = 0;
for (let k = 0; k < B; k++) batchRel = Math.max(batchRel, Math.abs((ourBatchRes!.value[k] as number) - (potBatchRes!.values[k] as number)) / Math.abs(potBatchRes!.values[k] as number));

// ---- agreement
let maxRelErr = 0;
let maxPlanErr = 0;
const agreeRows: string[] = [];
agree.forEach((p, k) => {
  let r: OTResult;
  if (p.kind === 'balanced') r = sinkhorn(p.a, p.b, p.C, { epsilon: p.eps, tol: 1e-13, maxIter: 200000 });
  else if (p.kind === 'unbalanced') r = sinkhornUnbalanced(p.a, p.b, p.C, { epsilon: p.eps, tau: p.tau, tol: 1e-13, maxIter: 200000 });
  else r = emd(p.a, p.b, p.C);
  const P = read(`agree_${k}_plan.pot.f64`);
  const pv = potAgree.values[k] as number;
  const rel = Math.abs(r.value - pv) / Math.abs(pv);
  let d1 = 0;
  let s1 = 0;
  for (let q = 0; q < P.length; q++) {
    d1 += Math.abs((r.plan[q] as number) - (P[q] as number));
    s1 += Math.abs(P[q] as number);
  }
  const planRel = d1 / s1;
  maxRelErr = Math.max(maxRelErr, rel);
  maxPlanErr = Math.max(maxPlanErr, planRel);
  agreeRows.push(`${p.kind.padEnd(10)} ${String(p.n).padStart(3)}×${String(p.m).padEnd(3)} ε=${p.kind === 'exact' ? '0   ' : String(p.eps).padEnd(4)} cost rel err ${rel.toExponential(2)}  plan rel L1 err ${planRel.toExponential(2)}  (${r.status}, ${r.iterations} it)`);
});
rmSync(dir, { recursive: true, force: true });

const potBatch = min(t.potBatch);
const ourBatch = min(t.ourBatch);
const s05 = ourSingleRes['0.05']!;
const s1e3 = ourSingleRes['0.001']!;
const p1e3 = potSingleRes['0.001']!;
const finite = (x: Float64Array): boolean => x.every((v) => Number.isFinite(v));
const result = {
  batch256_ratio: ourBatch / potBatch,
  single512_ratio: min(t.ourSingle['0.05']!) / min(t.potSingle['0.05']!),
  max_rel_err: maxRelErr,
  unconverged,
  max_plan_rel_err: maxPlanErr,
  batch256_ms: ourBatch,
  batch256_pot_ms: potBatch,
  batch256_pot_unconverged: potBatchRes!.unconverged,
  batch256_log_ms: min(t.ourLog),
  batch256_log_ratio: min(t.ourLog) / potBatch,
  batch256_log_unconverged: ourLogRes!.converged.reduce((s, c) => s + (c ? 0 : 1), 0),
  batch256_cost_rel_err_vs_pot: batchRel,
  single512_ms: min(t.ourSingle['0.05']!),
  single512_pot_ms: min(t.potSingle['0.05']!),
  single512_method: s05.method,
  eps1e3_finite: finite(s1e3.plan),
  eps1e3_method: s1e3.method,
  eps1e3_ms: min(t.ourSingle['0.001']!),
  eps1e3_marginal_error: s1e3.marginalError,
  eps1e3_pot_kernel_finite: p1e3.finite,
  eps1e3_pot_kernel_ms: min(t.potSingle['0.001']!),
  eps1e3_pot_kernel_marginal_error: p1e3.marginal_error,
  eps1e3_pot_log_ms: min(t.potLog['0.001']!),
  batch256_pot_ms_by_config: Object.fromEntries(POT_CONFIGS.map((c, q) => [c, min(t.potBatchBy[q]!)])),
  single512_pot_ms_by_config: Object.fromEntries(POT_CONFIGS.map((c, q) => [c, min(t.potSingleBy['0.05']![q]!)])),
  reps: REPS,
  pot_version: hello.pot_version,
  node_version: process.version,
};

if (json) {
  console.log(JSON.stringify(result));
} else {
  const f = (x: number) => x.toFixed(2);
  log('');
  log(`POT ${hello.pot_version} (numpy ${hello.numpy_version}) vs optical, Node ${process.version}; best of ${REPS} interleaved runs (batch: best of ${BATCH_REPS})`);
  log('');
  log(`batch 256×32×32, ε=0.05, tol 1e-6 (log-domain-stable):`);
  log(`  POT loop of sinkhorn_log   ${f(potBatch)} ms   unconverged ${potBatchRes!.unconverged}`);
  log(`  optical sinkhornBatched    ${f(ourBatch)} ms   unconverged ${unconverged}   ratio ${result.batch256_ratio.toFixed(3)}`);
  log(`  optical sinkhornLogBatched ${f(result.batch256_log_ms)} ms   unconverged ${result.batch256_log_unconverged}   ratio ${result.batch256_log_ratio.toFixed(3)}`);
  log(`  POT by config: ${JSON.stringify(result.batch256_pot_ms_by_config)}`);
  log(`  max cost rel diff vs POT (both at tol 1e-6): ${batchRel.toExponential(2)}`);
  log(`single 512×512, 100 iterations:`);
  log(`  ε=0.05  POT kernel ${f(result.single512_pot_ms)} ms | optical (${s05.method}) ${f(result.single512_ms)} ms  ratio ${result.single512_ratio.toFixed(3)}`);
  log(`          POT by config: ${JSON.stringify(result.single512_pot_ms_by_config)}`);
  log(`  ε=1e-3  POT kernel ${f(result.eps1e3_pot_kernel_ms)} ms finite=${p1e3.finite} marginal err ${p1e3.marginal_error} | POT log ${f(result.eps1e3_pot_log_ms)} ms`);
  log(`          optical (${s1e3.method}) ${f(result.eps1e3_ms)} ms finite=${result.eps1e3_finite} marginal err ${s1e3.marginalError.toExponential(2)}`);
  log(`agreement with POT (converged solves, float64):`);
  for (const row of agreeRows) log('  ' + row);
  log('');
  log(JSON.stringify(result, null, 1));
}
