/**
 * A Hugging Face CLIP model exported to ONNX in the layout transformers.js uses (Xenova exports):
 *
 *   DIR/config.json, preprocessor_config.json, tokenizer.json, tokenizer_config.json
 *   DIR/onnx/text_model.onnx     input_ids [B, L] int64 (+ attention_mask [B, L] when declared)
 *                                → text_embeds [B, D], last_hidden_state [B, L, Wt]
 *   DIR/onnx/vision_model.onnx   pixel_values [B, 3, S, S] float32 → image_embeds [B, D], last_hidden_state
 *
 * run by ONNX Runtime (inference only: the towers are frozen). Legend: N texts or images, B batch, L padded
 * tokens (≤ max_position_embeddings, 77), Wt text width, D projection width, S image size.
 *
 * Text: the CLIP byte-level BPE tokenizer.json run by `@huggingface/tokenizers` (lower-cased, `</w>` word
 * ends, <|startoftext|> … <|endoftext|>), truncated to L_max keeping the end token, padded with the pad token
 * (<|endoftext|>) — the pooled state is at the first end token, so padding after it changes nothing.
 *
 * Token states (for token-level OT): last_hidden_state projected by the text projection P [D, Wt] into the
 * space of text_embeds, t_l = P h_l, so the student's token states and sentence vectors are compared with
 * the teacher's in one space (the sentence vector is exactly the projected end-token state). P is not a graph
 * output: it is recovered by least squares from the tower's own outputs (projection.ts), once per model.
 */
import { join } from 'node:path';
import { InputError } from '../../errors.ts';
import { mulberry32 } from '../../util/random.ts';
import { HfTokenizer } from '../hf/tokenizer.ts';
import { readClipConfig, readImageProcessorConfig, readJson, type ClipConfig, type ImageProcessorConfig } from './config.ts';
import { preprocessImage } from './image.ts';
import { fitProjection } from './projection.ts';
import { OnnxSession } from './ort.ts';

export interface ClipTextResult {
  /** [N, D] L2-normalised text_embeds */
  embeddings: Float32Array;
  /** [N, D] text_embeds as the graph returns them */
  raw: Float32Array;
  /** per text [len_i, D]: projected token states (special tokens included), when asked for */
  tokens?: Float32Array[];
  dim: number;
}

export interface ClipEncodeOptions {
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

const l2rows = (x: Float32Array, D: number): Float32Array => {
  const out = new Float32Array(x.length);
  for (let r = 0; r < x.length / D; r++) {
    let s = 0;
    for (let d = 0; d < D; d++) s += x[r * D + d]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < D; d++) out[r * D + d] = x[r * D + d]! * inv;
  }
  return out;
};

export class ClipModel {
  private vision?: OnnxSession;
  private projection?: Float32Array;
  readonly padId: number;
  readonly endId: number;

  private constructor(
    readonly dir: string,
    readonly config: ClipConfig,
    readonly processor: ImageProcessorConfig,
    readonly tokenizer: HfTokenizer,
    private readonly text: OnnxSession,
  ) {
    const id = (tok: string, what: string) => {
      const v = tokenizer.tokenToId(tok);
      if (v === undefined) throw new InputError(`the ${what} token ${JSON.stringify(tok)} is not in the vocabulary`, join(dir, 'tokenizer.json'));
      return v;
    };
    const cfg = tokenizer.config;
    const name = (v: unknown) => (typeof v === 'string' ? v : typeof (v as { content?: unknown })?.content === 'string' ? (v as { content: string }).content : undefined);
    this.endId = id(name(cfg['eos_token']) ?? '<|endoftext|>', 'end-of-text');
    this.padId = id(name(cfg['pad_token']) ?? name(cfg['eos_token']) ?? '<|endoftext|>', 'padding');
  }

