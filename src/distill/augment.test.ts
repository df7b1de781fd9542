import { describe, it, expect } from 'vitest';
import { augmentBitext } from './augment.ts';

const N = 400;
const bitext = {
  src: Array.from({ length: N }, (_, i) => `habari ya asubuhi rafiki yangu namba ${i} tunakutana sokoni kesho`),
  eng: Array.from({ length: N }, (_, i) => `good morning my friend number ${i} we meet at the market tomorrow`),
  ids: Array.from({ length: N }, (_, i) => `p${i}`),
  source: 'toy',
};

describe('training-time augmentation', () => {
  it('perturbs the foreign side of a seeded fraction of the pairs, keeps the English side and the pair count', () => {
    const a = augmentBitext(bitext, { rate: 0.2, seed: 4 });
    expect(a.src).toHaveLength(N);
    expect(a.eng).toBe(bitext.eng);
    const changed = a.src.filter((s, i) => s !== bitext.src[i]).length;
    // fraction 0.5 of 400 pairs: 200 ± 3σ (σ = 10); a chosen sentence of 11 words at rate 0.2 is almost surely changed
    expect(a.augmented).toBeGreaterThan(170);
    expect(a.augmented).toBeLessThan(230);
    expect(changed).toBeLessThanOrEqual(a.augmented);
    expect(changed).toBeGreaterThan(a.augmented - 5);
    expect(augmentBitext(bitext, { rate: 0.2, seed: 4 }).src).toEqual(a.src);
    expect(augmentBitext(bitext, { rate: 0.2, seed: 5 }).src).not.toEqual(a.src);
    expect(augmentBitext(bitext, { rate: 0.2, seed: 4, fraction: 1 }).augmented).toBe(N);
    expect(a.source).toBe('toy+noise(drop:0.2,diacritics:0.2,keyboard:0.2,0.5)');
    expect(() => augmentBitext(bitext, { rate: 0, seed: 1 })).toThrow(/rate must be in \(0, 1\]/);
  });
});
