/**
 * Multi-threaded K·P for the linear kernel (ridge.ts `fastLinearKernelOperator`): the column blocks of
 * Q = X (Xᵀ P) are shared between the main thread and `threads − 1` worker threads.
 *
 * What is split: P, Q are [N, D]; the operator works on ⌈D / B⌉ blocks of B (= 64) columns, and block k
 * (Q[:, kB : kB + B] = X (Xᵀ P[:, kB : kB + B])) reads only its own columns of P. The threads claim
 * blocks from a shared counter (`Atomics.add`, so a thread slowed by other load simply takes fewer),
 * and each runs the whole block — pack, Z = Xᵀ P, Q = X Z, unpack — in its own wasm instance, which
 * holds its own copy of X and Xᵀ. Nothing is summed across threads.
 *
 * Why it is exact: every element of Q is computed by one thread with the same wasm code and the same
 * order of accumulation over X's stored values as on one thread (columns never mix: a last, partial
 * block is zero-padded to B, and B itself does not change any element's sum), so Q is bit-identical to
 * the one-thread operator's, whatever the thread count or the order in which blocks are claimed.
 *
 * Synchronisation (`KernelOperator.apply` is synchronous): the main thread copies P into a shared
 * [N, D] buffer, bumps a job sequence number (`Atomics.notify`), computes the blocks it claims straight
 * into Q, then `Atomics.wait`s until every worker has stored the job's number; workers write their
 * blocks into a shared [N, D] staging Q and flag each finished block, and the main thread copies the
 * flagged columns into Q. Workers sleep in `Atomics.wait` between products (no spinning). A worker
 * that fails (exception, or no answer within {@link JOIN_TIMEOUT_MS} plus 20× the main thread's block
 * time) leaves its blocks unflagged; the main thread computes those itself and the pool is shut down,
 * so results stay exact and later products run on one thread. Workers that do not start within
 * {@link START_TIMEOUT_MS} are dropped (no workers: one thread, silently).
 *
 * Memory per worker: X and Xᵀ (24 bytes per stored value: int32 index and float32 value each, plus
 * the row pointers) and its [N, B] and [F, B] float64 blocks (8·B·(N + F) bytes): about 160 MB for
 * N = 10⁴, F = 2·10⁵, nnz = 2.1·10⁶, plus the worker's own V8/tsx heap (~50 MB). Once per pool: the
 * shared P and staging Q (2 · 8·N·D bytes, 82 MB for D = 512).
 *
 * Measured (bench/ridge, `npm run bench:ridge`; N = 10⁴, F = 2·10⁵, nnz = 2.1·10⁶, D = 512, 2-core
 * machine, 2026-11-22, only while other experiments kept both cores busy, load average 4–5): no
 * speed-up. 10:34 UTC: 1 thread 2.5 s, 2 threads 3.0 s per product (0.85×); 10:25 UTC, with the
 * earlier scatter kernel: 4.4–4.7 s and 4.8–5.5 s (0.87–0.92×). Under that load the process got about
 * one core whatever its thread count (CPU time ≈ wall time with 1 and with 2 threads, 10:36 UTC), so
 * the split could not show; what it did show is its overhead: 2 threads spent 10–25% more CPU time
 * than 1 on a product (two Z's and two copies of X competing for the cache, the P and Q copies). The
 * speed-up on an idle machine was not measured; `OPTICAL_RIDGE_THREADS=1` turns the workers off.
 *
 * Workers are TypeScript (ridge-worker.ts, loaded through tsx like distill/parallel.ts), `unref`'d so
 * they never keep the process alive, and ended by `dispose()` (`fitKernelRidge` disposes its operator).
 */
import { Worker, MessageChannel, type MessagePort } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { ArgumentError } from '../errors.ts';
import type { CsrMatrix } from '../text/tfidf.ts';
import { tsWorkerSource } from '../util/ts-worker.ts';

/** Products with fewer multiply-adds than this per pass (nnz(X)·D) stay on one thread. */
export const RIDGE_PARALLEL_MIN_WORK = 2 ** 25;
/** Most threads a pool uses (main included). */
export const RIDGE_MAX_THREADS = 16;
/** How long a worker may take to start (register tsx, load, copy X into wasm memory). */
export const START_TIMEOUT_MS = 30_000;
/** Floor of how long the main thread waits for a worker's last block before computing it itself. */
export const JOIN_TIMEOUT_MS = 30_000;

