/**
 * bench/ridge/cholesky.ts: the blocked Cholesky of the closed-form fits (src/distill/cholesky.ts) against
 * ONNX Runtime's own GEMM rate in the same process (the anchor).
 *
 *   npm run bench:cholesky              human-readable report
 *   npm run bench:cholesky -- --json    one JSON object {factor_ms, solve_ms, gemm_gflops, factor_gflops, ratio, …}
 *   options: --n (default 9295, the README bitext's fit rows), --d (right-hand sides, 512), --block (512)
 *
 * A: a seeded SPD matrix G Gᵀ / k + I ([n, n], G [n, 600]); Y [n, d] uniform. factor_gflops counts the
 * factorisation's useful n³/3 flops; ratio = factor_gflops / gemm_gflops, where gemm_gflops is the best of 3
 * products [n, 512] · [512, n] (the trailing update's shape at the first block) run just before. Also reports
 * the relative residual ‖Y − A X‖ / ‖Y‖ of the solve.
 */
import { loadavg } from 'node:os';
import { OrtProducts, ortAvailable, ortUnavailableReason } from '../../src/models/onnx/index.ts';
import { choleskyFactor, choleskySolveFactored } from '../../src/distill/cholesky.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { benchArgs } from '../args.ts';

const { json, num: argNum } = benchArgs();
const N = argNum('--n', 9295);
const D = argNum('--d', 512);
const BLOCK = argNum('--block', 512);
const log = (...x: unknown[]): void => {
  if (!json) console.log(...x);
};
if (!ortAvailable()) {
  console.error(`bench:cholesky needs ONNX Runtime: ${ortUnavailableReason()}`);
  process.exit(1);
}
const ops = new OrtProducts();
const rnd = mulberry32(2026);
const k = 600;
const G = Float32Array.from({ length: N * k }, () => rnd() - 0.5);
const A = ops.mm(G, G, N, k, N, { tb: true });
for (let i = 0; i < N * N; i++) A[i] = A[i]! / k;
for (let i = 0; i < N; i++) A[i * N + i]! += 1;
const Y = Float32Array.from({ length: N * D }, () => rnd() - 0.5);

const P = Float32Array.from({ length: N * BLOCK }, () => rnd() - 0.5);
ops.mm(P, P, N, BLOCK, N, { tb: true }); // warm-up
const gemm: number[] = [];
for (let r = 0; r < 3; r++) {
  const t = performance.now();
  ops.mm(P, P, N, BLOCK, N, { tb: true });
  gemm.push(performance.now() - t);
}
const gemmGflops = (2 * N * N * BLOCK) / Math.min(...gemm) / 1e6;
log(`anchor: ONNX Runtime GEMM [${N}, ${BLOCK}] · [${BLOCK}, ${N}] best ${Math.min(...gemm).toFixed(0)} ms, ${gemmGflops.toFixed(0)} GFLOP/s`);

const t0 = performance.now();
const F = choleskyFactor(A, N, ops, { block: BLOCK });
const t1 = performance.now();
const X = choleskySolveFactored(F, Y, D, ops);
const t2 = performance.now();
const AX = ops.mm(A, X, N, N, D);
let rr = 0, yy = 0;
for (let i = 0; i < N * D; i++) (rr += (Y[i]! - AX[i]!) ** 2), (yy += Y[i]! ** 2);
const factorMs = t1 - t0;
const factorGflops = N ** 3 / 3 / factorMs / 1e6;
const result = {
  n: N,
  d: D,
  block: BLOCK,
  factor_ms: Math.round(factorMs),
  solve_ms: Math.round(t2 - t1),
  factor_gflops: Number(factorGflops.toFixed(1)),
  gemm_gflops: Number(gemmGflops.toFixed(1)),
  ratio: Number((factorGflops / gemmGflops).toFixed(3)),
  relative_residual: Number(Math.sqrt(rr / yy).toExponential(2)),
  loadavg: loadavg().map((x) => Number(x.toFixed(2))),
  time: new Date().toISOString(),
};
if (json) console.log(JSON.stringify(result));
else {
  log(`factorisation ${result.factor_ms} ms (${result.factor_gflops} GFLOP/s of n³/3: ${(100 * result.ratio).toFixed(0)} % of the GEMM rate); solve with ${D} right-hand sides ${result.solve_ms} ms`);
  log(`relative residual ${result.relative_residual}; load average ${result.loadavg.join(' ')} at ${result.time}`);
}
