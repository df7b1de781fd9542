/**
 * Machine translation with Apertium (rule-based MT; Debian packages `apertium` and a language pair such as
 * `apertium-eu-en`), run as the external command `apertium -u PAIR FILE` (`-u`: no `*` marks on unknown words;
 * FILE, a temporary file, holds the batch; the translation is read from stdout).
 * The experiment runner's "translate, then the teacher" baseline.
 *
 * One process translates a whole batch. Sentences stay aligned by a sentinel scheme: each sentence (its
 * whitespace collapsed to single spaces) is followed by a blank line, a marker line `OPTICALSEP<k>` (k, the
 * sentence's index, in letters: 0 → A, 26 → BA) and another blank line. Apertium's text deformatter ends a
 * sentence at a blank line, so no sentence's translation is influenced by its neighbour's words (transfer
 * rules reorder words within a sentence: without the blank lines, a plain line break lets words move across
 * lines), and the marker, an unknown word, passes through unchanged. The output is split at the markers,
 * which must come back in order, each once; anything else is an error, never a silent shift.
 *
 * Translations are cached on disk (`cacheDir/apertium-PAIR-HASH.json`, HASH = sha256 of the pair and the
 * sentences), so a rerun of an experiment does not translate again.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, OpticalError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';

export interface ApertiumOptions {
  /** the translation direction (an Apertium mode), e.g. `eu-en` */
  pair: string;
  /** the executable (default `apertium`, looked up on PATH) */
  command?: string;
  /** a folder for cached translations (default: no cache) */
  cacheDir?: string;
}

const MARKER = 'OPTICALSEP';
const MARKER_LINE = /^[*#@]?OPTICALSEP([A-Z]+)$/;

/** The marker of sentence k: k in base 26 with digits A–Z. */
export function sentinel(k: number): string {
  return MARKER + [...k.toString(26)].map((c) => String.fromCharCode(65 + parseInt(c, 26))).join('');
}

function sentinelIndex(letters: string): number {
  return parseInt([...letters].map((c) => (c.charCodeAt(0) - 65).toString(26)).join(''), 26);
}

const missingExecutable = (command: string, pair: string) =>
  new InputError(`the Apertium executable "${command}" is not on PATH (Debian: apt-get install apertium apertium-${pair})`);

/** The translation directions Apertium has (`apertium -l`); `InputError` when it is not installed. */
export function apertiumPairs(command = 'apertium'): string[] {
  const r = spawnSync(command, ['-l'], { encoding: 'utf8' });
  if (r.error) throw (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? missingExecutable(command, 'LANG1-LANG2') : r.error;
  if (r.status !== 0) throw new OpticalError(`${command} -l failed (exit ${r.status}): ${firstLine(r.stderr || r.stdout)}`);
  return r.stdout.split('\n').map((s) => s.trim()).filter((s) => s !== '');
}

/** The installed Apertium's version line (`apertium -V`, e.g. "Apertium 3.8.3"), recorded with results. */
export function apertiumVersion(command = 'apertium'): string {
  const r = spawnSync(command, ['-V'], { encoding: 'utf8' });
  if (r.error) throw (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? missingExecutable(command, 'LANG1-LANG2') : r.error;
  return firstLine(r.stdout || r.stderr);
}

/** Check that Apertium and the pair are installed (`InputError` saying what to install). */
export function checkApertium(pair: string, command = 'apertium'): void {
  let pairs: string[];
  try {
    pairs = apertiumPairs(command);
  } catch (e) {
    throw e instanceof InputError ? missingExecutable(command, pair) : e;
  }
  if (!pairs.includes(pair)) throw new InputError(`Apertium has no "${pair}" pair (installed: ${pairs.join(', ') || 'none'}; Debian: apt-get install apertium-${pair})`);
}

/** The batch sent to Apertium (see the file header). */
export function apertiumInput(sentences: readonly string[]): string {
  return sentences.map((s, k) => `${s}\n\n${sentinel(k)}\n\n`).join('');
}

/** Split Apertium's output of `apertiumInput` back into n translations (an error if the markers are off). */
export function splitApertiumOutput(output: string, n: number, pair: string): string[] {
  const out: string[] = [];
  let text: string[] = [];
  for (const line of output.split('\n')) {
    const m = MARKER_LINE.exec(line.trim());
    if (!m) {
      text.push(line);
      continue;
    }
    const k = sentinelIndex(m[1]!);
    if (k !== out.length) throw alignmentError(pair, `marker of sentence ${k} where sentence ${out.length}'s was expected`);
    out.push(text.join(' ').replace(/\s+/g, ' ').trim());
    text = [];
  }
  if (out.length !== n) throw alignmentError(pair, `${out.length} of ${n} sentence markers came back`);
  if (text.join('').trim() !== '') throw alignmentError(pair, `text after the last marker: "${text.join(' ').trim().slice(0, 80)}"`);
  return out;
}

const alignmentError = (pair: string, what: string) => new OpticalError(`apertium ${pair}: the output lost the sentence alignment (${what})`);

/** Translate `sentences` with one Apertium process (cached when `cacheDir` is given). */
export function translateApertium(sentences: readonly string[], opts: ApertiumOptions): string[] {
  const command = opts.command ?? 'apertium';
  const clean = sentences.map((s) => s.replace(/\s+/g, ' ').trim());
  const bad = clean.findIndex((s) => s.includes(MARKER));
  if (bad >= 0) throw new InputError(`sentence ${bad} contains the reserved marker "${MARKER}"`);
  const hash = createHash('sha256').update(JSON.stringify({ system: 'apertium', pair: opts.pair, sentences: clean })).digest('hex').slice(0, 24);
  const file = opts.cacheDir && join(opts.cacheDir, `apertium-${opts.pair}-${hash}.json`);
  const cached = file ? readCache(file, clean.length) : undefined;
  if (cached) return cached;
  if (clean.length === 0) return [];
  // the batch goes in a file: apertium reads stdin through /dev/stdin, which cannot be opened when stdin is
  // the socket Node gives a child process
  const tmp = mkdtempSync(join(tmpdir(), 'optical-apertium-'));
  let r: SpawnSyncReturns<string>;
  try {
    const input = join(tmp, 'input.txt');
    writeFileSync(input, apertiumInput(clean));
    r = spawnSync(command, ['-u', opts.pair, input], { encoding: 'utf8', maxBuffer: 1 << 30 });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (r.error) throw (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? missingExecutable(command, opts.pair) : r.error;
  if (r.status !== 0) {
    const msg = firstLine(r.stderr || r.stdout);
    if (/mode .* does not exist/i.test(msg)) throw new InputError(`Apertium has no "${opts.pair}" pair (${msg}; Debian: apt-get install apertium-${opts.pair})`);
    throw new OpticalError(`apertium ${opts.pair} failed (exit ${r.status ?? r.signal}): ${msg}`);
  }
  const out = splitApertiumOutput(r.stdout, clean.length, opts.pair);
  if (file) atomicWriteFile(file, JSON.stringify({ system: 'apertium', pair: opts.pair, n: out.length, translations: out }) + '\n');
  return out;
}

function readCache(file: string, n: number): string[] | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8')) as { n?: unknown; translations?: unknown };
    const t = c.translations;
    return Array.isArray(t) && t.length === n && c.n === n && t.every((s) => typeof s === 'string') ? (t as string[]) : undefined;
  } catch {
    return undefined; // unreadable: translate again (and overwrite)
  }
}

const firstLine = (s: string) => s.trim().split('\n')[0]?.trim().slice(0, 200) || '(no output)';
