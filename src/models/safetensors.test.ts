import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArgumentError, InputError } from '../errors.ts';
import {
  bf16BitsToF32Bits,
  f16BitsToF32Bits,
  f32BitsToBf16Bits,
  f32BitsToF16Bits,
  parseSafetensors,
  readSafetensors,
  serializeSafetensors,
  writeSafetensors,
} from './safetensors.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'optical-st-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Header length (u64 LE) + header text + data bytes. */
function build(header: string, data: number[]): Uint8Array {
  const h = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + h.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(h.length), true);
  out.set(h, 8);
  out.set(data, 8 + h.length);
  return out;
}

function inputError(fn: () => unknown): InputError {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return e;
  }
  throw new Error('expected an InputError');
}

const bytesOf = (a: ArrayBufferView) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));

describe('readSafetensors: hand-built file', () => {
  // data section (22 bytes):
  //   [0, 4)   "h"  F16 [2]    1.0 = 0x3C00, -2.0 = 0xC000
  //   [4, 12)  "a"  F32 [2,1]  1.5 = 0x3FC00000, -0.25 = 0xBE800000
  //   [12, 20) "c"  I64 []     -3 = 0xFFFFFFFFFFFFFFFD
  //   [20, 22) "d"  BF16 [1]   1.0 = 0x3F80
  // The header is not padded and not in sorted order: readers must rely on data_offsets only.
  const header =
    '{"__metadata__":{"format":"pt","note":"hand"},' +
    '"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]},' +
    '"a":{"dtype":"F32","shape":[2,1],"data_offsets":[4,12]},' +
    '"c":{"dtype":"I64","shape":[],"data_offsets":[12,20]},' +
    '"d":{"dtype":"BF16","shape":[1],"data_offsets":[20,22]}}';
  const data = [
    0x00, 0x3c, 0x00, 0xc0, // h
    0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x80, 0xbe, // a
    0xfd, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, // c
    0x80, 0x3f, // d
  ]; // prettier-ignore

  it('decodes every dtype, the shapes and the metadata', () => {
    const p = join(dir, 'hand.safetensors');
    writeFileSync(p, build(header, data));
    const { tensors, metadata } = readSafetensors(p);
    expect(metadata).toEqual({ format: 'pt', note: 'hand' });
    expect(Object.keys(tensors).sort()).toEqual(['a', 'c', 'd', 'h']);
    expect(tensors['a']).toEqual({ dtype: 'F32', shape: [2, 1], data: Float32Array.of(1.5, -0.25) });
    expect(tensors['h']).toEqual({ dtype: 'F16', shape: [2], data: Float32Array.of(1, -2) });
    expect(tensors['c']).toEqual({ dtype: 'I64', shape: [], data: BigInt64Array.of(-3n) });
    expect(tensors['d']).toEqual({ dtype: 'BF16', shape: [1], data: Float32Array.of(1) });
    const raw = readSafetensors(p, { halfAs: 'raw' }).tensors;
    expect(raw['h']!.data).toEqual(Uint16Array.of(0x3c00, 0xc000));
    expect(raw['d']!.data).toEqual(Uint16Array.of(0x3f80));
  });

  it('errors name the file and the tensor', () => {
    const file = build(header, data);
    const p = join(dir, 'bad.safetensors');
    const err = (bytes: Uint8Array) => {
      writeFileSync(p, bytes);
      return inputError(() => readSafetensors(p)).message;
    };
    expect(err(file.subarray(0, file.length - 1))).toBe(
      `${p}: safetensors: tensor "d": data_offsets [20, 22] out of range: the data section has only 21 bytes (file truncated?)`,
    );
    expect(err(file.subarray(0, 5))).toContain(`${p}: safetensors: truncated: 5 bytes`);
    expect(err(file.subarray(0, 40))).toMatch(/truncated: the header is \d+ bytes but only 32 follow/);
    expect(err(build(header.replace('"BF16"', '"Q4"'), data))).toContain('tensor "d": unknown dtype "Q4" (supported: F32, F64, I32, I64, F16, BF16)');
    expect(err(build(header.replace('"BF16"', '"U8"'), data))).toContain('tensor "d": unsupported dtype "U8"');
    expect(err(build(header.replace('[12,20]', '[12,30]'), data))).toContain('tensor "c": data_offsets [12, 30] span 18 bytes but shape [] of I64 needs 8');
    expect(err(build(header.replace('[0,4]', '[4,8]'), data))).toContain('data_offsets overlap');
    expect(err(build('{"a":', []))).toContain('header is not valid UTF-8 JSON');
    expect(err(build('{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}', []))).toContain('tensor "a": "shape"');
    const huge = new Uint8Array(16);
    new DataView(huge.buffer).setBigUint64(0, 2n ** 40n, true);
    expect(err(huge)).toContain('exceeds');
    expect(inputError(() => readSafetensors(join(dir, 'missing.safetensors'))).message).toContain('no such file');
  });
});

