/**
 * A tiny CLIP model folder in the layout transformers.js uses (Xenova exports), with seeded random weights:
 *
 *   config.json               CLIPModel config (text_config, vision_config, projection_dim)
 *   preprocessor_config.json  CLIPImageProcessor (shortest_edge, crop_size, mean/std as given)
 *   tokenizer.json            a CLIP-style byte-level BPE (the real normalizer, pre-tokenizer, post-processor,
 *                             `</w>` suffix; 512 byte tokens, a few merges, <|startoftext|> and <|endoftext|>
 *                             last so that the EOS id is the largest, as in CLIP)
 *   tokenizer_config.json     pad token <|endoftext|>, model_max_length = max_position_embeddings
 *   onnx/text_model.onnx      input_ids [B, L] (+ attention_mask [B, L] when `attentionMask`) →
 *                             text_embeds [B, D], last_hidden_state [B, L, Wt]
 *   onnx/vision_model.onnx    pixel_values [B, 3, S, S] → image_embeds [B, D], last_hidden_state [B, 1+G, Wv]
 *
 * The graphs follow transformers' CLIPTextModelWithProjection / CLIPVisionModelWithProjection: pre-LN
 * layers with quick_gelu, causal (+ padding) attention mask in the text tower, pooling at the first argmax
 * of input_ids (the EOS), a bias-free projection; a class token, patch convolution, pre- and post-layernorm
 * in the vision tower.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../src/util/random.ts';
import { bytesToUnicode } from '../src/models/hf/testing.ts';
import { FLOAT, GraphBuilder, INT64 } from './onnx-proto.ts';

export interface TinyClipOptions {
  seed?: number;
  /** text width Wt, layers, heads */
  text?: { hidden: number; layers: number; heads: number; maxPositions: number };
  /** vision width Wv, layers, heads, image size S, patch P */
  vision?: { hidden: number; layers: number; heads: number; image: number; patch: number };
  /** D */
  projection?: number;
  /** whether text_model.onnx declares an attention_mask input */
  attentionMask?: boolean;
  /** CLIPImageProcessor sizes (default: shortest_edge = crop = image size) */
  shortestEdge?: number;
}

const MERGES = ['c a', 'ca t</w>', 'd o', 'do g</w>', 'r e', 'd </w>', 're d</w>', 'a </w>'];

/** The tiny CLIP-style tokenizer.json (see the file header). */
export function tinyClipTokenizer(): Record<string, unknown> {
  const bytes = bytesToUnicode();
  const order: string[] = [];
  for (let b = 0; b < 256; b++) if (bytes[b]!.codePointAt(0)! < 256 && bytes[b]!.codePointAt(0) === b) order.push(bytes[b]!);
  for (let b = 0; b < 256; b++) if (!order.includes(bytes[b]!)) order.push(bytes[b]!);
  const vocab: Record<string, number> = {};
  order.forEach((c, i) => (vocab[c] = i));
  order.forEach((c, i) => (vocab[`${c}</w>`] = 256 + i));
  for (const m of MERGES) vocab[m.replace(' ', '')] ??= Object.keys(vocab).length;
  const sot = Object.keys(vocab).length;
  vocab['<|startoftext|>'] = sot;
  vocab['<|endoftext|>'] = sot + 1;
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: content === '<|startoftext|>', special: true });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(sot, '<|startoftext|>'), special(sot + 1, '<|endoftext|>')],
    normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }] },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" }, behavior: 'Removed', invert: true },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: ['<|endoftext|>', sot + 1], cls: ['<|startoftext|>', sot], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false, vocab, merges: MERGES },
  };
}

