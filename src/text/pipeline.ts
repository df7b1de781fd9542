/**
 * Text normalisation and pre-tokenisation, with the semantics of the Hugging Face `tokenizers`
 * components of the same names (the subset listed in `HFNormalizer` / `HFPreTokenizer`).
 *
 * A tokenizer maps text → normalizer → pre-tokenizer (a list of segments) → Viterbi per segment.
 * Two pipelines are used in optical:
 *
 * - student (trained unigram): `NFKC`, then `Metaspace(▁, prepend_scheme "always", split)`:
 *   `"Habari  yako"` → `["▁Habari", "▁", "▁yako"]` (each space becomes `▁`, a `▁` is prepended when
 *   the text does not already start with one, and the string is cut before every `▁`);
 * - teacher (USE-lite, TF.js): `NFKC`, `Prepend(▁)`, `Replace(" " → ▁)`, no pre-tokenizer:
 *   `" Hi"` → `"▁▁Hi"` segmented as one string (this is what `processInput` of the TF.js tokenizer does).
 */
import { ArgumentError } from '../errors.ts';
import type { HFNormalizer, HFPreTokenizer } from './types.ts';

/** The SentencePiece word-boundary mark, U+2581 LOWER ONE EIGHTH BLOCK. */
export const METASPACE = '\u2581';

export type NormalizeFn = (text: string) => string;
export type PreTokenizeFn = (text: string) => string[];

const LEADING_WS = /^\p{White_Space}+/u;
const TRAILING_WS = /\p{White_Space}+$/u;
const WS_RUN = /\p{White_Space}+/u;

/** Compiles a normalizer spec into a function (`null` = identity). */
export function compileNormalizer(spec: HFNormalizer | null): NormalizeFn {
  if (spec === null) return (s) => s;
  switch (spec.type) {
    case 'NFC':
    case 'NFD':
    case 'NFKC':
    case 'NFKD': {
      const form = spec.type;
      return (s) => s.normalize(form);
    }
    case 'Lowercase':
      return (s) => s.toLowerCase();
    case 'Strip': {
      const { strip_left: left, strip_right: right } = spec;
      return (s) => {
        let out = s;
        if (left) out = out.replace(LEADING_WS, '');
        if (right) out = out.replace(TRAILING_WS, '');
        return out;
      };
    }
    case 'Prepend': {
      const pre = spec.prepend;
      return (s) => (s.length > 0 ? pre + s : s);
    }
    case 'Replace': {
      const content = spec.content;
      if ('String' in spec.pattern) {
        const needle = spec.pattern.String;
        if (needle.length === 0) return (s) => s;
        return (s) => s.split(needle).join(content);
      }
      const re = new RegExp(spec.pattern.Regex, 'gu');
      return (s) => s.replace(re, () => content);
    }
    case 'Sequence': {
      const steps = spec.normalizers.map(compileNormalizer);
      return (s) => steps.reduce((acc, f) => f(acc), s);
    }
    default:
      throw new ArgumentError(`unsupported normalizer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

/** Cuts `s` before every occurrence of `mark` (Hugging Face's `MergedWithNext`), dropping empty parts. */
function splitBefore(s: string, mark: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (let at = s.indexOf(mark, 1); at >= 0; at = s.indexOf(mark, at + mark.length)) {
    if (at > from) out.push(s.slice(from, at));
    from = at;
  }
  if (s.length > from) out.push(s.slice(from));
  return out;
}

/** Compiles a pre-tokenizer spec into a function (`null` = one segment, the whole string). */
export function compilePreTokenizer(spec: HFPreTokenizer | null): (segments: string[]) => string[] {
  if (spec === null) return (segs) => segs.filter((s) => s.length > 0);
  switch (spec.type) {
    case 'Metaspace': {
      const { replacement, prepend_scheme: scheme, split } = spec;
      return (segs) => {
        const out: string[] = [];
        segs.forEach((seg, k) => {
          let s = seg.split(' ').join(replacement);
          if (s.length > 0 && !s.startsWith(replacement) && (scheme === 'always' || (scheme === 'first' && k === 0))) {
            s = replacement + s;
          }
          if (split) out.push(...splitBefore(s, replacement));
          else if (s.length > 0) out.push(s);
        });
        return out;
      };
    }
    case 'WhitespaceSplit':
      return (segs) => segs.flatMap((s) => s.split(WS_RUN).filter((w) => w.length > 0));
    case 'Sequence': {
      const steps = spec.pretokenizers.map(compilePreTokenizer);
      return (segs) => steps.reduce((acc, f) => f(acc), segs);
    }
    default:
      throw new ArgumentError(`unsupported pre_tokenizer type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

/** The student's default normalizer: Unicode NFKC. */
export const STUDENT_NORMALIZER: HFNormalizer = { type: 'NFKC' };

/** The student's default pre-tokenizer: `▁` word marks, one segment per word. */
export const STUDENT_PRE_TOKENIZER: HFPreTokenizer = {
  type: 'Metaspace',
  replacement: METASPACE,
  prepend_scheme: 'always',
  split: true,
};

/** The TF.js USE tokenizer's `processInput`, written as Hugging Face normalizers. */
export const USE_LITE_NORMALIZER: HFNormalizer = {
  type: 'Sequence',
  normalizers: [
    { type: 'NFKC' },
    { type: 'Prepend', prepend: METASPACE },
    { type: 'Replace', pattern: { String: ' ' }, content: METASPACE },
  ],
};
