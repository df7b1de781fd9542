/**
 * Readers for document collections and query files, strict and line-numbered.
 *
 * Collections (`format`):
 *   jsonl   one JSON object per line: "id" (string or number), "text" (string), optional "lang" (string);
 *           every other field is kept as the document's metadata
 *   beir    BEIR `corpus.jsonl`: "_id", "text", optional "title"; the encoded text is "title text"
 *           (sentence-transformers' BEIR convention), the stored text is "text", the title goes to metadata
 *   tsv     `id<TAB>text` (the text is everything after the first tab; no header line)
 *   auto    (default) sniffed from the first non-blank line: `{` → JSON lines, `beir` when that record has
 *           "_id", `jsonl` otherwise; anything else → `tsv`
 *
 * Query files: TSV `qid<TAB>text`, or JSON lines with "id" (or BEIR's "_id") and "text"; sniffed the same way.
 *
 * Blank lines are skipped. Everything else that does not fit — invalid JSON, a missing or mistyped field,
 * empty text, an id seen before — is an `InputError` naming the file and the 1-based line. Files may be
 * gzipped (`.gz`) and must be UTF-8 (src/util/fs.ts).
 */
import { InputError } from '../errors.ts';
import { readTextFile, splitLines } from '../util/fs.ts';
import type { StoredDoc } from './store.ts';

export const COLLECTION_FORMATS = ['jsonl', 'beir', 'tsv'] as const;
export type CollectionFormat = (typeof COLLECTION_FORMATS)[number];

/** A parsed document: what the store keeps, plus the text to encode and where it came from. */
export interface Doc extends StoredDoc {
  text: string;
  /** the text given to the encoder (BEIR: "title text"; otherwise `text`) */
  input: string;
  /** 1-based line in the source file */
  line: number;
}

export interface Collection {
  file: string;
  format: CollectionFormat;
  docs: Doc[];
}

export interface Query {
  id: string;
  text: string;
  line: number;
}

export interface CollectionOptions {
  /** language for documents without a "lang" field */
  lang?: string;
}

/** Validate a `--format` value (`auto` or one of COLLECTION_FORMATS). */
export function parseFormat(s: string): CollectionFormat | 'auto' {
  if (s === 'auto' || (COLLECTION_FORMATS as readonly string[]).includes(s)) return s as CollectionFormat | 'auto';
  throw new InputError(`unknown collection format "${s}" (valid: auto, ${COLLECTION_FORMATS.join(', ')})`);
}

/** Sniff the format from the first non-blank line (see the file header). */
export function detectFormat(lines: readonly string[], file: string): CollectionFormat {
  const i = lines.findIndex((l) => l.trim() !== '');
  if (i < 0) return 'tsv';
  const first = lines[i]!.trim();
  if (!first.startsWith('{')) return 'tsv';
  const rec = parseObject(first, file, i + 1);
  return '_id' in rec && !('id' in rec) ? 'beir' : 'jsonl';
}

/** Parse a collection's text. `file` names the source in error messages. */
export function parseCollection(text: string, file: string, format: CollectionFormat | 'auto' = 'auto', opts: CollectionOptions = {}): Collection {
  const lines = splitLines(text);
  const f = parseFormat(format);
  const fmt = f === 'auto' ? detectFormat(lines, file) : f;
  const docs: Doc[] = [];
  const firstLine = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    const doc = fmt === 'tsv' ? tsvDoc(raw, file, line) : jsonDoc(raw, file, line, fmt);
    doc.lang ??= opts.lang;
    if (doc.lang === undefined) delete doc.lang;
    const seen = firstLine.get(doc.id);
    if (seen !== undefined) throw new InputError(`duplicate id "${doc.id}" (first on line ${seen})`, file, line);
    firstLine.set(doc.id, line);
    docs.push(doc);
  });
  if (docs.length === 0) throw new InputError('no documents', file);
  return { file, format: fmt, docs };
}

/** Read and parse a collection file (`.gz` allowed). */
export function readCollection(path: string, format: CollectionFormat | 'auto' = 'auto', opts: CollectionOptions = {}): Collection {
  return parseCollection(readTextFile(path), path, format, opts);
}

