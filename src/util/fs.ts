/**
 * File helpers shared by the data loaders, the model (de)serialisers and the CLI.
 *
 * - `atomicWriteFile` never leaves a half-written file at `path`: it writes a sibling temp file
 *   and renames it into place (rename is atomic within one file system).
 * - `readTextFile` / `readLines` read UTF-8 text strictly: a byte sequence that is not valid
 *   UTF-8 is an `InputError` naming the file and the 1-based line of the first bad byte, instead
 *   of silently becoming U+FFFD. `.gz` files (or any file starting with the gzip magic bytes) are
 *   gunzipped transparently. A leading byte-order mark is removed.
 *
 * All functions are synchronous: the corpora and model files this project reads are small enough
 * (tens of MB) that streaming buys nothing, and synchronous loaders compose simply.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { InputError } from '../errors.ts';

/**
 * Write `data` to `path` atomically: create the parent directory (`mkdir -p`), write
 * `path.tmp-<pid>-<random>`, then rename it over `path`. On failure the temp file is removed and
 * the error re-thrown; an existing file at `path` is left untouched.
 */
export function atomicWriteFile(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
}

/** Read a file's bytes, gunzipping when the name ends in `.gz` or the bytes start with the gzip magic. */
export function readFileBytes(path: string): Uint8Array {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT') throw new InputError('no such file', path);
    if (e.code === 'EISDIR') throw new InputError('is a directory, expected a file', path);
    throw new InputError(`cannot read file (${e.code ?? e.message})`, path);
  }
  const isGzipMagic = raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b;
  if (path.endsWith('.gz') || isGzipMagic) {
    if (!isGzipMagic) throw new InputError('name ends in .gz but the file is not gzip data', path);
    try {
      return gunzipSync(raw);
    } catch (err) {
      throw new InputError(`corrupt gzip data (${(err as Error).message})`, path);
    }
  }
  return raw;
}

/**
 * Byte offset of the first byte that makes `bytes` invalid UTF-8 (the same rules as
 * `TextDecoder('utf-8', {fatal: true})`: no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequences), or -1 if the bytes are valid.
 */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b0 = bytes[i]!;
    if (b0 < 0x80) {
      i++;
      continue;
    }
    let len: number;
    let lo = 0x80;
    let hi = 0xbf; // allowed range of the second byte
    if (b0 >= 0xc2 && b0 <= 0xdf) len = 2;
    else if (b0 >= 0xe0 && b0 <= 0xef) {
      len = 3;
      if (b0 === 0xe0) lo = 0xa0; // overlong
      if (b0 === 0xed) hi = 0x9f; // surrogates
    } else if (b0 >= 0xf0 && b0 <= 0xf4) {
      len = 4;
      if (b0 === 0xf0) lo = 0x90; // overlong
      if (b0 === 0xf4) hi = 0x8f; // > U+10FFFF
    } else return i;
    for (let k = 1; k < len; k++) {
      if (i + k >= n) return i; // truncated sequence at end of input
      const b = bytes[i + k]!;
      if (k === 1 ? b < lo || b > hi : b < 0x80 || b > 0xbf) return i;
    }
    i += len;
  }
  return -1;
}

/**
 * Decode bytes as strict UTF-8 (BOM removed). `file` is used only for the error message:
 * on a bad byte, throws `InputError` with the 1-based line number of the first bad byte.
 */
export function decodeUtf8(bytes: Uint8Array, file: string): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8Byte(bytes);
    if (at < 0) throw new InputError('not valid UTF-8', file);
    let line = 1;
    for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) line++;
    const hex = bytes[at]!.toString(16).padStart(2, '0');
    throw new InputError(`not valid UTF-8: bad byte 0x${hex} at byte offset ${at}`, file, line);
  }
  // TextDecoder already drops a leading BOM unless ignoreBOM is set; be explicit anyway.
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Read a whole text file (gunzipped if `.gz`), strictly as UTF-8, without a leading BOM. */
export function readTextFile(path: string): string {
  return decodeUtf8(readFileBytes(path), path);
}

/**
 * Split text into lines on `\n` or `\r\n`. A final newline does not create an extra empty line,
 * so `"a\nb\n"` and `"a\nb"` both give `["a", "b"]`, and `""` gives `[]`.
 */
export function splitLines(text: string): string[] {
  if (text.length === 0) return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.endsWith('\r')) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** `splitLines(readTextFile(path))`: line `i` of the result is line `i + 1` of the file. */
export function readLines(path: string): string[] {
  return splitLines(readTextFile(path));
}
