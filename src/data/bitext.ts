/**
 * Sentence-aligned bitext: the training signal for distillation (a low-resource sentence and its
 * English translation) and the input of bitext-mining evaluation.
 */
import { ArgumentError } from '../errors.ts';
import { mulberry32, shuffleInPlace } from '../util/random.ts';

/** What a loader kept and dropped. */
export interface BitextStats {
  /** Pairs kept (= `src.length`). */
  pairs: number;
  /** Pairs dropped because the source or the English side was empty or whitespace-only. */
  droppedEmpty: number;
  /** Keyed formats (Bible, SIB-200): ids present in the source file but not in the English file. */
  srcOnly: number;
  /** Keyed formats: ids present in the English file but not in the source file. */
  engOnly: number;
  /** Exact (src, eng) repeats removed by `concatBitext` (0 for a single loader). */
  droppedDuplicate: number;
}

/**
 * Parallel sentences: `src[i]` (the non-English side) translates `eng[i]` (the pivot side; for
 * MAFAND-MT `fr-*` pairs the pivot is French). `ids[i]` identifies the pair within its source
 * (Bible verse id, SIB-200 index_id, 1-based line number). `source` is the spec it came from,
 * e.g. `bible:Swahili`.
 */
export interface Bitext {
  src: string[];
  eng: string[];
  ids: string[];
  source: string;
  /** Filled by the loaders in this folder; optional so that hand-made bitexts need not invent it. */
  stats?: BitextStats;
}

export function emptyStats(): BitextStats {
  return { pairs: 0, droppedEmpty: 0, srcOnly: 0, engOnly: 0, droppedDuplicate: 0 };
}

/** True for strings that are empty or whitespace-only. */
export function isBlank(s: string): boolean {
  return s.trim().length === 0;
}

/**
 * Concatenate bitexts in order, removing exact repeats of a (src, eng) pair (the first
 * occurrence is kept, also within a single input). `stats` sums the inputs' stats and counts the
 * removed repeats in `droppedDuplicate`; `source` joins the inputs' sources with `+`. Ids are
 * kept as they are, so they may repeat across inputs (e.g. the same verse id in two Bibles).
 */
export function concatBitext(list: readonly Bitext[]): Bitext {
  if (list.length === 0) throw new ArgumentError('concatBitext: empty list of bitexts');
  const out: Bitext = { src: [], eng: [], ids: [], source: list.map((b) => b.source).join('+'), stats: emptyStats() };
  const stats = out.stats!;
  const seen = new Set<string>();
  for (const b of list) {
    if (b.src.length !== b.eng.length || b.src.length !== b.ids.length) {
      throw new ArgumentError(
        `concatBitext: ${b.source} has ${b.src.length} src, ${b.eng.length} eng and ${b.ids.length} ids`,
      );
    }
    if (b.stats) {
      stats.droppedEmpty += b.stats.droppedEmpty;
      stats.srcOnly += b.stats.srcOnly;
      stats.engOnly += b.stats.engOnly;
      stats.droppedDuplicate += b.stats.droppedDuplicate;
    }
    for (let i = 0; i < b.src.length; i++) {
      const key = JSON.stringify([b.src[i], b.eng[i]]); // unambiguous for any text
      if (seen.has(key)) {
        stats.droppedDuplicate++;
        continue;
      }
      seen.add(key);
      out.src.push(b.src[i]!);
      out.eng.push(b.eng[i]!);
      out.ids.push(b.ids[i]!);
    }
  }
  stats.pairs = out.src.length;
  return out;
}

const VERSE_ID = /^b\.([0-9A-Z]+)\.(\d+)\.(\d+)$/;

/** Book code of a Bible verse id: `bibleBook('b.MAT.1.1') === 'MAT'`, `bibleBook('b.1CO.13.4') === '1CO'`. */
export function bibleBook(verseId: string): string {
  const m = VERSE_ID.exec(verseId);
  if (!m) throw new ArgumentError(`not a Bible verse id (expected b.BOOK.CHAPTER.VERSE): ${JSON.stringify(verseId)}`);
  return m[1]!;
}

/**
 * Split a Bible bitext into pairs outside and inside the held-out books (for in-domain
 * evaluation on whole unseen books, e.g. `['JOH']` or `['REV', 'JUD']`). Order is preserved.
 */
export function splitByBibleBooks(b: Bitext, heldOutBooks: readonly string[]): { train: Bitext; heldOut: Bitext } {
  const held = new Set(heldOutBooks);
  const train: Bitext = { src: [], eng: [], ids: [], source: `${b.source}!${heldOutBooks.join(',')}` };
  const heldOut: Bitext = { src: [], eng: [], ids: [], source: `${b.source}@${heldOutBooks.join(',')}` };
  for (let i = 0; i < b.ids.length; i++) {
    const t = held.has(bibleBook(b.ids[i]!)) ? heldOut : train;
    t.src.push(b.src[i]!);
    t.eng.push(b.eng[i]!);
    t.ids.push(b.ids[i]!);
  }
  return { train, heldOut };
}

/**
 * A seeded random subset of `n` pairs, kept in the original order (all pairs when n ≥ size). For scaling
 * studies and quick runs: the same (bitext, n, seed) always gives the same subset.
 */
export function sampleBitext(b: Bitext, n: number, seed: number): Bitext {
  if (!Number.isInteger(n) || n < 1) throw new ArgumentError(`sampleBitext: n must be a positive integer, got ${n}`);
  if (n >= b.src.length) return b;
  const rnd = mulberry32((seed * 2246822519 + 3266489917) >>> 0);
  const keep = shuffleInPlace([...b.src.keys()], rnd).slice(0, n).sort((x, y) => x - y);
  return { src: keep.map((i) => b.src[i]!), eng: keep.map((i) => b.eng[i]!), ids: keep.map((i) => b.ids[i]!), source: `${b.source}#${n}@${seed}` };
}
