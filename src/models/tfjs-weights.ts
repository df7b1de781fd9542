/**
 * Reads the weights of a TensorFlow.js graph model folder (`model.json` + binary shards) by name,
 * without the engine: a plain map name → {shape, data}. The shards are concatenated in manifest order
 * and each weight is a contiguous slice, in the order of `weightsManifest[*].weights`.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';

export interface RawWeight {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

interface ManifestEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: unknown;
}

/** Parse `model.json` of a tfjs model folder. */
export function readModelJson(dir: string): { modelTopology: unknown; weightsManifest: { paths: string[]; weights: ManifestEntry[] }[] } {
  const file = join(dir, 'model.json');
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new InputError('cannot read the tfjs model description', file);
  }
  const mj = JSON.parse(text);
  if (!Array.isArray(mj.weightsManifest)) throw new InputError('no "weightsManifest" array', file);
  return mj;
}

/** All weights of a tfjs model folder, by name. */
export function readTfjsWeights(dir: string): Map<string, RawWeight> {
  const mj = readModelJson(dir);
  const out = new Map<string, RawWeight>();
  for (const group of mj.weightsManifest) {
    const buf = Buffer.concat(group.paths.map((p) => readFileSync(join(dir, p))));
    let off = 0;
    for (const w of group.weights) {
      if (w.quantization) throw new InputError(`weight ${w.name}: quantized weights are not supported`, join(dir, 'model.json'));
      const n = w.shape.reduce((a, b) => a * b, 1);
      const bytes = buf.subarray(off, off + 4 * n);
      if (bytes.length !== 4 * n) throw new InputError(`weight ${w.name}: shard data ends early`, join(dir, group.paths.at(-1)!));
      const copy = new ArrayBuffer(4 * n);
      new Uint8Array(copy).set(bytes);
      if (w.dtype === 'float32') out.set(w.name, { shape: w.shape, dtype: 'float32', data: new Float32Array(copy) });
      else if (w.dtype === 'int32') out.set(w.name, { shape: w.shape, dtype: 'int32', data: new Int32Array(copy) });
      else throw new InputError(`weight ${w.name}: dtype ${w.dtype} not supported`, join(dir, 'model.json'));
      off += 4 * n;
    }
  }
  return out;
}
