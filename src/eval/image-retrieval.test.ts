/** Text↔image R@k and mean recall on small cases worked out by hand (ties, several captions per image). */
import { describe, it, expect } from 'vitest';
import { evaluateImageRetrieval, goldFromImageNames } from './image-retrieval.ts';
import { ArgumentError } from '../errors.ts';

// 2-d unit vectors at angles (degrees): cosine = cos(difference)
const at = (...deg: number[]) => Float32Array.from(deg.flatMap((d) => [Math.cos((d * Math.PI) / 180), Math.sin((d * Math.PI) / 180)]));

describe('evaluateImageRetrieval', () => {
  it('ranks by hand: 3 images, 4 captions (image 0 has two)', () => {
    const images = at(0, 90, 180);
    // caption 0 → img 0 at 10° (rank 1); caption 1 → img 0 at 80° (nearest img 1: rank 2);
    // caption 2 → img 1 at 170° (nearest 180 = img 2, then img 1: rank 2); caption 3 → img 2 at 180° (rank 1)
    const texts = at(10, 80, 170, 180);
    const r = evaluateImageRetrieval(texts, images, [0, 0, 1, 2], 2, [1, 2]);
    expect(Array.from(r.rank.textToImage)).toEqual([1, 2, 2, 1]);
    expect(r.recall.textToImage).toEqual({ 1: 0.5, 2: 1 });
    // image 0 (0°): captions at 10, 80, 170, 180 → its captions 0 and 1; best own = caption 0, rank 1
    // image 1 (90°): cos to captions: 10→cos80, 80→cos10 (caption 1, not its own), 170→cos80 (own), 180→cos90
    //   own caption 2 at cos 80°; caption 1 beats it; caption 0 ties at cos 80° with a lower index → rank 3
    // image 2 (180°): caption 3 exact → rank 1
    expect(Array.from(r.rank.imageToText)).toEqual([1, 3, 1]);
    expect(r.recall.imageToText[1]).toBeCloseTo(2 / 3, 12);
    expect(r.recall.imageToText[2]).toBeCloseTo(2 / 3, 12);
    expect(r.meanRecall).toBeNaN(); // R@5, R@10 not asked for
  });

  it('mean recall = mean of R@1, R@5, R@10 in both directions', () => {
    const r = evaluateImageRetrieval(at(0, 90), at(0, 90), [1, 0], 2);
    // both captions point at the wrong image: rank 2 everywhere → R@1 0, R@5 = R@10 = 1
    expect(r.aggregate['t2i/R@1']).toBe(0);
    expect(r.aggregate['i2t/R@5']).toBe(1);
    expect(r.meanRecall).toBeCloseTo(4 / 6, 12);
    expect(r.primaryMetric).toBe('mR');
  });

  it('exact ties go to the lower index; images without captions are candidates only', () => {
    const r = evaluateImageRetrieval(at(45), at(0, 90, 200), [1], 2);
    expect(Array.from(r.rank.textToImage)).toEqual([2]); // tie between images 0 and 1, 0 wins
    expect(r.rank.imageToText.length).toBe(1);
  });

  it('gold from image names; bad input is an ArgumentError', () => {
    const g = goldFromImageNames(['b.jpg', 'a.jpg', 'b.jpg']);
    expect(g.images).toEqual(['b.jpg', 'a.jpg']);
    expect(Array.from(g.gold)).toEqual([0, 1, 0]);
    expect(() => evaluateImageRetrieval(at(0), at(0), [1], 2)).toThrow(ArgumentError);
    expect(() => evaluateImageRetrieval(at(0, 1), at(0), [0], 2)).toThrow(/gold has 1 entries for 2 captions/);
  });
});
