/**
 * Text↔image retrieval metrics (Flickr30k / Multi30k protocol): each caption has one gold image; an image
 * may have several captions.
 *
 * Shapes (legend: Q captions, I images, D dim; row-major):
 *   texts:  [Q, D]  caption embeddings (any scale; rows are L2-normalised here)
 *   images: [I, D]  image embeddings
 *   gold:   [Q]     gold[q] = row of caption q's image in `images`
 *   S = cos(texts, images): [Q, I]
 *
 * text→image: caption q ranks the I images; rank_q = 1 + #{i : S[q,i] > S[q,g]} + #{i < g : S[q,i] = S[q,g]}
 *   with g = gold[q] (ties go to the lower index, as in mining.ts).
 * image→text: image i ranks the Q captions; its rank is that of its best-placed own caption (any of them
 *   counts as a hit). Images without a caption are candidates for text→image but not queries.
 * R@k = mean(rank ≤ k) per direction; mean recall (mR) = mean of R@1, R@5, R@10 of both directions (the
 * summary used by multilingual CLIP papers).
 */
import { ArgumentError } from '../errors.ts';
import { l2NormalizeRows } from './mining.ts';

export interface ImageRetrievalResult {
  captions: number;
  images: number;
  /** 1-based ranks: text→image [Q], image→text [images with captions] */
  rank: { textToImage: Int32Array; imageToText: Int32Array };
  recall: { textToImage: Record<number, number>; imageToText: Record<number, number> };
  /** mean of R@1, R@5, R@10 over both directions */
  meanRecall: number;
  /** flat metrics: `t2i/R@k`, `i2t/R@k`, `mR` */
  aggregate: Record<string, number>;
  primaryMetric: 'mR';
}

export function evaluateImageRetrieval(texts: Float32Array, images: Float32Array, gold: ArrayLike<number>, dim: number, ks: readonly number[] = [1, 5, 10]): ImageRetrievalResult {
  if (!Number.isInteger(dim) || dim <= 0) throw new ArgumentError(`dim must be a positive integer, got ${dim}`);
  if (texts.length % dim || images.length % dim) throw new ArgumentError(`embedding lengths ${texts.length} (texts) and ${images.length} (images) must be multiples of dim ${dim}`);
  const Q = texts.length / dim;
  const I = images.length / dim;
  if (gold.length !== Q) throw new ArgumentError(`gold has ${gold.length} entries for ${Q} captions`);
  if (Q === 0 || I === 0) throw new ArgumentError('no captions or no images to evaluate');
  for (let q = 0; q < Q; q++) if (!Number.isInteger(gold[q]) || gold[q]! < 0 || gold[q]! >= I) throw new ArgumentError(`gold[${q}] = ${gold[q]} is not an image row (0..${I - 1})`);
  const a = l2NormalizeRows(texts, dim);
  const b = l2NormalizeRows(images, dim);
  const S = new Float64Array(Q * I);
  for (let q = 0; q < Q; q++) {
    for (let i = 0; i < I; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += a[q * dim + d]! * b[i * dim + d]!;
      S[q * I + i] = s;
    }
  }
  const t2i = new Int32Array(Q);
  for (let q = 0; q < Q; q++) {
    const g = gold[q]!;
    const sg = S[q * I + g]!;
    let beat = 0;
    for (let i = 0; i < I; i++) {
      const s = S[q * I + i]!;
      if (s > sg || (s === sg && i < g)) beat++;
    }
    t2i[q] = beat + 1;
  }
  const own: number[][] = Array.from({ length: I }, () => []);
  for (let q = 0; q < Q; q++) own[gold[q]!]!.push(q);
  const i2t: number[] = [];
  for (let i = 0; i < I; i++) {
    if (own[i]!.length === 0) continue;
    // best own caption: highest score, lowest index among equals
    let best = own[i]![0]!;
    for (const q of own[i]!) if (S[q * I + i]! > S[best * I + i]!) best = q;
    const sb = S[best * I + i]!;
    let beat = 0;
    for (let q = 0; q < Q; q++) {
      if (gold[q] === i) continue;
      const s = S[q * I + i]!;
      if (s > sb || (s === sb && q < best)) beat++;
    }
    i2t.push(beat + 1);
  }
  const recall = (ranks: ArrayLike<number>) => Object.fromEntries(ks.map((k) => [k, Array.from(ranks).filter((r) => r <= k).length / ranks.length]));
  const r1 = recall(t2i);
  const r2 = recall(i2t);
  const mean = [1, 5, 10].every((k) => k in r1) ? [1, 5, 10].reduce((s, k) => s + r1[k]! + r2[k]!, 0) / 6 : NaN;
  const aggregate: Record<string, number> = { mR: mean };
  for (const k of ks) {
    aggregate[`t2i/R@${k}`] = r1[k]!;
    aggregate[`i2t/R@${k}`] = r2[k]!;
  }
  return { captions: Q, images: I, rank: { textToImage: t2i, imageToText: Int32Array.from(i2t) }, recall: { textToImage: r1, imageToText: r2 }, meanRecall: mean, aggregate, primaryMetric: 'mR' };
}

/** Gold rows for captions given by image name: images listed once each, in order of first appearance. */
export function goldFromImageNames(captionImages: readonly string[]): { images: string[]; gold: Int32Array } {
  const row = new Map<string, number>();
  const gold = new Int32Array(captionImages.length);
  captionImages.forEach((im, q) => {
    if (!row.has(im)) row.set(im, row.size);
    gold[q] = row.get(im)!;
  });
  return { images: [...row.keys()], gold };
}
