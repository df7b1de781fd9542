/**
 * `config.json` of a Hugging Face BERT-family encoder → {@link BertConfig}, validated field by field.
 *
 * Supported `model_type`s (all absolute positions, post-LN):
 *   bert (also MiniLM, which is published as `bert`), roberta, xlm-roberta, camembert (RoBERTa position
 *   offset: positions start at `pad_token_id + 1`), distilbert (no token types; its own field names
 *   `dim`, `n_layers`, `n_heads`, `hidden_dim`, `activation`).
 * A missing or malformed field is an `InputError` naming the file and the field.
 */
import { InputError } from '../../errors.ts';

export const MODEL_TYPES = ['bert', 'roberta', 'xlm-roberta', 'camembert', 'distilbert'] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

/** Activations of the FFN: exact GELU (erf form, HF "gelu"), its tanh approximation, or ReLU. */
export const ACTIVATIONS = ['gelu', 'gelu_new', 'gelu_pytorch_tanh', 'relu'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export interface BertConfig {
  modelType: ModelType;
  /** V */
  vocabSize: number;
  /** H (= E: BERT-family input embeddings have the hidden width) */
  hidden: number;
  layers: number;
  heads: number;
  /** FFN inner width */
  intermediate: number;
  /** rows of the position table */
  maxPositions: number;
  /** rows of the token-type table (0: none, as in DistilBERT) */
  typeVocabSize: number;
  layerNormEps: number;
  activation: Activation;
  padTokenId: number;
  /** position id of the first token: `pad_token_id + 1` for RoBERTa-style models, else 0 */
  positionOffset: number;
}

type Json = Record<string, unknown>;

function field(cfg: Json, file: string, names: string[], kind: 'int' | 'number' | 'string', dflt?: number | string): number | string {
  const name = names.find((n) => cfg[n] !== undefined);
  const v = name === undefined ? undefined : cfg[name];
  if (v === undefined || v === null) {
    if (dflt !== undefined) return dflt;
    throw new InputError(`missing field "${names[0]}"${names.length > 1 ? ` (or ${names.slice(1).map((n) => `"${n}"`).join(', ')})` : ''}`, file);
  }
  const ok = kind === 'string' ? typeof v === 'string' : typeof v === 'number' && Number.isFinite(v) && (kind === 'number' || (Number.isInteger(v) && v >= 0));
  if (!ok) throw new InputError(`field "${name}": expected ${kind === 'int' ? 'a non-negative integer' : kind === 'number' ? 'a number' : 'a string'}, got ${JSON.stringify(v)}`, file);
  return v as number | string;
}

/** Parse and check a config object read from `file`. */
export function parseBertConfig(cfg: unknown, file: string): BertConfig {
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new InputError('expected a JSON object', file);
  const c = cfg as Json;
  const modelType = field(c, file, ['model_type'], 'string') as string;
  if (!(MODEL_TYPES as readonly string[]).includes(modelType)) {
    throw new InputError(`field "model_type": unsupported "${modelType}" (supported BERT-family types: ${MODEL_TYPES.join(', ')})`, file);
  }
  const distil = modelType === 'distilbert';
  const int = (names: string[], dflt?: number) => field(c, file, names, 'int', dflt) as number;
  const positionType = field(c, file, ['position_embedding_type'], 'string', 'absolute');
  if (positionType !== 'absolute') throw new InputError(`field "position_embedding_type": only "absolute" is supported, got "${positionType}"`, file);
  if (distil && c['sinusoidal_pos_embds'] === true) throw new InputError('field "sinusoidal_pos_embds": sinusoidal positions are not supported (learned positions only)', file);
  const activation = field(c, file, distil ? ['activation'] : ['hidden_act'], 'string', 'gelu') as string;
  if (!(ACTIVATIONS as readonly string[]).includes(activation)) {
    throw new InputError(`field "${distil ? 'activation' : 'hidden_act'}": unsupported "${activation}" (supported: ${ACTIVATIONS.join(', ')})`, file);
  }
  const padTokenId = int(['pad_token_id'], distil ? 0 : modelType === 'bert' ? 0 : 1);
  const out: BertConfig = {
    modelType: modelType as ModelType,
    vocabSize: int(['vocab_size']),
    hidden: int(distil ? ['dim'] : ['hidden_size']),
    layers: int(distil ? ['n_layers'] : ['num_hidden_layers']),
    heads: int(distil ? ['n_heads'] : ['num_attention_heads']),
    intermediate: int(distil ? ['hidden_dim'] : ['intermediate_size']),
    maxPositions: int(['max_position_embeddings']),
    typeVocabSize: distil ? 0 : int(['type_vocab_size'], 2),
    layerNormEps: distil ? 1e-12 : (field(c, file, ['layer_norm_eps'], 'number', 1e-12) as number),
    activation: activation as Activation,
    padTokenId,
    positionOffset: modelType === 'bert' || distil ? 0 : padTokenId + 1,
  };
  for (const [k, v] of [['vocab size', out.vocabSize], ['hidden size', out.hidden], ['layer count', out.layers], ['head count', out.heads]] as const) {
    if (v === 0) throw new InputError(`the ${k} must be positive`, file);
  }
  if (out.hidden % out.heads !== 0) throw new InputError(`hidden size ${out.hidden} is not a multiple of the head count ${out.heads}`, file);
  if (out.maxPositions <= out.positionOffset + 2) throw new InputError(`field "max_position_embeddings": ${out.maxPositions} leaves no room for tokens after the position offset ${out.positionOffset}`, file);
  return out;
}
