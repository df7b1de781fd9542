/**
 * Two-thread row passes for large kernel-domain problems: the main thread and one worker each run
 * the wasm row pass (`wasm.ts`) on half of the rows of `K` `[n, m]`, which lives in a shared
 * `WebAssembly.Memory`; the worker accumulates its `Kᵀu` into a separate buffer that the main
 * thread adds. One round trip per Sinkhorn iteration, synchronised with `Atomics` (spin, then
 * wait), so it only pays for large problems (see {@link PARALLEL_MIN_ENTRIES}).
 *
 * The worker is created lazily on the first large solve, is `unref`'d (never keeps the process
 * alive) and runs plain JS given as source text (no TS loader needed). If it cannot start within
 * a few seconds, everything falls back to one thread. `OPTICAL_OT_THREADS=1` disables it.
 */
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { WasmArena, WasmModule } from './wasm.ts';

/** Problems with fewer kernel entries (n·m) than this stay on one thread. */
export const PARALLEL_MIN_ENTRIES = 64 * 1024;

// control block (Int32 slots): 0 job sequence (main → worker), 1 done sequence (worker → main),
// 2 command (0 exit, 1 row pass, 2 attach memory), 3..11 row-pass arguments; Float64 at byte 64: err
const CTRL_BYTES = 128;
const SPIN = 200_000;

const WORKER_SOURCE = `
const { parentPort, receiveMessageOnPort } = require('node:worker_threads');
parentPort.once('message', (msg) => {
  const I = new Int32Array(msg.ctrl);
  const F = new Float64Array(msg.ctrl, 64, 1);
  const port = msg.port;
  let rowpass = null;
  let view = null;
  let seq = 0;
  Atomics.store(I, 1, -1); // ready
  Atomics.notify(I, 1);
  for (;;) {
    let spins = 0;
    while (Atomics.load(I, 0) === seq) {
      if (++spins > ${SPIN}) { Atomics.wait(I, 0, seq); spins = 0; }
    }
    seq = Atomics.load(I, 0);
    const cmd = I[2];
    if (cmd === 0) break;
    if (cmd === 2) {
      const m = receiveMessageOnPort(port).message;
      rowpass = new WebAssembly.Instance(m.module, { env: { memory: m.memory } }).exports.rowpass;
      view = new Float64Array(m.memory.buffer);
    } else if (cmd === 1) {
      view.fill(0, I[8] >> 3, (I[8] >> 3) + I[11]);
      F[0] = rowpass(I[3], I[4], I[5], I[6], I[7], I[8], I[9], I[10], I[11]);
    }
    Atomics.store(I, 1, seq);
    Atomics.notify(I, 1);
  }
  port.close();
});
`;

class Pool {
  private worker: Worker;
  private I: Int32Array;
  private F: Float64Array;
  private port: MessagePort;
  private seq = 0;
  private arena: WasmArena | null = null;
  ok = false;

  constructor() {
    const ctrl = new SharedArrayBuffer(CTRL_BYTES);
    this.I = new Int32Array(ctrl);
    this.F = new Float64Array(ctrl, 64, 1);
    const ch = new MessageChannel();
    this.port = ch.port1;
    this.worker = new Worker(WORKER_SOURCE, { eval: true });
    this.worker.unref();
    this.worker.on('error', () => {
      this.ok = false;
    });
    this.worker.postMessage({ ctrl, port: ch.port2 }, [ch.port2]);
    // wait (blocking) for the worker to come up
    const t0 = Date.now();
    while (Atomics.load(this.I, 1) !== -1 && Date.now() - t0 < 5000) Atomics.wait(this.I, 1, 0, 50);
    this.ok = Atomics.load(this.I, 1) === -1;
    Atomics.store(this.I, 1, 0);
  }

  private signal(cmd: number): void {
    this.I[2] = cmd;
    this.seq++;
    Atomics.store(this.I, 0, this.seq);
    Atomics.notify(this.I, 0);
  }

  /** Block until the worker finished the current job (false on timeout: worker gone). */
  private join(): boolean {
    let spins = 0;
    const t0 = Date.now();
    for (;;) {
      const d = Atomics.load(this.I, 1);
      if (d === this.seq) return true;
      if (++spins > SPIN) {
        Atomics.wait(this.I, 1, d, 100);
        spins = 0;
        if (Date.now() - t0 > 10_000) {
          this.ok = false;
          return false;
        }
      }
    }
  }

  attach(module: WasmModule, arena: WasmArena): boolean {
    if (this.arena === arena) return this.ok;
    this.port.postMessage({ module, memory: arena.memory });
    this.signal(2);
    if (!this.join()) return false;
    this.arena = arena;
    return true;
  }

  /** Start a row pass on the worker (returns immediately). */
  start(args: readonly number[]): void {
    for (let k = 0; k < 9; k++) this.I[3 + k] = args[k] as number;
    this.signal(1);
  }

  /** Wait for the started row pass; its error sum, or NaN if the worker died. */
  finish(): number {
    return this.join() ? (this.F[0] as number) : NaN;
  }
}

let pool: Pool | null | undefined;
let threadsSetting: number | undefined;

/**
 * Set the number of threads the OT solvers may use (1 or 2; default 2 unless
 * `OPTICAL_OT_THREADS=1`). Returns the previous setting.
 */
export function setOtThreads(n: number): number {
  const prev = otThreads();
  threadsSetting = n <= 1 ? 1 : 2;
  return prev;
}

export function otThreads(): number {
  if (threadsSetting !== undefined) return threadsSetting;
  const env = typeof process !== 'undefined' ? process.env?.OPTICAL_OT_THREADS : undefined;
  return env === '1' ? 1 : 2;
}

/** The shared worker, or null when disabled or unavailable. */
export function getPool(module: WasmModule, arena: WasmArena): Pool | null {
  if (otThreads() < 2) return null;
  if (pool === undefined) {
    try {
      pool = new Pool();
      if (!pool.ok) pool = null;
    } catch {
      pool = null;
    }
  }
  if (pool === null || !pool.ok) return null;
  return pool.attach(module, arena) ? pool : null;
}

export type { Pool };
