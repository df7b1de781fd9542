/**
 * Character-level noise: typos (adjacent swap, deletion, insertion, keyboard-neighbour
 * substitution), diacritics stripping and case flips. All share the `Perturbation` signature
 * `(text, rate, rng) => string`; `rate` is a per-letter probability, and only letters (clusters
 * starting with `\p{L}`, see `noise-common.ts`) are ever edited: whitespace, digits, punctuation and
 * emoji come through byte-for-byte, surrogate pairs are never split and a letter keeps its
 * combining marks (a deleted or moved letter takes them along). Letters that are not eligible for
 * a perturbation are left untouched and draw no random number.
 *
 * References:
 *   [1] Y. Belinkov, Y. Bisk. Synthetic and Natural Noise Both Break Neural Machine Translation.
 *       ICLR 2018 (swap, keyboard-typo "Key" noise).
 *   [2] E. Ma. nlpaug: Data Augmentation for NLP, 2019 (`KeyboardAug`, `RandomCharAug` with
 *       insert / substitute / swap / delete).
 *   [3] X. Wang et al. TextFlint: Unified Multilingual Robustness Evaluation Toolkit for Natural
 *       Language Processing. ACL 2021 demos (keyboard and typo transformations).
 */
import { checkRate, clusters, isLetter } from './noise-common.ts';

/**
 * QWERTY neighbours of each lower-case letter key, letter keys only (so a typo stays a letter).
 * Rows `qwertyuiop`, `asdfghjkl`, `zxcvbnm` with the usual stagger: a key at column c touches
 * c ± 1 in its row, columns c and c + 1 of the row above and c − 1 and c of the row below
 * (`s` → `a d w e z x`). The relation is symmetric.
 */
export const QWERTY_NEIGHBOURS: Readonly<Record<string, string>> = Object.freeze({
  q: 'wa', w: 'qeas', e: 'wrsd', r: 'etdf', t: 'ryfg', y: 'tugh', u: 'yihj', i: 'uojk', o: 'ipkl', p: 'ol',
  a: 'sqwz', s: 'adwezx', d: 'sferxc', f: 'dgrtcv', g: 'fhtyvb', h: 'gjyubn', j: 'hkuinm', k: 'jliom', l: 'kop',
  z: 'xas', x: 'zcsd', c: 'xvdf', v: 'cbfg', b: 'vngh', n: 'bmhj', m: 'njk',
});

/**
 * Letters that carry a diacritic-like stroke, hook or ligature but have no canonical decomposition,
 * so NFD cannot strip them: what a writer without the right keyboard types instead. Hooked letters
 * of Hausa / Fula (ɓ ɗ ƙ ƴ) are included; letters that are separate letters rather than decorated
 * ones (ŋ, ɛ, ɔ) are not.
 */
export const DIACRITIC_FOLDS: Readonly<Record<string, string>> = Object.freeze({
  ø: 'o', Ø: 'O', ł: 'l', Ł: 'L', đ: 'd', Đ: 'D', ð: 'd', Ð: 'D', ħ: 'h', Ħ: 'H', ı: 'i', ŧ: 't', Ŧ: 'T',
  ŀ: 'l', Ŀ: 'L', ß: 'ss', ẞ: 'SS', æ: 'ae', Æ: 'AE', œ: 'oe', Œ: 'OE', þ: 'th', Þ: 'TH',
  ɓ: 'b', Ɓ: 'B', ɗ: 'd', Ɗ: 'D', ƙ: 'k', Ƙ: 'K', ƴ: 'y', Ƴ: 'Y',
});

/**
 * Combining marks of script Inherited: the generic accents (U+0300–036F and the extension blocks),
 * Arabic harakat (U+064B–0655). Script-specific marks — Indic vowel signs and viramas, Thai vowels,
 * Hebrew points — are kept: removing them deletes vowels or changes letters rather than dropping
 * an accent.
 */
const STRIPPABLE_MARK = /(?=\p{Script=Inherited})\p{M}/gu;

