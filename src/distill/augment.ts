/**
 * Training-time noise augmentation: the foreign side of a seeded fraction of the training pairs is replaced by
 * a noisy copy (the composable perturbations of `src/text/noise.ts`, every listed kind at `rate`), the English
 * side (and so the teacher's targets) unchanged. The student then learns to map noisy input to the teacher's
 * vectors of the clean translation.
 *
 * Legend: N training pairs.
 *   chosen_i = u_i < fraction,   u_i ~ mulberry32(hashInts(seed, 0x61756731))   (drawn in pair order)
 *   src'_i   = chosen_i ? Noise(kinds @ rate, hashInts(seed, 0x61756732)).apply(src_i, i) : src_i
 * Deterministic in (bitext, options); the pair count is unchanged (augmentation replaces, it does not append,
 * so the training budget in steps means the same thing with and without it).
 */
import type { Bitext } from '../data/index.ts';
import { ArgumentError } from '../errors.ts';
import { hashInts, Noise, NOISE_NAMES, type NoiseName } from '../text/noise.ts';
import { mulberry32 } from '../util/random.ts';

export interface AugmentOptions {
  /** per-unit rate of every kind, in (0, 1] */
  rate: number;
  /** perturbations (`NOISE_NAMES`); default {@link DEFAULT_NOISE_KINDS} */
  kinds?: NoiseName[];
  /** fraction of the pairs perturbed, in (0, 1]; default 0.5 */
  fraction?: number;
  seed: number;
}

/** Typos, missing diacritics and dropped words: the default kinds of augmentation and of the robustness runs. */
export const DEFAULT_NOISE_KINDS: NoiseName[] = ['keyboard', 'diacritics', 'drop'];

/** The bitext with a seeded fraction of its foreign side perturbed (file header). */
export function augmentBitext(b: Bitext, o: AugmentOptions): Bitext & { augmented: number } {
  const kinds = o.kinds ?? DEFAULT_NOISE_KINDS;
  const fraction = o.fraction ?? 0.5;
  if (!(o.rate > 0 && o.rate <= 1)) throw new ArgumentError(`augment: rate must be in (0, 1], got ${o.rate}`);
  if (!(fraction > 0 && fraction <= 1)) throw new ArgumentError(`augment: fraction must be in (0, 1], got ${fraction}`);
  if (kinds.length === 0) throw new ArgumentError(`augment: no noise kinds (valid: ${NOISE_NAMES.join(', ')})`);
  const noise = new Noise(kinds.map((name) => ({ name, rate: o.rate })), hashInts(o.seed, 0x61756732));
  const rnd = mulberry32(hashInts(o.seed, 0x61756731));
  let augmented = 0;
  const src = b.src.map((s, i) => {
    if (rnd() >= fraction) return s;
    augmented++;
    return noise.apply(s, i);
  });
  return { ...b, src, source: `${b.source}+noise(${noise},${fraction})`, augmented };
}
