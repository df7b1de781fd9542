import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import {
  NOISE_NAMES,
  NOISE_TYPES,
  Noise,
  type NoiseName,
  type Perturbation,
  QWERTY_NEIGHBOURS,
  applyNoise,
  deleteChars,
  dropWords,
  duplicateWords,
  flipCase,
  hashInts,
  insertChars,
  keyboardTypos,
  noiseSeed,
  parseNoiseSpec,
  shuffleWords,
  stripDiacritics,
  swapChars,
} from './index.ts';

// ---------------------------------------------------------------------------------------------
// Long synthetic texts (generated with their own seeded generator, independent of the noise).

const LOWER = 'abcdefghijklmnopqrstuvwxyz';

/** Words of 3–8 ASCII letters with no two equal adjacent letters (so every swap is visible). */
function asciiWord(rnd: () => number, letters = LOWER): string {
  const len = 3 + Math.floor(rnd() * 6);
  let w = '';
  while (w.length < len) {
    const c = letters[Math.floor(rnd() * letters.length)]!;
    if (c !== w[w.length - 1]) w += c;
  }
  return w;
}

/** `nWords` words, some capitalised, some followed by `,` or `.`, some digit tokens, single spaces. */
function asciiText(nWords: number, seed = 12345): string {
  const rnd = mulberry32(seed);
  const words: string[] = [];
  for (let i = 0; i < nWords; i++) {
    let w = asciiWord(rnd);
    if (rnd() < 0.3) w = w[0]!.toUpperCase() + w.slice(1);
    if (rnd() < 0.1) w += rnd() < 0.5 ? ',' : '.';
    if (rnd() < 0.05) w = String(Math.floor(rnd() * 1000));
    words.push(w);
  }
  return words.join(' ');
}

/** Distinct words `w0 w1 …` (so positions and deletions can be aligned exactly). */
function distinctWords(n: number): string {
  return Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
}

/** Accented letters that strip to one plain letter, mixed with plain letters. */
const ACCENTED = 'éèêëáàâäíìîïóòôöúùûüñçøłđ';
function accentedText(nWords: number, seed = 777): string {
  const rnd = mulberry32(seed);
  const words: string[] = [];
  for (let i = 0; i < nWords; i++) {
    let w = '';
    const len = 3 + Math.floor(rnd() * 6);
    for (let k = 0; k < len; k++) w += rnd() < 0.4 ? ACCENTED[Math.floor(rnd() * ACCENTED.length)] : LOWER[Math.floor(rnd() * 26)];
    words.push(w);
  }
  return words.join(' ');
}

const isLetter = (c: string | undefined): boolean => c !== undefined && /^\p{L}/u.test(c);
const letterCount = (s: string): number => (s.match(/\p{L}/gu) ?? []).length;
const hasLoneSurrogate = (s: string): boolean => /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');

// ---------------------------------------------------------------------------------------------
// Observed rates: each returns the fraction of eligible units changed, checking the structure of
// the change along the way.

/** Adjacent swaps per considered letter (the scan of `swapChars`: a swap skips its partner). */
function observedSwap(input: string, output: string): number {
  const a = [...input];
  const b = [...output];
  expect(b.length).toBe(a.length);
  let swaps = 0;
  let considered = 0;
  for (let i = 0; i < a.length; i++) {
    if (isLetter(a[i]) && isLetter(a[i + 1])) {
      considered++;
      if (b[i] !== a[i]) {
        expect([b[i], b[i + 1]]).toEqual([a[i + 1], a[i]]);
        swaps++;
        i++;
        continue;
      }
    }
    expect(b[i]).toBe(a[i]);
  }
  return swaps / considered;
}

/** Letters lost per letter (every word has ≥ 3 letters, so every letter is eligible). */
function observedDelete(input: string, output: string): number {
  const kept = output.replace(/\p{L}/gu, '');
  expect(kept).toBe(input.replace(/\p{L}/gu, '')); // non-letters untouched
  return (letterCount(input) - letterCount(output)) / letterCount(input);
}

