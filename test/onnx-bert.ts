/**
 * A hand-written ONNX exporter for tiny BERT-family checkpoints, used by the parity test as an independent
 * implementation: the graph is built here from the checkpoint's own tensors (by their `transformers` names,
 * PyTorch layout, transposed by ONNX `Transpose` nodes) and run by onnxruntime-node. Nothing of
 * src/models/hf is used but the safetensors reader; the protobuf writer is src/models/onnx/proto.ts.
 *
 * Graph (opset 17), inputs input_ids, token_type_ids, position_ids, attention_mask: int64 [B, L];
 * output last_hidden_state [B, L, H] (and `projection` [B, L, D] = x W_linᵀ when the checkpoint has ColBERT's
 * `linear.weight`). Attention masks padded keys by adding (1 − mask)·(−1e9) to the scores, as HF does with
 * the dtype minimum.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readSafetensors } from '../src/models/safetensors.ts';
import * as ortModule from 'onnxruntime-node';
import { concat, fBytes, fString, fVarint, FLOAT, INT64, node, tensorProto, valueInfo, type Attr, type Bytes } from '../src/models/onnx/proto.ts';

// ---- the BERT graph --------------------------------------------------------------------------------

export interface OnnxBert {
  model: Bytes;
  hasProjection: boolean;
  /** RoBERTa-style position ids start at pad + 1 */
  roberta: boolean;
  padTokenId: number;
}

/** Build the ONNX model of the checkpoint in `dir` (see the file header). */
export function exportBertToOnnx(dir: string): OnnxBert {
  const c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  const t = readSafetensors(join(dir, 'model.safetensors')).tensors;
  const distil = c.model_type === 'distilbert';
  const roberta = !distil && c.model_type !== 'bert';
  const prefix = distil ? 'distilbert.' : roberta ? 'roberta.' : 'bert.';
  const H: number = distil ? c.dim : c.hidden_size;
  const heads: number = distil ? c.n_heads : c.num_attention_heads;
  const layers: number = distil ? c.n_layers : c.num_hidden_layers;
  const eps: number = distil ? 1e-12 : c.layer_norm_eps;
  const d = H / heads;
  const nodes: Bytes[] = [];
  const inits: Bytes[] = [];
  const f32 = (name: string, dims: number[], data: Float32Array) => inits.push(tensorProto(name, dims, FLOAT, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)));
  const i64 = (name: string, data: number[]) => {
    const a = BigInt64Array.from(data.map(BigInt));
    inits.push(tensorProto(name, [data.length], INT64, new Uint8Array(a.buffer)));
  };
  const weight = (hf: string) => {
    const x = t[hf];
    if (!x) throw new Error(`onnx export: no tensor ${hf}`);
    f32(hf, x.shape, x.data as Float32Array);
    return hf;
  };
  const scalar = (name: string, v: number) => f32(name, [], Float32Array.of(v));
  let k = 0;
  const op = (type: string, inputs: string[], attrs: Attr[] = []) => {
    const out = `${type}_${k++}`;
    nodes.push(node(type, inputs, [out], attrs));
    return out;
  };
  /** y = x Wᵀ + b with W [out, in] as stored */
  const linear = (x: string, name: string, bias = true) => {
    const y = op('MatMul', [x, op('Transpose', [weight(`${name}.weight`)], [{ name: 'perm', ints: [1, 0] }])]);
    return bias ? op('Add', [y, weight(`${name}.bias`)]) : y;
  };
  const layerNorm = (x: string, name: string) => op('LayerNormalization', [x, weight(`${name}.weight`), weight(`${name}.bias`)], [{ name: 'axis', i: -1 }, { name: 'epsilon', f: eps }]);
  scalar('one', 1);
  scalar('half', 0.5);
  scalar('neg_big', -1e9);
  scalar('sqrt2', Math.SQRT2);
  scalar('inv_sqrt_d', 1 / Math.sqrt(d));
  i64('shape_heads', [0, 0, heads, d]);
  i64('shape_hidden', [0, 0, H]);
  i64('axes_12', [1, 2]);

  let e = op('Add', [op('Gather', [weight(`${prefix}embeddings.word_embeddings.weight`), 'input_ids']), op('Gather', [weight(`${prefix}embeddings.position_embeddings.weight`), 'position_ids'])]);
  if (!distil) e = op('Add', [e, op('Gather', [weight(`${prefix}embeddings.token_type_embeddings.weight`), 'token_type_ids'])]);
  let x = layerNorm(e, `${prefix}embeddings.LayerNorm`);
  const maskF = op('Cast', ['attention_mask'], [{ name: 'to', i: FLOAT }]);
  const bias = op('Unsqueeze', [op('Mul', [op('Sub', ['one', maskF]), 'neg_big']), 'axes_12']); // [B, 1, 1, L]
  for (let l = 0; l < layers; l++) {
    const n = distil
      ? { q: `transformer.layer.${l}.attention.q_lin`, k: `transformer.layer.${l}.attention.k_lin`, v: `transformer.layer.${l}.attention.v_lin`, o: `transformer.layer.${l}.attention.out_lin`, ln1: `transformer.layer.${l}.sa_layer_norm`, i: `transformer.layer.${l}.ffn.lin1`, o2: `transformer.layer.${l}.ffn.lin2`, ln2: `transformer.layer.${l}.output_layer_norm` }
      : { q: `encoder.layer.${l}.attention.self.query`, k: `encoder.layer.${l}.attention.self.key`, v: `encoder.layer.${l}.attention.self.value`, o: `encoder.layer.${l}.attention.output.dense`, ln1: `encoder.layer.${l}.attention.output.LayerNorm`, i: `encoder.layer.${l}.intermediate.dense`, o2: `encoder.layer.${l}.output.dense`, ln2: `encoder.layer.${l}.output.LayerNorm` };
    const heads4 = (y: string, perm: number[]) => op('Transpose', [op('Reshape', [y, 'shape_heads'])], [{ name: 'perm', ints: perm }]);
    const q = heads4(linear(x, prefix + n.q), [0, 2, 1, 3]); // [B, h, L, d]
    const kT = heads4(linear(x, prefix + n.k), [0, 2, 3, 1]); // [B, h, d, L]
    const v = heads4(linear(x, prefix + n.v), [0, 2, 1, 3]);
    const scores = op('Add', [op('Mul', [op('MatMul', [q, kT]), 'inv_sqrt_d']), bias]);
    const ctx = op('Reshape', [op('Transpose', [op('MatMul', [op('Softmax', [scores], [{ name: 'axis', i: -1 }]), v])], [{ name: 'perm', ints: [0, 2, 1, 3] }]), 'shape_hidden']);
    x = layerNorm(op('Add', [x, linear(ctx, prefix + n.o)]), prefix + n.ln1);
    const inter = linear(x, prefix + n.i);
    const gelu = op('Mul', [op('Mul', [inter, op('Add', ['one', op('Erf', [op('Div', [inter, 'sqrt2'])])])]), 'half']);
    x = layerNorm(op('Add', [x, linear(gelu, prefix + n.o2)]), prefix + n.ln2);
  }
  nodes.push(node('Identity', [x], ['last_hidden_state']));
  const hasProjection = Boolean(t['linear.weight']);
  const outputs = [valueInfo('last_hidden_state', FLOAT, ['B', 'L', H])];
  if (hasProjection) {
    nodes.push(node('Identity', [linear(x, 'linear', false)], ['projection']));
    outputs.push(valueInfo('projection', FLOAT, ['B', 'L', t['linear.weight']!.shape[0]!]));
  }
  const inputs = ['input_ids', 'token_type_ids', 'position_ids', 'attention_mask'].map((s) => valueInfo(s, INT64, ['B', 'L']));
  const graph = concat([...nodes.map((b) => fBytes(1, b)), fString(2, 'bert'), ...inits.map((b) => fBytes(5, b)), ...inputs.map((b) => fBytes(11, b)), ...outputs.map((b) => fBytes(12, b))]);
  const opset = concat([fString(1, ''), fVarint(2, 17)]);
  const model = concat([fVarint(1, 8), fString(2, 'optical-test'), fBytes(7, graph), fBytes(8, opset)]);
  return { model, hasProjection, roberta, padTokenId: c.pad_token_id ?? 0 };
}

