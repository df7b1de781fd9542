/**
 * Weights of a Hugging Face BERT-family encoder: reading `model.safetensors` (or the shards listed in
 * `model.safetensors.index.json`), mapping the checkpoint's tensor names to ours and back.
 *
 * Our parameter names are BERT's, without the model prefix (`bert.`, `roberta.`, `distilbert.`, …):
 *   embeddings.{word_embeddings,position_embeddings,token_type_embeddings}.weight, embeddings.LayerNorm.*
 *   encoder.layer.{i}.attention.self.{query,key,value}.*, encoder.layer.{i}.attention.output.{dense,LayerNorm}.*
 *   encoder.layer.{i}.intermediate.dense.*, encoder.layer.{i}.output.{dense,LayerNorm}.*
 *   linear.weight                                  (ColBERT's projection, top level, no prefix)
 * DistilBERT's names (`transformer.layer.{i}.attention.q_lin`, `sa_layer_norm`, `ffn.lin1`, …) map onto
 * the same slots. PyTorch `Linear` weights are stored [out, in]; the engine holds them transposed [in, out]
 * (exact), and saving transposes them back, so a saved folder keeps the original names and layout.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';
import { parseSafetensors, type SafeTensor } from '../safetensors.ts';
import type { BertConfig } from './config.ts';

export const WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';
/** Model prefixes tried, in order, to find `embeddings.word_embeddings.weight`. */
export const MODEL_PREFIXES = ['', 'bert.', 'roberta.', 'xlm-roberta.', 'camembert.', 'distilbert.', 'model.', 'encoder.'];

export interface RawWeights {
  /** every tensor of the checkpoint by its name in the file */
  tensors: Record<string, SafeTensor>;
  /** the file each tensor came from (for error messages) */
  fileOf: Record<string, string>;
  /** SHA-256 of the weight files' bytes (hex, 32 characters) */
  fingerprint: string;
}

