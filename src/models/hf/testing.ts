/**
 * Tiny Hugging Face model folders made from scratch, for tests and examples: seeded random weights written
 * as safetensors under the checkpoint names `transformers` uses, a config.json, and a tokenizer.json —
 * the shared all-MiniLM-L6-v2 WordPiece files, or a made byte-level BPE or Unigram tokenizer.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { atomicWriteFile } from '../../util/fs.ts';
import { mulberry32 } from '../../util/random.ts';
import { writeSafetensors, type SafeTensorInput } from '../safetensors.ts';
import { parseBertConfig, type ModelType } from './config.ts';
import { bertSlots } from './weights.ts';

/** GPT-2's byte → printable-character map of byte-level BPE (bytes_to_unicode). */
export function bytesToUnicode(): string[] {
  const keep: number[] = [];
  for (let b = 33; b <= 126; b++) keep.push(b);
  for (let b = 161; b <= 172; b++) keep.push(b);
  for (let b = 174; b <= 255; b++) keep.push(b);
  const out: string[] = new Array(256);
  let n = 0;
  for (let b = 0; b < 256; b++) out[b] = String.fromCodePoint(keep.includes(b) ? b : 256 + n++);
  return out;
}

const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
const ROBERTA_SPECIALS = [special(0, '<s>'), special(1, '<pad>'), special(2, '</s>'), special(3, '<unk>')];
const ROBERTA_POST = { type: 'RobertaProcessing', sep: ['</s>', 2], cls: ['<s>', 0], trim_offsets: true, add_prefix_space: false };

/** The merges of the made BPE tokenizer, in priority order. */
export const TINY_BPE_MERGES = ['h e', 't he', 'Ġ c', 'a t', 'Ġc at', 'Ġ t', 'Ġt he'];

/**
 * A byte-level BPE tokenizer.json (RoBERTa layout): ids 0–3 `<s> <pad> </s> <unk>`, 4–259 the 256 byte
 * characters in byte order, then one id per merge result in merge order (260 = "he", 261 = "the", …).
 */
export function tinyBpeTokenizer(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<s>': 0, '<pad>': 1, '</s>': 2, '<unk>': 3 };
  bytesToUnicode().forEach((c, b) => (vocab[c] = 4 + b));
  for (const m of TINY_BPE_MERGES) vocab[m.replace(' ', '')] ??= Object.keys(vocab).length;
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: ROBERTA_SPECIALS, normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: ROBERTA_POST,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: TINY_BPE_MERGES },
  };
}

/** The pieces and scores of the made Unigram tokenizer (ids in this order). */
export const TINY_UNIGRAM_VOCAB: [string, number][] = [
  ['<s>', 0], ['<pad>', 0], ['</s>', 0], ['<unk>', 0],
  ['▁the', -1], ['▁', -2], ['the', -1.2], ['▁cat', -1.5], ['ca', -2.5],
  ['t', -3], ['h', -3], ['e', -3], ['c', -3], ['a', -3], ['s', -3], ['▁a', -2], ['at', -2.8],
];

/** A Unigram tokenizer.json (XLM-R layout: Metaspace pre-tokenizer, `<s> … </s>`), unknown id 3. */
export function tinyUnigramTokenizer(): Record<string, unknown> {
  return {
    version: '1.0', truncation: null, padding: null, added_tokens: ROBERTA_SPECIALS, normalizer: null,
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: ROBERTA_POST,
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 3, vocab: TINY_UNIGRAM_VOCAB, byte_fallback: false },
  };
}

export interface TinyModelOptions {
  modelType?: ModelType;
  /** "wordpiece": the shared MiniLM tokenizer files from `minilmDir`; "bpe" / "unigram": made ones */
  tokenizer?: 'wordpiece' | 'bpe' | 'unigram';
  /** folder of the shared all-MiniLM-L6-v2 tokenizer (needed for "wordpiece") */
  minilmDir?: string;
  hidden?: number;
  layers?: number;
  heads?: number;
  intermediate?: number;
  maxPositions?: number;
  /** add a ColBERT projection `linear.weight` [colbert, hidden] */
  colbert?: number;
  /** write a sentence-transformers 1_Pooling/config.json with this mode */
  pooling?: 'cls' | 'mean';
  /** split the weights into this many shards with a model.safetensors.index.json */
  shards?: number;
  seed?: number;
  /** scale of the random weights (uniform in ±scale) */
  scale?: number;
  /** FFN activation (default "gelu", the exact erf form) */
  activation?: 'gelu' | 'gelu_new' | 'relu';
}

