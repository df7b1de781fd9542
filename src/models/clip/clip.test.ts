/**
 * CLIP towers on a tiny CLIP-architecture ONNX model built by the test (test/onnx-clip.ts: random weights,
 * the transformers.js graph names), images written by the test as PNGs, and the shared CLIP tokenizer files:
 * shapes, determinism, padding invariance, projected token states, preprocessing geometry and values,
 * tokenizer ids, error messages.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { ClipModel, centreCrop, preprocessImage, readImageProcessorConfig, resizedSize } from './index.ts';
import { HfTokenizer } from '../hf/tokenizer.ts';
import { InputError } from '../../errors.ts';
import { writeTinyClip } from '../../../test/onnx-clip.ts';
import { resolveTestModels } from '../../../test/data.ts';

const MODELS = resolveTestModels();
let root: string;
let clip: ClipModel;
const TEXTS = ['a red cat', 'a dog', 'the cat and the dog are red', 'Do re mi!', 'red red red red red red'];

/** A PNG from an RGB(A) pixel function. */
async function png(file: string, w: number, h: number, f: (x: number, y: number) => number[], channels: 3 | 4 = 3) {
  const buf = Buffer.alloc(w * h * channels);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) buf.set(f(x, y), (y * w + x) * channels);
  await sharp(buf, { raw: { width: w, height: h, channels } }).png().toFile(file);
  return file;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'optical-clip-'));
  writeTinyClip(join(root, 'clip'));
  clip = await ClipModel.load(join(root, 'clip'));
});

describe('CLIP text tower (tiny ONNX model)', () => {
  it('text_embeds: [N, D], unit rows, deterministic, independent of batching and padding', async () => {
    const a = await clip.encodeText(TEXTS, { batchSize: 8 });
    const b = await clip.encodeText(TEXTS, { batchSize: 1 });
    expect(a.dim).toBe(24);
    expect(a.embeddings.length).toBe(TEXTS.length * 24);
    for (let r = 0; r < TEXTS.length; r++) expect(Math.hypot(...a.embeddings.subarray(r * 24, (r + 1) * 24))).toBeCloseTo(1, 5);
    for (let i = 0; i < a.raw.length; i++) expect(Math.abs(a.raw[i]! - b.raw[i]!)).toBeLessThan(1e-5);
    expect(Array.from((await clip.encodeText(TEXTS, { batchSize: 8 })).raw)).toEqual(Array.from(a.raw));
    // different texts, different vectors
    expect(Math.abs(a.raw[0]! - a.raw[24]!)).toBeGreaterThan(1e-4);
  });

  it('token states: one per token, projected into the text_embeds space (end token = text_embeds)', async () => {
    const r = await clip.encodeText(TEXTS, { tokens: true, batchSize: 3 });
    TEXTS.forEach((t, i) => {
      const ids = clip.tokenize(t);
      expect(ids[0]).toBe(clip.tokenizer.tokenToId('<|startoftext|>'));
      expect(ids.at(-1)).toBe(clip.endId);
      expect(r.tokens![i]!.length).toBe(ids.length * 24);
      const last = r.tokens![i]!.subarray((ids.length - 1) * 24);
      const ref = r.raw.subarray(i * 24, (i + 1) * 24);
      const err = Math.hypot(...last.map((v, d) => v - ref[d]!)) / Math.hypot(...ref);
      expect(err).toBeLessThan(1e-4);
    });
  });

  it('a graph without attention_mask runs the same (padding after the end token is invisible)', async () => {
    writeTinyClip(join(root, 'nomask'), { attentionMask: false });
    const m = await ClipModel.load(join(root, 'nomask'));
    const a = await m.encodeText(TEXTS, { batchSize: 8 });
    const b = await m.encodeText(TEXTS, { batchSize: 1 });
    for (let i = 0; i < a.raw.length; i++) expect(Math.abs(a.raw[i]! - b.raw[i]!)).toBeLessThan(1e-5);
    await m.release();
  });

  it('long texts are cut to max_position_embeddings, keeping the end token', () => {
    const ids = clip.tokenize('cat '.repeat(100));
    expect(ids.length).toBe(24);
    expect(ids.at(-1)).toBe(clip.endId);
  });

  it('bad folders: errors name the file and field', async () => {
    writeTinyClip(join(root, 'bad'));
    rmSync(join(root, 'bad', 'onnx', 'text_model.onnx'));
    await expect(ClipModel.load(join(root, 'bad'))).rejects.toThrow(/text_model\.onnx: no such ONNX model/);
    const cfg = JSON.parse(readFileSync(join(root, 'clip', 'config.json'), 'utf8'));
    writeTinyClip(join(root, 'bad2'));
    writeFileSync(join(root, 'bad2', 'config.json'), JSON.stringify({ ...cfg, projection_dim: 'x' }));
    await expect(ClipModel.load(join(root, 'bad2'))).rejects.toThrow(/config\.json: field "projection_dim" must be a positive integer/);
    writeFileSync(join(root, 'bad2', 'config.json'), JSON.stringify({ ...cfg, model_type: 'bert' }));
    await expect(ClipModel.load(join(root, 'bad2'))).rejects.toThrow(InputError);
  });
});

