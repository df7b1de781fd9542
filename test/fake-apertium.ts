/**
 * A fake `apertium` executable for tests (a node script put first on PATH), so no test needs the real one.
 *   apertium -l              lists the pairs eu-en, toy-en
 *   apertium -V              prints "Apertium 0.0-fake"
 *   apertium -u PAIR FILE    "translates" FILE to stdout: each word through the JSON map in
 *                            $FAKE_APERTIUM_MAP when set, else upper-cased; marker lines (OPTICALSEP…) pass
 * $FAKE_APERTIUM_MODE makes it misbehave: `split` (one output line per word), `drop` (loses the marker of
 * sentence 1), `swap` (swaps the markers of sentences 0 and 1), `crash` (exit 139). Every call is logged.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const SCRIPT = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_APERTIUM_LOG, args.join(' ') + '\\n');
if (args[0] === '-V') { process.stdout.write('Apertium 0.0-fake\\n'); process.exit(0); }
if (args[0] === '-l') { process.stdout.write('  eu-en\\n  toy-en\\n'); process.exit(0); }
const [flag, pair, file] = args;
if (flag !== '-u' || !file) { process.stderr.write('USAGE: apertium ...\\n'); process.exit(1); }
if (pair !== 'eu-en' && pair !== 'toy-en') { process.stderr.write('Error: Mode ' + pair + ' does not exist.\\n'); process.exit(1); }
const mode = process.env.FAKE_APERTIUM_MODE || '';
if (mode === 'crash') { process.stderr.write('lt-proc: segmentation fault\\n'); process.exit(139); }
const map = process.env.FAKE_APERTIUM_MAP ? JSON.parse(fs.readFileSync(process.env.FAKE_APERTIUM_MAP, 'utf8')) : undefined;
const translate = (l) => (map ? l.split(' ').map((w) => map[w] ?? w).join(' ') : l.toUpperCase());
let lines = fs.readFileSync(file, 'utf8').split('\\n');
const isMarker = (l) => /^OPTICALSEP[A-Z]+$/.test(l);
if (mode === 'split') lines = lines.flatMap((l) => (isMarker(l) ? [l] : l.split(' ')));
if (mode === 'drop') lines = lines.filter((l) => l !== 'OPTICALSEPB');
if (mode === 'swap') lines = lines.map((l) => (l === 'OPTICALSEPA' ? 'OPTICALSEPB' : l === 'OPTICALSEPB' ? 'OPTICALSEPA' : l));
process.stdout.write(lines.map((l) => (isMarker(l) ? l : translate(l))).join('\\n'));
`;

export interface FakeApertium {
  /** the folder holding the executable (first on PATH while installed) */
  dir: string;
  /** the argument lists of every call so far */
  calls(): string[];
  /** set (or clear) the misbehaviour */
  mode(m?: 'split' | 'drop' | 'swap' | 'crash'): void;
  /** translate word by word with this map instead of upper-casing */
  wordMap(map: Record<string, string>): void;
  /** PATH without the fake (and without any real apertium unless it is elsewhere on PATH) */
  hide(): void;
  /** put PATH and the environment back */
  restore(): void;
}

export function installFakeApertium(): FakeApertium {
  const dir = mkdtempSync(join(tmpdir(), 'optical-fake-apertium-'));
  writeFileSync(join(dir, 'apertium'), SCRIPT);
  chmodSync(join(dir, 'apertium'), 0o755);
  mkdirSync(join(dir, 'empty'));
  const saved = { PATH: process.env['PATH'] };
  const log = join(dir, 'log');
  process.env['PATH'] = `${dir}${delimiter}${saved.PATH}`;
  process.env['FAKE_APERTIUM_LOG'] = log;
  delete process.env['FAKE_APERTIUM_MODE'];
  delete process.env['FAKE_APERTIUM_MAP'];
  return {
    dir,
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
    mode: (m) => (m ? (process.env['FAKE_APERTIUM_MODE'] = m) : delete process.env['FAKE_APERTIUM_MODE']),
    wordMap: (map) => {
      writeFileSync(join(dir, 'map.json'), JSON.stringify(map));
      process.env['FAKE_APERTIUM_MAP'] = join(dir, 'map.json');
    },
    hide: () => void (process.env['PATH'] = join(dir, 'empty')),
    restore: () => {
      process.env['PATH'] = saved.PATH;
      for (const k of ['FAKE_APERTIUM_LOG', 'FAKE_APERTIUM_MODE', 'FAKE_APERTIUM_MAP']) delete process.env[k];
    },
  };
}
