/**
 * Hashed character n-grams (fastText style) — extra embedding features for the student: each token
 * also looks up the n-grams of the word it belongs to, hashed into a fixed number of buckets, so
 * rare and unseen word forms share parameters with their spelling neighbours.
 *
 * Reference: P. Bojanowski, E. Grave, A. Joulin, T. Mikolov. Enriching Word Vectors with Subword
 * Information. TACL 2017 (fastText).
 */
import { ArgumentError } from '../errors.ts';
import { METASPACE } from './pipeline.ts';
import type { Encoding } from './types.ts';

/**
 * The character n-grams of `<word>` for `nMin ≤ n ≤ nMax`, counted in code points, in fastText's
 * order (by start position, then length). `<` and `>` mark the word boundaries, so prefixes and
 * suffixes get their own n-grams: `charNgrams('kwa', 3, 4)` → `['<kw', '<kwa', 'kwa', 'kwa>', 'wa>']`.
 * Duplicates are kept (as fastText does); the whole `<word>` is included when its length is within
 * range. Pass the word without its `▁`.
 */
export function charNgrams(word: string, nMin = 3, nMax = 5): string[] {
  if (!Number.isInteger(nMin) || !Number.isInteger(nMax) || nMin < 1 || nMax < nMin) {
    throw new ArgumentError(`charNgrams: need integers 1 ≤ nMin ≤ nMax, got nMin=${nMin}, nMax=${nMax}`);
  }
  const chars = Array.from(`<${word}>`);
  const out: string[] = [];
  for (let i = 0; i < chars.length; i++) {
    let gram = '';
    for (let n = 1; n <= nMax && i + n <= chars.length; n++) {
      gram += chars[i + n - 1];
      // fastText skips the lone boundary markers "<" and ">".
      if (n >= nMin && !(n === 1 && (i === 0 || i + n === chars.length))) out.push(gram);
    }
  }
  return out;
}

/**
 * FNV-1a, 32-bit, over the UTF-8 bytes of `s`:
 *
 *     h₀ = 2166136261 (0x811C9DC5);  h ← (h XOR byte) · 16777619 (0x01000193)  mod 2³²
 *
 * Test vectors (Fowler–Noll–Vo reference): `""` → 0x811C9DC5, `"a"` → 0xE40C292C,
 * `"foobar"` → 0xBF9CF968. Note: fastText's `Dictionary::hash` XORs sign-extended bytes
 * (`int8_t`), so it differs from standard FNV-1a for non-ASCII text; this is the standard one.
 */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  const mix = (b: number): void => {
    h = Math.imul(h ^ b, 0x01000193);
  };
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x80) mix(cp);
    else if (cp < 0x800) {
      mix(0xc0 | (cp >> 6));
      mix(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      mix(0xe0 | (cp >> 12));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    } else {
      mix(0xf0 | (cp >> 18));
      mix(0x80 | ((cp >> 12) & 0x3f));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    }
  }
  return h >>> 0;
}

/** `fnv1a32(s) mod buckets`: a bucket index in `[0, buckets)`. */
export function hashString(s: string, buckets: number): number {
  if (!Number.isInteger(buckets) || buckets < 1 || buckets > 2 ** 32) {
    throw new ArgumentError(`hashString: buckets must be an integer in [1, 2^32], got ${buckets}`);
  }
  return fnv1a32(s) % buckets;
}

/** The bucket of every n-gram of `charNgrams(word, nMin, nMax)`. */
export function hashedCharNgrams(word: string, buckets: number, nMin = 3, nMax = 5): number[] {
  return charNgrams(word, nMin, nMax).map((g) => hashString(g, buckets));
}

/**
 * `[T]` the word each token belongs to: the concatenated texts from the token's word start (a
 * token whose text begins with `▁`) to the next one, without the leading `▁`.
 * `['▁wa', 'toto', '▁wa']` → `['watoto', 'watoto', 'wa']`.
 */
export function tokenWords(encoding: Pick<Encoding, 'pieces' | 'wordStarts'>): string[] {
  const { pieces, wordStarts } = encoding;
  const out: string[] = new Array(pieces.length);
  let start = 0;
  for (let t = 1; t <= pieces.length; t++) {
    if (t === pieces.length || wordStarts[t]) {
      let word = pieces.slice(start, t).join('');
      if (word.startsWith(METASPACE)) word = word.slice(METASPACE.length);
      out.fill(word, start, t);
      start = t;
    }
  }
  return out;
}
