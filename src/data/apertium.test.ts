/**
 * The Apertium adapter against a fake `apertium` put on PATH by the test (`test/fake-apertium.ts`; the real
 * one is not needed). The fake "translates" by upper-casing and can be made to misbehave.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { apertiumInput, checkApertium, sentinel, splitApertiumOutput, translateApertium } from './apertium.ts';
import { InputError } from '../errors.ts';
import { installFakeApertium, type FakeApertium } from '../../test/fake-apertium.ts';

const SENTENCES = ['Kaixo mundua', '  Etxea   handia\tda ', '', 'Gizona etorri da. Bai.'];
const UPPER = ['KAIXO MUNDUA', 'ETXEA HANDIA DA', '', 'GIZONA ETORRI DA. BAI.'];

let fake: FakeApertium;
beforeEach(() => void (fake = installFakeApertium()));
afterEach(() => fake.restore());

describe('Apertium adapter (fake apertium on PATH)', () => {
  it('markers count in base 26 with letters', () => {
    expect([0, 1, 25, 26, 27, 700].map(sentinel)).toEqual(['OPTICALSEPA', 'OPTICALSEPB', 'OPTICALSEPZ', 'OPTICALSEPBA', 'OPTICALSEPBB', 'OPTICALSEPBAY']);
    expect(apertiumInput(['a b', 'c'])).toBe('a b\n\nOPTICALSEPA\n\nc\n\nOPTICALSEPB\n\n');
  });

  it('translates a batch in one process, keeps sentences aligned when the output changes shape, and caches', () => {
    const cacheDir = join(fake.dir, 'cache');
    expect(translateApertium(SENTENCES, { pair: 'eu-en', cacheDir })).toEqual(UPPER);
    expect(fake.calls()).toHaveLength(1);
    expect(fake.calls()[0]).toMatch(/^-u eu-en \S+input\.txt$/);
    // a sentence spread over several output lines is still one translation, in its place
    fake.mode('split');
    expect(translateApertium(SENTENCES, { pair: 'eu-en' })).toEqual(UPPER);
    expect(fake.calls()).toHaveLength(2);
    // cached by the input: the same sentences are not translated again, other sentences are
    expect(translateApertium(SENTENCES, { pair: 'eu-en', cacheDir })).toEqual(UPPER);
    expect(fake.calls()).toHaveLength(2);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    expect(translateApertium(['bai'], { pair: 'eu-en', cacheDir })).toEqual(['BAI']);
    expect(fake.calls()).toHaveLength(3);
    expect(readdirSync(cacheDir)).toHaveLength(2);
  });

  it('a lost, extra or swapped marker is an error, never a shifted alignment', () => {
    fake.mode('drop');
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/lost the sentence alignment \(marker of sentence 2 where sentence 1's was expected\)/);
    fake.mode('swap');
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/marker of sentence 1 where sentence 0's was expected/);
    expect(() => splitApertiumOutput('A\nOPTICALSEPA\n', 2, 'eu-en')).toThrow(/1 of 2 sentence markers came back/);
    expect(() => splitApertiumOutput('A\nOPTICALSEPA\nB\n', 1, 'eu-en')).toThrow(/text after the last marker: "B"/);
    fake.mode('crash');
    expect(() => translateApertium(SENTENCES, { pair: 'eu-en' })).toThrow(/apertium eu-en failed \(exit 139\): lt-proc: segmentation fault/);
  });

  it('a missing pair or a missing executable is an InputError saying what to install', () => {
    expect(() => checkApertium('eu-en')).not.toThrow();
    expect(() => checkApertium('kab-en')).toThrow(/Apertium has no "kab-en" pair \(installed: eu-en, toy-en; Debian: apt-get install apertium-kab-en\)/);
    expect(() => translateApertium(['x'], { pair: 'kab-en' })).toThrow(InputError);
    expect(() => translateApertium(['x'], { pair: 'kab-en' })).toThrow(/Mode kab-en does not exist/);
    fake.hide();
    expect(() => checkApertium('eu-en')).toThrow(/the Apertium executable "apertium" is not on PATH \(Debian: apt-get install apertium apertium-eu-en\)/);
    expect(() => translateApertium(['x'], { pair: 'eu-en' })).toThrow(InputError);
  });
});