const foldCache = new Map<string, string>();

/**
 * The cluster without its diacritics: NFD, remove Inherited-script combining marks, fold the
 * letters of `DIACRITIC_FOLDS`, NFC (`Ế` → `E`, `ø` → `o`, `ß` → `ss`, `ǿ` → `o`).
 */
function foldCluster(cluster: string): string {
  let out = foldCache.get(cluster);
  if (out === undefined) {
    out = '';
    for (const ch of cluster.normalize('NFD').replace(STRIPPABLE_MARK, '')) out += DIACRITIC_FOLDS[ch] ?? ch;
    out = out.normalize('NFC');
    if (foldCache.size < 4096) foldCache.set(cluster, out);
  }
  return out;
}

/** Lower-case ASCII base of a plain ASCII letter cluster, or undefined. */
function asciiKey(cluster: string): string | undefined {
  if (cluster.length !== 1) return undefined;
  const lower = cluster.toLowerCase();
  return QWERTY_NEIGHBOURS[lower] !== undefined ? lower : undefined;
}

/** A uniformly chosen QWERTY neighbour of the ASCII letter `cluster`, in the same case. */
function neighbourOf(cluster: string, key: string, rng: () => number): string {
  const ns = QWERTY_NEIGHBOURS[key]!;
  const n = ns[Math.floor(rng() * ns.length)]!;
  return cluster === key ? n : n.toUpperCase();
}

/**
 * Adjacent-letter swap ("Swap" in [1], `RandomCharAug(action='swap')` in [2]): letters are scanned
 * left to right; a letter that has a following letter in the same word, and was not itself just
 * moved, swaps places with it with probability `rate` (`form` → `from`). So swaps never overlap and
 * each letter moves at most one position.
 *
 * rate   probability that an eligible letter starts a swap; eligible = a letter followed by a
 *        letter of the same word and not the second letter of the previous swap.
 * rate 1 swaps consecutive pairs: `abcd efg` → `badc feg`.
 * Unlike [1] the first and last letters may move too (no protected word edges).
 */
