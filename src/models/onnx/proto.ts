/**
 * A minimal ONNX writer: the protobuf wire format of ModelProto / GraphProto / NodeProto / TensorProto,
 * written by hand (no protobuf or onnx dependency), plus a small {@link GraphBuilder} that names nodes and
 * initialisers. Used to export Kona encoders (./kona.ts) and, in tests, BERT-family checkpoints
 * (test/onnx-bert.ts).
 *
 * Field numbers are those of onnx.proto3 (IR version 8, default-domain opset 17).
 */

export type Bytes = Uint8Array;
const enc = new TextEncoder();

function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
export const concat = (parts: (Bytes | number[])[]): Bytes => {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) out.set(p, (o += p.length) - p.length);
  return out;
};
export const fVarint = (field: number, v: number | bigint): Bytes => concat([varint(field << 3), varint(v)]);
export const fBytes = (field: number, b: Bytes): Bytes => concat([varint((field << 3) | 2), varint(b.length), b]);
export const fString = (field: number, s: string): Bytes => fBytes(field, enc.encode(s));
const fFloat = (field: number, x: number): Bytes => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return concat([varint((field << 3) | 5), b]);
};

/** TensorProto.DataType */
export const FLOAT = 1;
export const INT64 = 7;

export function tensorProto(name: string, dims: number[], type: number, raw: Bytes): Bytes {
  return concat([...dims.map((d) => fVarint(1, d)), fVarint(2, type), fString(8, name), fBytes(9, raw)]);
}

/** A node attribute: float `f`, int `i`, ints `ints`, or a float tensor `t` (shape `dims`). */
export type Attr = { name: string; i?: number; f?: number; ints?: number[]; t?: { dims: number[]; data: Float32Array } };
function attribute(a: Attr): Bytes {
  if (a.f !== undefined) return concat([fString(1, a.name), fFloat(2, a.f), fVarint(20, 1)]);
  if (a.ints) return concat([fString(1, a.name), ...a.ints.map((v) => fVarint(8, v)), fVarint(20, 7)]);
  if (a.t) return concat([fString(1, a.name), fBytes(5, tensorProto('', a.t.dims, FLOAT, new Uint8Array(a.t.data.buffer, a.t.data.byteOffset, a.t.data.byteLength))), fVarint(20, 4)]);
  return concat([fString(1, a.name), fVarint(3, a.i!), fVarint(20, 2)]);
}
export function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Bytes {
  return concat([...inputs.map((s) => fString(1, s)), ...outputs.map((s) => fString(2, s)), fString(4, op), ...attrs.map((a) => fBytes(5, attribute(a)))]);
}
/** ValueInfoProto of a tensor; string dims are symbolic. */
export function valueInfo(name: string, type: number, dims: (number | string)[]): Bytes {
  const dim = dims.map((d) => fBytes(1, typeof d === 'number' ? fVarint(1, d) : fString(2, d)));
  const tensorType = concat([fVarint(1, type), fBytes(2, concat(dim))]);
  return concat([fString(1, name), fBytes(2, fBytes(1, tensorType))]);
}

export interface GraphIO {
  name: string;
  type: number;
  dims: (number | string)[];
}

/**
 * Builds one graph: `op` appends a node and returns its (generated) output name, `f32`/`i64` add
 * initialisers, `model` serialises a ModelProto.
 */
export class GraphBuilder {
  private nodes: Bytes[] = [];
  private inits: Bytes[] = [];
  private k = 0;

  /** Float initialiser (the bytes are copied into the model). */
  f32(name: string, dims: number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initialiser ${name}: ${data.length} values for shape [${dims}]`);
    this.inits.push(tensorProto(name, dims, FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
    return name;
  }
  scalar(name: string, v: number): string {
    return this.f32(name, [], Float32Array.of(v));
  }
  i64(name: string, data: number[], dims: number[] = [data.length]): string {
    const a = BigInt64Array.from(data.map(BigInt));
    this.inits.push(tensorProto(name, dims, INT64, new Uint8Array(a.buffer)));
    return name;
  }
  op(type: string, inputs: string[], attrs: Attr[] = []): string {
    const out = `${type}_${this.k++}`;
    this.nodes.push(node(type, inputs, [out], attrs));
    return out;
  }
  /** A node with a chosen output name (graph outputs). */
  named(type: string, inputs: string[], output: string, attrs: Attr[] = []): string {
    this.nodes.push(node(type, inputs, [output], attrs));
    return output;
  }
  /** The serialised ModelProto (IR 8, default domain at `opset`). */
  model(graphName: string, inputs: GraphIO[], outputs: GraphIO[], producer = 'optical', opset = 17): Bytes {
    const vi = (x: GraphIO) => valueInfo(x.name, x.type, x.dims);
    const graph = concat([
      ...this.nodes.map((b) => fBytes(1, b)),
      fString(2, graphName),
      ...this.inits.map((b) => fBytes(5, b)),
      ...inputs.map((x) => fBytes(11, vi(x))),
      ...outputs.map((x) => fBytes(12, vi(x))),
    ]);
    return concat([fVarint(1, 8), fString(2, producer), fBytes(7, graph), fBytes(8, concat([fString(1, ''), fVarint(2, opset)]))]);
  }
}