describe('CLIP image preprocessing (CLIPImageProcessor geometry)', () => {
  it('resize: shortest side to shortest_edge, the other ⌊s·long/short⌋', () => {
    expect(resizedSize(200, 300, { shortestEdge: 224 })).toEqual([224, 336]);
    expect(resizedSize(300, 200, { shortestEdge: 224 })).toEqual([336, 224]);
    expect(resizedSize(333, 500, { shortestEdge: 224 })).toEqual([224, 336]); // 224·500/333 = 336.3
    expect(resizedSize(50, 50, { shortestEdge: 32 })).toEqual([32, 32]);
  });

  it('centre crop: top/left = ⌊(size − crop)/2⌋, zeros outside a smaller image', () => {
    // 3 × 5 image, pixel value = 10·y + x in every channel
    const px = new Uint8Array(3 * 5 * 3).map((_, i) => 10 * Math.floor(i / 15) + (Math.floor(i / 3) % 5));
    const c = centreCrop(px, 3, 5, 2, 2); // top ⌊1/2⌋ = 0, left ⌊3/2⌋ = 1
    expect(Array.from(c.filter((_, i) => i % 3 === 0))).toEqual([1, 2, 11, 12]);
    const p = centreCrop(px, 3, 5, 4, 4); // top ⌊−1/2⌋ = −1 (a zero row), left ⌊1/2⌋ = 0
    expect(Array.from(p.filter((_, i) => i % 3 === 0))).toEqual([0, 0, 0, 0, 0, 1, 2, 3, 10, 11, 12, 13, 20, 21, 22, 23]);
  });

  it('a two-colour PNG: exact crop and normalised values; alpha and greyscale become RGB', async () => {
    const cfg = readImageProcessorConfig(join(root, 'clip')); // shortest_edge = crop = 32
    const f = await png(join(root, 'halves.png'), 64, 32, (x) => (x < 32 ? [255, 0, 0] : [0, 0, 255]));
    const r = await preprocessImage(f, cfg);
    expect([r.height, r.width]).toEqual([32, 32]);
    const v = (c: number, y: number, x: number) => r.data[c * 1024 + y * 32 + x]!;
    const norm = (byte: number, c: number) => (byte / 255 - cfg.normalize!.mean[c]!) / cfg.normalize!.std[c]!;
    // the crop keeps columns 16..47: red on the left half, blue on the right half
    for (const y of [0, 17, 31]) {
      expect(v(0, y, 0)).toBeCloseTo(norm(255, 0), 5);
      expect(v(2, y, 0)).toBeCloseTo(norm(0, 2), 5);
      expect(v(0, y, 31)).toBeCloseTo(norm(0, 0), 5);
      expect(v(2, y, 31)).toBeCloseTo(norm(255, 2), 5);
    }
    const rgba = await preprocessImage(await png(join(root, 'rgba.png'), 40, 50, () => [10, 200, 30, 7], 4), cfg);
    expect(rgba.data.length).toBe(3 * 32 * 32);
    expect(rgba.data[5]).toBeCloseTo(norm(10, 0), 5); // uniform image: resizing keeps the value; alpha dropped
    const grey = await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 90, g: 90, b: 90 } } }).greyscale().png().toBuffer();
    const g = await preprocessImage(grey, cfg, 'grey.png');
    expect(g.data[3 * 1024 - 1]).toBeCloseTo(norm(90, 2), 5);
  });

  it('an undecodable file is an InputError naming it', async () => {
    const cfg = readImageProcessorConfig(join(root, 'clip'));
    writeFileSync(join(root, 'broken.png'), 'not an image');
    await expect(preprocessImage(join(root, 'broken.png'), cfg)).rejects.toThrow(/broken\.png: cannot decode the image/);
  });
});

describe('CLIP vision tower (tiny ONNX model)', () => {
  it('image_embeds: [N, D], unit rows, deterministic, independent of batching', async () => {
    const files = await Promise.all([
      png(join(root, 'i0.png'), 48, 40, (x, y) => [x * 5, y * 6, 100]),
      png(join(root, 'i1.png'), 32, 32, () => [250, 10, 10]),
      png(join(root, 'i2.png'), 40, 64, (x, y) => [(x * y) % 255, 0, 200]),
    ]);
    const a = await clip.encodeImages(files, { batchSize: 3 });
    const b = await clip.encodeImages(files, { batchSize: 1 });
    expect(a.embeddings.length).toBe(3 * 24);
    for (let i = 0; i < a.embeddings.length; i++) expect(Math.abs(a.embeddings[i]! - b.embeddings[i]!)).toBeLessThan(1e-5);
    expect(Math.hypot(...a.embeddings.subarray(24, 48))).toBeCloseTo(1, 5);
  });
});

describe.skipIf(!MODELS)('CLIP ViT-B/32 tokenizer (shared tokenizers-clip) conformance', () => {
  it('known ids for known strings; lower-cased; cut to 77 keeping <|endoftext|>', () => {
    const dir = join(MODELS!, 'tokenizers-clip');
    const rd = (f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'));
    const tok = new HfTokenizer(rd('tokenizer.json'), rd('tokenizer_config.json'), join(dir, 'tokenizer.json'));
    // ids of OpenAI CLIP's published examples (clip.tokenize)
    expect(tok.encode('a photo of a cat', 77).ids).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(tok.encode('a dog', 77).ids).toEqual([49406, 320, 1929, 49407]);
    expect(tok.encode('A   Photo OF a CAT', 77).ids).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    const long = tok.encode('a photo of a cat '.repeat(30), 77).ids;
    expect(long.length).toBe(77);
    expect([long[0], long[76]]).toEqual([49406, 49407]);
    expect(tok.tokenToId('<|endoftext|>')).toBe(49407);
  });
});