/** Whether `b` is `a` with at most one letter inserted after each letter of `a`, each a QWERTY
 * neighbour of that letter in its case, or a copy of it. Small words only (backtracking). */
function isInsertion(a: string[], b: string[], i = 0, j = 0): boolean {
  if (i === a.length) return j === b.length;
  if (b[j] !== a[i]) return false;
  if (isInsertion(a, b, i + 1, j + 1)) return true;
  const ins = b[j + 1];
  if (ins === undefined) return false;
  const key = a[i]!.toLowerCase();
  const ok = ins === a[i] || (QWERTY_NEIGHBOURS[key]?.includes(ins.toLowerCase()) === true && (ins === ins.toLowerCase()) === (a[i] === key));
  return ok && isInsertion(a, b, i + 1, j + 2);
}

/** Letters gained per letter; every inserted letter is a neighbour of (or equal to) the one before. */
function observedInsert(input: string, output: string): number {
  const sepsIn = input.split(/\p{L}+/u);
  const sepsOut = output.split(/\p{L}+/u);
  expect(sepsOut).toEqual(sepsIn); // non-letters untouched, no word split or merged
  const wordsIn = input.match(/\p{L}+/gu) ?? [];
  const wordsOut = output.match(/\p{L}+/gu) ?? [];
  wordsIn.forEach((w, k) => {
    if (!isInsertion([...w], [...wordsOut[k]!])) expect.fail(`${wordsOut[k]} is not an insertion into ${w}`);
  });
  return (letterCount(output) - letterCount(input)) / letterCount(input);
}

/** Replaced letters per ASCII letter; every replacement is a QWERTY neighbour in the same case. */
function observedKeyboard(input: string, output: string): number {
  const a = [...input];
  const b = [...output];
  expect(b.length).toBe(a.length);
  let changed = 0;
  let eligible = 0;
  for (let i = 0; i < a.length; i++) {
    if (/^[A-Za-z]$/.test(a[i]!)) eligible++;
    if (b[i] === a[i]) continue;
    changed++;
    const key = a[i]!.toLowerCase();
    expect(QWERTY_NEIGHBOURS[key]).toBeDefined();
    expect(QWERTY_NEIGHBOURS[key]).toContain(b[i]!.toLowerCase());
    expect(b[i] === b[i]!.toLowerCase()).toBe(a[i] === key);
  }
  return changed / eligible;
}

/** Stripped letters per accented letter; each change is the accent-free letter. */
function observedDiacritics(input: string, output: string): number {
  const a = [...input];
  const b = [...output];
  expect(b.length).toBe(a.length);
  let changed = 0;
  let eligible = 0;
  for (let i = 0; i < a.length; i++) {
    if (ACCENTED.includes(a[i]!)) eligible++;
    if (b[i] === a[i]) continue;
    changed++;
    expect(ACCENTED).toContain(a[i]);
    expect(b[i]).toBe(stripDiacritics(a[i]!, 1, () => 0));
    expect(b[i]).toMatch(/^[a-z]$/);
  }
  return changed / eligible;
}

/** Flipped letters per ASCII letter. */
function observedCase(input: string, output: string): number {
  const a = [...input];
  const b = [...output];
  expect(b.length).toBe(a.length);
  let changed = 0;
  for (let i = 0; i < a.length; i++) {
    if (b[i] === a[i]) continue;
    changed++;
    expect(b[i]).toBe(a[i] === a[i]!.toLowerCase() ? a[i]!.toUpperCase() : a[i]!.toLowerCase());
  }
  return changed / letterCount(input);
}

/** Dropped words per word; the output is a subsequence of the input's (distinct) words. */
function observedDrop(input: string, output: string): number {
  const a = words(input);
  const b = words(output);
  let j = 0;
  for (const w of a) if (w === b[j]) j++;
  expect(j).toBe(b.length);
  return (a.length - b.length) / a.length;
}