describe('writeSafetensors', () => {
  it('round trip is bit-exact for every dtype (NaN payloads, -0, extremes, empty and scalar)', () => {
    const f32 = new Float32Array(6);
    new Uint32Array(f32.buffer).set([0x7fc00001, 0xff800000, 0x80000000, 0x00000001, 0x7f7fffff, 0x3f800000]);
    const tensors = {
      'layer.0.weight': { shape: [2, 3], data: f32 },
      f64: { shape: [3], data: Float64Array.of(Math.PI, -0, Number.MIN_VALUE) },
      i32: { shape: [2], data: Int32Array.of(-(2 ** 31), 2 ** 31 - 1) },
      i64: { shape: [2], data: BigInt64Array.of(-(2n ** 63n), 2n ** 63n - 1n) },
      half: { dtype: 'F16' as const, shape: [4], data: Uint16Array.of(0x7e01, 0xfc00, 0x0001, 0x8000) },
      bhalf: { dtype: 'BF16' as const, shape: [2], data: Uint16Array.of(0xff81, 0x0001) },
      empty: { shape: [0, 3], data: new Float32Array(0) },
      scalar: { shape: [], data: Int32Array.of(7) },
    };
    const p = join(dir, 'sub', 'rt.safetensors');
    writeSafetensors(p, tensors, { format: 'pt', 'ünï': 'cödé' });
    expect(readdirSync(join(dir, 'sub'))).toEqual(['rt.safetensors']); // no temp file left
    const back = readSafetensors(p, { halfAs: 'raw' });
    expect(back.metadata).toEqual({ format: 'pt', 'ünï': 'cödé' });
    for (const [name, t] of Object.entries(tensors)) {
      const b = back.tensors[name]!;
      expect(b.shape, name).toEqual(t.shape);
      expect(b.data.constructor, name).toBe(t.data.constructor);
      expect(bytesOf(b.data), name).toEqual(bytesOf(t.data));
    }
    expect(back.tensors['f64']!.dtype).toBe('F64');
    // writing what was read gives the same file, byte for byte
    const again = serializeSafetensors(back.tensors, back.metadata);
    expect(Array.from(again)).toEqual(Array.from(readFileSync(p)));
  });

  it('layout: 8-byte aligned header padded with spaces, tensors in sorted-name order, no gaps', () => {
    const bytes = serializeSafetensors(
      { b: { shape: [1], data: Float32Array.of(2) }, a: { shape: [3], data: Int32Array.of(1, 2, 3) }, c: { shape: [1], data: Float64Array.of(1) } },
      { k: 'v' },
    );
    const n = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(text.trimEnd().length).toBeGreaterThan(n - 8);
    expect(text.slice(text.trimEnd().length)).toMatch(/^ *$/);
    const h = JSON.parse(text);
    expect(h['__metadata__']).toEqual({ k: 'v' });
    expect(h['a'].data_offsets).toEqual([0, 12]);
    expect(h['b'].data_offsets).toEqual([12, 16]);
    expect(h['c'].data_offsets).toEqual([16, 24]);
    expect(bytes.length).toBe(8 + n + 24);
  });

  it('F16 / BF16 written from float32 with round-to-nearest-even, read back as float32', () => {
    const x = Float32Array.of(1, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 65504, 65520, 2 ** -24, 2 ** -25, 3 * 2 ** -26, 1e-10, -0.1);
    const p = join(dir, 'half.safetensors');
    writeSafetensors(p, { h: { dtype: 'F16', shape: [x.length], data: x }, b: { dtype: 'BF16', shape: [2], data: Float32Array.of(1 + 2 ** -8, 1 + 3 * 2 ** -8) } });
    const t = readSafetensors(p).tensors;
    // ties: 1 + 2^-11 → 1 (even), 1 + 3·2^-11 → 1 + 2^-9 (even); 65520 → inf; 2^-25 → 0 (tie to even); 3·2^-26 → 2^-24
    expect(Array.from(t['h']!.data as Float32Array)).toEqual([
      1, 1, 1 + 2 ** -9, 65504, Infinity, 2 ** -24, 0, 2 ** -24, 0, Math.fround(-0.0999755859375),
    ]);
    expect(Array.from(t['b']!.data as Float32Array)).toEqual([1, 1 + 2 ** -6]);
  });

  it('rejects bad arguments with ArgumentError naming the tensor', () => {
    expect(() => serializeSafetensors({ w: { shape: [2, 2], data: new Float32Array(3) } })).toThrow(/tensor "w": shape \[2, 2\] has 4 elements but data has 3/);
    expect(() => serializeSafetensors({ w: { shape: [1], data: new Uint16Array(1) } })).toThrow(ArgumentError);
    expect(() => serializeSafetensors({ w: { dtype: 'F64', shape: [1], data: new Float32Array(1) } })).toThrow(/cannot be written from a Float32Array/);
    expect(() => serializeSafetensors({ __metadata__: { shape: [1], data: new Float32Array(1) } })).toThrow(/invalid tensor name/);
  });
});

