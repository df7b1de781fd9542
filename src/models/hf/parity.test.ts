/**
 * Parity of the engine forward (bert.ts on tfjs-wasm) against two independent implementations of the same
 * tiny checkpoints:
 * 1. the same weights exported to ONNX by a hand-written exporter (test/onnx-bert.ts) and run by
 *    onnxruntime-node on a padded batch with Hugging Face's inputs (pad ids, attention mask, RoBERTa's
 *    cumulative position ids);
 * 2. a reference written here:
 * plain float64 loops over the checkpoint's own tensors, read by their `transformers` names in PyTorch
 * layout (Linear y = x Wᵀ + b), one sentence at a time (no padding), GELU from an erf approximation
 * (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). No tfjs, no name mapping or transposition of ours.
 * Tiny models (hidden 32, 2 layers, 4 heads) of each supported family; tolerance 1e-4 max-abs.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, type SafeTensor } from '../safetensors.ts';
import { loadHfModel } from './load.ts';
import { makeTinyModel, type TinyModelOptions } from './testing.ts';
import { resolveTestModels } from '../../../test/data.ts';
import { exportBertToOnnx, runOnnxBert } from '../../../test/onnx-bert.ts';

const MODELS = resolveTestModels();

/** erf by Abramowitz & Stegun 7.1.26. */
function erf(x: number): number {
  const s = Math.sign(x);
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const y = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-a * a);
  return s * y;
}

type Vec = Float64Array;