  /** Load a CLIP folder (see the file header); the vision tower is loaded on first use. */
  static async load(dir: string): Promise<ClipModel> {
    const config = readClipConfig(dir);
    const processor = readImageProcessorConfig(dir);
    const tokFile = join(dir, 'tokenizer.json');
    const tokenizer = new HfTokenizer(readJson(tokFile), readJson(join(dir, 'tokenizer_config.json')), tokFile);
    const text = await OnnxSession.load(join(dir, 'onnx', 'text_model.onnx'));
    text.expect(['input_ids'], ['text_embeds', 'last_hidden_state']);
    return new ClipModel(dir, config, processor, tokenizer, text);
  }

  /** The name students distilled from this model record as their teacher (`clip:` + the model's name). */
  get name(): string {
    return `clip:${this.config.name}`;
  }

  /** D */
  get dim(): number {
    return this.config.projectionDim;
  }

  /** Token ids of one text: <|startoftext|> … <|endoftext|>, at most max_position_embeddings. */
  tokenize(text: string): number[] {
    return this.tokenizer.encode(text, this.config.text.maxPositions).ids;
  }

  /** One batch of id rows → text_embeds [B, D] and last_hidden_state [B, L, Wt]. */
  async runText(rows: number[][]): Promise<{ embeds: Float32Array; states: Float32Array; L: number }> {
    const B = rows.length;
    const L = Math.max(...rows.map((r) => r.length));
    const ids = new BigInt64Array(B * L).fill(BigInt(this.padId));
    const mask = new BigInt64Array(B * L);
    rows.forEach((r, b) => r.forEach((id, t) => {
      ids[b * L + t] = BigInt(id);
      mask[b * L + t] = 1n;
    }));
    const feeds: Parameters<OnnxSession['run']>[0] = { input_ids: { type: 'int64', data: ids, dims: [B, L] } };
    if (this.text.inputNames.includes('attention_mask')) feeds['attention_mask'] = { type: 'int64', data: mask, dims: [B, L] };
    const out = await this.text.run(feeds, ['text_embeds', 'last_hidden_state']);
    const D = this.dim;
    const Wt = this.config.text.hidden;
    if (out['text_embeds']!.dims.join() !== `${B},${D}` || out['last_hidden_state']!.dims.join() !== `${B},${L},${Wt}`) {
      throw new InputError(`outputs have shapes [${out['text_embeds']!.dims}] and [${out['last_hidden_state']!.dims}], config.json says [${B}, ${D}] and [${B}, ${L}, ${Wt}]`, this.text.file);
    }
    return { embeds: out['text_embeds']!.data, states: out['last_hidden_state']!.data, L };
  }

  /** Encode texts (input order kept; batches sorted by length). */
  async encodeText(texts: string[], opts: ClipEncodeOptions & { tokens?: boolean } = {}): Promise<ClipTextResult> {
    const N = texts.length;
    const D = this.dim;
    const Wt = this.config.text.hidden;
    const bs = opts.batchSize ?? 32;
    const rows = texts.map((t) => this.tokenize(t));
    const order = [...rows.keys()].sort((a, b) => rows[a]!.length - rows[b]!.length || a - b);
    const raw = new Float32Array(N * D);
    const tokens: Float32Array[] | undefined = opts.tokens ? new Array(N) : undefined;
    const P = opts.tokens ? await this.textProjection() : undefined;
    for (let s = 0; s < N; s += bs) {
      const idx = order.slice(s, s + bs);
      const { embeds, states, L } = await this.runText(idx.map((i) => rows[i]!));
      idx.forEach((i, b) => {
        raw.set(embeds.subarray(b * D, (b + 1) * D), i * D);
        if (tokens) tokens[i] = projectRows(states.subarray(b * L * Wt, (b * L + rows[i]!.length) * Wt), P!, Wt, D);
      });
      opts.onProgress?.(Math.min(s + bs, N), N);
    }
    return { embeddings: l2rows(raw, D), raw, tokens, dim: D };
  }

