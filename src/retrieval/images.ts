/**
 * Image search: a folder of images encoded by CLIP's vision tower into a persistent {@link SearchIndex}
 * (any store), searched with text queries encoded by CLIP's text tower (English) or by a student distilled
 * from it (language X). Legend: N images, Q queries, D CLIP projection width.
 *
 * Documents: id = the image's path relative to the folder, `meta.image` = its absolute path. The index's
 * space is `clip:<model name>` (dim D), so only CLIP's text tower and students distilled from that CLIP model
 * are accepted as query models. The manifest records the model as `clip:<absolute CLIP folder>`.
 */
import { readdirSync, statSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { ClipModel } from '../models/clip/index.ts';
import { SearchIndex, type IndexEncoder, type NewDoc } from './search-index.ts';

export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.webp', '.gif', '.tif', '.tiff', '.avif'];
/** Model specs naming a CLIP folder: `clip:DIR`. */
export const CLIP_SPEC = 'clip:';

/** Image files under `dir` (recursively), relative paths sorted by code unit; none is an error. */
export function listImages(dir: string): string[] {
  let st;
  try {
    st = statSync(dir);
  } catch {
    throw new InputError('no such image folder', dir);
  }
  if (!st.isDirectory()) throw new InputError('not a folder (--images takes a folder of images)', dir);
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase())) out.push(relative(dir, p));
    }
  };
  walk(dir);
  if (out.length === 0) throw new InputError(`no images (${IMAGE_EXTENSIONS.join(', ')})`, dir);
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** An IndexEncoder serving vectors computed beforehand (CLIP runs asynchronously; the index encodes synchronously). */
function precomputed(meta: { name: string; teacher: string }, inputs: string[], vectors: Float32Array, dim: number): IndexEncoder {
  const row = new Map(inputs.map((s, i) => [s, i]));
  return {
    meta,
    dim,
    encode(texts: string[]) {
      const out = new Float32Array(texts.length * dim);
      texts.forEach((t, i) => {
        const r = row.get(t);
        if (r === undefined) throw new Error(`internal: no precomputed vector for ${JSON.stringify(t)}`);
        out.set(vectors.subarray(r * dim, (r + 1) * dim), i * dim);
      });
      return { embeddings: out, dim };
    },
  };
}

export interface IndexImagesOptions {
  /** CLIP folder (transformers.js layout) */
  clip: string;
  /** the image folder */
  images: string;
  /** the index folder (created or added to) */
  out: string;
  store?: string;
  batchSize?: number;
  onProgress?: (done: number, total: number) => void;
}

/** Encode every image under `opts.images` with CLIP's vision tower and add them to the index `opts.out`. */
export async function indexImages(opts: IndexImagesOptions): Promise<{ added: number; count: number; model: string; space: { teacher: string; dim: number } }> {
  const files = listImages(opts.images);
  const index = await SearchIndex.openOrCreate(opts.out, opts.store);
  const clip = await ClipModel.load(opts.clip);
  try {
    const meta = { name: `clip-vision:${clip.config.name}`, teacher: clip.name };
    index.checkModel({ meta, dim: clip.dim }, 'document');
    const { embeddings } = await clip.encodeImages(files.map((f) => join(opts.images, f)), { batchSize: opts.batchSize, onProgress: opts.onProgress });
    const docs: NewDoc[] = files.map((f) => ({ id: f, input: f, meta: { image: resolve(opts.images, f) } }));
    const r = await index.add(docs, precomputed(meta, files, embeddings, clip.dim), { modelPath: `${CLIP_SPEC}${resolve(opts.clip)}`, file: opts.images });
    return { ...r, model: meta.name, space: index.manifest!.space };
  } finally {
    await clip.release();
    await index.close();
  }
}

/**
 * A query encoder for CLIP's text tower (`clip:DIR`), for the given queries: encoded now, served by the
 * index's synchronous `encode`.
 */
export async function clipQueryEncoder(spec: string, queries: string[]): Promise<IndexEncoder> {
  const dir = spec.startsWith(CLIP_SPEC) ? spec.slice(CLIP_SPEC.length) : spec;
  const clip = await ClipModel.load(dir);
  try {
    const { embeddings } = await clip.encodeText(queries);
    return precomputed({ name: `clip-text:${clip.config.name}`, teacher: clip.name }, queries, embeddings, clip.dim);
  } finally {
    await clip.release();
  }
}