/** The reference model: tensors by checkpoint name, forward one sentence → token states and embedding. */
class Reference {
  readonly t: Record<string, SafeTensor>;
  readonly c: Record<string, number | string>;
  readonly prefix: string;
  readonly distil: boolean;
  constructor(dir: string) {
    this.t = readSafetensors(join(dir, 'model.safetensors')).tensors;
    this.c = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
    this.distil = this.c.model_type === 'distilbert';
    this.prefix = this.distil ? 'distilbert.' : this.c.model_type === 'bert' ? 'bert.' : 'roberta.';
  }
  w(name: string): Float32Array {
    const x = this.t[this.prefix + name] ?? this.t[name];
    if (!x) throw new Error(`reference: no tensor ${name}`);
    return x.data as Float32Array;
  }
  /** y = W x + b with W [out, in] (PyTorch layout) */
  linear(x: Vec, name: string): Vec {
    const W = this.w(`${name}.weight`);
    const b = this.t[this.prefix + `${name}.bias`] ? this.w(`${name}.bias`) : undefined;
    const n = x.length;
    const out = new Float64Array(W.length / n);
    for (let o = 0; o < out.length; o++) {
      let s = b ? b[o]! : 0;
      for (let i = 0; i < n; i++) s += W[o * n + i]! * x[i]!;
      out[o] = s;
    }
    return out;
  }
  layerNorm(x: Vec, name: string, eps: number): Vec {
    const g = this.w(`${name}.weight`);
    const b = this.w(`${name}.bias`);
    const mean = x.reduce((a, v) => a + v, 0) / x.length;
    const variance = x.reduce((a, v) => a + (v - mean) ** 2, 0) / x.length;
    return x.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * g[i]! + b[i]!);
  }
  forward(ids: number[], pooling: 'cls' | 'mean' | 'colbert'): { tokens: Vec[]; embedding: Vec } {
    const c = this.c;
    const H = (this.distil ? c.dim : c.hidden_size) as number;
    const heads = (this.distil ? c.n_heads : c.num_attention_heads) as number;
    const nLayers = (this.distil ? c.n_layers : c.num_hidden_layers) as number;
    const eps = this.distil ? 1e-12 : (c.layer_norm_eps as number);
    const roberta = !this.distil && c.model_type !== 'bert';
    const d = H / heads;
    const T = ids.length;
    const word = this.w('embeddings.word_embeddings.weight');
    const pos = this.w('embeddings.position_embeddings.weight');
    const type = this.distil ? undefined : this.w('embeddings.token_type_embeddings.weight');
    let x: Vec[] = ids.map((id, t) => {
      // RoBERTa: position ids = padding_idx + 1 + t for real tokens
      const p = roberta ? (c.pad_token_id as number) + 1 + t : t;
      const e = new Float64Array(H);
      for (let j = 0; j < H; j++) e[j] = word[id * H + j]! + pos[p * H + j]! + (type ? type[j]! : 0);
      return this.layerNorm(e, 'embeddings.LayerNorm', eps);
    });
    const names = (l: number) =>
      this.distil
        ? { q: `transformer.layer.${l}.attention.q_lin`, k: `transformer.layer.${l}.attention.k_lin`, v: `transformer.layer.${l}.attention.v_lin`, o: `transformer.layer.${l}.attention.out_lin`, ln1: `transformer.layer.${l}.sa_layer_norm`, i: `transformer.layer.${l}.ffn.lin1`, o2: `transformer.layer.${l}.ffn.lin2`, ln2: `transformer.layer.${l}.output_layer_norm` }
        : { q: `encoder.layer.${l}.attention.self.query`, k: `encoder.layer.${l}.attention.self.key`, v: `encoder.layer.${l}.attention.self.value`, o: `encoder.layer.${l}.attention.output.dense`, ln1: `encoder.layer.${l}.attention.output.LayerNorm`, i: `encoder.layer.${l}.intermediate.dense`, o2: `encoder.layer.${l}.output.dense`, ln2: `encoder.layer.${l}.output.LayerNorm` };
    for (let l = 0; l < nLayers; l++) {
      const n = names(l);
      const q = x.map((v) => this.linear(v, n.q));
      const k = x.map((v) => this.linear(v, n.k));
      const v = x.map((u) => this.linear(u, n.v));
      const ctx = x.map(() => new Float64Array(H));
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < T; i++) {
          const s = new Float64Array(T);
          for (let j = 0; j < T; j++) {
            let dot = 0;
            for (let e = 0; e < d; e++) dot += q[i]![h * d + e]! * k[j]![h * d + e]!;
            s[j] = dot / Math.sqrt(d);
          }
          const m = Math.max(...s);
          const p = s.map((z) => Math.exp(z - m));
          const Z = p.reduce((a, z) => a + z, 0);
          for (let j = 0; j < T; j++) for (let e = 0; e < d; e++) ctx[i]![h * d + e]! += (p[j]! / Z) * v[j]![h * d + e]!;
        }
      }
      x = x.map((xi, i) => {
        const a = this.linear(ctx[i]!, n.o);
        const y = this.layerNorm(xi.map((z, j) => z + a[j]!), n.ln1, eps);
        const act = (this.distil ? c.activation : c.hidden_act) as string;
        const inter = this.linear(y, n.i).map((z) =>
          act === 'gelu_new' ? 0.5 * z * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (z + 0.044715 * z ** 3))) : act === 'relu' ? Math.max(z, 0) : 0.5 * z * (1 + erf(z / Math.SQRT2)),
        );
        const f = this.linear(inter, n.o2);
        return this.layerNorm(y.map((z, j) => z + f[j]!), n.ln2, eps);
      });
    }
    let tokens = x;
    if (pooling === 'colbert') {
      tokens = x.map((xi) => {
        const y = this.linear(xi, 'linear');
        const norm = Math.max(Math.sqrt(y.reduce((a, z) => a + z * z, 0)), 1e-12);
        return y.map((z) => z / norm);
      });
    }
    const D = tokens[0]!.length;
    const pooled = pooling === 'cls' ? tokens[0]!.slice() : new Float64Array(D).map((_, j) => tokens.reduce((a, t) => a + t[j]!, 0) / T);
    const norm = Math.max(Math.sqrt(pooled.reduce((a, z) => a + z * z, 0)), 1e-12);
    return { tokens, embedding: pooled.map((z) => z / norm) };
  }
}

const SENTENCES = ['the cat', 'a cat sat on the mat with the other cat', 'cathe', 'Hello world! How are you today?', 'x'];

const CASES: { label: string; opts: TinyModelOptions; pooling: 'cls' | 'mean' | 'colbert'; needsShared: boolean }[] = [
  { label: 'BERT / MiniLM (WordPiece, CLS pooling)', opts: { modelType: 'bert', tokenizer: 'wordpiece', pooling: 'cls' }, pooling: 'cls', needsShared: true },
  { label: 'DistilBERT (WordPiece, mean pooling)', opts: { modelType: 'distilbert', tokenizer: 'wordpiece' }, pooling: 'mean', needsShared: true },
  { label: 'XLM-R (Unigram, position offset 2, mean pooling)', opts: { modelType: 'xlm-roberta', tokenizer: 'unigram' }, pooling: 'mean', needsShared: false },
  { label: 'RoBERTa + ColBERT projection (byte-level BPE)', opts: { modelType: 'roberta', tokenizer: 'bpe', colbert: 16 }, pooling: 'colbert', needsShared: false },
];

