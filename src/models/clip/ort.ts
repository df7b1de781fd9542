/**
 * CLIP's ONNX sessions: a file-backed wrapper over the runtime boundary (`../onnx/runtime.ts`, the only
 * module that loads onnxruntime-node). A missing, unreadable or failing model is an `InputError` naming
 * the file; inputs and outputs are typed arrays with dims.
 */
import { existsSync, readFileSync } from 'node:fs';
import { InputError } from '../../errors.ts';
import { OrtSession, ortUnavailableReason } from '../onnx/runtime.ts';

/** A float32 or int64 tensor to feed. */
export type Feed = { type: 'float32'; data: Float32Array; dims: number[] } | { type: 'int64'; data: BigInt64Array; dims: number[] };

/** A float32 output. */
export interface Output {
  data: Float32Array;
  dims: number[];
}

export class OnnxSession {
  private constructor(
    private readonly session: OrtSession,
    readonly file: string,
  ) {}

  /** Load `file`; a missing or unreadable model is an `InputError` naming the file. */
  static async load(file: string): Promise<OnnxSession> {
    if (!existsSync(file)) throw new InputError('no such ONNX model', file);
    const why = ortUnavailableReason();
    if (why !== undefined) throw new InputError(why, file);
    try {
      return new OnnxSession(new OrtSession(readFileSync(file)), file);
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

  /** Run the graph; returns the requested float outputs (async for callers; the run itself is synchronous). */
  async run(feeds: Record<string, Feed>, outputs: string[]): Promise<Record<string, Output>> {
    const f: Record<string, { data: Float32Array | BigInt64Array; dims: number[] }> = {};
    for (const [k, v] of Object.entries(feeds)) f[k] = { data: v.data, dims: v.dims };
    let out: Record<string, Output>;
    try {
      out = this.session.run(f, outputs);
    } catch (e) {
      throw new InputError(`ONNX Runtime failed: ${(e as Error).message}`, this.file);
    }
    for (const n of outputs) if (!(out[n]!.data instanceof Float32Array)) throw new InputError(`output "${n}" is not float32`, this.file);
    return out;
  }

  async release(): Promise<void> {
    this.session.dispose();
  }
}