/** Moved words per word; no word moves more than 3 positions (the default window). */
function observedShuffle(input: string, output: string): number {
  const a = words(input);
  const b = words(output);
  expect([...b].sort()).toEqual([...a].sort());
  const pos = new Map(a.map((w, i) => [w, i]));
  let moved = 0;
  b.forEach((w, i) => {
    const d = Math.abs(pos.get(w)! - i);
    expect(d).toBeLessThanOrEqual(3);
    if (d > 0) moved++;
  });
  return moved / a.length;
}

/** Added words per word; collapsing immediate repeats gives the input back. */
function observedDuplicate(input: string, output: string): number {
  const a = words(input);
  const b = words(output);
  expect(b.filter((w, i) => w !== b[i - 1])).toEqual(a);
  return (b.length - a.length) / a.length;
}

interface Case {
  perturb: Perturbation;
  /** A long text with ≥ 5,000 eligible units (shuffle: 20,000 words, see below). */
  long: string;
  observed: (input: string, output: string) => number;
}

const ASCII_LONG = asciiText(4000); // ≈ 22,000 letters, ≈ 19,000 ASCII adjacent pairs
const WORDS_LONG = distinctWords(10_000);

/** One case per registered name: adding a noise type without a case fails to type-check. */
const CASES: Record<NoiseName, Case> = {
  swap: { perturb: swapChars, long: ASCII_LONG, observed: observedSwap },
  delete: { perturb: deleteChars, long: ASCII_LONG, observed: observedDelete },
  insert: { perturb: insertChars, long: ASCII_LONG, observed: observedInsert },
  keyboard: { perturb: keyboardTypos, long: ASCII_LONG, observed: observedKeyboard },
  diacritics: { perturb: stripDiacritics, long: accentedText(4000), observed: observedDiacritics }, // ≈ 8,800 accented
  case: { perturb: flipCase, long: ASCII_LONG, observed: observedCase },
  drop: { perturb: dropWords, long: WORDS_LONG, observed: observedDrop },
  // The shuffle moves blocks of 4 words, so its count of moved words is ~4× noisier: 20,000 words.
  shuffle: { perturb: shuffleWords, long: distinctWords(20_000), observed: observedShuffle },
  duplicate: { perturb: duplicateWords, long: WORDS_LONG, observed: observedDuplicate },
};

const TRICKY = [
  '',
  '   ',
  'a',
  'Habari za asubuhi, rafiki!',
  '  leading\tand\ntrailing  ',
  'Ærøskøbing Łódź straße Việt Nam — e\u0301te\u0301 كَتَبَ हिन्दी 𝒜𝒷𝒸 😀👍🏽 42',
];

const throwingRng = (): number => {
  throw new Error('rng must not be called at rate 0');
};

describe.each(NOISE_NAMES.map((name) => [name, CASES[name]] as const))('%s', (name, { perturb, long, observed }) => {
  it('is registered under its name', () => {
    expect(NOISE_TYPES[name].perturb).toBe(perturb);
    expect(NOISE_TYPES[name].name).toBe(name);
  });

  it('rate 0 returns the input unchanged and draws no random number', () => {
    for (const t of [...TRICKY, long]) expect(perturb(t, 0, throwingRng)).toBe(t);
  });

  it('same seed → same output; different seeds → different outputs', () => {
    const a = perturb(long, 0.1, mulberry32(1));
    expect(perturb(long, 0.1, mulberry32(1))).toBe(a);
    expect(a).not.toBe(long);
    const outs = new Set([1, 2, 3, 4].map((s) => perturb(long, 0.1, mulberry32(s))));
    expect(outs.size).toBe(4);
  });

  it.each([
    { rate: 0.1, seed: 1 },
    { rate: 0.1, seed: 2 },
    { rate: 0.1, seed: 3 },
    { rate: 0.3, seed: 4 },
  ])('observed rate on a long text is within 15% of rate $rate (seed $seed)', ({ rate, seed }) => {
    const out = perturb(long, rate, mulberry32(seed));
    const obs = observed(long, out);
    expect(obs).toBeGreaterThanOrEqual(rate * 0.85);
    expect(obs).toBeLessThanOrEqual(rate * 1.15);
  });

  it('never splits a surrogate pair or orphans a combining mark', () => {
    for (const rate of [0.5, 1]) {
      for (const seed of [1, 2, 3]) {
        for (const t of TRICKY) {
          const out = perturb(t, rate, mulberry32(seed));
          expect(hasLoneSurrogate(out)).toBe(false);
          // A combining mark only ever follows a letter (or another mark), as in the inputs.
          expect(out).not.toMatch(/(?:^|[^\p{L}\p{M}])\p{M}/u);
        }
      }
    }
  });

  it('rejects rates outside [0, 1]', () => {
    for (const bad of [-0.1, 1.01, Number.NaN]) expect(() => perturb('abc def', bad, mulberry32(1))).toThrow(ArgumentError);
  });
});