/** Parse a query file's text (TSV `qid<TAB>text` or JSON lines with id/_id and text). */
export function parseQueries(text: string, file: string): Query[] {
  const lines = splitLines(text);
  const json = detectFormat(lines, file) !== 'tsv';
  const out: Query[] = [];
  const firstLine = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    let q: Query;
    if (json) {
      const rec = parseObject(raw, file, line);
      const key = 'id' in rec ? 'id' : '_id';
      q = { id: idField(rec, key, file, line), text: textField(rec, 'text', file, line), line };
    } else {
      const { id, text } = splitTsv(raw, file, line, 'qid<TAB>text');
      q = { id, text, line };
    }
    const seen = firstLine.get(q.id);
    if (seen !== undefined) throw new InputError(`duplicate query id "${q.id}" (first on line ${seen})`, file, line);
    firstLine.set(q.id, line);
    out.push(q);
  });
  if (out.length === 0) throw new InputError('no queries', file);
  return out;
}

/** Read and parse a query file (`.gz` allowed). */
export function readQueries(path: string): Query[] {
  return parseQueries(readTextFile(path), path);
}

// ---------------------------------------------------------------------------------------------

function parseObject(raw: string, file: string, line: number): Record<string, unknown> {
  let rec: unknown;
  try {
    rec = JSON.parse(raw);
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file, line);
  }
  if (typeof rec !== 'object' || rec === null || Array.isArray(rec)) throw new InputError('expected a JSON object', file, line);
  return rec as Record<string, unknown>;
}

function idField(rec: Record<string, unknown>, key: string, file: string, line: number): string {
  const v = rec[key];
  if (v === undefined) {
    const hint = key === 'id' && '_id' in rec ? ' (the record has "_id": use --format beir)' : '';
    throw new InputError(`missing field "${key}"${hint}`, file, line);
  }
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string') throw new InputError(`field "${key}" must be a string or a number, got ${JSON.stringify(v)}`, file, line);
  if (v.trim() === '') throw new InputError(`field "${key}" is empty`, file, line);
  return v;
}

function textField(rec: Record<string, unknown>, key: string, file: string, line: number, allowEmpty = false): string {
  const v = rec[key];
  if (v === undefined) throw new InputError(`missing field "${key}"`, file, line);
  if (typeof v !== 'string') throw new InputError(`field "${key}" must be a string, got ${JSON.stringify(v)}`, file, line);
  if (!allowEmpty && v.trim() === '') throw new InputError(`field "${key}" is empty`, file, line);
  return v;
}

function jsonDoc(raw: string, file: string, line: number, fmt: 'jsonl' | 'beir'): Doc {
  const rec = parseObject(raw, file, line);
  const idKey = fmt === 'beir' ? '_id' : 'id';
  const id = idField(rec, idKey, file, line);
  let text: string;
  let input: string;
  const meta: Record<string, unknown> = {};
  if (fmt === 'beir') {
    text = textField(rec, 'text', file, line, true);
    const title = rec.title;
    if (title !== undefined && typeof title !== 'string') throw new InputError(`field "title" must be a string, got ${JSON.stringify(title)}`, file, line);
    input = `${title ?? ''} ${text}`.trim();
    if (input === '') throw new InputError('fields "title" and "text" are both empty', file, line);
  } else {
    text = textField(rec, 'text', file, line);
    input = text;
  }
  let lang: string | undefined;
  if (rec.lang !== undefined) {
    if (typeof rec.lang !== 'string' || rec.lang.trim() === '') throw new InputError(`field "lang" must be a non-empty string, got ${JSON.stringify(rec.lang)}`, file, line);
    lang = rec.lang;
  }
  for (const [k, v] of Object.entries(rec)) {
    if (k === idKey || k === 'text' || k === 'lang') continue;
    // BEIR corpora carry an empty "metadata" object on every line
    if (fmt === 'beir' && k === 'metadata' && isEmptyObject(v)) continue;
    if (fmt === 'beir' && k === 'title' && v === '') continue;
    meta[k] = v;
  }
  const doc: Doc = { id, text, input, line };
  if (lang !== undefined) doc.lang = lang;
  if (Object.keys(meta).length > 0) doc.meta = meta;
  return doc;
}

function isEmptyObject(v: unknown): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 0;
}

function splitTsv(raw: string, file: string, line: number, layout: string): { id: string; text: string } {
  const tab = raw.indexOf('\t');
  if (tab < 0) throw new InputError(`expected ${layout} (no tab found)`, file, line);
  const id = raw.slice(0, tab).trim();
  const text = raw.slice(tab + 1);
  if (id === '') throw new InputError('empty id', file, line);
  if (text.trim() === '') throw new InputError('empty text', file, line);
  return { id, text };
}

function tsvDoc(raw: string, file: string, line: number): Doc {
  const { id, text } = splitTsv(raw, file, line, 'id<TAB>text');
  return { id, text, input: text, line };
}
