/**
 * The Apertium adapter against a fake `apertium` put on PATH by the test (a node script; the real one is
 * not needed). The fake "translates" by upper-casing, and its environment makes it misbehave: split a
 * sentence over several lines, drop or swap a marker, fail, or lack the pair.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { apertiumInput, checkApertium, sentinel, splitApertiumOutput, translateApertium } from './apertium.ts';
import { InputError } from '../errors.ts';

const FAKE = `#!/usr/bin/env node
const fs = require('fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_APERTIUM_LOG, args.join(' ') + '\\n');
if (args[0] === '-l') { process.stdout.write('  eu-en\\n  en-es\\n'); process.exit(0); }
const [flag, pair, file] = args;
if (flag !== '-u' || !file) { process.stderr.write('USAGE: apertium ...\\n'); process.exit(1); }
if (pair !== 'eu-en') { process.stderr.write('Error: Mode ' + pair + ' does not exist.\\n'); process.exit(1); }
const mode = process.env.FAKE_APERTIUM_MODE || 'upper';
if (mode === 'crash') { process.stderr.write('lt-proc: segmentation fault\\n'); process.exit(139); }
let lines = fs.readFileSync(file, 'utf8').split('\\n');
const isMarker = (l) => /^OPTICALSEP[A-Z]+$/.test(l);
if (mode === 'split') lines = lines.flatMap((l) => (isMarker(l) ? [l] : l.split(' ')));
if (mode === 'drop') lines = lines.filter((l) => l !== 'OPTICALSEPB');
if (mode === 'swap') lines = lines.map((l) => (l === 'OPTICALSEPA' ? 'OPTICALSEPB' : l === 'OPTICALSEPB' ? 'OPTICALSEPA' : l));
process.stdout.write(lines.map((l) => (isMarker(l) ? l : l.toUpperCase())).join('\\n'));
`;

const SENTENCES = ['Kaixo mundua', '  Etxea   handia\tda ', '', 'Gizona etorri da. Bai.'];
const UPPER = ['KAIXO MUNDUA', 'ETXEA HANDIA DA', '', 'GIZONA ETORRI DA. BAI.'];

let dir: string;
let path: string | undefined;
const calls = () => (existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').trim().split('\n') : []);

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'optical-fake-apertium-'));
  mkdirSync(join(dir, 'x'));
  writeFileSync(join(dir, 'apertium'), FAKE);
  chmodSync(join(dir, 'apertium'), 0o755);
  path = process.env['PATH'];
  process.env['PATH'] = `${dir}${delimiter}${path}`;
  process.env['FAKE_APERTIUM_LOG'] = join(dir, 'log');
  delete process.env['FAKE_APERTIUM_MODE'];
});
afterEach(() => {
  process.env['PATH'] = path;
  delete process.env['FAKE_APERTIUM_MODE'];
});

describe('Apertium adapter (fake apertium on PATH)', () => {
  it('markers count in base 26 with letters', () => {
    expect([0, 1, 25, 26, 27, 700].map(sentinel)).toEqual(['OPTICALSEPA', 'OPTICALSEPB', 'OPTICALSEPZ', 'OPTICALSEPBA', 'OPTICALSEPBB', 'OPTICALSEPBAY']);
    expect(apertiumInput(['a b', 'c'])).toBe('a b\n\nOPTICALSEPA\n\nc\n\nOPTICALSEPB\n\n');
  });

  it('translates a batch in one process, keeps sentences aligned when the output changes shape, and caches', () => {
    const cacheDir = join(dir, 'cache');
    expect(translateApertium(SENTENCES, { pair: 'eu-en', cacheDir })).toEqual(UPPER);
    expect(calls()).toHaveLength(1);
    expect(calls()[0]).toMatch(/^-u eu-en \S+input\.txt$/);
    // a sentence spread over several output lines is still one translation, in its place
    process.env['FAKE_APERTIUM_MODE'] = 'split';
    expect(translateApertium(SENTENCES, { pair: 'eu-en' })).toEqual(UPPER);
    expect(calls()).toHaveLength(2);
    // cached by the input: the same sentences are not translated again, other sentences are
    expect(translateApertium(SENTENCES, { pair: 'eu-en', cacheDir })).toEqual(UPPER);
    expect(calls()).toHaveLength(2);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(translateApertium(['bai'], { pair: 'eu-en', cacheDir })).toEqual(['BAI']);
    expect(calls()).toHaveLength(3);
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('a lost, extra or swapped marker is an error, never a shifted alignment', () => {
    process.env['FAKE_APERTIUM_MODE'] = 'drop';
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/lost the sentence alignment \(marker of sentence 2 where sentence 1's was expected\)/);
    process.env['FAKE_APERTIUM_MODE'] = 'swap';
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/marker of sentence 1 where sentence 0's was expected/);
    expect(() => splitApertiumOutput('A\nOPTICALSEPA\n', 2, 'eu-en')).toThrow(/1 of 2 sentence markers came back/);
    expect(() => splitApertiumOutput('A\nOPTICALSEPA\nB\n', 1, 'eu-en')).toThrow(/text after the last marker: "B"/);
    process.env['FAKE_APERTIUM_MODE'] = 'crash';
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/apertium eu-en failed \(exit 139\): lt-proc: segmentation fault/);
  });

  it('a missing pair or a missing executable is an InputError saying what to install', () => {
    expect(() => checkApertium('eu-en')).not.toThrow();
    expect(() => checkApertium('kab-en')).toThrow(/Apertium has no "kab-en" pair \(installed: eu-en, en-es; Debian: apt-get install apertium-kab-en\)/);
    expect(() => translateApertium(['x'], { pair: 'kab-en' })).toThrow(InputError);
    expect(() => translateApertium(['x'], { pair: 'kab-en' })).toThrow(/Mode kab-en does not exist/);
    process.env['PATH'] = join(dir, 'x'); // a folder without apertium
    expect(() => checkApertium('eu-en')).toThrow(/the Apertium executable "apertium" is not on PATH \(Debian: apt-get install apertium apertium-eu-en\)/);
    expect(() => translateApertium(['x'], { pair: 'eu-en' })).toThrow(InputError);
  });
});
