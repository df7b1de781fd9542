/**
 * Loading a Hugging Face model folder (`config.json`, `model.safetensors` or its sharded index,
 * `tokenizer.json`) as an {@link HfEncoder}.
 *
 * Pooling, in order of precedence: the "optical" block of config.json (a folder optical saved); ColBERT
 * when the checkpoint has a top-level `linear.weight` [D, H]; the sentence-transformers `1_Pooling/config.json`
 * (cls or mean); otherwise mean pooling (sentence-transformers' default for a plain encoder).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tf, initEngine } from '../engine.ts';
import { InputError } from '../../errors.ts';
import { parseBertConfig } from './config.ts';
import { HfEncoder, WORD_EMBEDDINGS, type HfSource, type OpticalBlock } from './model.ts';
import { POOLINGS, type Pooling } from './pooling.ts';
import { HfTokenizer } from './tokenizer.ts';
import { bertSlots, findPrefix, readHfWeights, slotTensors } from './weights.ts';
import type { SafeTensor } from '../safetensors.ts';

/** Files copied verbatim when a model is saved (those present). */
export const TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt', 'vocab.json', 'merges.txt', 'sentencepiece.bpe.model', 'spiece.model', 'added_tokens.json'];

function readJson(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code ? `cannot read (${code})` : `invalid JSON: ${(e as Error).message}`, file);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError('expected a JSON object', file);
  return v as Record<string, unknown>;
}

/** Whether `dir` looks like a Hugging Face model folder (a config.json with a `model_type`). */
export function isHfFolder(dir: string): boolean {
  const file = join(dir, 'config.json');
  if (!existsSync(file)) return false;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    return typeof c?.model_type === 'string';
  } catch {
    return false;
  }
}

function choosePooling(dir: string, optical: OpticalBlock | undefined, hasLinear: boolean, cfgFile: string): Pooling {
  if (optical?.pooling !== undefined) {
    if (!(POOLINGS as readonly string[]).includes(optical.pooling)) throw new InputError(`field "optical.pooling": unknown "${optical.pooling}" (valid: ${POOLINGS.join(', ')})`, cfgFile);
    if (optical.pooling === 'colbert' && !hasLinear) throw new InputError('field "optical.pooling": "colbert" needs the tensor "linear.weight", which the checkpoint lacks', cfgFile);
    return optical.pooling;
  }
  if (hasLinear) return 'colbert';
  const st = join(dir, '1_Pooling', 'config.json');
  if (existsSync(st)) {
    const p = readJson(st);
    const modes = Object.entries(p).filter(([k, v]) => k.startsWith('pooling_mode_') && v === true).map(([k]) => k);
    if (modes.length === 1 && modes[0] === 'pooling_mode_cls_token') return 'cls';
    if (modes.length === 1 && modes[0] === 'pooling_mode_mean_tokens') return 'mean';
    throw new InputError(`unsupported pooling ${JSON.stringify(modes)} (supported: pooling_mode_cls_token or pooling_mode_mean_tokens alone)`, st);
  }
  return 'mean';
}

export interface LoadHfOptions {
  /** the model's name when the folder is not one optical saved (default: the folder's absolute path) */
  name?: string;
}

/** Load a Hugging Face BERT-family model folder. Bad files are `InputError`s naming the file and field. */
export async function loadHfModel(dir: string, opts: LoadHfOptions = {}): Promise<HfEncoder> {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('no such model folder', dir);
  const cfgFile = join(dir, 'config.json');
  if (!existsSync(cfgFile)) throw new InputError('not a model folder (no config.json)', dir);
  const rawConfig = readJson(cfgFile);
  const { optical, ...config } = rawConfig as { optical?: OpticalBlock } & Record<string, unknown>;
  if (optical !== undefined && (typeof optical !== 'object' || optical === null || typeof optical.name !== 'string')) {
    throw new InputError('field "optical": expected an object with a string "name" (the block optical writes when it saves a model)', cfgFile);
  }
  const cfg = parseBertConfig(config, cfgFile);

  const tokFile = join(dir, 'tokenizer.json');
  if (!existsSync(tokFile)) throw new InputError('no tokenizer.json (the Hugging Face "fast" tokenizer file; save the tokenizer with transformers to create it)', dir);
  const tokCfgFile = join(dir, 'tokenizer_config.json');
  const tokenizer = new HfTokenizer(readJson(tokFile), existsSync(tokCfgFile) ? readJson(tokCfgFile) : {}, tokFile);
  if (tokenizer.vocabSize > cfg.vocabSize) throw new InputError(`the tokenizer emits ids up to ${tokenizer.vocabSize - 1} but field "vocab_size" of config.json is ${cfg.vocabSize}`, tokFile);

  const raw = readHfWeights(dir);
  const prefix = findPrefix(raw, dir);
  const slots = bertSlots(cfg, prefix);
  const lin = raw.tensors['linear.weight'];
  if (lin) {
    if (lin.shape.length !== 2 || lin.shape[1] !== cfg.hidden) throw new InputError(`tensor "linear.weight" has shape [${lin.shape.join(', ')}], expected [D, ${cfg.hidden}] (ColBERT projection)`, raw.fileOf['linear.weight']);
    slots['linear.weight'] = { hf: 'linear.weight', shape: [lin.shape[0]!, cfg.hidden], linear: true };
  }
  const pooling = choosePooling(dir, optical, Boolean(lin), cfgFile);
  const got = slotTensors(raw, slots, dir);
  const used = new Set(Object.values(slots).map((s) => s.hf));
  const passthrough: Record<string, SafeTensor> = {};
  for (const [name, t] of Object.entries(raw.tensors)) if (!used.has(name)) passthrough[name] = t;

  const files: Record<string, Uint8Array> = {};
  const present = new Set(readdirSync(dir));
  for (const f of TOKENIZER_FILES) if (present.has(f)) files[f] = readFileSync(join(dir, f));

  await initEngine();
  const params: Record<string, tf.Variable> = {};
  for (const [ours, t] of Object.entries(got)) if (ours !== WORD_EMBEDDINGS) params[ours] = tf.variable(tf.tensor(t.data, t.shape), true);
  const source: HfSource = { config, slots, passthrough, files };
  const maxLength = Math.min(tokenizer.modelMaxLength ?? Infinity, cfg.maxPositions - cfg.positionOffset);
  const meta = optical?.name
    ? { name: optical.name, teacher: optical.teacher, fingerprint: raw.fingerprint }
    : { name: opts.name ?? resolve(dir), fingerprint: raw.fingerprint };
  // the word table is copied: training updates it in place, and the checkpoint arrays may be views of one file buffer
  return new HfEncoder(cfg, params, { embeddings: got[WORD_EMBEDDINGS]!.data.slice() }, tokenizer, pooling, maxLength, meta, source);
}