// control block (Int32 slots): job sequence (main → workers), command, D, number of blocks, next
// unclaimed block; per worker w: STATE + w (0 starting, 1 ready, −1 failed), DONE + w (last job done)
export const SEQ = 0, CMD = 1, DIM = 2, NBLK = 3, NEXT = 4, STATE = 8, DONE = STATE + RIDGE_MAX_THREADS; // prettier-ignore
export const CMD_EXIT = 0, CMD_APPLY = 1, CMD_ATTACH = 2; // prettier-ignore
/** Block flags (shared Int32 [blocks]): not done, done by the main thread (in Q), done by a worker (in staging Q). */
export const PENDING = 0, BY_MAIN = 1, BY_WORKER = 2; // prettier-ignore
const CTRL_SLOTS = DONE + RIDGE_MAX_THREADS;

/** What a worker is started with (`workerData`). */
export interface RidgeWorkerInit {
  ctrl: SharedArrayBuffer;
  id: number;
  port: MessagePort;
  X: CsrMatrix;
  block: number;
}

/** Shared buffers sent to the workers (`CMD_ATTACH`): P and staging Q [N, D], block flags. */
export interface RidgeWorkerAttach {
  P: SharedArrayBuffer;
  Q: SharedArrayBuffer;
  flags: SharedArrayBuffer;
}

/**
 * Threads for the ridge kernel product: `OPTICAL_RIDGE_THREADS` (1 = one thread), else the core count
 * capped at 4. Main thread included.
 */
export function ridgeThreads(): number {
  const raw = process.env['OPTICAL_RIDGE_THREADS'];
  if (raw !== undefined && raw.trim() !== '') {
    const v = Number(raw);
    if (!Number.isInteger(v) || v < 1) throw new ArgumentError(`OPTICAL_RIDGE_THREADS must be a positive integer, got '${raw}'`);
    return Math.min(v, RIDGE_MAX_THREADS);
  }
  return Math.min(4, availableParallelism());
}

/** Computes column block k of Q ← K P (P, Q [N, D]) on the calling thread. */
export type BlockFn = (P: Float64Array, Q: Float64Array, d: number, k: number) => void;

interface Member {
  worker: Worker;
  id: number;
  port: MessagePort;
}

/** Worker threads holding copies of X, sharing the column blocks of each product with the main thread. */
export class RidgePool {
  private seq = 0;
  private P: Float64Array = new Float64Array(0);
  private Q: Float64Array = new Float64Array(0);
  private flags: Int32Array = new Int32Array(0);
  private isClosed = false;

  private constructor(
    private readonly I: Int32Array,
    private members: Member[],
    private readonly n: number,
    private readonly block: number,
  ) {}

  /**
   * Start `workers` workers for X (blocking until they are ready). Null when none could start.
   */
  static start(X: CsrMatrix, block: number, workers: number): RidgePool | null {
    const n = X.indptr.length - 1;
    const count = Math.min(workers, RIDGE_MAX_THREADS - 1);
    if (count < 1) return null;
    const ctrl = new SharedArrayBuffer(4 * CTRL_SLOTS);
    const I = new Int32Array(ctrl);
    const members: Member[] = [];
    try {
      const code = tsWorkerSource(new URL('./ridge-worker.ts', import.meta.url).href);
      const { indptr, indices, values, nCols } = X;
      for (let id = 0; id < count; id++) {
        const ch = new MessageChannel();
        const init: RidgeWorkerInit = { ctrl, id, port: ch.port2, X: { indptr, indices, values, nCols }, block };
        const worker = new Worker(code, { eval: true, workerData: init, transferList: [ch.port2] });
        worker.unref();
        worker.on('error', () => {}); // failures are seen through the control block; never crash the process
        ch.port1.unref();
        members.push({ worker, id, port: ch.port1 });
      }
    } catch {
      for (const m of members) end(m);
      return null;
    }
    const t0 = Date.now();
    for (const m of members) {
      while (Atomics.load(I, STATE + m.id) === 0 && Date.now() - t0 < START_TIMEOUT_MS) Atomics.wait(I, STATE + m.id, 0, 100);
    }
    const ready = members.filter((m) => Atomics.load(I, STATE + m.id) === 1);
    for (const m of members) if (!ready.includes(m)) end(m);
    return ready.length > 0 ? new RidgePool(I, ready, n, block) : null;
  }

