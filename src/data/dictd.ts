/**
 * Bilingual dictionaries in dictd format (FreeDict's distribution format) → a word lexicon, and
 * word-by-word translation with it (the dictionary-translation baseline of src/retrieval).
 *
 * A dictd dictionary is two files:
 *   NAME.index     one line per entry: headword<TAB>offset<TAB>length, offset and length in dictd's
 *                  base64 digits (A–Z a–z 0–9 + /, most significant first) into the uncompressed text
 *   NAME.dict.dz   the entries' text, dictzip-compressed (gzip-compatible; NAME.dict uncompressed is read too)
 * Entries whose headword starts with "00database" / "00-database" are metadata and are skipped.
 *
 * An entry (FreeDict's layout) is a headword line — `word /pronunciation/ <pos> (notes)` — then sense lines.
 * Translations are read from the sense lines: a leading sense number ("1.") is removed; example lines
 * (starting with a quote) and "See also:", "Synonyms:", "Note:" lines are skipped; a "… of {x}:" prefix is cut;
 * `(…)`, `[…]` and `{…}` are removed; what remains is split on "," and ";". FreeDict's "~" (joins the words of
 * one translation, eng-hin) becomes a space. Translations keep the dictionary's order (first sense first).
 *
 * Lookup keys are the headwords analysed like text (src/text/words.ts: ICU words, NFKC, lower case, words
 * joined by one space), so "Chest cold" and "chest cold" are one key; entries with the same key are merged.
 * `translateText` replaces each word by its first `max` translations, preferring the longest multi-word
 * headword that matches at that position, and keeps words the dictionary does not have.
 */
import { existsSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { ArgumentError, InputError } from '../errors.ts';
import { emptyStats, type Bitext } from './bitext.ts';
import { firstInvalidUtf8Byte, readFileBytes, readTextFile, splitLines } from '../util/fs.ts';
import { normalizeTerm, wordSpans } from '../text/words.ts';
import { resolveDataDir } from './datadir.ts';

export interface Lexicon {
  /** the dictionary's name (file name without .index) */
  name: string;
  /** analysed headword → translations, in dictionary order, without duplicates */
  entries: Map<string, string[]>;
  /** the most words in one headword (for multi-word matching) */
  maxWords: number;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A dictd base64 number ("B" = 1, "BA" = 64); `InputError` naming file and line for a bad digit. */
export function decodeDictdNumber(s: string, file: string, line: number): number {
  if (s === '') throw new InputError('empty offset or length field', file, line);
  let v = 0;
  for (const c of s) {
    const d = B64.indexOf(c);
    if (d < 0) throw new InputError(`"${s}" is not a dictd base64 number (bad character "${c}")`, file, line);
    v = v * 64 + d;
  }
  if (!Number.isSafeInteger(v)) throw new InputError(`number "${s}" is too large`, file, line);
  return v;
}

/** The `.index` and `.dict.dz` (or `.dict`) paths of a dictionary given by either file or their base. */
export function dictdPaths(path: string): { index: string; dict: string; name: string } {
  const base = path.replace(/\.(index|dict\.dz|dict)$/, '');
  const index = `${base}.index`;
  if (!existsSync(index)) throw new InputError(`no dictd index ${basename(index)} (a dictionary is NAME.index + NAME.dict.dz)`, index);
  const dict = [`${base}.dict.dz`, `${base}.dict`].find(existsSync);
  if (!dict) throw new InputError(`no ${basename(base)}.dict.dz or .dict beside the index`, index);
  return { index, dict, name: basename(base) };
}

/**
 * A dictionary spec as the CLI takes it: a path to NAME.index / NAME.dict.dz / NAME, or
 * `freedict:PAIR` (e.g. `freedict:swh-eng`) for `freedict/freedict-PAIR.index` in the data folder.
 */
export function resolveDictionary(spec: string, dataDir?: string): string {
  const m = /^freedict:(.+)$/.exec(spec);
  if (!m) return resolve(spec);
  return resolve(resolveDataDir(dataDir), 'freedict', `freedict-${m[1]}`);
}

/** Read a dictd dictionary into a lexicon (see the file header for what counts as a translation). */
export function readDictd(path: string): Lexicon {
  const { index, dict, name } = dictdPaths(path);
  const data = readFileBytes(dict);
  const entries = new Map<string, string[]>();
  let maxWords = 1;
  splitLines(readTextFile(index)).forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const f = raw.split('\t');
    if (f.length !== 3) throw new InputError(`expected headword<TAB>offset<TAB>length, got ${f.length} field${f.length === 1 ? '' : 's'}`, index, line);
    const [head, off, len] = f as [string, string, string];
    if (/^00-?database/.test(head)) return;
    const start = decodeDictdNumber(off, index, line);
    const end = start + decodeDictdNumber(len, index, line);
    if (end > data.length) throw new InputError(`entry "${head}" spans bytes ${start}–${end} but ${basename(dict)} has ${data.length}`, index, line);
    const bytes = data.subarray(start, end);
    if (firstInvalidUtf8Byte(bytes) >= 0) throw new InputError(`entry "${head}" in ${basename(dict)} is not valid UTF-8`, index, line);
    const key = headwordKey(head);
    if (key === '') return;
    maxWords = Math.max(maxWords, key.split(' ').length);
    const list = entries.get(key) ?? [];
    for (const t of entryTranslations(new TextDecoder().decode(bytes))) if (!list.includes(t)) list.push(t);
    if (list.length > 0) entries.set(key, list);
  });
  if (entries.size === 0) throw new InputError('no entries with translations', index);
  return { name, entries, maxWords };
}