// ---------------------------------------------------------------------------------------------
// Rate 1 and per-perturbation details.

const rng = (seed = 1): (() => number) => mulberry32(seed);

describe('swapChars', () => {
  it('rate 1 swaps consecutive letter pairs within words', () => {
    expect(swapChars('abcd efg, hi!', 1, rng())).toBe('badc feg, ih!');
  });

  it('moves whole clusters: astral letters and letters with combining marks', () => {
    expect(swapChars('𝒜𝒷', 1, rng())).toBe('𝒷𝒜');
    expect(swapChars('e\u0301a', 1, rng())).toBe('ae\u0301');
    expect(swapChars('a😀b', 1, rng())).toBe('a😀b'); // an emoji separates words
  });
});

describe('deleteChars', () => {
  it('rate 1 reduces every word to one of its letters, leaving non-letters alone', () => {
    const input = 'habari za asubuhi, rafiki 42 x';
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = deleteChars(input, 1, rng(seed));
      expect(out).toMatch(/^\p{L} \p{L} \p{L}, \p{L} 42 x$/u);
      const [a, b, c, d] = out.split(/[ ,]+/);
      expect('habari').toContain(a);
      expect('za').toContain(b);
      expect('asubuhi').toContain(c);
      expect('rafiki').toContain(d);
    }
  });

  it('deletes a letter together with its combining marks', () => {
    const out = deleteChars('e\u0301e\u0301e\u0301e\u0301', 1, rng());
    expect(out).toBe('e\u0301');
  });
});

describe('insertChars', () => {
  it('rate 1 follows every letter by a neighbour key in the same case, or doubles a non-ASCII letter', () => {
    const out = insertChars('Ab é', 1, rng());
    const cs = [...out];
    expect(cs).toHaveLength(7);
    expect(cs[0]).toBe('A');
    expect(QWERTY_NEIGHBOURS.a).toContain(cs[1]!.toLowerCase());
    expect(cs[1]).toBe(cs[1]!.toUpperCase());
    expect(cs[2]).toBe('b');
    expect(QWERTY_NEIGHBOURS.b).toContain(cs[3]);
    expect(cs.slice(4).join('')).toBe(' éé');
    expect(insertChars('𝒜', 1, rng())).toBe('𝒜𝒜');
  });
});