  /** Threads sharing a product (main included); 1 once the pool is closed. */
  get threads(): number {
    return this.isClosed ? 1 : this.members.length + 1;
  }

  /** True after `dispose()`, or after a worker failed. */
  get closed(): boolean {
    return this.isClosed;
  }

  /**
   * Q ← K P for P, Q [N, D]: the ⌈D/B⌉ column blocks are claimed by this thread (`local`) and the
   * workers. Always completes Q exactly (a failed worker's blocks are computed here, and the pool
   * closes). Returns how many blocks the workers computed.
   */
  apply(P: Float64Array, Q: Float64Array, d: number, local: BlockFn): number {
    const { I, n, block } = this;
    const nb = Math.ceil(d / block);
    if (this.isClosed || !this.reserve(n * d, nb)) {
      for (let k = 0; k < nb; k++) local(P, Q, d, k);
      return 0;
    }
    const flags = this.flags;
    this.P.set(P.subarray(0, n * d));
    flags.fill(PENDING, 0, nb);
    I[DIM] = d;
    I[NBLK] = nb;
    Atomics.store(I, NEXT, 0);
    this.signal(CMD_APPLY);
    let slowest = 0;
    for (let k = Atomics.add(I, NEXT, 1); k < nb; k = Atomics.add(I, NEXT, 1)) {
      const t0 = performance.now();
      local(P, Q, d, k);
      Atomics.store(flags, k, BY_MAIN);
      slowest = Math.max(slowest, performance.now() - t0);
    }
    let ok = this.join(JOIN_TIMEOUT_MS + 20 * slowest);
    const S = this.Q;
    let byWorkers = 0;
    for (let k = 0; k < nb; k++) {
      const f = Atomics.load(flags, k);
      if (f === BY_MAIN) continue;
      if (f !== BY_WORKER) {
        ok = false;
        local(P, Q, d, k);
        continue;
      }
      byWorkers++;
      const c0 = k * block;
      const c1 = Math.min(d, c0 + block);
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = c0; c < c1; c++) Q[o + c] = S[o + c]!;
      }
    }
    if (!ok) this.dispose();
    return byWorkers;
  }

  /** Stop and end the workers (idempotent). */
  dispose(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.signal(CMD_EXIT);
    for (const m of this.members) end(m);
    this.members = [];
  }

  /** Shared P, staging Q of at least `nd` values and flags for `nb` blocks, sent to the workers. */
  private reserve(nd: number, nb: number): boolean {
    if (this.P.length >= nd && this.flags.length >= nb) return true;
    const msg: RidgeWorkerAttach = {
      P: new SharedArrayBuffer(8 * nd),
      Q: new SharedArrayBuffer(8 * nd),
      flags: new SharedArrayBuffer(4 * nb),
    };
    this.P = new Float64Array(msg.P);
    this.Q = new Float64Array(msg.Q);
    this.flags = new Int32Array(msg.flags);
    for (const m of this.members) m.port.postMessage(msg);
    this.signal(CMD_ATTACH);
    if (this.join(JOIN_TIMEOUT_MS)) return true;
    this.dispose();
    return false;
  }

  private signal(cmd: number): void {
    this.I[CMD] = cmd;
    this.seq++;
    Atomics.store(this.I, SEQ, this.seq);
    Atomics.notify(this.I, SEQ);
  }

  /** Wait until every worker finished the current job; false if one failed or timed out. */
  private join(timeoutMs: number): boolean {
    const { I, seq } = this;
    const t0 = performance.now();
    for (const m of this.members) {
      for (;;) {
        if (Atomics.load(I, STATE + m.id) !== 1) return false;
        const done = Atomics.load(I, DONE + m.id);
        if (done === seq) break;
        if (performance.now() - t0 > timeoutMs) return false;
        Atomics.wait(I, DONE + m.id, done, 100);
      }
    }
    return true;
  }
}

function end(m: Member): void {
  m.port.close();
  m.worker.terminate().catch(() => {});
}