export function swapChars(text: string, rate: number, rng: () => number): string {
  checkRate('swapChars', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  for (let i = 0; i + 1 < cs.length; i++) {
    if (isLetter(cs[i]!) && isLetter(cs[i + 1]!) && rng() < rate) {
      [cs[i], cs[i + 1]] = [cs[i + 1]!, cs[i]!];
      i++;
    }
  }
  return cs.join('');
}

/**
 * Letter deletion (`RandomCharAug(action='delete')` in [2]): each letter of a word of two or more
 * letters is deleted, with its combining marks, with probability `rate`. A word never loses all
 * its letters: if every letter was drawn for deletion one of them, chosen uniformly, is kept
 * (losing whole words is `dropWords`' job).
 *
 * rate   probability per eligible letter; eligible = a letter in a word of ≥ 2 letters.
 * rate 1 reduces every word to one random letter of it.
 */
export function deleteChars(text: string, rate: number, rng: () => number): string {
  checkRate('deleteChars', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  const out: string[] = [];
  for (let i = 0; i < cs.length; ) {
    if (!isLetter(cs[i]!)) {
      out.push(cs[i++]!);
      continue;
    }
    let end = i + 1;
    while (end < cs.length && isLetter(cs[end]!)) end++;
    const n = end - i;
    if (n === 1) {
      out.push(cs[i]!);
    } else {
      const keep: boolean[] = [];
      for (let k = 0; k < n; k++) keep.push(!(rng() < rate));
      if (!keep.includes(true)) keep[Math.floor(rng() * n)] = true;
      for (let k = 0; k < n; k++) if (keep[k]) out.push(cs[i + k]!);
    }
    i = end;
  }
  return out.join('');
}

/**
 * Letter insertion (`RandomCharAug(action='insert')` in [2], a "fat finger" typo as in [3]): after
 * each letter, with probability `rate`, one letter is inserted — a uniformly chosen QWERTY
 * neighbour in the same case for a plain ASCII letter, else a copy of the letter itself (a double
 * key press), so the inserted letter is always in the script of its neighbour.
 *
 * rate   probability per letter (every letter is eligible); the expected growth is rate × letters.
 * rate 1 follows every letter by an inserted one, doubling the letter count.
 */
export function insertChars(text: string, rate: number, rng: () => number): string {
  checkRate('insertChars', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  const out: string[] = [];
  for (const c of cs) {
    out.push(c);
    if (isLetter(c) && rng() < rate) {
      const key = asciiKey(c);
      out.push(key === undefined ? c : neighbourOf(c, key, rng));
    }
  }
  return out.join('');
}

/**
 * Keyboard-neighbour substitution ("Key" noise in [1], `KeyboardAug` in [2]): each plain ASCII
 * letter is replaced, with probability `rate`, by a uniformly chosen neighbour from
 * `QWERTY_NEIGHBOURS`, keeping its case (`Hello` → `Jello`).
 *
 * rate   probability per eligible letter; eligible = a letter a–z / A–Z without combining marks
 *        (accented and non-Latin letters are not on a QWERTY key and are left alone).
 * rate 1 replaces every eligible letter (a replacement always differs from the original).
 */
export function keyboardTypos(text: string, rate: number, rng: () => number): string {
  checkRate('keyboardTypos', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  for (let i = 0; i < cs.length; i++) {
    const key = asciiKey(cs[i]!);
    if (key !== undefined && rng() < rate) cs[i] = neighbourOf(cs[i]!, key, rng);
  }
  return cs.join('');
}

/**
 * Diacritics stripping, letter by letter: with probability `rate` a letter is replaced by its
 * NFD form without combining marks of script Inherited, with `DIACRITIC_FOLDS` applied, recomposed
 * to NFC (`é` → `e`, `Ệ` → `E`, `ø` → `o`, `ł` → `l`, `ß` → `ss`, Arabic `كَتَبَ` → `كتب`). Models
 * text typed without accents, common in low-resource languages' web text and queries.
 *
 * rate   probability per eligible letter; eligible = a letter that stripping changes (beyond NFC
 *        normalisation). Untouched letters keep their exact code points (no normalisation).
 * rate 1 strips every eligible letter.
 */
export function stripDiacritics(text: string, rate: number, rng: () => number): string {
  checkRate('stripDiacritics', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (!isLetter(c)) continue;
    const folded = foldCluster(c);
    if (folded !== c.normalize('NFC') && rng() < rate) cs[i] = folded;
  }
  return cs.join('');
}

/** The case-flipped cluster, or undefined when flipping is not a clean one-to-one swap. */
function flippedCase(c: string): string | undefined {
  const upper = c.toUpperCase();
  const lower = c.toLowerCase();
  if (c === lower && c !== upper) return upper.toLowerCase() === c ? upper : undefined;
  if (c === upper && c !== lower) return lower.toUpperCase() === c ? lower : undefined;
  return undefined;
}

/**
 * Case flips: each cased letter switches case with probability `rate` (`Nairobi` → `NaIrobi`).
 * Locale-independent (`toUpperCase` / `toLowerCase` without a locale).
 *
 * rate   probability per eligible letter; eligible = a letter whose upper and lower forms map
 *        one-to-one onto each other (not `ß` → `SS`, final `ς`, title-case `ǅ`, Turkish `İ`, or
 *        uncased scripts).
 * rate 1 inverts the case of every eligible letter (`Hello World` → `hELLO wORLD`).
 */
export function flipCase(text: string, rate: number, rng: () => number): string {
  checkRate('flipCase', rate);
  if (rate === 0) return text;
  const cs = clusters(text);
  for (let i = 0; i < cs.length; i++) {
    const c = cs[i]!;
    if (!isLetter(c)) continue;
    const flipped = flippedCase(c);
    if (flipped !== undefined && rng() < rate) cs[i] = flipped;
  }
  return cs.join('');
}