describe('conformance with the reference implementation', () => {
  // Byte strings from huggingface/safetensors bindings/python/tests/test_simple.py
  // (test_serialization, test_serialization_metadata, test_serialization_forces_alignment).
  const enc = (s: string) => Uint8Array.from(s, (ch) => ch.charCodeAt(0));
  const zeros = (n: number) => '\x00'.repeat(n);
  const i32 = '{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}';

  it('writes the same bytes as the reference for I32 [2, 2], with and without metadata', () => {
    const data = Int32Array.of(0, 0, 0, 1);
    expect(Array.from(serializeSafetensors({ test: { shape: [2, 2], data } }))).toEqual(
      Array.from(enc(`@${zeros(7)}{"test":${i32}}    ${zeros(12)}\x01${zeros(3)}`)),
    );
    expect(Array.from(serializeSafetensors({ test1: { shape: [2, 2], data: new Int32Array(4) } }, { framework: 'pt' }))).toEqual(
      Array.from(enc(`\x60${zeros(7)}{"__metadata__":{"framework":"pt"},"test1":${i32}} ${zeros(16)}`)),
    );
    expect(
      Array.from(serializeSafetensors({ test2: { dtype: 'F16', shape: [2, 2], data: new Uint16Array(4) }, test1: { shape: [2, 2], data: new Int32Array(4) } })),
    ).toEqual(
      Array.from(enc(`\x80${zeros(7)}{"test1":${i32},"test2":{"dtype":"F16","shape":[2,2],"data_offsets":[16,24]}}      ${zeros(24)}`)),
    );
  });

  it('reads the reference files, including the older unpadded layout', () => {
    const old = parseSafetensors(enc(`<${zeros(7)}{"test":${i32}}${zeros(16)}`));
    expect(old.tensors['test']).toEqual({ dtype: 'I32', shape: [2, 2], data: new Int32Array(4) });
    const meta = parseSafetensors(enc(`f${zeros(7)}{"__metadata__":{"framework":"pt"},"test1":${i32}}       ${zeros(16)}`));
    expect(meta.metadata).toEqual({ framework: 'pt' });
  });
});

describe('half-precision bit conversions', () => {
  it('F16 → F32 → F16 and BF16 → F32 → BF16 are the identity on all 65,536 patterns', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    for (let h = 0; h < 0x10000; h++) {
      u[0] = f16BitsToF32Bits(h);
      if (f32BitsToF16Bits(u[0]!) !== h) throw new Error(`F16 ${h.toString(16)}`);
      if ((h & 0x7c00) !== 0x7c00) {
        // finite F16 values: the float32 value must equal the textbook formula
        const e = (h >> 10) & 0x1f;
        const m = h & 0x3ff;
        const v = (h & 0x8000 ? -1 : 1) * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
        if (!Object.is(f[0], v)) throw new Error(`F16 value ${h.toString(16)}: ${f[0]} vs ${v}`);
      }
      if (f32BitsToBf16Bits(bf16BitsToF32Bits(h)) !== h) throw new Error(`BF16 ${h.toString(16)}`);
    }
  });
  it('F32 → F16 picks the nearest F16 (ties to even) on random inputs', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    const val = (h: number) => {
      u[0] = f16BitsToF32Bits(h);
      return f[0]!;
    };
    let seed = 99;
    for (let t = 0; t < 20000; t++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      // exponents in the F16 range and just outside it
      const x = Math.fround((seed / 2 ** 32 - 0.5) * 2 ** (((seed >>> 3) % 44) - 28));
      f[0] = x;
      const h = f32BitsToF16Bits(u[0]!);
      const got = val(h);
      if (Math.abs(x) >= 65520) {
        expect(Math.abs(got)).toBe(Infinity);
        continue;
      }
      const err = Math.abs(got - x);
      for (const nb of [h - 1, h + 1]) {
        if (nb < 0 || (nb & 0x7fff) >= 0x7c00 || (nb & 0x8000) !== (h & 0x8000)) continue;
        const e2 = Math.abs(val(nb) - x);
        expect(err <= e2, `x=${x} h=${h.toString(16)}`).toBe(true);
        if (err === e2) expect(h & 1, `tie at x=${x}`).toBe(0);
      }
    }
  });
});
