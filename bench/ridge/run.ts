/**
 * bench/ridge: the kernel ridge product Q = X (Xᵀ P) (`fastLinearKernelOperator`) on one thread and
 * on two (ridge-threads.ts), on a seeded sparse X shaped like `optical distill`'s lexical features.
 *
 *   npm run bench:ridge              human-readable report
 *   npm run bench:ridge -- --json    one JSON object {one_thread_ms, two_thread_ms, speedup, n, nnz, d, …}
 *   options: --reps N (timed products per configuration, default 5), --n, --f, --per-row, --d,
 *   --block (columns per block, default 64; results do not depend on it)
 *
 * X: N = 10,000 rows, F = 200,000 features, ~210 stored values per row (distinct columns drawn with
 * density ∝ 1/√f, so low-numbered features are shared by many rows as frequent n-grams are), float32
 * values in (0, 1); P: [N, D = 512] uniform in (−0.5, 0.5). Each configuration: one warm-up product
 * (which also starts the worker), then the best of `--reps`, alternating one and two threads so both
 * see the same machine load. Also checks that the two results are bit-identical.
 */
import { loadavg } from 'node:os';
import { fastLinearKernelOperator } from '../../src/distill/ridge.ts';
import type { CsrMatrix } from '../../src/text/tfidf.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { benchArgs } from '../args.ts';

const { json, num: argNum } = benchArgs();
const REPS = argNum('--reps', 5);
const N = argNum('--n', 10_000);
const F = argNum('--f', 200_000);
const PER_ROW = argNum('--per-row', 210);
const D = argNum('--d', 512);
const BLOCK = argNum('--block', 64);
const log = (...x: unknown[]): void => {
  if (!json) console.log(...x);
};

function sparseRows(n: number, f: number, perRow: number, seed: number): CsrMatrix {
  const rnd = mulberry32(seed);
  const indptr = new Int32Array(n + 1);
  const indices = new Int32Array(Math.ceil(1.5 * perRow + 1) * n);
  const values = new Float32Array(indices.length);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const cols = new Set<number>();
    const want = Math.min(f, Math.max(1, Math.round(perRow * (0.5 + rnd())))); // 0.5–1.5 × perRow
    while (cols.size < want) cols.add(Math.floor(f * rnd() ** 2));
    for (const c of [...cols].sort((a, b) => a - b)) {
      indices[k] = c;
      values[k++] = rnd();
    }
    indptr[i + 1] = k;
  }
  return { indptr, indices: indices.slice(0, k), values: values.slice(0, k), nCols: f };
}

const t0 = performance.now();
const X = sparseRows(N, F, PER_ROW, 2026);
const nnz = X.indices.length;
const rnd = mulberry32(7);
const P = Float64Array.from({ length: N * D }, () => rnd() - 0.5);
log(`X: [${N}, ${F}], nnz ${nnz} (${(nnz / N).toFixed(0)} per row), D = ${D}; built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

const one = fastLinearKernelOperator(X, BLOCK, { threads: 1 });
const two = fastLinearKernelOperator(X, BLOCK, { threads: 2 });
const q1 = new Float64Array(N * D);
const q2 = new Float64Array(N * D);
const time = (f: () => void): number => {
  const s = performance.now();
  f();
  return performance.now() - s;
};
const warm1 = time(() => one.apply(P, q1, D));
const warm2 = time(() => two.apply(P, q2, D));
log(`warm-up: 1 thread ${warm1.toFixed(0)} ms, 2 threads ${warm2.toFixed(0)} ms (includes starting the worker; ran on ${two.threadsUsed} threads)`);
const t1: number[] = [];
const t2: number[] = [];
for (let r = 0; r < REPS; r++) {
  t1.push(time(() => one.apply(P, q1, D)));
  t2.push(time(() => two.apply(P, q2, D)));
}
let identical = two.threadsUsed === 2;
for (let i = 0; i < q1.length && identical; i++) identical = Object.is(q1[i], q2[i]);
two.dispose();
one.dispose();
const best1 = Math.min(...t1);
const best2 = Math.min(...t2);
const load = loadavg().map((x) => Number(x.toFixed(2)));
const result = {
  one_thread_ms: Number(best1.toFixed(1)),
  two_thread_ms: Number(best2.toFixed(1)),
  speedup: Number((best1 / best2).toFixed(3)),
  n: N,
  nnz,
  d: D,
  block: BLOCK,
  identical,
  loadavg: load,
  time: new Date().toISOString(),
};
if (json) console.log(JSON.stringify(result));
else {
  log(`1 thread:  best ${best1.toFixed(0)} ms of [${t1.map((t) => t.toFixed(0)).join(', ')}]`);
  log(`2 threads: best ${best2.toFixed(0)} ms of [${t2.map((t) => t.toFixed(0)).join(', ')}]`);
  log(`worker computed ${two.workerBlocks} of ${(REPS + 1) * Math.ceil(D / BLOCK)} column blocks`);
log(`speed-up ${(best1 / best2).toFixed(2)}×; results bit-identical: ${identical}; load average ${load.join(' ')} at ${result.time}`);
}
if (!identical) process.exitCode = 1;
