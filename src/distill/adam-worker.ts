/**
 * The worker of adam-offload.ts: for each request, updates the transferred weights in place with the shared
 * moments and gradients (`adamwUpdate`, the main thread's loop), posts them back, then stores the request's
 * number in DONE and notifies. On a failure it stores −1 in READY (the main thread then reports it).
 */
import { workerData } from 'node:worker_threads';
import { adamwUpdate } from './adamw-kernel.ts';
import { DONE, READY, type AdamRequest, type AdamWorkerInit } from './adam-offload.ts';

const init = workerData as AdamWorkerInit;
const ctrl = new Int32Array(init.ctrl);
const view = (buf: SharedArrayBuffer): Record<string, Float32Array> =>
  Object.fromEntries(Object.entries(init.layout).map(([k, [o, n]]) => [k, new Float32Array(buf, 4 * o, n)]));
const m = view(init.m), v = view(init.v), g = view(init.g);

init.port.on('message', (r: AdamRequest) => {
  try {
    for (const [k, w] of Object.entries(r.weights)) adamwUpdate(w, m[k]!, v[k]!, g[k]!, 0, 0, w.length, r.c);
    init.port.postMessage(r, Object.values(r.weights).map((w) => w.buffer as ArrayBuffer));
    Atomics.store(ctrl, DONE, r.seq);
  } catch {
    Atomics.store(ctrl, READY, -1);
  }
  Atomics.notify(ctrl, DONE);
});
Atomics.store(ctrl, READY, 1);