/** Activations other than the exact GELU: against the float64 reference only (the ONNX graph builds the erf GELU). */
const ACT_CASES: typeof CASES = [
  { label: 'RoBERTa with gelu_new (tanh GELU)', opts: { modelType: 'roberta', tokenizer: 'bpe', activation: 'gelu_new' }, pooling: 'mean', needsShared: false },
  { label: 'DistilBERT-style with relu (Unigram)', opts: { modelType: 'distilbert', tokenizer: 'unigram', activation: 'relu' }, pooling: 'mean', needsShared: false },
];

describe('BERT-family forward: engine vs an independent float64 reference', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'optical-hf-parity-'));
  });
  for (const c of [...CASES, ...ACT_CASES]) {
    it.skipIf(c.needsShared && !MODELS)(`${c.label}: token states and embeddings within 1e-4`, async () => {
      const dir = join(root, c.label.replace(/\W+/g, '-'));
      makeTinyModel(dir, { ...c.opts, minilmDir: MODELS && join(MODELS, 'tokenizers-minilm'), seed: 11 });
      expect(existsSync(join(dir, 'model.safetensors'))).toBe(true);
      const model = await loadHfModel(dir);
      expect(model.pooling).toBe(c.pooling);
      const ref = new Reference(dir);
      // encoded together (padded to the longest) by the engine; one at a time, unpadded, by the reference
      const out = model.encode(SENTENCES, { tokens: true });
      let maxTok = 0;
      let maxEmb = 0;
      SENTENCES.forEach((s, i) => {
        const ids = model.featurize(s).ids;
        const r = ref.forward(ids, c.pooling);
        const D = model.dim;
        expect(out.tokens![i]!.length).toBe(ids.length * D);
        r.tokens.forEach((tok, t) => tok.forEach((z, j) => (maxTok = Math.max(maxTok, Math.abs(z - out.tokens![i]![t * D + j]!)))));
        r.embedding.forEach((z, j) => (maxEmb = Math.max(maxEmb, Math.abs(z - out.embeddings[i * D + j]!))));
      });
      console.log(`[parity] ${c.label}: max |Δ| token states ${maxTok.toExponential(2)}, embeddings ${maxEmb.toExponential(2)}`);
      expect(maxTok).toBeLessThan(1e-4);
      expect(maxEmb).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});

describe('BERT-family forward: engine vs the same weights exported to ONNX and run by onnxruntime-node', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'optical-hf-onnx-'));
  });
  for (const c of CASES) {
    it.skipIf(c.needsShared && !MODELS)(`${c.label}: token states and embeddings within 1e-4`, async () => {
      const dir = join(root, c.label.replace(/\W+/g, '-'));
      makeTinyModel(dir, { ...c.opts, minilmDir: MODELS && join(MODELS, 'tokenizers-minilm'), seed: 23 });
      const model = await loadHfModel(dir);
      const onnx = exportBertToOnnx(dir);
      // a padded batch as transformers builds it (pad ids, attention mask, RoBERTa's cumulative positions)
      const ids = SENTENCES.map((s) => model.featurize(s).ids);
      const { states, L } = await runOnnxBert(onnx, ids);
      const D = model.dim;
      const mine = model.encode(SENTENCES, { tokens: true });
      let maxTok = 0;
      let maxEmb = 0;
      ids.forEach((row, b) => {
        const T = row.length;
        const toks: Float64Array[] = [];
        for (let t = 0; t < T; t++) {
          const v = Float64Array.from(states.subarray((b * L + t) * D, (b * L + t + 1) * D));
          const n = c.pooling === 'colbert' ? Math.max(Math.hypot(...v), 1e-12) : 1;
          toks.push(v.map((z) => z / n));
        }
        toks.forEach((v, t) => v.forEach((z, j) => (maxTok = Math.max(maxTok, Math.abs(z - mine.tokens![b]![t * D + j]!)))));
        const pooled = c.pooling === 'cls' ? toks[0]! : new Float64Array(D).map((_, j) => toks.reduce((a, v) => a + v[j]!, 0) / T);
        const n = Math.max(Math.hypot(...pooled), 1e-12);
        pooled.forEach((z, j) => (maxEmb = Math.max(maxEmb, Math.abs(z / n - mine.embeddings[b * D + j]!))));
      });
      console.log(`[parity onnx] ${c.label}: max |Δ| token states ${maxTok.toExponential(2)}, embeddings ${maxEmb.toExponential(2)}`);
      expect(maxTok).toBeLessThan(1e-4);
      expect(maxEmb).toBeLessThan(1e-4);
      model.dispose();
    });
  }
});