/** Shared pieces of both towers: seeded weights, linear, layer norm, pre-LN encoder layers. */
class Tower {
  readonly g = new GraphBuilder();
  private rnd: () => number;
  constructor(seed: number) {
    this.rnd = mulberry32(seed);
    this.g.scalar('qg', 1.702);
  }
  rand(name: string, dims: number[], scale: number): string {
    const n = dims.reduce((a, b) => a * b, 1);
    return this.g.f32(name, dims, Float32Array.from({ length: n }, () => (2 * this.rnd() - 1) * scale));
  }
  /** y = x Wᵀ (+ b), W [out, in] */
  linear(x: string, name: string, out: number, inp: number, bias = true): string {
    const y = this.g.op('MatMul', [x, this.g.op('Transpose', [this.rand(`${name}.weight`, [out, inp], Math.sqrt(3 / inp))], [{ name: 'perm', ints: [1, 0] }])]);
    return bias ? this.g.op('Add', [y, this.rand(`${name}.bias`, [out], 0.02)]) : y;
  }
  layerNorm(x: string, name: string, W: number): string {
    const w = this.g.f32(`${name}.weight`, [W], Float32Array.from({ length: W }, () => 1 + (2 * this.rnd() - 1) * 0.1));
    return this.g.op('LayerNormalization', [x, w, this.rand(`${name}.bias`, [W], 0.05)], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: 1e-5 }]);
  }
  /** Pre-LN layers; `bias` [.., L, L] or [B, 1, 1, L] additive attention bias (or undefined). */
  encoder(x: string, prefix: string, W: number, layers: number, heads: number, biases: string[]): string {
    const d = W / heads;
    const g = this.g;
    g.i64(`${prefix}.shape_heads`, [0, 0, heads, d]);
    g.i64(`${prefix}.shape_hidden`, [0, 0, W]);
    g.scalar(`${prefix}.scale`, 1 / Math.sqrt(d));
    for (let l = 0; l < layers; l++) {
      const n = `${prefix}.encoder.layers.${l}`;
      const h = this.layerNorm(x, `${n}.layer_norm1`, W);
      const heads4 = (y: string, perm: number[]) => g.op('Transpose', [g.op('Reshape', [y, `${prefix}.shape_heads`])], [{ name: 'perm', ints: perm }]);
      const q = heads4(this.linear(h, `${n}.self_attn.q_proj`, W, W), [0, 2, 1, 3]);
      const kT = heads4(this.linear(h, `${n}.self_attn.k_proj`, W, W), [0, 2, 3, 1]);
      const v = heads4(this.linear(h, `${n}.self_attn.v_proj`, W, W), [0, 2, 1, 3]);
      let scores = g.op('Mul', [g.op('MatMul', [q, kT]), `${prefix}.scale`]);
      for (const b of biases) scores = g.op('Add', [scores, b]);
      const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [g.op('Softmax', [scores], [{ name: 'axis', i: -1 }]), v])], [{ name: 'perm', ints: [0, 2, 1, 3] }]), `${prefix}.shape_hidden`]);
      x = g.op('Add', [x, this.linear(ctx, `${n}.self_attn.out_proj`, W, W)]);
      const h2 = this.layerNorm(x, `${n}.layer_norm2`, W);
      const f1 = this.linear(h2, `${n}.mlp.fc1`, 4 * W, W);
      const act = g.op('Mul', [f1, g.op('Sigmoid', [g.op('Mul', [f1, 'qg'])])]); // quick_gelu
      x = g.op('Add', [x, this.linear(act, `${n}.mlp.fc2`, W, 4 * W)]);
    }
    return x;
  }
}

function textModel(o: Required<TinyClipOptions>, vocabSize: number): Uint8Array {
  const { hidden: W, layers, heads, maxPositions } = o.text;
  const t = new Tower(o.seed * 2 + 1);
  const g = t.g;
  const ids = g.input('input_ids', INT64, ['batch_size', 'sequence_length']);
  g.scalar('one', 1);
  g.scalar('neg_big', -1e9);
  g.i64('zero_i', [0], []);
  g.i64('one_i', [1], []);
  g.i64('axis0', [0]);
  g.i64('axis1', [1]);
  g.i64('axes12', [1, 2]);
  const L = g.op('Gather', [g.op('Shape', [ids]), 'one_i'], [{ name: 'axis', i: 0 }]); // scalar
  const pos = g.op('Range', ['zero_i', L, 'one_i']); // [L]
  let x = g.op('Add', [g.op('Gather', [t.rand('text_model.embeddings.token_embedding.weight', [vocabSize, W], 0.5), ids]), g.op('Gather', [t.rand('text_model.embeddings.position_embedding.weight', [maxPositions, W], 0.2), pos])]);
  const LL = g.op('Concat', [g.op('Unsqueeze', [L, 'axis0']), g.op('Unsqueeze', [L, 'axis0'])], [{ name: 'axis', i: 0 }]);
  const ones = g.op('Add', [g.op('ConstantOfShape', [LL]), 'one']);
  const causal = g.op('Mul', [g.op('Sub', ['one', g.op('Trilu', [ones], [{ name: 'upper', i: 0 }])]), 'neg_big']); // [L, L]
  const biases = [causal];
  if (o.attentionMask) {
    const mask = g.input('attention_mask', INT64, ['batch_size', 'sequence_length']);
    biases.push(g.op('Unsqueeze', [g.op('Mul', [g.op('Sub', ['one', g.op('Cast', [mask], [{ name: 'to', i: FLOAT }])]), 'neg_big']), 'axes12'])); // [B, 1, 1, L]
  }
  x = t.encoder(x, 'text_model', W, layers, heads, biases);
  const lhs = t.layerNorm(x, 'text_model.final_layer_norm', W);
  // pooled = lhs[b, argmax_l input_ids[b, l]] (the first EOS)
  const eos = g.op('ArgMax', [g.op('Cast', [ids], [{ name: 'to', i: FLOAT }])], [{ name: 'axis', i: 1 }, { name: 'keepdims', i: 0 }]); // [B]
  const onehot = g.op('Cast', [g.op('Equal', [g.op('Unsqueeze', [eos, 'axis1']), pos])], [{ name: 'to', i: FLOAT }]); // [B, L]
  const pooled = g.op('Squeeze', [g.op('MatMul', [g.op('Unsqueeze', [onehot, 'axis1']), lhs]), 'axis1']); // [B, W]
  const embeds = t.linear(pooled, 'text_projection', o.projection, W, false);
  g.output('text_embeds', embeds, FLOAT, ['batch_size', o.projection]);
  g.output('last_hidden_state', lhs, FLOAT, ['batch_size', 'sequence_length', W]);
  return g.model('clip-text');
}

