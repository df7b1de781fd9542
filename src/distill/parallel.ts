/**
 * Data-parallel training steps on worker threads: a batch is split by rows into parts, the main thread
 * computes the first part while each worker computes one of the others (grad-worker.ts), and the gradients
 * are averaged with the parts' sizes as weights:
 *   L = Σ_p (B_p / B) ℓ_p,   ∂L/∂θ = Σ_p (B_p / B) ∂ℓ_p/∂θ          (ℓ_p: the objective's mean over part p)
 * which is the whole batch's loss and gradient for objectives that are means of per-sentence terms
 * (`ot`, `mse`; grads.ts `separable`), equal to the single-thread step up to float32 summation order;
 * dropout masks are the whole batch's rows (kona.ts `rowOffset`), so they agree too.
 * Workers read the transformer's weights from shared memory, which the main thread refreshes after each
 * optimiser step ({@link GradientPool.publish}). Kona students only.
 *
 * Legend: B batch rows, L padded tokens, E input width, H hidden width.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { tsWorkerSource } from '../util/ts-worker.ts';
import type { tf } from '../models/engine.ts';
import { KonaEncoder } from '../models/encoder.ts';
import type { Objective } from './objectives.ts';
import { partGradients, separable, type PartJob, type PartResult } from './grads.ts';

/**
 * Worker count for training: `OPTICAL_TRAIN_THREADS` (1 = no workers), else the core count (capped at 4).
 * Returns the number of threads, main included.
 */
export function trainThreads(): number {
  const env = Number(process.env['OPTICAL_TRAIN_THREADS']);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.min(4, availableParallelism());
}

export class GradientPool {
  private constructor(
    private readonly student: KonaEncoder,
    private readonly trainable: Record<string, tf.Variable>,
    private readonly objective: Objective,
    private readonly workers: Worker[],
    private readonly shared: Float32Array,
    private readonly layout: { name: string; shape: number[]; offset: number }[],
  ) {}

  /**
   * A pool of `threads − 1` workers for this student and objective, or undefined when data parallelism does
   * not apply (one thread, an objective that is not separable, or not a Kona student).
   */
  static async start(student: unknown, trainable: Record<string, tf.Variable>, objective: Objective, threads: number): Promise<GradientPool | undefined> {
    if (threads < 2 || !separable(objective) || !(student instanceof KonaEncoder)) return undefined;
    const kona = student;
    const layout: { name: string; shape: number[]; offset: number }[] = [];
    let n = 0;
    for (const [name, v] of Object.entries(trainable)) {
      layout.push({ name, shape: v.shape, offset: n });
      n += v.size;
    }
    const shared = new Float32Array(new SharedArrayBuffer(n * 4));
    const fixed: Record<string, { shape: number[]; data: Float32Array }> = {};
    for (const [k, t] of Object.entries(kona.params)) if (!trainable[k]) fixed[k] = { shape: t.shape, data: t.dataSync() as Float32Array };
    const pool = new GradientPool(kona, trainable, objective, [], shared, layout);
    pool.publish();
    // an eval worker that registers tsx's loader, then imports the TypeScript worker module
    const code = tsWorkerSource(new URL('./grad-worker.ts', import.meta.url).href);
    const data = { cfg: kona.cfg, layout, shared: shared.buffer, fixed, objective: objective.config() };
    for (let i = 1; i < threads; i++) {
      const w = new Worker(code, { eval: true, workerData: data });
      pool.workers.push(w);
      await new Promise<void>((resolve, reject) => {
        w.once('message', (m: { ready?: boolean; error?: string }) => (m.ready ? resolve() : reject(new Error(`training worker: ${m.error}`))));
        w.once('error', reject);
      });
    }
    return pool;
  }

  get threads(): number {
    return this.workers.length + 1;
  }

  /** Copy the current weights into shared memory (after every optimiser step). */
  publish(): void {
    for (const { name, offset } of this.layout) this.shared.set(this.trainable[name]!.dataSync() as Float32Array, offset);
  }

  /**
   * Loss and gradients of the whole batch from its parts: `jobs[0]` runs here, the others on the workers
   * (in parallel). Returns the size-weighted sums (see the file header); dEmbeds [B, L, E] and dSkip
   * [B, L, H] are the parts' rows in order.
   */
  async step(jobs: PartJob[]): Promise<PartResult> {
    const remote = jobs.slice(1).map((job, i) => {
      const w = this.workers[i]!;
      return new Promise<PartResult>((resolve, reject) => {
        w.once('message', (m: { ok?: PartResult; error?: string }) => (m.ok ? resolve(m.ok) : reject(new Error(`training worker: ${m.error}`))));
        w.postMessage(job);
      });
    });
    const local = partGradients(this.student.cfg, this.student.params, this.trainable, this.objective, jobs[0]!);
    const results = [local, ...(await Promise.all(remote))];
    const B = jobs.reduce((a, j) => a + j.B, 0);
    const w = jobs.map((j) => j.B / B);
    const grads: Record<string, Float32Array> = {};
    results.forEach((r, p) => {
      for (const [k, g] of Object.entries(r.grads)) {
        const acc = (grads[k] ??= new Float32Array(g.length));
        for (let i = 0; i < g.length; i++) acc[i]! += w[p]! * g[i]!;
      }
    });
    const cat = (key: 'dEmbeds' | 'dSkip') => {
      if (!results[0]![key]) return undefined;
      const out = new Float32Array(results.reduce((a, r) => a + r[key]!.length, 0));
      let o = 0;
      results.forEach((r, p) => {
        const x = r[key]!;
        for (let i = 0; i < x.length; i++) out[o + i] = w[p]! * x[i]!;
        o += x.length;
      });
      return out;
    };
    const parts: Record<string, number> = {};
    results.forEach((r, p) => {
      for (const [k, v] of Object.entries(r.parts)) parts[k] = (parts[k] ?? 0) + (k.endsWith('_unconverged') ? v : w[p]! * v);
    });
    return { loss: results.reduce((a, r, p) => a + w[p]! * r.loss, 0), parts, grads, dEmbeds: cat('dEmbeds')!, dSkip: cat('dSkip') };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
