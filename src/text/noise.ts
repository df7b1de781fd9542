/**
 * Seeded text noise for robustness evaluation (perturb queries, optionally documents, at
 * evaluation time) and for training augmentation. The perturbations themselves live in
 * `noise-char.ts` and `noise-word.ts`; this file names them (`NOISE_TYPES`), parses specs such as
 * `"swap:0.05,drop:0.1"` and composes them (`Noise`, `applyNoise`).
 *
 * Spec grammar: `name:rate[,name:rate]*`, whitespace around items allowed, each name at most once,
 * rate a decimal number in [0, 1]; the empty spec (or `none`) is the identity. Names:
 *
 *   drop        word drop              (per word)        `dropWords`
 *   duplicate   word duplication       (per word)        `duplicateWords`
 *   shuffle     local word shuffle     (fraction moved)  `shuffleWords`, window 3
 *   diacritics  diacritics stripping   (per letter)      `stripDiacritics`
 *   case        case flip              (per letter)      `flipCase`
 *   keyboard    QWERTY-neighbour typo  (per letter)      `keyboardTypos`
 *   swap        adjacent-letter swap   (per letter)      `swapChars`
 *   delete      letter deletion        (per letter)      `deleteChars`
 *   insert      letter insertion       (per letter)      `insertChars`
 *
 * Composition order is this table's order, whatever the order in the spec: word perturbations
 * first (drop before duplicate, so both rates refer to the original words; shuffle after, so a
 * duplicate can drift from its original), then letter perturbations on the result (a duplicated
 * word gets its own typos): diacritics and case first, the typos last, insertion at the very end
 * so inserted letters are not edited again. `Noise.toString()` prints the canonical spec.
 *
 * Determinism: text number `index` under seed `s` is perturbed by perturbation `name` with the
 * generator `mulberry32(hashInts(s, index, fnv1a32(name)))` (with the high and low 32 bits of s
 * and index each mixed in). So the noisy version of a text depends only on (spec, seed, index,
 * text): not on how many texts came before, on which other perturbations are in the spec, or on
 * the run.
 */