  /** P [D, Wt] (row-major), recovered once from seeded probe sentences (see the file header). */
  async textProjection(): Promise<Float32Array> {
    if (this.projection) return this.projection;
    const Wt = this.config.text.hidden;
    const D = this.dim;
    const n = Wt + 32;
    const rnd = mulberry32(12345);
    const specials = new Set([this.endId, this.padId, ...this.tokenize('').filter((x) => x !== this.endId)]);
    const maxContent = Math.min(8, this.config.text.maxPositions - 2);
    const rows: number[][] = [];
    for (let r = 0; r < n; r++) {
      const len = 1 + Math.floor(rnd() * maxContent);
      const body: number[] = [];
      while (body.length < len) {
        const id = Math.floor(rnd() * this.endId); // ids below the end token: it stays the row's maximum (argmax pooling)
        if (!specials.has(id)) body.push(id);
      }
      rows.push([...this.tokenize('').filter((x) => x !== this.endId), ...body, this.endId]);
    }
    const X = new Float64Array(n * Wt);
    const Y = new Float64Array(n * D);
    for (let s = 0; s < n; s += 64) {
      const batch = rows.slice(s, s + 64);
      const { embeds, states, L } = await this.runText(batch);
      batch.forEach((row, b) => {
        const eos = row.indexOf(this.endId);
        for (let i = 0; i < Wt; i++) X[(s + b) * Wt + i] = states[(b * L + eos) * Wt + i]!;
        for (let d = 0; d < D; d++) Y[(s + b) * D + d] = embeds[b * D + d]!;
      });
    }
    this.projection = fitProjection(X, Y, n, Wt, D, this.text.file).P;
    return this.projection;
  }

  /** Encode image files (or encoded image bytes) → [N, D] L2-normalised image_embeds. */
  async encodeImages(images: (string | Uint8Array)[], opts: ClipEncodeOptions = {}): Promise<{ embeddings: Float32Array; dim: number }> {
    const D = this.dim;
    const bs = opts.batchSize ?? 16;
    const raw = new Float32Array(images.length * D);
    for (let s = 0; s < images.length; s += bs) {
      const px = await Promise.all(images.slice(s, s + bs).map((im) => preprocessImage(im, this.processor)));
      const odd = px.findIndex((p) => p.height !== px[0]!.height || p.width !== px[0]!.width);
      if (odd >= 0) throw new InputError(`preprocessed to ${px[odd]!.height}×${px[odd]!.width}, other images to ${px[0]!.height}×${px[0]!.width}: preprocessor_config.json must crop to one size`, typeof images[s + odd] === 'string' ? (images[s + odd] as string) : undefined);
      raw.set(await this.runPixels(px.map((p) => p.data), px[0]!.height, px[0]!.width), s * D);
      opts.onProgress?.(Math.min(s + bs, images.length), images.length);
    }
    return { embeddings: l2rows(raw, D), dim: D };
  }

  /** pixel_values of B images, each [3, H, W] → image_embeds [B, D] (unnormalised). */
  async runPixels(pixels: Float32Array[], H: number, W: number): Promise<Float32Array> {
    this.vision ??= await OnnxSession.load(join(this.dir, 'onnx', 'vision_model.onnx'));
    this.vision.expect(['pixel_values'], ['image_embeds']);
    const B = pixels.length;
    const data = new Float32Array(B * 3 * H * W);
    pixels.forEach((p, b) => data.set(p, b * 3 * H * W));
    const out = await this.vision.run({ pixel_values: { type: 'float32', data, dims: [B, 3, H, W] } }, ['image_embeds']);
    if (out['image_embeds']!.dims.join() !== `${B},${this.dim}`) throw new InputError(`image_embeds has shape [${out['image_embeds']!.dims}], expected [${B}, ${this.dim}]`, this.vision.file);
    return out['image_embeds']!.data;
  }

  async release(): Promise<void> {
    await this.text.release();
    await this.vision?.release();
  }
}

/** rows [len, Wt] · Pᵀ → [len, D] */
function projectRows(h: Float32Array, P: Float32Array, Wt: number, D: number): Float32Array {
  const len = h.length / Wt;
  const out = new Float32Array(len * D);
  for (let l = 0; l < len; l++) {
    for (let d = 0; d < D; d++) {
      let s = 0;
      for (let i = 0; i < Wt; i++) s += h[l * Wt + i]! * P[d * Wt + i]!;
      out[l * D + d] = s;
    }
  }
  return out;
}
