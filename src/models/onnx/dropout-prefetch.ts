/**
 * Dropout masks drawn one training step ahead on a worker thread.
 *
 * Why: the ONNX Runtime step (train-step.ts) draws its masks with the seeded Alea generator on the main
 * thread (`dropoutMultipliers`: 1 + 2·layers masks of [B, L, width], ~4.7M draws and ~44 ms a step for the
 * Swahili bitext), while only ONNX Runtime's products use the second core. The masks of step k + 1 depend
 * only on its shape and seed, both known before step k starts, so a worker draws them during step k. The
 * values are the very ones `dropoutMultipliers` returns (the worker calls it), so training is unchanged bit
 * for bit, prefetched or not.
 *
 * Protocol: `request(jobs)` posts one message {seq, buffer, jobs} to the worker; it fills each job's
 * Float32Array view of the shared buffer with `dropoutMultipliers([n], rate, seed)` and then stores seq in
 * the shared control word DONE (`Atomics.notify`). `take(n, rate, seed)` returns the view of a requested
 * job with the same (n, rate, seed) once its request is done (`Atomics.wait`, at most `waitMs`), or
 * undefined (the caller draws the mask itself): before the worker has started, after a failure, or for a
 * mask nobody requested. Requests alternate between two buffers, so a mask taken from one request stays
 * valid until the request after next; the trainer requests step k + 1 when step k starts, and step k's masks
 * (read by its forward and backward) are not overwritten while it runs.
 */
import type { Worker } from 'node:worker_threads';
import { backgroundTsWorker } from '../../util/ts-worker.ts';

/** Control words (Int32): READY (1 once the worker has loaded, −1 after a failure), DONE (last finished request). */
export const READY = 0, DONE = 1; // prettier-ignore

export interface MaskJob {
  /** number of values (B·L·width) */
  n: number;
  rate: number;
  seed: number;
}

/** What the worker receives per request. */
export interface MaskRequest {
  seq: number;
  buffer: SharedArrayBuffer;
  jobs: (MaskJob & { offset: number })[];
}

interface Pending {
  seq: number;
  views: Map<string, Float32Array>;
}

const key = (n: number, rate: number, seed: number): string => `${n}:${rate}:${seed}`;

export class DropoutPrefetcher {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private readonly buffers: (SharedArrayBuffer | undefined)[] = [undefined, undefined];
  private seq = 0;
  /** the last two requests (slot = seq % 2) */
  private pending: Pending[] = [];
  private worker: Worker | undefined;
  /** masks handed out from the worker, and drawn by the caller instead (for tests and notes) */
  hits = 0;
  misses = 0;

  /** Start the worker (it loads in the background; `take` draws nothing from it until then). */
  constructor(readonly waitMs = 10_000) {
    this.worker = backgroundTsWorker(new URL('./dropout-worker.ts', import.meta.url).href, { workerData: { ctrl: this.ctrl.buffer } }, () => this.fail());
  }

  /** Whether the worker has loaded (masks are handed out from then on). */
  get started(): boolean {
    return Atomics.load(this.ctrl, READY) === 1;
  }

  private fail(): void {
    Atomics.store(this.ctrl, READY, -1);
    this.worker = undefined;
  }

  /** Ask for the masks of `jobs` (the next step's), drawn in the background. */
  request(jobs: MaskJob[]): void {
    if (!this.worker || Atomics.load(this.ctrl, READY) < 0) return;
    const seq = ++this.seq;
    const slot = seq % 2;
    const total = jobs.reduce((a, j) => a + j.n, 0);
    if (!this.buffers[slot] || this.buffers[slot]!.byteLength < 4 * total) this.buffers[slot] = new SharedArrayBuffer(4 * Math.ceil(total * 1.25));
    const buffer = this.buffers[slot]!;
    const views = new Map<string, Float32Array>();
    let offset = 0;
    const placed = jobs.map((j) => {
      views.set(key(j.n, j.rate, j.seed), new Float32Array(buffer, 4 * offset, j.n));
      const p = { ...j, offset };
      offset += j.n;
      return p;
    });
    this.pending = [...this.pending.filter((p) => p.seq === seq - 1), { seq, views }];
    this.worker.postMessage({ seq, buffer, jobs: placed } satisfies MaskRequest);
  }

  /** The prefetched mask for (n, rate, seed), or undefined (see the file header). */
  take(n: number, rate: number, seed: number): Float32Array | undefined {
    const k = key(n, rate, seed);
    const p = this.pending.find((q) => q.views.has(k));
    if (!p || Atomics.load(this.ctrl, READY) !== 1) return this.miss();
    const until = performance.now() + this.waitMs;
    for (let done = Atomics.load(this.ctrl, DONE); done < p.seq; done = Atomics.load(this.ctrl, DONE)) {
      const left = until - performance.now();
      if (left <= 0 || Atomics.load(this.ctrl, READY) !== 1) return this.miss();
      Atomics.wait(this.ctrl, DONE, done, left);
    }
    this.hits++;
    return p.views.get(k);
  }

  private miss(): undefined {
    this.misses++;
    return undefined;
  }

  /** Stop the worker. */
  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    this.pending = [];
    void w?.terminate();
  }
}
