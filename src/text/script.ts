/**
 * Unicode script classes for SentencePiece's piece-validity rule (`split_by_unicode_script`): a
 * multi-character piece may not mix scripts, so `"mungu,"` (Latin + Common) is never a piece while
 * `"▁mungu"` and `",\""` can be. Hiragana and Katakana count as Han; combining marks (script
 * Inherited) take the script of the preceding character.
 */

/** Class of a character that joins any script (`▁`, or a combining mark at the start of a piece). */
export const ANY_SCRIPT = -1;
/** Class of script-Inherited characters (combining marks). */
export const INHERITED_SCRIPT = -2;
/** Class of characters that never appear inside a multi-character piece (whitespace, controls). */
export const ISOLATED_SCRIPT = -3;

const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Hebrew', 'Arabic', 'Syriac', 'Thaana', 'Nko', 'Samaritan',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam',
  'Sinhala', 'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Georgian', 'Hangul', 'Ethiopic', 'Cherokee',
  'Canadian_Aboriginal', 'Ogham', 'Runic', 'Khmer', 'Mongolian', 'Han', 'Bopomofo', 'Yi', 'Tifinagh',
  'Coptic', 'Ol_Chiki', 'Vai', 'Bamum', 'Adlam', 'Javanese', 'Balinese', 'Sundanese', 'Buginese',
  'Tagalog', 'Common',
] as const;

const SCRIPT_RES = SCRIPTS.map((s) => new RegExp(`^\\p{Script=${s}}$`, 'u'));
const HAN = SCRIPTS.indexOf('Han');
const KANA = /^[\p{Script=Hiragana}\p{Script=Katakana}\u30fc]$/u;
const INHERITED = /^\p{Script=Inherited}$/u;
const ISOLATED = /^[\p{White_Space}\p{Cc}]$/u;
const OTHER = SCRIPTS.length;

const cache = new Map<number, number>();

/** The script class of code point `cp` (a small integer, or one of the negative constants above). */
export function scriptClass(cp: number): number {
  let c = cache.get(cp);
  if (c !== undefined) return c;
  const ch = String.fromCodePoint(cp);
  if (cp === 0x2581) c = ANY_SCRIPT;
  else if (ISOLATED.test(ch)) c = ISOLATED_SCRIPT;
  else if (INHERITED.test(ch)) c = INHERITED_SCRIPT;
  else if (KANA.test(ch)) c = HAN;
  else {
    c = SCRIPT_RES.findIndex((re) => re.test(ch));
    if (c < 0) c = OTHER;
  }
  cache.set(cp, c);
  return c;
}
