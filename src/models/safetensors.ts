/**
 * The safetensors file format (https://huggingface.co/docs/safetensors, `safetensors/src/tensor.rs`):
 *
 *   [8 bytes]  N, unsigned 64-bit little-endian: length of the header
 *   [N bytes]  UTF-8 JSON object:
 *                { "__metadata__": { "key": "string value", ... },          (optional)
 *                  "<tensor name>": { "dtype": "F32", "shape": [2, 3], "data_offsets": [BEGIN, END] }, ... }
 *              padded at the end with spaces (0x20) so that 8 + N is a multiple of 8
 *   [rest]     the data section; a tensor's bytes are data[BEGIN, END), row-major, little-endian
 *
 * Supported dtypes: F32, F64, I32, I64, and F16 / BF16 (converted to float32 on read unless
 * `halfAs: 'raw'` asks for the raw Uint16Array bits; converted from float32 with round-to-nearest-even
 * on write, or written from raw Uint16Array bits). The writer lays tensors out in sorted-name order
 * with no gaps and writes atomically (temp file + rename).
 *
 * Errors in a file (truncation, offsets out of range, unknown dtype, malformed header) are
 * `InputError`s naming the file and the tensor; invalid arguments to the writer are `ArgumentError`s.
 */
import { readFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { ArgumentError, InputError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';

export const SAFETENSORS_DTYPES = ['F32', 'F64', 'I32', 'I64', 'F16', 'BF16'] as const;
export type SafetensorsDtype = (typeof SAFETENSORS_DTYPES)[number];

export type TensorData = Float32Array | Float64Array | Int32Array | BigInt64Array | Uint16Array;

export interface SafeTensor {
  /** The dtype stored in the file. */
  dtype: SafetensorsDtype;
  shape: number[];
  /** F32 → Float32Array, F64 → Float64Array, I32 → Int32Array, I64 → BigInt64Array, F16/BF16 → Float32Array (or Uint16Array with `halfAs: 'raw'`). */
  data: TensorData;
}

export interface SafetensorsFile {
  tensors: Record<string, SafeTensor>;
  metadata?: Record<string, string>;
}

/** A tensor to write. `dtype` defaults from the array type (Uint16Array needs an explicit F16 or BF16). */
export interface SafeTensorInput {
  dtype?: SafetensorsDtype;
  shape: readonly number[];
  data: TensorData;
}

export interface ReadSafetensorsOptions {
  /** How F16 / BF16 tensors are returned: converted to Float32Array (`'f32'`, default) or as raw bits (`'raw'`). */
  halfAs?: 'f32' | 'raw';
}

const ITEM_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, I64: 8, F16: 2, BF16: 2 };
/** Dtypes of the spec we recognise but do not load. */
const OTHER_SPEC_DTYPES = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'U32', 'U64'];
/** Same limit as the reference implementation. */
const MAX_HEADER_BYTES = 100_000_000;
const LITTLE_ENDIAN_HOST = endianness() === 'LE';

// ---------------------------------------------------------------------------------------------
// Half-precision conversions (bit-exact, NaN payloads preserved where the target can hold them)

/** IEEE binary16 bits → binary32 bits (exact). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0; // inf / NaN (payload kept)
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0; // ±0
  // subnormal: value = mant · 2^-24; normalise
  let e = -14;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | ((e + 127) << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** binary32 bits → binary16 bits, round to nearest even; overflow → ±inf; NaN stays NaN. */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) {
    if (mant === 0) return sign | 0x7c00;
    const m = mant >>> 13;
    return sign | 0x7c00 | (m === 0 ? 0x200 : m);
  }
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const full = mant | 0x800000;
    const shift = 14 - e; // 14..24
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1) === 1)) m++;
    return sign | m; // m may reach 0x400: the smallest normal, encoded correctly
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1) === 1)) h++; // a carry into the exponent is correct (up to inf)
  return sign | h;
}

/** bfloat16 bits → binary32 bits (exact). */
export function bf16BitsToF32Bits(b: number): number {
  return (b << 16) >>> 0;
}