/** Write a tiny random model folder to `dir`; returns the config object written. */
export function makeTinyModel(dir: string, o: TinyModelOptions = {}): Record<string, unknown> {
  const modelType = o.modelType ?? 'bert';
  const tok = o.tokenizer ?? (modelType === 'bert' || modelType === 'distilbert' ? 'wordpiece' : 'unigram');
  mkdirSync(dir, { recursive: true });
  let vocabSize: number;
  if (tok === 'wordpiece') {
    if (!o.minilmDir) throw new Error('makeTinyModel: "wordpiece" needs minilmDir');
    for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json']) copyFileSync(join(o.minilmDir, f), join(dir, f));
    vocabSize = 30522;
  } else {
    const json = tok === 'bpe' ? tinyBpeTokenizer() : tinyUnigramTokenizer();
    atomicWriteFile(join(dir, 'tokenizer.json'), JSON.stringify(json));
    atomicWriteFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 512, bos_token: '<s>', eos_token: '</s>', pad_token: '<pad>', unk_token: '<unk>' }));
    vocabSize = tok === 'bpe' ? 260 + new Set(TINY_BPE_MERGES.map((m) => m.replace(' ', ''))).size : TINY_UNIGRAM_VOCAB.length;
  }
  const H = o.hidden ?? 32;
  const distil = modelType === 'distilbert';
  const roberta = modelType !== 'bert' && !distil;
  const config: Record<string, unknown> = distil
    ? { model_type: 'distilbert', architectures: ['DistilBertModel'], vocab_size: vocabSize, dim: H, n_layers: o.layers ?? 2, n_heads: o.heads ?? 4, hidden_dim: o.intermediate ?? 64, max_position_embeddings: o.maxPositions ?? 64, activation: o.activation ?? 'gelu', pad_token_id: 0, sinusoidal_pos_embds: false }
    : {
        model_type: modelType, architectures: [roberta ? 'XLMRobertaModel' : 'BertModel'], vocab_size: vocabSize, hidden_size: H,
        num_hidden_layers: o.layers ?? 2, num_attention_heads: o.heads ?? 4, intermediate_size: o.intermediate ?? 64,
        max_position_embeddings: o.maxPositions ?? (roberta ? 66 : 64), type_vocab_size: roberta ? 1 : 2, hidden_act: o.activation ?? 'gelu',
        layer_norm_eps: roberta ? 1e-5 : 1e-12, pad_token_id: roberta ? 1 : 0, position_embedding_type: 'absolute',
      };
  const cfg = parseBertConfig(config, join(dir, 'config.json'));
  const prefix = distil ? 'distilbert.' : roberta ? 'roberta.' : 'bert.';
  const rnd = mulberry32(o.seed ?? 1);
  const scale = o.scale ?? 0.2;
  const uniform = (n: number, centre = 0) => Float32Array.from({ length: n }, () => centre + (2 * rnd() - 1) * scale);
  const tensors: Record<string, SafeTensorInput> = {};
  for (const [ours, slot] of Object.entries(bertSlots(cfg, prefix))) {
    const n = slot.shape.reduce((a, b) => a * b, 1);
    const isNormScale = ours.endsWith('LayerNorm.weight');
    tensors[slot.hf] = { dtype: 'F32', shape: slot.shape, data: uniform(n, isNormScale ? 1 : 0) };
  }
  // tensors transformers keeps that optical does not use: written back unchanged on save
  if (!distil) {
    tensors[`${prefix}pooler.dense.weight`] = { dtype: 'F32', shape: [H, H], data: uniform(H * H) };
    tensors[`${prefix}pooler.dense.bias`] = { dtype: 'F32', shape: [H], data: uniform(H) };
    tensors[`${prefix}embeddings.position_ids`] = { dtype: 'I64', shape: [1, cfg.maxPositions], data: BigInt64Array.from({ length: cfg.maxPositions }, (_, i) => BigInt(i)) };
  }
  if (o.colbert) tensors['linear.weight'] = { dtype: 'F32', shape: [o.colbert, H], data: uniform(o.colbert * H) };
  const shards = o.shards ?? 1;
  if (shards <= 1) writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  else {
    const names = Object.keys(tensors).sort();
    const weightMap: Record<string, string> = {};
    for (let s = 0; s < shards; s++) {
      const file = `model-${String(s + 1).padStart(5, '0')}-of-${String(shards).padStart(5, '0')}.safetensors`;
      const part: Record<string, SafeTensorInput> = {};
      names.filter((_, i) => i % shards === s).forEach((n) => ((part[n] = tensors[n]!), (weightMap[n] = file)));
      writeSafetensors(join(dir, file), part, { format: 'pt' });
    }
    atomicWriteFile(join(dir, 'model.safetensors.index.json'), JSON.stringify({ metadata: {}, weight_map: weightMap }, null, 2));
  }
  if (o.pooling) atomicWriteFile(join(dir, '1_Pooling', 'config.json'), JSON.stringify({ word_embedding_dimension: H, pooling_mode_cls_token: o.pooling === 'cls', pooling_mode_mean_tokens: o.pooling === 'mean' }));
  atomicWriteFile(join(dir, 'config.json'), JSON.stringify(config, null, 2));
  return config;
}
