/**
 * A minimal ONNX writer for test models: the protobuf wire format, the few ONNX messages a graph needs
 * (TensorProto, AttributeProto, NodeProto, ValueInfoProto, GraphProto, ModelProto) and a small graph
 * builder. Generalises the writer inside `test/onnx-bert.ts` (int, float, ints and tensor attributes;
 * int64 and float initialisers; scalar constants).
 */

type Bytes = Uint8Array;
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
function concat(parts: (Bytes | number[])[]): Bytes {
  const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
const fVarint = (field: number, v: number | bigint) => concat([varint(field << 3), varint(v)]);
const fBytes = (field: number, b: Bytes) => concat([varint((field << 3) | 2), varint(b.length), b]);
const fString = (field: number, s: string) => fBytes(field, enc.encode(s));
const fFloat = (field: number, x: number) => {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setFloat32(0, x, true);
  return concat([varint((field << 3) | 5), b]);
};

export const FLOAT = 1;
export const INT64 = 7;

function tensorProto(name: string, dims: number[], type: number, raw: Bytes): Bytes {
  return concat([...dims.map((d) => fVarint(1, d)), fVarint(2, type), fString(8, name), fBytes(9, raw)]);
}
const f32Bytes = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const i64Bytes = (a: number[]) => new Uint8Array(BigInt64Array.from(a.map(BigInt)).buffer);

/** An attribute: int `i`, float `f`, ints `ints`, or a float tensor `t` (shape `dims`). */
export type Attr = { name: string; i?: number; f?: number; ints?: number[]; t?: { dims: number[]; data: Float32Array } };
function attribute(a: Attr): Bytes {
  if (a.f !== undefined) return concat([fString(1, a.name), fFloat(2, a.f), fVarint(20, 1)]);
  if (a.ints) return concat([fString(1, a.name), ...a.ints.map((v) => fVarint(8, v)), fVarint(20, 7)]);
  if (a.t) return concat([fString(1, a.name), fBytes(5, tensorProto('', a.t.dims, FLOAT, f32Bytes(a.t.data))), fVarint(20, 4)]);
  return concat([fString(1, a.name), fVarint(3, a.i!), fVarint(20, 2)]);
}
function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): Bytes {
  return concat([...inputs.map((s) => fString(1, s)), ...outputs.map((s) => fString(2, s)), fString(4, op), ...attrs.map((a) => fBytes(5, attribute(a)))]);
}
function valueInfo(name: string, type: number, dims: (number | string)[]): Bytes {
  const dim = dims.map((d) => fBytes(1, typeof d === 'number' ? fVarint(1, d) : fString(2, d)));
  return concat([fString(1, name), fBytes(2, fBytes(1, concat([fVarint(1, type), fBytes(2, concat(dim))])))]);
}

/** Builds one graph: initialisers, nodes with generated output names, declared inputs and outputs. */
export class GraphBuilder {
  private nodes: Bytes[] = [];
  private inits: Bytes[] = [];
  private inputs: Bytes[] = [];
  private outputs: Bytes[] = [];
  private k = 0;

  input(name: string, type: number, dims: (number | string)[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }
  /** Declare `value` as the graph output `name` (through an Identity node). */
  output(name: string, value: string, type: number, dims: (number | string)[]): void {
    this.nodes.push(node('Identity', [value], [name]));
    this.outputs.push(valueInfo(name, type, dims));
  }
  f32(name: string, dims: number[], data: Float32Array): string {
    if (data.length !== dims.reduce((a, b) => a * b, 1)) throw new Error(`initialiser ${name}: ${data.length} values for shape [${dims}]`);
    this.inits.push(tensorProto(name, dims, FLOAT, f32Bytes(data)));
    return name;
  }
  i64(name: string, data: number[], dims: number[] = [data.length]): string {
    this.inits.push(tensorProto(name, dims, INT64, i64Bytes(data)));
    return name;
  }
  scalar(name: string, v: number): string {
    return this.f32(name, [], Float32Array.of(v));
  }
  /** A node with one output; returns the output's name. */
  op(type: string, inputs: string[], attrs: Attr[] = []): string {
    const out = `${type}_${this.k++}`;
    this.nodes.push(node(type, inputs, [out], attrs));
    return out;
  }
  /** The serialised ModelProto (IR 8, default domain at `opset`). */
  model(graphName: string, opset = 17): Bytes {
    const graph = concat([
      ...this.nodes.map((b) => fBytes(1, b)),
      fString(2, graphName),
      ...this.inits.map((b) => fBytes(5, b)),
      ...this.inputs.map((b) => fBytes(11, b)),
      ...this.outputs.map((b) => fBytes(12, b)),
    ]);
    return concat([fVarint(1, 8), fString(2, 'optical-test'), fBytes(7, graph), fBytes(8, concat([fString(1, ''), fVarint(2, opset)]))]);
  }
}
