/**
 * The dense AdamW update of the ONNX Runtime training step on a worker thread, while the main thread does the
 * step's other single-threaded work (the tables' gradients and their sparse updates, trainer.ts).
 *
 * Why: after the backward pass, ONNX Runtime is idle and the step's remaining work is JavaScript on one core:
 * the dense update (~37 ms a step for the 4.9M weights of the Swahili student) and the tables' gradients and
 * lazy updates. The two touch disjoint memory, so the second core can take the dense one. Measured (60-step
 * CPU profiles of the Swahili README run, 2026-11-23): the phase after the backward pass fell from 114 to
 * 106 ms a step, not by the whole 37 ms, since the two threads slow each other on the 2-core machine.
 *
 * Memory: the moments m, v live in shared memory (views handed to `ArrayAdam`, so checkpoints read and write
 * them as before). The gradients are copied into one shared buffer (a memory-speed copy: ONNX Runtime's
 * outputs may share their buffers with arrays the main thread still reads). The weights cannot live in shared
 * memory, since ONNX Runtime does not take shared arrays as inputs: their buffers are transferred to the
 * worker and back (no copy), and `end` returns the new arrays over the same memory; the caller's old arrays
 * are detached (length 0) meanwhile.
 *
 * Protocol: `begin` posts {seq, c, weights} on a MessageChannel, transferring the weights; the worker
 * updates them with `adamwUpdate` (the main thread's own loop, adamw-kernel.ts, so the result is the same bit
 * for bit), posts them back, then stores seq in the shared word DONE and notifies. `end` waits on DONE
 * (`Atomics.wait`) and takes the reply with `receiveMessageOnPort`, synchronously. Until the worker has
 * loaded (READY = 1), or after it failed, `begin` returns false and the caller updates on its own thread.
 */
import { MessageChannel, receiveMessageOnPort, type MessagePort, type Worker } from 'node:worker_threads';
import { backgroundTsWorker } from '../util/ts-worker.ts';
import type { AdamwCoefficients } from './adamw-kernel.ts';

/** Control words (Int32): READY (1 once loaded, −1 after a failure), DONE (the last finished request). */
export const READY = 0, DONE = 1; // prettier-ignore

/** What the worker gets at start (workerData). */
export interface AdamWorkerInit {
  ctrl: SharedArrayBuffer;
  port: MessagePort;
  /** name → [offset, length] in the shared m, v and gradient buffers (float32 elements) */
  layout: Record<string, [number, number]>;
  m: SharedArrayBuffer;
  v: SharedArrayBuffer;
  g: SharedArrayBuffer;
}

/** One request: update each of `weights` (transferred) with its gradient in the shared buffer, by name. */
export interface AdamRequest {
  seq: number;
  c: AdamwCoefficients;
  weights: Record<string, Float32Array>;
}

export class AdamOffload {
  private readonly ctrl = new Int32Array(new SharedArrayBuffer(8));
  private readonly port: MessagePort;
  private worker: Worker | undefined;
  private readonly g: Record<string, Float32Array> = {};
  private seq = 0;
  private inFlight = false;

  /** `layout`: name → [offset, length] in `m`, `v` (shared) and in the gradient buffer this makes. */
  constructor(
    private readonly layout: Record<string, [number, number]>,
    m: SharedArrayBuffer,
    v: SharedArrayBuffer,
    readonly waitMs = 60_000,
  ) {
    const total = Object.values(layout).reduce((a, [o, n]) => Math.max(a, o + n), 0);
    const g = new SharedArrayBuffer(4 * total);
    for (const [k, [o, n]] of Object.entries(layout)) this.g[k] = new Float32Array(g, 4 * o, n);
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    port1.unref();
    const init: AdamWorkerInit = { ctrl: this.ctrl.buffer as SharedArrayBuffer, port: port2, layout, m, v, g };
    this.worker = backgroundTsWorker(new URL('./adam-worker.ts', import.meta.url).href, { workerData: init, transferList: [port2] }, () => this.fail());
  }

  /** Whether the worker has loaded (requests go to it from then on). */
  get started(): boolean {
    return Atomics.load(this.ctrl, READY) === 1;
  }

  private fail(): void {
    Atomics.store(this.ctrl, READY, -1);
    Atomics.notify(this.ctrl, DONE);
    this.worker = undefined;
  }

  /**
   * Start updating `weights[k]` for each k of `grads` on the worker; false (nothing started, nothing
   * transferred) when the worker is not ready or a weight does not own its whole buffer.
   */
  begin(weights: Record<string, Float32Array>, grads: Record<string, Float32Array>, c: AdamwCoefficients): boolean {
    if (this.inFlight) throw new Error('AdamOffload: begin() twice without end()');
    if (!this.worker || !this.started) return false;
    const names = Object.keys(grads);
    for (const k of names) {
      const w = weights[k], g = grads[k]!, slot = this.g[k];
      if (!w || !slot || w.length !== slot.length || g.length !== slot.length || w.byteOffset !== 0 || w.byteLength !== w.buffer.byteLength || w.buffer instanceof SharedArrayBuffer) return false;
    }
    const sent: Record<string, Float32Array> = {};
    for (const k of names) {
      this.g[k]!.set(grads[k]!);
      sent[k] = weights[k]!;
    }
    const seq = ++this.seq;
    this.port.postMessage({ seq, c, weights: sent } satisfies AdamRequest, Object.values(sent).map((w) => w.buffer as ArrayBuffer));
    this.inFlight = true;
    return true;
  }

  /** Wait for the request `begin` started; returns the updated weights (new arrays over the transferred memory). */
  end(): Record<string, Float32Array> {
    if (!this.inFlight) throw new Error('AdamOffload: end() without begin()');
    const until = performance.now() + this.waitMs;
    for (;;) {
      const msg = receiveMessageOnPort(this.port);
      if (msg) {
        this.inFlight = false;
        return (msg.message as AdamRequest).weights;
      }
      const done = Atomics.load(this.ctrl, DONE);
      const left = until - performance.now();
      if (Atomics.load(this.ctrl, READY) !== 1 || left <= 0) {
        this.inFlight = false;
        throw new Error(`the optimiser's worker thread ${left <= 0 ? `did not answer in ${this.waitMs / 1000} s` : 'stopped'} during an update: the weights it held are lost; rerun with --resume from the last checkpoint, or OPTICAL_ADAM_WORKER=0`);
      }
      // the reply is posted before DONE is stored: wait for DONE to pass seq, then read the port again
      if (done < this.seq) Atomics.wait(this.ctrl, DONE, done, Math.min(left, 1000));
    }
  }

  /** Stop the worker (after `end`). */
  dispose(): void {
    const w = this.worker;
    this.worker = undefined;
    this.port.close();
    void w?.terminate();
  }
}