const ort = ((ortModule as unknown as { default?: typeof ortModule }).default ?? ortModule) as typeof ortModule;

/**
 * Run an exported model on id rows (no special handling: the rows already hold special tokens) padded as
 * transformers pads them: pad ids, attention mask 0, token types 0, positions 0… (BERT) or
 * cumsum(ids ≠ pad)·(ids ≠ pad) + pad (RoBERTa's create_position_ids_from_input_ids).
 * Returns [B, L, D] states (the projection when the model has one) and L.
 */
export async function runOnnxBert(onnx: OnnxBert, ids: number[][]): Promise<{ states: Float32Array; L: number }> {
  const session = await ort.InferenceSession.create(onnx.model);
  const B = ids.length;
  const L = Math.max(...ids.map((x) => x.length));
  const pad = BigInt(onnx.padTokenId);
  const inputIds = new BigInt64Array(B * L).fill(pad);
  const attn = new BigInt64Array(B * L);
  const pos = new BigInt64Array(B * L);
  ids.forEach((row, b) => row.forEach((id, t) => {
    inputIds[b * L + t] = BigInt(id);
    attn[b * L + t] = 1n;
  }));
  for (let b = 0; b < B; b++) {
    let cum = 0;
    for (let t = 0; t < L; t++) {
      const real = inputIds[b * L + t] !== pad ? 1 : 0;
      cum += real;
      pos[b * L + t] = onnx.roberta ? BigInt(cum * real + onnx.padTokenId) : BigInt(t);
    }
  }
  const dims = [B, L];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', inputIds, dims),
    token_type_ids: new ort.Tensor('int64', new BigInt64Array(B * L), dims),
    position_ids: new ort.Tensor('int64', pos, dims),
    attention_mask: new ort.Tensor('int64', attn, dims),
  });
  const states = (onnx.hasProjection ? out['projection']! : out['last_hidden_state']!).data as Float32Array;
  await session.release();
  return { states, L };
}
