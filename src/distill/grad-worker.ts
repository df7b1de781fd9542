/**
 * The worker side of data-parallel training (parallel.ts): holds a copy of a Kona student's transformer,
 * refreshed from shared memory before every job, and answers each {@link PartJob} with its
 * {@link PartResult} (gradients as transferable arrays).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { tf, initEngine } from '../models/engine.ts';
import type { KonaConfig, KonaParams } from '../models/kona.ts';
import { objectiveFromConfig, partGradients, type PartJob } from './grads.ts';

interface Init {
  cfg: KonaConfig;
  /** trainable parameters: name, shape, offset into `shared` */
  layout: { name: string; shape: number[]; offset: number }[];
  shared: SharedArrayBuffer;
  /** fixed parameters (the timing signal) */
  fixed: Record<string, { shape: number[]; data: Float32Array }>;
  objective: Record<string, unknown>;
}

await initEngine();
const init = workerData as Init;
const all = new Float32Array(init.shared);
const params: KonaParams = {};
const trainable: Record<string, tf.Variable> = {};
for (const [k, v] of Object.entries(init.fixed)) params[k] = tf.tensor(v.data, v.shape);
for (const { name, shape, offset } of init.layout) {
  const n = shape.reduce((a, b) => a * b, 1);
  trainable[name] = tf.variable(tf.tensor(all.subarray(offset, offset + n), shape), true);
  params[name] = trainable[name];
}
const objective = objectiveFromConfig(init.objective);

parentPort!.on('message', (job: PartJob) => {
  try {
    for (const { name, shape, offset } of init.layout) {
      const t = tf.tensor(all.subarray(offset, offset + shape.reduce((a, b) => a * b, 1)), shape);
      trainable[name]!.assign(t);
      t.dispose();
    }
    const r = partGradients(init.cfg, params, trainable, objective, job);
    // transfer the arrays' buffers when they own them whole (dataSync copies out of the wasm heap)
    const whole = (a: Float32Array) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength;
    const transfer = [r.dEmbeds, ...(r.dSkip ? [r.dSkip] : []), ...Object.values(r.grads)].filter(whole).map((a) => a.buffer as ArrayBuffer);
    parentPort!.postMessage({ ok: r }, transfer);
  } catch (e) {
    parentPort!.postMessage({ error: (e as Error).stack ?? String(e) });
  }
});
parentPort!.postMessage({ ready: true });