describe('keyboardTypos', () => {
  it('QWERTY_NEIGHBOURS covers a–z, is symmetric and has the staggered-layout neighbours', () => {
    expect(Object.keys(QWERTY_NEIGHBOURS).sort().join('')).toBe(LOWER);
    for (const [k, ns] of Object.entries(QWERTY_NEIGHBOURS)) {
      expect(new Set(ns).size).toBe(ns.length);
      for (const n of ns) expect(QWERTY_NEIGHBOURS[n]).toContain(k);
    }
    expect(QWERTY_NEIGHBOURS.s).toBe('adwezx');
    expect(QWERTY_NEIGHBOURS.q).toBe('wa');
    expect(QWERTY_NEIGHBOURS.m).toBe('njk');
    expect(QWERTY_NEIGHBOURS.k).toBe('jliom');
  });

  it('rate 1 replaces every ASCII letter by a neighbour and leaves everything else', () => {
    const input = 'Hello, wörld 42 é 𝒜';
    const out = keyboardTypos(input, 1, rng());
    expect([...out]).toHaveLength([...input].length);
    expect(out.slice(5)).toMatch(/^, \p{L}ö\p{L}\p{L}\p{L} 42 é 𝒜$/u);
    expect(observedKeyboard(input, out)).toBe(1);
  });
});

describe('stripDiacritics', () => {
  it('rate 1 strips every accent, folds non-decomposing letters, keeps script-specific marks', () => {
    expect(stripDiacritics('Ærøskøbing Łódź straße STRAẞE Việt Nam Đà Nẵng', 1, rng())).toBe(
      'AEroskobing Lodz strasse STRASSE Viet Nam Da Nang',
    );
    expect(stripDiacritics('كَتَبَ', 1, rng())).toBe('كتب'); // Arabic harakat are Inherited marks
    expect(stripDiacritics('हिन्दी ภาษาไทย', 1, rng())).toBe('हिन्दी ภาษาไทย'); // vowel signs stay
    expect(stripDiacritics('ɓaɗa ƙasa', 1, rng())).toBe('bada kasa');
  });

  it('handles decomposed input and leaves ineligible letters byte-for-byte', () => {
    expect(stripDiacritics('e\u0301te\u0301', 1, rng())).toBe('ete');
    const nukta = '\u0958'; // क़, an NFC composition exclusion: nothing to strip, must stay as is
    expect(stripDiacritics(nukta, 1, throwingRng)).toBe(nukta);
    expect(stripDiacritics('plain ascii', 1, throwingRng)).toBe('plain ascii');
  });
});

describe('flipCase', () => {
  it('rate 1 inverts the case of every cased letter', () => {
    expect(flipCase('Hello World, Ωμέγα!', 1, rng())).toBe('hELLO wORLD, ωΜΈΓΑ!');
  });

  it('leaves letters without a one-to-one case pair alone', () => {
    expect(flipCase('ß ς ǅ İ 𝒜 日本 42', 1, throwingRng)).toBe('ß ς ǅ İ 𝒜 日本 42');
  });
});

describe('dropWords', () => {
  it('rate 1 keeps exactly one word and the outer whitespace', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const out = dropWords('  one two\tthree\nfour  ', 1, rng(seed));
      expect(out).toMatch(/^ {2}(one|two|three|four) {2}$/);
    }
  });

  it('never empties a non-empty text and keeps the gap before each kept word', () => {
    for (let seed = 0; seed < 200; seed++) {
      const out = dropWords('a b\tc', 0.9, rng(seed));
      expect(['a', 'b', 'c', 'a b', 'a\tc', 'b\tc', 'a b\tc']).toContain(out);
    }
    expect(dropWords(' solo ', 1, rng())).toBe(' solo ');
    expect(dropWords('   ', 1, rng())).toBe('   ');
  });
});

describe('shuffleWords', () => {
  it.each([1, 2, 3, 5])('never moves a word more than window = %i positions', (window) => {
    const input = words(distinctWords(2000));
    for (const rate of [0.5, 1]) {
      const out = words(shuffleWords(input.join(' '), rate, rng(window), window));
      expect([...out].sort()).toEqual([...input].sort());
      const maxMove = Math.max(...out.map((w, i) => Math.abs(Number(w.slice(1)) - i)));
      expect(maxMove).toBeLessThanOrEqual(window);
      if (rate === 1) expect(maxMove).toBe(window);
    }
  });

  it('rate 1 moves every word (word count a multiple of window + 1) and keeps the gaps in place', () => {
    const out = shuffleWords(distinctWords(400), 1, rng());
    expect(words(out).every((w, i) => w !== `w${i}`)).toBe(true);
    const gaps = shuffleWords(' a  b\tc\nd ', 1, rng());
    expect(gaps.replace(/\S/g, '')).toBe(' \u0020\u0020\t\n ');
    expect(gaps.replace(/\s/g, '')).not.toBe('abcd');
  });

  it('rejects a bad window', () => {
    for (const w of [0, 1.5, -1]) expect(() => shuffleWords('a b', 0.5, rng(), w)).toThrow(ArgumentError);
  });
});