/** binary32 bits → bfloat16 bits, round to nearest even; NaN stays NaN. */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) {
    const hi = x >>> 16;
    return (hi & 0x7f) === 0 ? hi | 0x40 : hi;
  }
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function halfToF32(bits: Uint16Array, dtype: 'F16' | 'BF16'): Float32Array {
  const out = new Float32Array(bits.length);
  const u = new Uint32Array(out.buffer);
  if (dtype === 'F16') for (let i = 0; i < bits.length; i++) u[i] = f16BitsToF32Bits(bits[i]!);
  else for (let i = 0; i < bits.length; i++) u[i] = bf16BitsToF32Bits(bits[i]!);
  return out;
}

function f32ToHalf(x: Float32Array, dtype: 'F16' | 'BF16'): Uint16Array {
  const u = new Uint32Array(x.buffer, x.byteOffset, x.length);
  const out = new Uint16Array(x.length);
  if (dtype === 'F16') for (let i = 0; i < x.length; i++) out[i] = f32BitsToF16Bits(u[i]!);
  else for (let i = 0; i < x.length; i++) out[i] = f32BitsToBf16Bits(u[i]!);
  return out;
}

/** Reverse the bytes of each `size`-byte item in place (only needed on big-endian hosts). */
function swapBytes(b: Uint8Array, size: number): void {
  for (let o = 0; o < b.length; o += size) {
    for (let i = 0, j = size - 1; i < j; i++, j--) {
      const t = b[o + i]!;
      b[o + i] = b[o + j]!;
      b[o + j] = t;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Reading

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** Parse safetensors bytes; `file` names the source in error messages. */
export function parseSafetensors(bytes: Uint8Array, file = '<buffer>', opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new InputError(`safetensors: ${msg}`, file);
  };
  if (bytes.length < 8) fail(`truncated: ${bytes.length} bytes, shorter than the 8-byte header length`);
  const n64 = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_BYTES)) fail(`header length ${n64} exceeds the ${MAX_HEADER_BYTES}-byte limit (not a safetensors file?)`);
  const n = Number(n64);
  if (8 + n > bytes.length) fail(`truncated: the header is ${n} bytes but only ${bytes.length - 8} follow the length field`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`header is not valid UTF-8 JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) return fail('header is not a JSON object');
  const data = bytes.subarray(8 + n);

  let metadata: Record<string, string> | undefined;
  const spans: { name: string; begin: number; end: number }[] = [];
  const tensors: Record<string, SafeTensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      if (!isObject(entry)) fail('"__metadata__" is not an object');
      metadata = {};
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`"__metadata__"."${k}" is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const where = `tensor ${JSON.stringify(name)}`;
    if (!isObject(entry)) return fail(`${where}: entry is not an object`);
    const { dtype, shape, data_offsets: offsets } = entry;
    if (typeof dtype !== 'string') return fail(`${where}: missing "dtype"`);
    if (!(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
      const known = OTHER_SPEC_DTYPES.includes(dtype) ? 'unsupported' : 'unknown';
      fail(`${where}: ${known} dtype ${JSON.stringify(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
    }
    const dt = dtype as SafetensorsDtype;
    if (!Array.isArray(shape) || !shape.every(isCount)) return fail(`${where}: "shape" must be an array of non-negative integers`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount) || offsets[0] > offsets[1]) {
      return fail(`${where}: "data_offsets" must be [BEGIN, END] with 0 <= BEGIN <= END`);
    }
    const [begin, end] = offsets as [number, number];
    const count = numel(shape);
    const need = count * ITEM_SIZE[dt];
    if (end - begin !== need) {
      fail(`${where}: data_offsets [${begin}, ${end}] span ${end - begin} bytes but shape [${shape.join(', ')}] of ${dt} needs ${need}`);
    }
    if (end > data.length) {
      fail(`${where}: data_offsets [${begin}, ${end}] out of range: the data section has only ${data.length} bytes (file truncated?)`);
    }
    spans.push({ name, begin, end });
    // copy (not a view: Buffer#slice shares memory): aligned, and independent of the file buffer
    const raw = new Uint8Array(end - begin);
    raw.set(data.subarray(begin, end));
    if (!LITTLE_ENDIAN_HOST) swapBytes(raw, ITEM_SIZE[dt]);
    const buf = raw.buffer;
    let arr: TensorData;
    switch (dt) {
      case 'F32':
        arr = new Float32Array(buf, 0, count);
        break;
      case 'F64':
        arr = new Float64Array(buf, 0, count);
        break;
      case 'I32':
        arr = new Int32Array(buf, 0, count);
        break;
      case 'I64':
        arr = new BigInt64Array(buf, 0, count);
        break;
      case 'F16':
      case 'BF16': {
        const bits = new Uint16Array(buf, 0, count);
        arr = opts.halfAs === 'raw' ? bits : halfToF32(bits, dt);
        break;
      }
    }
    tensors[name] = { dtype: dt, shape: shape as number[], data: arr };
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    const p = spans[i - 1]!;
    const c = spans[i]!;
    if (c.begin < p.end) fail(`tensor ${JSON.stringify(c.name)}: data_offsets overlap those of tensor ${JSON.stringify(p.name)}`);
  }
  return metadata ? { tensors, metadata } : { tensors };
}

/** Read a `.safetensors` file (see the file header). */
export function readSafetensors(path: string, opts: ReadSafetensorsOptions = {}): SafetensorsFile {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`, path);
  }
  return parseSafetensors(bytes, path, opts);
}

// ---------------------------------------------------------------------------------------------
// Writing

function defaultDtype(data: TensorData): SafetensorsDtype | undefined {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof BigInt64Array) return 'I64';
  return undefined;
}

/** The bytes of one tensor as stored (little-endian), converting float32 → F16/BF16 if asked. */
function tensorBytes(name: string, t: SafeTensorInput): { dtype: SafetensorsDtype; bytes: Uint8Array } {
  const where = `tensor ${JSON.stringify(name)}`;
  const dtype = t.dtype ?? defaultDtype(t.data);
  if (!dtype) throw new ArgumentError(`${where}: a Uint16Array needs dtype 'F16' or 'BF16'`);
  if (!(SAFETENSORS_DTYPES as readonly string[]).includes(dtype)) {
    throw new ArgumentError(`${where}: unknown dtype ${JSON.stringify(dtype)} (supported: ${SAFETENSORS_DTYPES.join(', ')})`);
  }
  if (!Array.isArray(t.shape) || !t.shape.every(isCount)) throw new ArgumentError(`${where}: shape must be non-negative integers`);
  const count = numel(t.shape);
  if (t.data.length !== count) {
    throw new ArgumentError(`${where}: shape [${t.shape.join(', ')}] has ${count} elements but data has ${t.data.length}`);
  }
  let arr: TensorData = t.data;
  const ok =
    (dtype === 'F32' && arr instanceof Float32Array) ||
    (dtype === 'F64' && arr instanceof Float64Array) ||
    (dtype === 'I32' && arr instanceof Int32Array) ||
    (dtype === 'I64' && arr instanceof BigInt64Array) ||
    ((dtype === 'F16' || dtype === 'BF16') && (arr instanceof Uint16Array || arr instanceof Float32Array));
  if (!ok) throw new ArgumentError(`${where}: dtype ${dtype} cannot be written from a ${arr.constructor.name}`);
  if ((dtype === 'F16' || dtype === 'BF16') && arr instanceof Float32Array) arr = f32ToHalf(arr, dtype);
  const bytes = new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  if (LITTLE_ENDIAN_HOST) return { dtype, bytes };
  const copy = bytes.slice();
  swapBytes(copy, ITEM_SIZE[dtype]);
  return { dtype, bytes: copy };
}

/** Serialise tensors (sorted by name, contiguous) and optional string metadata to safetensors bytes. */
export function serializeSafetensors(tensors: Record<string, SafeTensorInput>, metadata?: Record<string, string>): Uint8Array {
  const names = Object.keys(tensors).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`metadata ${JSON.stringify(k)}: values must be strings, got ${typeof v}`);
    }
    parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__' || name === '') throw new ArgumentError(`invalid tensor name ${JSON.stringify(name)}`);
    const { dtype, bytes } = tensorBytes(name, tensors[name]!);
    const entry = { dtype, shape: [...tensors[name]!.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(entry)}`);
    chunks.push(bytes);
    offset += bytes.length;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLen = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLen + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerLen), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLen);
  let p = 8 + headerLen;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Write a `.safetensors` file atomically (temp file + rename, parent folders created).
 * Float32Array data with dtype F16/BF16 is rounded to nearest even; see the file header.
 */
export function writeSafetensors(path: string, tensors: Record<string, SafeTensorInput>, metadata?: Record<string, string>): void {
  atomicWriteFile(path, serializeSafetensors(tensors, metadata));
}
