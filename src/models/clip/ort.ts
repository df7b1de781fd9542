/**
 * The ONNX Runtime boundary: the only module of optical that imports `onnxruntime-node` (CPU execution
 * provider). A session is created from a file path; inputs and outputs are typed arrays with dims.
 */
import { existsSync } from 'node:fs';
import * as ortModule from 'onnxruntime-node';
import { InputError } from '../../errors.ts';

const ort = ((ortModule as unknown as { default?: typeof ortModule }).default ?? ortModule) as typeof ortModule;

/** A float32 or int64 tensor to feed. */
export type Feed = { type: 'float32'; data: Float32Array; dims: number[] } | { type: 'int64'; data: BigInt64Array; dims: number[] };

/** A float32 output. */
export interface Output {
  data: Float32Array;
  dims: number[];
}

export class OnnxSession {
  private constructor(
    private readonly session: ortModule.InferenceSession,
    readonly file: string,
  ) {}

  /** Load `file`; a missing or unreadable model is an `InputError` naming the file. */
  static async load(file: string): Promise<OnnxSession> {
    if (!existsSync(file)) throw new InputError('no such ONNX model', file);
    try {
      // severity 3: errors only (unused-initialiser warnings would clutter the CLI)
      return new OnnxSession(await ort.InferenceSession.create(file, { logSeverityLevel: 3, graphOptimizationLevel: 'all' }), file);
    } catch (e) {
      throw new InputError(`cannot load the ONNX model: ${(e as Error).message}`, file);
    }
  }

  get inputNames(): readonly string[] {
    return this.session.inputNames;
  }

  get outputNames(): readonly string[] {
    return this.session.outputNames;
  }

  /** Check that the graph declares these inputs and outputs (names as transformers.js exports them). */
  expect(inputs: string[], outputs: string[]): void {
    for (const n of inputs) if (!this.inputNames.includes(n)) throw new InputError(`the graph has no input "${n}" (inputs: ${this.inputNames.join(', ')})`, this.file);
    for (const n of outputs) if (!this.outputNames.includes(n)) throw new InputError(`the graph has no output "${n}" (outputs: ${this.outputNames.join(', ')})`, this.file);
  }

  /** Run the graph; returns the requested float outputs. */
  async run(feeds: Record<string, Feed>, outputs: string[]): Promise<Record<string, Output>> {
    const t: Record<string, ortModule.Tensor> = {};
    for (const [k, f] of Object.entries(feeds)) t[k] = new ort.Tensor(f.type, f.data, f.dims);
    let out: ortModule.InferenceSession.ReturnType;
    try {
      out = await this.session.run(t, outputs);
    } catch (e) {
      throw new InputError(`ONNX Runtime failed: ${(e as Error).message}`, this.file);
    }
    const res: Record<string, Output> = {};
    for (const n of outputs) {
      const o = out[n]!;
      if (o.type !== 'float32') throw new InputError(`output "${n}" is ${o.type}, expected float32`, this.file);
      res[n] = { data: o.data as Float32Array, dims: o.dims.map(Number) };
    }
    for (const o of Object.values(t)) o.dispose?.();
    return res;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