describe('duplicateWords', () => {
  it('rate 1 doubles every word, joined by one space', () => {
    expect(duplicateWords('a b,\tc', 1, rng())).toBe('a a b, b,\tc c');
  });
});

// ---------------------------------------------------------------------------------------------
// Specs and composition.

describe('parseNoiseSpec', () => {
  it('parses items into composition order, whatever the spec order', () => {
    expect(parseNoiseSpec('swap:0.05,drop:0.1')).toEqual([
      { name: 'drop', rate: 0.1 },
      { name: 'swap', rate: 0.05 },
    ]);
    expect(parseNoiseSpec(' keyboard : 0.1 ')).toEqual([{ name: 'keyboard', rate: 0.1 }]);
    expect(parseNoiseSpec('INSERT:1,Case:0,diacritics:.5,shuffle:1e-1')).toEqual([
      { name: 'shuffle', rate: 0.1 },
      { name: 'diacritics', rate: 0.5 },
      { name: 'case', rate: 0 },
      { name: 'insert', rate: 1 },
    ]);
    expect(parseNoiseSpec('')).toEqual([]);
    expect(parseNoiseSpec('none')).toEqual([]);
  });

  it('an unknown name lists the valid names', () => {
    expect(() => parseNoiseSpec('swap:0.1,typo:0.2')).toThrow(ArgumentError);
    expect(() => parseNoiseSpec('typo:0.2')).toThrow(
      'unknown noise type "typo" in "typo:0.2"; valid types: drop, duplicate, shuffle, diacritics, case, keyboard, swap, delete, insert',
    );
  });

  it.each([
    ['swap:1.5', /must be a number in \[0, 1\], got "1.5"/],
    ['swap:-0.1', /must be a number in \[0, 1\], got "-0.1"/],
    ['swap:abc', /got "abc"/],
    ['swap:0x1', /got "0x1"/],
    ['swap:', /bad noise spec item "swap:"/],
    ['swap', /bad noise spec item "swap".*name:rate/],
    ['swap:0.1:3', /bad noise spec item/],
    ['swap:0.1,,drop:0.1', /bad noise spec item ""/],
    ['swap:0.1,swap:0.2', /"swap" is given more than once/],
  ])('rejects %j', (spec, message) => {
    expect(() => parseNoiseSpec(spec)).toThrow(ArgumentError);
    expect(() => parseNoiseSpec(spec)).toThrow(message);
  });
});

