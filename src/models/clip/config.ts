/**
 * CLIP folder configuration: `config.json` (CLIPModel: `projection_dim`, `text_config`, `vision_config`) and
 * `preprocessor_config.json` (CLIPImageProcessor). Missing or ill-typed fields are `InputError`s naming the
 * file and the field.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../errors.ts';

export interface ClipConfig {
  /** the model's name (`_name_or_path`, else the folder) */
  name: string;
  /** D: width of text_embeds / image_embeds */
  projectionDim: number;
  /** Wt, and the longest token sequence (max_position_embeddings, 77 for OpenAI CLIP) */
  text: { hidden: number; maxPositions: number };
  vision: { hidden: number; imageSize: number; patchSize: number };
}

/** What CLIPImageProcessor does to an image, in order (transformers' names in comments). */
export interface ImageProcessorConfig {
  /** do_resize + size.shortest_edge (or size.height/width for a fixed size) */
  resize: { shortestEdge: number } | { height: number; width: number } | null;
  /** do_center_crop + crop_size */
  crop: { height: number; width: number } | null;
  /** do_rescale + rescale_factor (1/255) */
  rescale: number | null;
  /** do_normalize + image_mean / image_std (per RGB channel) */
  normalize: { mean: [number, number, number]; std: [number, number, number] } | null;
  /** `resample` (PIL code; 3 = bicubic) — see image.ts for the kernel used */
  resample: number;
}

export function readJson(file: string): Record<string, unknown> {
  if (!existsSync(file)) throw new InputError('missing file', file);
  try {
    const v = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('expected a JSON object');
    return v as Record<string, unknown>;
  } catch (e) {
    throw new InputError(`not valid JSON: ${(e as Error).message}`, file);
  }
}

function int(o: Record<string, unknown>, key: string, file: string, path = key): number {
  const v = o[key];
  if (!Number.isInteger(v) || (v as number) <= 0) throw new InputError(`field "${path}" must be a positive integer, got ${JSON.stringify(v)}`, file);
  return v as number;
}
function obj(o: Record<string, unknown>, key: string, file: string): Record<string, unknown> {
  const v = o[key];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new InputError(`field "${key}" must be an object`, file);
  return v as Record<string, unknown>;
}

export function readClipConfig(dir: string): ClipConfig {
  const file = join(dir, 'config.json');
  const c = readJson(file);
  if (c['model_type'] !== 'clip') throw new InputError(`field "model_type" is ${JSON.stringify(c['model_type'])}, expected "clip" (a CLIPModel folder)`, file);
  const t = obj(c, 'text_config', file);
  const v = obj(c, 'vision_config', file);
  return {
    name: typeof c['_name_or_path'] === 'string' && c['_name_or_path'] !== '' ? (c['_name_or_path'] as string) : dir,
    projectionDim: int(c, 'projection_dim', file),
    text: { hidden: int(t, 'hidden_size', file, 'text_config.hidden_size'), maxPositions: int(t, 'max_position_embeddings', file, 'text_config.max_position_embeddings') },
    vision: { hidden: int(v, 'hidden_size', file, 'vision_config.hidden_size'), imageSize: int(v, 'image_size', file, 'vision_config.image_size'), patchSize: int(v, 'patch_size', file, 'vision_config.patch_size') },
  };
}

function triple(o: Record<string, unknown>, key: string, file: string): [number, number, number] {
  const v = o[key];
  if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) throw new InputError(`field "${key}" must be 3 numbers (R, G, B)`, file);
  return v as [number, number, number];
}

export function readImageProcessorConfig(dir: string): ImageProcessorConfig {
  const file = join(dir, 'preprocessor_config.json');
  const c = readJson(file);
  const on = (k: string) => c[k] !== false; // transformers' defaults for CLIP are all true
  let resize: ImageProcessorConfig['resize'] = null;
  if (on('do_resize')) {
    const s = c['size'];
    if (typeof s === 'number') resize = { shortestEdge: int(c, 'size', file) };
    else if (typeof s === 'object' && s !== null && 'shortest_edge' in s) resize = { shortestEdge: int(s as Record<string, unknown>, 'shortest_edge', file, 'size.shortest_edge') };
    else if (typeof s === 'object' && s !== null) resize = { height: int(s as Record<string, unknown>, 'height', file, 'size.height'), width: int(s as Record<string, unknown>, 'width', file, 'size.width') };
    else throw new InputError('field "size" must be {shortest_edge} or {height, width}', file);
  }
  let crop: ImageProcessorConfig['crop'] = null;
  if (on('do_center_crop')) {
    const s = c['crop_size'];
    if (typeof s === 'number') crop = { height: s, width: s };
    else if (typeof s === 'object' && s !== null) crop = { height: int(s as Record<string, unknown>, 'height', file, 'crop_size.height'), width: int(s as Record<string, unknown>, 'width', file, 'crop_size.width') };
    else throw new InputError('field "crop_size" must be {height, width}', file);
  }
  const rf = c['rescale_factor'] ?? 1 / 255;
  if (typeof rf !== 'number' || !(rf > 0)) throw new InputError('field "rescale_factor" must be a positive number', file);
  return {
    resize,
    crop,
    rescale: on('do_rescale') ? rf : null,
    normalize: on('do_normalize') ? { mean: triple(c, 'image_mean', file), std: triple(c, 'image_std', file) } : null,
    resample: typeof c['resample'] === 'number' ? (c['resample'] as number) : 3,
  };
}
