/**
 * Image preprocessing as CLIPImageProcessor does it, with `sharp` (libvips) for decoding and resizing:
 *
 *   1. convert to RGB (alpha dropped, greyscale expanded; EXIF orientation ignored, as PIL's `Image.open`)
 *   2. resize so the shortest side is `shortest_edge`, the other side ⌊shortest_edge · long / short⌋
 *      (transformers' `get_resize_output_image_size`), kernel from `resample` (3, bicubic → libvips `cubic`)
 *   3. centre crop to `crop_size`: top = ⌊(h − crop_h) / 2⌋, left = ⌊(w − crop_w) / 2⌋, zeros outside the
 *      image when it is smaller than the crop (transformers' `center_crop`)
 *   4. rescale (× 1/255) and normalise per channel ((x − mean) / std), channels first
 *
 * Output: pixel_values of one image, [3, H, W] float32 (H, W = the crop size).
 *
 * Steps 1, 3 and 4 are exact. Step 2 uses libvips' Catmull-Rom cubic (a = −0.5), the kernel of Pillow's
 * BICUBIC, with the same antialiasing support when downscaling; the two libraries' rounding differs, so
 * resized pixels may differ from Pillow's by a few grey levels (not measured here: no Pillow on this machine).
 */
import sharp from 'sharp';
import { InputError } from '../../errors.ts';
import type { ImageProcessorConfig } from './config.ts';

type Kernel = 'nearest' | 'lanczos3' | 'linear' | 'cubic';
const KERNELS: Record<number, Kernel> = { 0: 'nearest', 1: 'lanczos3', 2: 'linear', 3: 'cubic' };

/** [h, w] after step 2 for an h × w image. */
export function resizedSize(h: number, w: number, resize: ImageProcessorConfig['resize']): [number, number] {
  if (!resize) return [h, w];
  if ('height' in resize) return [resize.height, resize.width];
  const s = resize.shortestEdge;
  return w <= h ? [Math.floor((s * h) / w), s] : [s, Math.floor((s * w) / h)];
}

/** Step 3 on HWC uint8 RGB pixels: the centre crop [cropH, cropW, 3], zero outside the image. */
export function centreCrop(px: Uint8Array, h: number, w: number, cropH: number, cropW: number): Uint8Array {
  const top = Math.floor((h - cropH) / 2);
  const left = Math.floor((w - cropW) / 2);
  const out = new Uint8Array(cropH * cropW * 3);
  for (let r = 0; r < cropH; r++) {
    const y = top + r;
    if (y < 0 || y >= h) continue;
    for (let c = 0; c < cropW; c++) {
      const x = left + c;
      if (x < 0 || x >= w) continue;
      out.set(px.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (r * cropW + c) * 3);
    }
  }
  return out;
}

/** Step 4: HWC uint8 → CHW float32 [3, h, w]. */
export function toPixelValues(px: Uint8Array, h: number, w: number, cfg: Pick<ImageProcessorConfig, 'rescale' | 'normalize'>): Float32Array {
  const out = new Float32Array(3 * h * w);
  const scale = cfg.rescale ?? 1;
  for (let c = 0; c < 3; c++) {
    const mean = cfg.normalize?.mean[c] ?? 0;
    const std = cfg.normalize?.std[c] ?? 1;
    for (let i = 0; i < h * w; i++) out[c * h * w + i] = (px[i * 3 + c]! * scale - mean) / std;
  }
  return out;
}

/** Preprocess one image file (or encoded bytes, named `name` in errors) to pixel_values [3, H, W]. */
export async function preprocessImage(input: string | Uint8Array, cfg: ImageProcessorConfig, name = typeof input === 'string' ? input : 'image'): Promise<{ data: Float32Array; height: number; width: number }> {
  const kernel = KERNELS[cfg.resample];
  if (!kernel) throw new InputError(`unsupported resample ${cfg.resample} in preprocessor_config.json (supported: ${Object.entries(KERNELS).map(([k, v]) => `${k} ${String(v)}`).join(', ')})`);
  let img: ReturnType<typeof sharp>;
  let h: number, w: number;
  try {
    img = sharp(input, { failOn: 'error' });
    const m = await img.metadata();
    if (!m.width || !m.height) throw new Error('no image size');
    [h, w] = [m.height, m.width];
  } catch (e) {
    throw new InputError(`cannot decode the image: ${(e as Error).message}`, name);
  }
  const [rh, rw] = resizedSize(h, w, cfg.resize);
  let px: Uint8Array;
  try {
    // two pipelines: RGB first, then resize (in one pipeline libvips would resize with premultiplied alpha)
    const rgb = await img.removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    px = rgb.info.channels === 3 ? new Uint8Array(rgb.data.buffer, rgb.data.byteOffset, rgb.data.byteLength) : expandToRgb(rgb.data, rgb.info.channels, h * w);
    if (rh !== h || rw !== w) {
      const { data, info } = await sharp(px, { raw: { width: w, height: h, channels: 3 } }).resize(rw, rh, { kernel, fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
      if (info.width !== rw || info.height !== rh || info.channels !== 3) throw new Error(`resized to ${info.width}×${info.height}×${info.channels}, expected ${rw}×${rh}×3`);
      px = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    }
  } catch (e) {
    throw new InputError(`cannot decode the image: ${(e as Error).message}`, name);
  }
  const [ch, cw] = cfg.crop ? [cfg.crop.height, cfg.crop.width] : [rh, rw];
  const cropped = cfg.crop ? centreCrop(px, rh, rw, ch, cw) : px;
  return { data: toPixelValues(cropped, ch, cw, cfg), height: ch, width: cw };
}

function expandToRgb(data: Uint8Array, channels: number, n: number): Uint8Array {
  if (channels !== 1 && channels !== 2) throw new Error(`${channels} channels after RGB conversion`);
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) out.fill(data[i * channels]!, i * 3, i * 3 + 3);
  return out;
}
