/**
 * The ONNX writer of test models (test/onnx-clip.ts): `src/models/onnx/proto.ts`'s graph builder with the
 * graph's inputs and outputs declared as the graph is built (`input`, `output`), as the test builders use it.
 */
import { GraphBuilder as Base, FLOAT, INT64, type Attr, type Bytes, type GraphIO } from '../src/models/onnx/proto.ts';

export { FLOAT, INT64, type Attr };

export class GraphBuilder extends Base {
  private ins: GraphIO[] = [];
  private outs: GraphIO[] = [];

  input(name: string, type: number, dims: (number | string)[]): string {
    this.ins.push({ name, type, dims });
    return name;
  }
  /** Declare `value` as the graph output `name` (through an Identity node). */
  output(name: string, value: string, type: number, dims: (number | string)[]): void {
    this.named('Identity', [value], name);
    this.outs.push({ name, type, dims });
  }
  /** The serialised ModelProto (IR 8, default domain at `opset`). */
  override model(graphName: string, opset?: number): Bytes;
  override model(graphName: string, inputs: GraphIO[], outputs: GraphIO[], producer?: string, opset?: number): Bytes;
  override model(graphName: string, a?: number | GraphIO[], outputs?: GraphIO[], producer = 'optical-test', opset = 17): Bytes {
    if (Array.isArray(a)) return super.model(graphName, a, outputs ?? [], producer, opset);
    return super.model(graphName, this.ins, this.outs, 'optical-test', a ?? 17);
  }
}
