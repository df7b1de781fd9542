/**
 * The worker side of the multi-threaded ridge kernel product (ridge-threads.ts): copies X and Xᵀ into its
 * own wasm instance, then, for each product, claims column blocks of P [N, D] (shared) from the shared
 * counter, computes them with the same code as the main thread (ridge.ts `spmmBlock`) into the
 * staging Q [N, D] and flags them. Sleeps in `Atomics.wait` between products.
 */
import { workerData, receiveMessageOnPort } from 'node:worker_threads';
import { getSpmmModule, spmmBlock, wasmKernel, type WasmKernel } from './ridge.ts';
import { BY_WORKER, CMD, CMD_APPLY, CMD_ATTACH, CMD_EXIT, DIM, DONE, NBLK, NEXT, SEQ, STATE, type RidgeWorkerAttach, type RidgeWorkerInit } from './ridge-threads.ts';

function main(init: RidgeWorkerInit): void {
  const I = new Int32Array(init.ctrl);
  const me = init.id;
  const fail = (): void => {
    Atomics.store(I, STATE + me, -1);
    Atomics.notify(I, STATE + me);
    Atomics.notify(I, DONE + me);
    init.port.close();
  };
  let wc: WasmKernel;
  try {
    const mod = getSpmmModule();
    if (!mod) throw new Error('WebAssembly SIMD unavailable');
    wc = wasmKernel(mod, init.X, init.block);
  } catch {
    fail();
    return;
  }
  Atomics.store(I, STATE + me, 1);
  Atomics.notify(I, STATE + me);
  let P: Float64Array = new Float64Array(0);
  let Q: Float64Array = new Float64Array(0);
  let flags: Int32Array = new Int32Array(0);
  let seq = 0;
  for (;;) {
    Atomics.wait(I, SEQ, seq);
    const s = Atomics.load(I, SEQ);
    if (s === seq) continue;
    seq = s;
    const cmd = I[CMD];
    if (cmd === CMD_EXIT) break;
    try {
      if (cmd === CMD_ATTACH) {
        const m = receiveMessageOnPort(init.port)!.message as RidgeWorkerAttach;
        P = new Float64Array(m.P);
        Q = new Float64Array(m.Q);
        flags = new Int32Array(m.flags);
      } else if (cmd === CMD_APPLY) {
        const d = I[DIM]!;
        const nb = I[NBLK]!;
        for (let k = Atomics.add(I, NEXT, 1); k < nb; k = Atomics.add(I, NEXT, 1)) {
          spmmBlock(wc, P, Q, d, k);
          Atomics.store(flags, k, BY_WORKER);
        }
      }
    } catch {
      fail();
      return;
    }
    Atomics.store(I, DONE + me, seq);
    Atomics.notify(I, DONE + me);
  }
  init.port.close();
}

main(workerData as RidgeWorkerInit);