/** The lookup key of a headword or phrase: its analysed words joined by one space. */
export function headwordKey(s: string): string {
  return wordSpans(s)
    .map((w) => normalizeTerm(w.word))
    .join(' ');
}

const SKIP_LINE = /^\s*(["“«]|(see also|see|synonyms?|antonyms?|notes?|examples?)\s*:)/i;

/** The translations in one entry's text (its first line is the headword line and is skipped). */
export function entryTranslations(body: string): string[] {
  const out: string[] = [];
  for (const raw of body.split('\n').slice(1)) {
    if (raw.trim() === '' || SKIP_LINE.test(raw)) continue;
    let s = raw.trim().replace(/^\d+\.\s*/, '');
    s = s.replace(/^[^:{}]*\{[^}]*\}[^:]*:\s*/, ''); // "Plural of {kiatu}: shoe" → "shoe"
    s = s.replace(/\([^)]*\)|\[[^\]]*\]|\{[^}]*\}|<[^>]*>/g, ' ').replace(/~/g, ' ');
    for (const part of s.split(/[,;]/)) {
      const t = part.replace(/\s+/g, ' ').trim().replace(/[.!?]+$/, '');
      if (t !== '' && /[\p{L}\p{N}]/u.test(t) && !out.includes(t)) out.push(t);
    }
  }
  return out;
}

export interface TranslateOptions {
  /** translations kept per word or phrase (default 1: the first sense's first translation) */
  max?: number;
}

/**
 * Translate `text` word by word (longest matching headword first); unknown words are kept as they are.
 * The result is the words and translations joined by single spaces (punctuation is dropped).
 */
export function translateText(text: string, lex: Lexicon, opts: TranslateOptions = {}): string {
  const max = opts.max ?? 1;
  const words = wordSpans(text);
  const norm = words.map((w) => normalizeTerm(w.word));
  const out: string[] = [];
  for (let i = 0; i < words.length; ) {
    let done = false;
    for (let n = Math.min(lex.maxWords, words.length - i); n >= 1; n--) {
      const t = lex.entries.get(norm.slice(i, i + n).join(' '));
      if (t) {
        out.push(...t.slice(0, max));
        i += n;
        done = true;
        break;
      }
    }
    if (!done) out.push(words[i++]!.word);
  }
  return out.join(' ');
}

/**
 * A lexicon as word-level bitext: one pair per (headword, translation) for the first `max` translations of
 * each entry (default 1, the first sense's first translation), in dictionary order. `foreign` says which
 * side of the dictionary is the foreign language: "head" for X→eng dictionaries (the headword is foreign),
 * "translation" for eng→X ones (the translation is foreign, the headword English). Headwords are the
 * analysed lookup keys (lower case, see `headwordKey`); ids are `NAME:k` in entry order.
 */
export function lexiconBitext(lex: Lexicon, foreign: 'head' | 'translation', max = 1): Bitext {
  if (!Number.isInteger(max) || max < 1) throw new ArgumentError(`lexiconBitext: max must be a positive integer, got ${max}`);
  const src: string[] = [];
  const eng: string[] = [];
  for (const [head, translations] of lex.entries) {
    for (const t of translations.slice(0, max)) {
      src.push(foreign === 'head' ? head : t);
      eng.push(foreign === 'head' ? t : head);
    }
  }
  const ids = src.map((_, k) => `${lex.name}:${k}`);
  return { src, eng, ids, source: `freedict:${lex.name}`, stats: { ...emptyStats(), pairs: src.length } };
}
