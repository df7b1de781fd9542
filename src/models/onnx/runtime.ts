/**
 * The inference-runtime boundary: the ONLY module in optical's sources that loads onnxruntime-node.
 *
 * Sessions are created and run **synchronously** through onnxruntime-node's native binding
 * (`onnxruntime-node/dist/binding.js`, the object its own `InferenceSession` wraps in `setImmediate`
 * promises). optical's `encode()` is synchronous everywhere (evaluation, indexing, distillation), so the
 * synchronous path lets ONNX Runtime replace tfjs behind the same call. The package is pinned to an exact
 * version in package.json because this path is not part of its public API; when the binding cannot be
 * loaded, {@link ortAvailable} says why and callers fall back to tfjs.
 *
 * Threads: `intraOpNumThreads` defaults to the machine's core count (capped at 8), `OPTICAL_ORT_THREADS`
 * overrides it.
 */
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';

/** A float32 or int64 input / output tensor. */
export interface OrtArray {
  data: Float32Array | BigInt64Array;
  dims: number[];
}

interface NativeSession {
  loadModel(buf: ArrayBuffer, offset: number, length: number, options: object): void;
  run(feeds: Record<string, unknown>, fetches: Record<string, null>, options: object): Record<string, { data: Float32Array; dims: readonly number[] }>;
  dispose(): void;
  readonly inputMetadata: readonly { name: string }[];
  readonly outputMetadata: readonly { name: string }[];
}
interface Native {
  binding: { InferenceSession: new () => NativeSession };
  initOrt: () => void;
}
type TensorCtor = new (type: string, data: Float32Array | BigInt64Array, dims: readonly number[]) => unknown;

let loaded: { native: Native; Tensor: TensorCtor } | Error | undefined;

function load(): { native: Native; Tensor: TensorCtor } | Error {
  if (loaded) return loaded;
  try {
    const req = createRequire(import.meta.url);
    const bindingFile = req.resolve('onnxruntime-node/dist/binding.js');
    const native = req(bindingFile) as Native;
    // the Tensor class the binding was initialised with (resolved from the binding's own folder)
    const common = createRequire(bindingFile)('onnxruntime-common') as { Tensor: TensorCtor };
    native.initOrt();
    loaded = { native, Tensor: common.Tensor };
  } catch (e) {
    loaded = new Error(`onnxruntime-node is not usable: ${(e as Error).message}`);
  }
  return loaded;
}

/** Why ONNX Runtime cannot be used here, or undefined when it can. */
export function ortUnavailableReason(): string | undefined {
  const r = load();
  return r instanceof Error ? r.message : undefined;
}

export function ortAvailable(): boolean {
  return ortUnavailableReason() === undefined;
}

/** Default intra-op threads: `OPTICAL_ORT_THREADS`, else the core count capped at 8. */
export function ortThreads(): number {
  const env = Number(process.env['OPTICAL_ORT_THREADS']);
  if (Number.isInteger(env) && env > 0) return env;
  return Math.min(8, availableParallelism());
}

/** An ONNX Runtime session on the CPU, created and run synchronously. */
export class OrtSession {
  private s: NativeSession;
  private Tensor: TensorCtor;

  /**
   * `spinning: false` stops the intra-op threads from busy-waiting between ops (ONNX Runtime's
   * `session.intra_op.allow_spinning = 0`): on a machine whose cores are busy with other work, spinning
   * threads steal time from the thread doing the work (the training step measured 2.1× faster without it
   * on 2 loaded cores); default: ONNX Runtime's (spinning on).
   */
  constructor(model: Uint8Array, opts: { threads?: number; spinning?: boolean } = {}) {
    const r = load();
    if (r instanceof Error) throw r;
    this.Tensor = r.Tensor;
    this.s = new r.native.binding.InferenceSession();
    this.s.loadModel(model.buffer as ArrayBuffer, model.byteOffset, model.byteLength, {
      intraOpNumThreads: opts.threads ?? ortThreads(),
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      executionProviders: ['cpu'],
      ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
    });
  }

  /** The graph's input names, in order. */
  get inputNames(): readonly string[] {
    return this.s.inputMetadata.map((m) => m.name);
  }

  /** The graph's output names, in order. */
  get outputNames(): readonly string[] {
    return this.s.outputMetadata.map((m) => m.name);
  }

  /** Run the graph on `feeds`; returns the requested `outputs` as float32 arrays with their dims. */
  run(feeds: Record<string, OrtArray>, outputs: string[]): Record<string, { data: Float32Array; dims: number[] }> {
    const f: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = new this.Tensor(v.data instanceof Float32Array ? 'float32' : 'int64', v.data, v.dims);
    const fetches: Record<string, null> = {};
    for (const o of outputs) fetches[o] = null;
    const r = this.s.run(f, fetches, {});
    const out: Record<string, { data: Float32Array; dims: number[] }> = {};
    for (const o of outputs) out[o] = { data: r[o]!.data, dims: [...r[o]!.dims] };
    return out;
  }

  dispose(): void {
    this.s.dispose();
  }
}