describe('Noise / applyNoise', () => {
  const queries = Array.from({ length: 50 }, (_, i) => asciiText(8, 1000 + i));
  const SPEC = 'swap:0.05,drop:0.1,keyboard:0.1,duplicate:0.1,shuffle:0.2,case:0.05,delete:0.05,insert:0.05,diacritics:0.5';

  it('prints a canonical spec that parses back to the same noise', () => {
    const n = new Noise('swap:0.05, drop:0.1, case:0', 7);
    expect(String(n)).toBe('drop:0.1,swap:0.05');
    expect(new Noise(String(n), 7).components).toEqual(n.components);
    expect(String(new Noise('', 7))).toBe('none');
    expect(new Noise('none', 7).isIdentity).toBe(true);
    expect(new Noise('case:0', 7).apply('Hello')).toBe('Hello');
  });

  it('accepts components in any order and validates them', () => {
    const a = new Noise([{ name: 'swap', rate: 0.2 }, { name: 'drop', rate: 0.3 }], 3);
    expect(String(a)).toBe('drop:0.3,swap:0.2');
    expect(a.apply(queries[0]!, 4)).toBe(new Noise('drop:0.3,swap:0.2', 3).apply(queries[0]!, 4));
    expect(() => new Noise([{ name: 'swap', rate: 2 }], 3)).toThrow(ArgumentError);
    expect(() => new Noise([{ name: 'bogus' as NoiseName, rate: 0.1 }], 3)).toThrow(/valid types/);
  });

  it('composes in the documented order', () => {
    // duplicate (word level) runs before case (letter level): each copy gets its own flips.
    const n = new Noise('case:0.5,duplicate:1', 1);
    const out = n.apply('abcdefghijklmnop');
    const [x, y] = out.split(' ');
    expect(x!.toLowerCase()).toBe('abcdefghijklmnop');
    expect(y!.toLowerCase()).toBe('abcdefghijklmnop');
    expect(x).not.toBe(y);
  });

  it('is deterministic by (seed, index): independent of the texts before and of the run', () => {
    const noise = new Noise(SPEC, 2024);
    const all = noise.applyAll(queries);
    expect(new Noise(SPEC, 2024).applyAll(queries)).toEqual(all);
    queries.forEach((q, i) => {
      expect(noise.apply(q, i)).toBe(all[i]);
      expect(applyNoise(q, SPEC, 2024, i)).toBe(all[i]);
    });
    expect(noise.applyAll(queries.slice(20), 20)).toEqual(all.slice(20));
    expect(all.filter((q, i) => q !== queries[i]).length).toBeGreaterThan(40);
  });

  it('different seeds or indices give different noise; each component has its own stream', () => {
    const a = new Noise(SPEC, 1).applyAll(queries);
    const b = new Noise(SPEC, 2).applyAll(queries);
    expect(a.filter((q, i) => q !== b[i]).length).toBeGreaterThan(40);
    const q = queries[0]!;
    expect(new Set([0, 1, 2, 3].map((i) => applyNoise(q, 'keyboard:0.3', 5, i))).size).toBe(4);
    // Adding a component with rate 0 changes nothing; the swap stream does not depend on the rest.
    expect(applyNoise(q, 'swap:0.2,drop:0', 5, 3)).toBe(applyNoise(q, 'swap:0.2', 5, 3));
    expect(applyNoise(q, 'swap:0.2,keyboard:0', 5, 3)).toBe(swapChars(q, 0.2, mulberry32(noiseSeed(5, 3, 'swap'))));
  });

  it('pins the seeding (outputs must not change between versions)', () => {
    expect(hashInts()).toBe(0x9e3779b9);
    expect(hashInts(1, 2)).toBe(3272934865);
    expect(noiseSeed(42, 7, 'swap')).toBe(2891417666);
    expect(hashInts(1, 2)).not.toBe(hashInts(2, 1));
    expect(noiseSeed(2 ** 32 + 5, 0, 'swap')).not.toBe(noiseSeed(5, 0, 'swap'));
    expect(noiseSeed(-1, 0, 'swap')).not.toBe(noiseSeed(2 ** 32 - 1, 0, 'swap'));
    expect(applyNoise('the quick brown fox jumps over the lazy dog', 'keyboard:0.2,drop:0.2,swap:0.1', 42, 7)).toBe(
      PINNED,
    );
  });

  it('rejects bad seeds and indices', () => {
    expect(() => new Noise('swap:0.1', 1.5)).toThrow(ArgumentError);
    expect(() => new Noise('swap:0.1', 1).apply('x', -1)).toThrow(/text index/);
    expect(() => applyNoise('x', 'swap:0.1', 1, 0.5)).toThrow(ArgumentError);
  });
});

const PINNED = 'the quick nrown over tbe pazy dog';