import { ArgumentError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import { fnv1a32 } from './ngrams.ts';
import { deleteChars, flipCase, insertChars, keyboardTypos, stripDiacritics, swapChars } from './noise-char.ts';
import type { Perturbation } from './noise-common.ts';
import { dropWords, duplicateWords, shuffleWords } from './noise-word.ts';

/** One registered perturbation. */
export interface NoiseType {
  /** The spec name. */
  readonly name: NoiseName;
  /** What `rate` is a probability over. */
  readonly unit: 'word' | 'letter';
  /** The perturbation (default options). */
  readonly perturb: Perturbation;
  /** One line for help texts. */
  readonly description: string;
}

/** The spec names, in composition order. */
export const NOISE_NAMES = ['drop', 'duplicate', 'shuffle', 'diacritics', 'case', 'keyboard', 'swap', 'delete', 'insert'] as const;
export type NoiseName = (typeof NOISE_NAMES)[number];

/** Every perturbation by spec name; iteration order is composition order. */
export const NOISE_TYPES: Readonly<Record<NoiseName, NoiseType>> = Object.freeze({
  drop: { name: 'drop', unit: 'word', perturb: dropWords, description: 'delete words (at least one word is kept)' },
  duplicate: { name: 'duplicate', unit: 'word', perturb: duplicateWords, description: 'repeat words in place' },
  shuffle: {
    name: 'shuffle',
    unit: 'word',
    perturb: shuffleWords,
    description: 'move words, none by more than 3 positions (rate = fraction of words moved)',
  },
  diacritics: { name: 'diacritics', unit: 'letter', perturb: stripDiacritics, description: 'strip accents (é → e, ø → o, ß → ss)' },
  case: { name: 'case', unit: 'letter', perturb: flipCase, description: 'flip the case of letters' },
  keyboard: { name: 'keyboard', unit: 'letter', perturb: keyboardTypos, description: 'replace ASCII letters by QWERTY neighbours' },
  swap: { name: 'swap', unit: 'letter', perturb: swapChars, description: 'swap adjacent letters of a word' },
  delete: { name: 'delete', unit: 'letter', perturb: deleteChars, description: 'delete letters (a word keeps at least one)' },
  insert: { name: 'insert', unit: 'letter', perturb: insertChars, description: 'insert a neighbouring key (or a double letter)' },
});

/** One item of a spec. */
export interface NoiseComponent {
  readonly name: NoiseName;
  /** In [0, 1]. */
  readonly rate: number;
}

const GRAMMAR = 'expected "name:rate[,name:rate]*" with rate in [0, 1], e.g. "swap:0.05,drop:0.1"';

function isNoiseName(s: string): s is NoiseName {
  return (NOISE_NAMES as readonly string[]).includes(s);
}

/** Throws unless the components name known perturbations, at most once each, with rates in [0, 1]. */
function checkComponents(components: readonly NoiseComponent[]): void {
  const seen = new Set<string>();
  for (const { name, rate } of components) {
    if (!isNoiseName(name)) {
      throw new ArgumentError(`unknown noise type "${name}"; valid types: ${NOISE_NAMES.join(', ')}`);
    }
    if (seen.has(name)) throw new ArgumentError(`noise type "${name}" is given more than once`);
    seen.add(name);
    if (typeof rate !== 'number' || !(rate >= 0 && rate <= 1)) {
      throw new ArgumentError(`noise rate for "${name}" must be in [0, 1], got ${rate}`);
    }
  }
}

/**
 * Parses a noise spec (grammar in the file header) into components in composition order:
 * `parseNoiseSpec('swap:0.05, drop:0.1')` → `[{name: 'drop', rate: 0.1}, {name: 'swap', rate: 0.05}]`.
 * Throws ArgumentError on an unknown name (listing the valid ones), a repeated name, a missing,
 * non-numeric or out-of-range rate, or an empty item.
 */
export function parseNoiseSpec(spec: string): NoiseComponent[] {
  const trimmed = spec.trim();
  if (trimmed === '' || trimmed === 'none') return [];
  const components: NoiseComponent[] = [];
  for (const raw of trimmed.split(',')) {
    const item = raw.trim();
    const m = /^([A-Za-z]+)\s*:\s*([^:\s]+)$/.exec(item);
    if (!m) throw new ArgumentError(`bad noise spec item "${item}" in "${spec}": ${GRAMMAR}`);
    const name = m[1]!.toLowerCase();
    if (!isNoiseName(name)) {
      throw new ArgumentError(`unknown noise type "${m[1]}" in "${spec}"; valid types: ${NOISE_NAMES.join(', ')}`);
    }
    const rateText = m[2]!;
    const rate = /^(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i.test(rateText) ? Number(rateText) : NaN;
    if (!(rate >= 0 && rate <= 1)) {
      throw new ArgumentError(`noise rate for "${name}" must be a number in [0, 1], got "${rateText}" in "${spec}"`);
    }
    components.push({ name, rate });
  }
  checkComponents(components);
  return sortComponents(components);
}

function sortComponents(components: readonly NoiseComponent[]): NoiseComponent[] {
  return [...components].sort((a, b) => NOISE_NAMES.indexOf(a.name) - NOISE_NAMES.indexOf(b.name));
}

/** murmur3's 32-bit finaliser: a bijection on uint32 with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * An order-sensitive hash of 32-bit integers (each taken mod 2³²) to a uint32 seed:
 * h ← fmix32(h ⊕ fmix32(x + φ)) with φ = 0x9E3779B9, starting from φ.
 */
export function hashInts(...xs: number[]): number {
  let h = 0x9e3779b9;
  for (const x of xs) h = fmix32((h ^ fmix32((x + 0x9e3779b9) >>> 0)) >>> 0);
  return h;
}

function checkInteger(what: string, x: number, min: number): void {
  if (!Number.isSafeInteger(x) || x < min) {
    throw new ArgumentError(`${what} must be a safe integer${min === 0 ? ' ≥ 0' : ''}, got ${x}`);
  }
}

/** Low and high 32-bit halves of a safe integer (two's complement for negatives). */
function halves(x: number): [number, number] {
  return [x >>> 0, Math.floor(x / 2 ** 32) >>> 0];
}

/**
 * The seed of perturbation `name` for text number `index` under `seed` (see the file header).
 * Exposed so that callers needing other per-text randomness can derive it the same way.
 */
export function noiseSeed(seed: number, index: number, name: string): number {
  checkInteger('noise seed', seed, Number.MIN_SAFE_INTEGER);
  checkInteger('text index', index, 0);
  return hashInts(...halves(seed), ...halves(index), fnv1a32(name));
}

/**
 * A composed, seeded noise model: `new Noise('keyboard:0.1,drop:0.1', 13).apply(query, i)`.
 * Deterministic in (spec, seed, index, text); see the file header for order and seeding.
 */
export class Noise {
  /** The components with rate > 0, in composition order. */
  readonly components: readonly NoiseComponent[];

  /**
   * @param spec  a spec string (`parseNoiseSpec`) or components (any order; re-sorted)
   * @param seed  any safe integer
   */
  constructor(
    spec: string | readonly NoiseComponent[],
    readonly seed: number,
  ) {
    checkInteger('noise seed', seed, Number.MIN_SAFE_INTEGER);
    const parsed = typeof spec === 'string' ? parseNoiseSpec(spec) : (checkComponents(spec), sortComponents(spec));
    this.components = Object.freeze(parsed.filter((c) => c.rate > 0).map((c) => Object.freeze({ ...c })));
  }

  /** True when no component has a positive rate (`apply` returns its input). */
  get isIdentity(): boolean {
    return this.components.length === 0;
  }

  /** The noisy version of `text`, text number `index` (a non-negative integer) of its list. */
  apply(text: string, index = 0): string {
    checkInteger('text index', index, 0);
    let out = text;
    for (const { name, rate } of this.components) {
      out = NOISE_TYPES[name].perturb(out, rate, mulberry32(noiseSeed(this.seed, index, name)));
    }
    return out;
  }

  /** `texts.map((t, i) => this.apply(t, offset + i))`: a list perturbed as texts offset, offset + 1, …. */
  applyAll(texts: readonly string[], offset = 0): string[] {
    return texts.map((t, i) => this.apply(t, offset + i));
  }

  /** The canonical spec (composition order, rate-0 items omitted; `none` when empty); parses back to an equal Noise. */
  toString(): string {
    return this.components.length === 0 ? 'none' : this.components.map((c) => `${c.name}:${c.rate}`).join(',');
  }
}

/** `new Noise(spec, seed).apply(text, index)`: one text, text number `index` (default 0). */
export function applyNoise(text: string, spec: string | readonly NoiseComponent[], seed: number, index = 0): string {
  return new Noise(spec, seed).apply(text, index);
}
