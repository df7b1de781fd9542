/**
 * The worker of dropout-prefetch.ts: for each request, fills the shared views with `dropoutMultipliers`
 * (the training step's own function) and stores the request's number in the control word DONE; on a
 * failure it stores −1 in READY and wakes the main thread, which then draws its masks itself.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { DONE, READY, type MaskRequest } from './dropout-prefetch.ts';
import { dropoutMultipliers } from './train-step.ts';

const ctrl = new Int32Array((workerData as { ctrl: SharedArrayBuffer }).ctrl);
parentPort!.on('message', (m: MaskRequest) => {
  try {
    for (const j of m.jobs) dropoutMultipliers([j.n], j.rate, j.seed, new Float32Array(m.buffer, 4 * j.offset, j.n));
    Atomics.store(ctrl, DONE, m.seq);
  } catch {
    Atomics.store(ctrl, READY, -1);
  }
  Atomics.notify(ctrl, DONE);
});
Atomics.store(ctrl, READY, 1);
