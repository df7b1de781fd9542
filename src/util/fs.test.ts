import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError } from '../errors.ts';
import { atomicWriteFile, firstInvalidUtf8Byte, readLines, readTextFile, splitLines } from './fs.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'optical-fs-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function thrown(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError');
}

describe('atomicWriteFile', () => {
  it('creates parent folders, writes, overwrites and leaves no temp file', () => {
    const p = join(dir, 'a', 'b', 'out.txt');
    atomicWriteFile(p, 'first');
    atomicWriteFile(p, new TextEncoder().encode('second'));
    expect(readFileSync(p, 'utf8')).toBe('second');
    expect(readdirSync(join(dir, 'a', 'b'))).toEqual(['out.txt']);
  });
  it('cleans up the temp file when the rename fails', () => {
    const target = join(dir, 'isdir');
    atomicWriteFile(join(target, 'x'), 'x'); // makes `target` a non-empty directory
    expect(() => atomicWriteFile(target, 'y')).toThrow();
    expect(readdirSync(dir).filter((f) => f.includes('.tmp-'))).toEqual([]);
  });
});

describe('readTextFile / readLines', () => {
  it('splits \\n and \\r\\n; a trailing newline adds no line', () => {
    expect(splitLines('')).toEqual([]);
    expect(splitLines('\n')).toEqual(['']);
    expect(splitLines('a\nb\n')).toEqual(['a', 'b']);
    expect(splitLines('a\r\nb')).toEqual(['a', 'b']);
    expect(splitLines('a\r\n\r\nb\r\n')).toEqual(['a', '', 'b']);
  });
  it('strips a BOM and gunzips .gz transparently', () => {
    const p = join(dir, 'bom.txt');
    writeFileSync(p, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('héllo\r\nwörld\r\n')]));
    expect(readLines(p)).toEqual(['héllo', 'wörld']);
    const gz = join(dir, 'x.txt.gz');
    writeFileSync(gz, gzipSync(Buffer.from('\uFEFFα\nβ\n')));
    expect(readTextFile(gz)).toBe('α\nβ\n');
    expect(readLines(gz)).toEqual(['α', 'β']);
  });
  it('reports the file and line of the first bad UTF-8 byte, also inside .gz', () => {
    const bad = Buffer.concat([Buffer.from('ok\nstill ok é\n'), Buffer.from([0x61, 0xff, 0x62]), Buffer.from('\nlast\n')]);
    const p = join(dir, 'bad.txt');
    writeFileSync(p, bad);
    const e = thrown(() => readLines(p));
    expect(e.file).toBe(p);
    expect(e.line).toBe(3);
    expect(e.message).toContain(`${p}:3: not valid UTF-8: bad byte 0xff`);
    const gz = join(dir, 'bad.txt.gz');
    writeFileSync(gz, gzipSync(bad));
    expect(thrown(() => readTextFile(gz)).line).toBe(3);
  });
  it('truncated multi-byte sequence at end of file is on the last line', () => {
    const p = join(dir, 'trunc.txt');
    writeFileSync(p, Buffer.concat([Buffer.from('a\nb\n'), Buffer.from([0xe2, 0x82])]));
    expect(thrown(() => readTextFile(p)).line).toBe(3);
  });
  it('missing file, and .gz name with non-gzip content, are InputErrors naming the file', () => {
    expect(thrown(() => readTextFile(join(dir, 'nope.txt'))).message).toContain('nope.txt: no such file');
    const p = join(dir, 'fake.gz');
    writeFileSync(p, 'plain');
    expect(thrown(() => readTextFile(p)).message).toContain('not gzip');
  });
  it('firstInvalidUtf8Byte agrees with the fatal TextDecoder on random bytes', () => {
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 8) & 0xff;
    const dec = new TextDecoder('utf-8', { fatal: true });
    // bias toward bytes that form (and almost form) multi-byte sequences
    const pool = [0x41, 0x0a, 0x80, 0x9f, 0xa0, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    for (let t = 0; t < 3000; t++) {
      const len = 1 + (rnd() % 8);
      const b = new Uint8Array(len);
      for (let i = 0; i < len; i++) b[i] = rnd() < 128 ? pool[rnd() % pool.length]! : rnd();
      let valid = true;
      try {
        dec.decode(b);
      } catch {
        valid = false;
      }
      expect(firstInvalidUtf8Byte(b) === -1, `bytes ${Array.from(b)}`).toBe(valid);
    }
  });
});
