/**
 * Bounded concurrency for model work. Encoding runs on tfjs-wasm, which is single-threaded and blocks the
 * event loop, so jobs run one at a time ({@link WorkQueue}, concurrency 1 by default) and at most
 * `maxPending` may wait: beyond that a request is refused at once with 503 and `Retry-After`, so a burst
 * cannot grow memory without bound. {@link Batcher} groups waiting requests of the same kind (same model)
 * into one job, so 200 concurrent searches cost a few batched encoder calls instead of 200. A new batch
 * starts one event-loop turn after its first item (`setImmediate`): encoding blocks the loop, and starting
 * at once would encode the first request alone while the others still sit unread in their sockets.
 */
import { HttpError } from './http.ts';

export class QueueFullError extends HttpError {
  constructor(max: number) {
    super(503, `the server is busy (${max} requests waiting); try again shortly`, { 'retry-after': '1' });
  }
}

export interface QueueOptions {
  /** jobs running at once (default 1) */
  concurrency?: number;
  /** jobs that may wait; more are refused with {@link QueueFullError} (default 256) */
  maxPending?: number;
}

/** A FIFO of async jobs with a concurrency limit and a bounded backlog. */
export class WorkQueue {
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  readonly concurrency: number;
  readonly maxPending: number;

  constructor(opts: QueueOptions = {}) {
    this.concurrency = opts.concurrency ?? 1;
    this.maxPending = opts.maxPending ?? 256;
  }

  /** Jobs waiting to start. */
  get pending(): number {
    return this.waiting.length;
  }

  get active(): number {
    return this.running;
  }

  /** Run `job` when a slot is free; throws {@link QueueFullError} (synchronously counted) when the backlog is full. */
  async run<T>(job: () => T | Promise<T>): Promise<T> {
    if (this.running >= this.concurrency) {
      if (this.waiting.length >= this.maxPending) throw new QueueFullError(this.maxPending);
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next(); // the slot passes straight to the next job
      else this.running--;
    }
  }
}

interface Waiter<I, O> {
  item: I;
  resolve: (o: O) => void;
  reject: (e: unknown) => void;
}

/**
 * Groups items submitted while the queue is busy into batches of at most `maxBatch` with the same key;
 * `process(key, items)` returns one output per item, in order. At most `maxPending` items wait in all.
 */
export class Batcher<I, O> {
  private readonly groups = new Map<string, Waiter<I, O>[]>();
  private waitingItems = 0;

  constructor(
    private readonly queue: WorkQueue,
    private readonly process: (key: string, items: I[]) => Promise<O[]> | O[],
    private readonly maxBatch = 64,
    private readonly maxPending = queue.maxPending,
  ) {}

  submit(key: string, item: I): Promise<O> {
    if (this.waitingItems >= this.maxPending) return Promise.reject(new QueueFullError(this.maxPending));
    return new Promise<O>((resolve, reject) => {
      let group = this.groups.get(key);
      const fresh = group === undefined;
      if (!group) this.groups.set(key, (group = []));
      group.push({ item, resolve, reject });
      this.waitingItems++;
      // start on the next turn of the event loop, so that every request already readable joins this batch
      if (fresh) setImmediate(() => this.schedule(key));
    });
  }

  private schedule(key: string): void {
    this.queue
      .run(async () => {
        const group = this.groups.get(key)!;
        const batch = group.splice(0, this.maxBatch);
        this.waitingItems -= batch.length;
        if (group.length === 0) this.groups.delete(key);
        else this.schedule(key); // the rest waits for the next turn
        try {
          const out = await this.process(key, batch.map((w) => w.item));
          batch.forEach((w, i) => w.resolve(out[i]!));
        } catch (e) {
          for (const w of batch) w.reject(e);
        }
      })
      .catch((e) => {
        // the queue refused the job: fail every item of this key that is still waiting
        const group = this.groups.get(key) ?? [];
        this.groups.delete(key);
        this.waitingItems -= group.length;
        for (const w of group) w.reject(e);
      });
  }
}