function visionModel(o: Required<TinyClipOptions>): Uint8Array {
  const { hidden: W, layers, heads, image: S, patch: P } = o.vision;
  const G = (S / P) ** 2;
  const t = new Tower(o.seed * 2 + 2);
  const g = t.g;
  const px = g.input('pixel_values', FLOAT, ['batch_size', 3, S, S]);
  g.i64('zero_i', [0], []);
  g.i64('starts0', [0]);
  g.i64('ends1', [1]);
  g.i64('one_w', [1, W]);
  g.i64('shape_patches', [0, W, -1]);
  const conv = g.op('Conv', [px, t.rand('vision_model.embeddings.patch_embedding.weight', [W, 3, P, P], Math.sqrt(3 / (3 * P * P)))], [{ name: 'kernel_shape', ints: [P, P] }, { name: 'strides', ints: [P, P] }]);
  const patches = g.op('Transpose', [g.op('Reshape', [conv, 'shape_patches'])], [{ name: 'perm', ints: [0, 2, 1] }]); // [B, G, W]
  const cls = g.op('Reshape', [t.rand('vision_model.embeddings.class_embedding', [W], 0.5), g.i64('shape_11w', [1, 1, W])]);
  const B = g.op('Slice', [g.op('Shape', [px]), 'starts0', 'ends1']); // [1]
  const clsB = g.op('Expand', [cls, g.op('Concat', [B, 'one_w'], [{ name: 'axis', i: 0 }])]); // [B, 1, W]
  let x = g.op('Add', [g.op('Concat', [clsB, patches], [{ name: 'axis', i: 1 }]), t.rand('vision_model.embeddings.position_embedding.weight', [1 + G, W], 0.2)]);
  x = t.layerNorm(x, 'vision_model.pre_layrnorm', W);
  x = t.encoder(x, 'vision_model', W, layers, heads, []);
  const pooled = t.layerNorm(g.op('Gather', [x, 'zero_i'], [{ name: 'axis', i: 1 }]), 'vision_model.post_layernorm', W); // [B, W]
  g.output('image_embeds', t.linear(pooled, 'visual_projection', o.projection, W, false), FLOAT, ['batch_size', o.projection]);
  g.output('last_hidden_state', x, FLOAT, ['batch_size', 1 + G, W]);
  return g.model('clip-vision');
}

/** Write a tiny CLIP folder to `dir` (see the file header); returns the options used. */
export function writeTinyClip(dir: string, opts: TinyClipOptions = {}): Required<TinyClipOptions> {
  const o: Required<TinyClipOptions> = {
    seed: 0,
    text: { hidden: 32, layers: 2, heads: 4, maxPositions: 24 },
    vision: { hidden: 32, layers: 2, heads: 4, image: 32, patch: 8 },
    projection: 24,
    attentionMask: true,
    shortestEdge: opts.vision?.image ?? 32,
    ...opts,
  };
  const tok = tinyClipTokenizer();
  const vocabSize = Object.keys((tok['model'] as { vocab: object }).vocab).length;
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  const json = (name: string, v: unknown) => writeFileSync(join(dir, name), JSON.stringify(v, null, 2) + '\n');
  json('config.json', {
    _name_or_path: 'optical-test/tiny-clip',
    architectures: ['CLIPModel'],
    model_type: 'clip',
    projection_dim: o.projection,
    text_config: { model_type: 'clip_text_model', hidden_size: o.text.hidden, num_hidden_layers: o.text.layers, num_attention_heads: o.text.heads, intermediate_size: 4 * o.text.hidden, max_position_embeddings: o.text.maxPositions, vocab_size: vocabSize, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, bos_token_id: 0, eos_token_id: 2, pad_token_id: 1, projection_dim: o.projection },
    vision_config: { model_type: 'clip_vision_model', hidden_size: o.vision.hidden, num_hidden_layers: o.vision.layers, num_attention_heads: o.vision.heads, intermediate_size: 4 * o.vision.hidden, image_size: o.vision.image, patch_size: o.vision.patch, num_channels: 3, hidden_act: 'quick_gelu', layer_norm_eps: 1e-5, projection_dim: o.projection },
  });
  json('preprocessor_config.json', {
    crop_size: { height: o.vision.image, width: o.vision.image },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
    image_processor_type: 'CLIPImageProcessor',
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: o.shortestEdge },
  });
  json('tokenizer.json', tok);
  json('tokenizer_config.json', { bos_token: '<|startoftext|>', eos_token: '<|endoftext|>', pad_token: '<|endoftext|>', unk_token: '<|endoftext|>', do_lower_case: true, model_max_length: o.text.maxPositions, tokenizer_class: 'CLIPTokenizer' });
  writeFileSync(join(dir, 'onnx', 'text_model.onnx'), textModel(o, vocabSize));
  writeFileSync(join(dir, 'onnx', 'vision_model.onnx'), visionModel(o));
  return o;
}