/** Read the weights of the model folder `dir` (single file or sharded). */
export function readHfWeights(dir: string): RawWeights {
  const single = join(dir, WEIGHTS_FILE);
  const index = join(dir, WEIGHTS_INDEX_FILE);
  const hash = createHash('sha256');
  const tensors: Record<string, SafeTensor> = {};
  const fileOf: Record<string, string> = {};
  const readOne = (file: string) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(file);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`, file);
    }
    hash.update(bytes);
    const parsed = parseSafetensors(bytes, file);
    for (const [name, t] of Object.entries(parsed.tensors)) {
      if (tensors[name]) throw new InputError(`tensor "${name}" is also in ${fileOf[name]}`, file);
      tensors[name] = t;
      fileOf[name] = file;
    }
    return parsed;
  };
  if (existsSync(single)) readOne(single);
  else if (existsSync(index)) {
    let map: unknown;
    try {
      map = (JSON.parse(readFileSync(index, 'utf8')) as { weight_map?: unknown }).weight_map;
    } catch (e) {
      throw new InputError(`invalid JSON: ${(e as Error).message}`, index);
    }
    if (typeof map !== 'object' || map === null) throw new InputError('missing field "weight_map"', index);
    const weightMap = map as Record<string, unknown>;
    const shards = [...new Set(Object.values(weightMap))];
    for (const s of shards) {
      if (typeof s !== 'string' || s.includes('/') || s.includes('\\')) throw new InputError(`field "weight_map": bad shard file name ${JSON.stringify(s)}`, index);
      readOne(join(dir, s));
    }
    for (const [name, s] of Object.entries(weightMap)) {
      if (fileOf[name] !== join(dir, s as string)) throw new InputError(`field "weight_map": tensor "${name}" is not in ${s}`, index);
    }
  } else {
    throw new InputError(`no ${WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} (PyTorch .bin checkpoints are not read: save the model with safe_serialization=True)`, dir);
  }
  return { tensors, fileOf, fingerprint: hash.digest('hex').slice(0, 32) };
}

/** One parameter slot: its name in the checkpoint, its shape there, and whether it is a Linear weight. */
export interface TensorSlot {
  hf: string;
  /** shape as stored in the checkpoint (PyTorch layout) */
  shape: number[];
  /** a Linear weight [out, in], held transposed [in, out] by the engine */
  linear: boolean;
  optional?: boolean;
}

const DISTIL_LAYER: Record<string, string> = {
  'attention.self.query': 'attention.q_lin',
  'attention.self.key': 'attention.k_lin',
  'attention.self.value': 'attention.v_lin',
  'attention.output.dense': 'attention.out_lin',
  'attention.output.LayerNorm': 'sa_layer_norm',
  'intermediate.dense': 'ffn.lin1',
  'output.dense': 'ffn.lin2',
  'output.LayerNorm': 'output_layer_norm',
};

/** Every parameter slot of a model with this config, by our name. */
export function bertSlots(cfg: BertConfig, prefix: string): Record<string, TensorSlot> {
  const H = cfg.hidden;
  const distil = cfg.modelType === 'distilbert';
  const slots: Record<string, TensorSlot> = {};
  const add = (ours: string, theirs: string, shape: number[], linear = false) => (slots[ours] = { hf: prefix + theirs, shape, linear });
  add('embeddings.word_embeddings.weight', 'embeddings.word_embeddings.weight', [cfg.vocabSize, H]);
  add('embeddings.position_embeddings.weight', 'embeddings.position_embeddings.weight', [cfg.maxPositions, H]);
  if (cfg.typeVocabSize > 0) add('embeddings.token_type_embeddings.weight', 'embeddings.token_type_embeddings.weight', [cfg.typeVocabSize, H]);
  add('embeddings.LayerNorm.weight', 'embeddings.LayerNorm.weight', [H]);
  add('embeddings.LayerNorm.bias', 'embeddings.LayerNorm.bias', [H]);
  for (let i = 0; i < cfg.layers; i++) {
    const dense = (part: string, out: number, inp: number) => {
      const theirs = distil ? `transformer.layer.${i}.${DISTIL_LAYER[part]}` : `encoder.layer.${i}.${part}`;
      add(`encoder.layer.${i}.${part}.weight`, `${theirs}.weight`, [out, inp], true);
      add(`encoder.layer.${i}.${part}.bias`, `${theirs}.bias`, [out]);
    };
    const norm = (part: string) => {
      const theirs = distil ? `transformer.layer.${i}.${DISTIL_LAYER[part]}` : `encoder.layer.${i}.${part}`;
      add(`encoder.layer.${i}.${part}.weight`, `${theirs}.weight`, [H]);
      add(`encoder.layer.${i}.${part}.bias`, `${theirs}.bias`, [H]);
    };
    dense('attention.self.query', H, H);
    dense('attention.self.key', H, H);
    dense('attention.self.value', H, H);
    dense('attention.output.dense', H, H);
    norm('attention.output.LayerNorm');
    dense('intermediate.dense', cfg.intermediate, H);
    dense('output.dense', H, cfg.intermediate);
    norm('output.LayerNorm');
  }
  return slots;
}

/** The checkpoint's model prefix (`bert.`, …, or ''), found by where the word embeddings are. */
export function findPrefix(raw: RawWeights, dir: string): string {
  const p = MODEL_PREFIXES.find((q) => raw.tensors[`${q}embeddings.word_embeddings.weight`]);
  if (p === undefined) {
    throw new InputError(`tensor "embeddings.word_embeddings.weight" missing (also looked for it under the prefixes ${MODEL_PREFIXES.filter(Boolean).join(', ')})`, dir);
  }
  return p;
}

/** [rows, cols] → [cols, rows] (exact). */
export function transpose2d(a: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c]!;
  return out;
}

/**
 * Pick every slot's tensor out of the checkpoint, checking names and shapes; Linear weights are returned
 * transposed ([in, out]). Errors name the file holding the tensor (or the folder when it is missing).
 */
export function slotTensors(raw: RawWeights, slots: Record<string, TensorSlot>, dir: string): Record<string, { data: Float32Array; shape: number[] }> {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [ours, slot] of Object.entries(slots)) {
    const t = raw.tensors[slot.hf];
    if (!t) {
      if (slot.optional) continue;
      throw new InputError(`tensor "${slot.hf}" missing (expected shape [${slot.shape.join(', ')}])`, dir);
    }
    const file = raw.fileOf[slot.hf]!;
    if (t.shape.length !== slot.shape.length || t.shape.some((d, i) => d !== slot.shape[i])) {
      throw new InputError(`tensor "${slot.hf}" has shape [${t.shape.join(', ')}], expected [${slot.shape.join(', ')}] from config.json`, file);
    }
    if (!(t.data instanceof Float32Array)) throw new InputError(`tensor "${slot.hf}": dtype ${t.dtype} is not supported for weights (F32, F16 or BF16)`, file);
    out[ours] = slot.linear ? { data: transpose2d(t.data, slot.shape[0]!, slot.shape[1]!), shape: [slot.shape[1]!, slot.shape[0]!] } : { data: t.data, shape: slot.shape };
  }
  return out;
}
