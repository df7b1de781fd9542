/**
 * Hugging Face folders: loading (single file and sharded), pooling detection, forward shapes and masking,
 * save → load round trip (bit-exact tensors and outputs), clear errors on bad folders, and the offline
 * message of a named model that is not in the cache. Tiny models made by the test (testing.ts).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, cpSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../safetensors.ts';
import { InputError } from '../../errors.ts';
import { loadHfModel } from './load.ts';
import { resolveHubModel, hubCacheDir, isHubName } from './hub.ts';
import { makeTinyModel } from './testing.ts';
import { loadEncoder } from '../student.ts';

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'optical-hf-'));
});

const SENTS = ['the cat', 'a cat sat on the mat with the cat', 'cathe'];

/** Expect `f` to reject with an InputError whose message matches every pattern. */
async function expectInputError(f: () => Promise<unknown>, ...patterns: RegExp[]): Promise<void> {
  let err: unknown;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  for (const p of patterns) expect((err as Error).message).toMatch(p);
}

describe('Hugging Face model folders', () => {
  it('loads an XLM-R-style folder: config, pooling, dims, vocabulary, name and fingerprint', async () => {
    const dir = join(root, 'xlmr');
    makeTinyModel(dir, { modelType: 'xlm-roberta', tokenizer: 'unigram' });
    const m = await loadHfModel(dir);
    expect(m.cfg).toMatchObject({ modelType: 'xlm-roberta', hidden: 32, layers: 2, heads: 4, intermediate: 64, positionOffset: 2, typeVocabSize: 1 });
    expect(m.pooling).toBe('mean');
    expect(m.dim).toBe(32);
    expect(m.maxLength).toBe(64);
    expect(m.meta.name).toBe(dir);
    expect(m.meta.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(Object.keys(m.source.passthrough).sort()).toEqual(['roberta.embeddings.position_ids', 'roberta.pooler.dense.bias', 'roberta.pooler.dense.weight']);
    expect(m.featurize('the cat').ids).toEqual([0, 4, 7, 2]);
    m.dispose();
  });

  it('forward: shapes, zero at padding, and padding does not change a sentence\'s outputs', async () => {
    const dir = join(root, 'colbert');
    makeTinyModel(dir, { modelType: 'roberta', tokenizer: 'bpe', colbert: 8 });
    const m = await loadHfModel(dir);
    expect(m.pooling).toBe('colbert');
    expect(m.dim).toBe(8);
    const alone = SENTS.map((s) => m.encode([s], { tokens: true, pooled: true }));
    const together = m.encode(SENTS, { tokens: true, pooled: true, batchSize: 3 });
    expect(together.embeddings.length).toBe(3 * 8);
    SENTS.forEach((s, i) => {
      const T = m.featurize(s).ids.length;
      expect(together.tokens![i]!.length).toBe(T * 8);
      let max = 0;
      alone[i]!.tokens![0]!.forEach((z, j) => (max = Math.max(max, Math.abs(z - together.tokens![i]![j]!))));
      alone[i]!.embeddings.forEach((z, j) => (max = Math.max(max, Math.abs(z - together.embeddings[i * 8 + j]!))));
      expect(max, s).toBeLessThan(1e-5);
      // ColBERT tokens are unit vectors
      for (let t = 0; t < T; t++) expect(Math.hypot(...together.tokens![i]!.subarray(t * 8, t * 8 + 8))).toBeCloseTo(1, 5);
    });
    // the raw forward: [B, L, D] tokens, exactly zero at padded positions
    const batch = m.pack(SENTS.map((s) => m.featurize(s)));
    const tok = m.forward(batch).tokens;
    expect(tok.shape).toEqual([3, batch.L, 8]);
    const arr = tok.dataSync();
    const T0 = m.featurize(SENTS[0]!).ids.length;
    for (let t = T0; t < batch.L; t++) for (let j = 0; j < 8; j++) expect(arr[t * 8 + j]).toBe(0);
    m.dispose();
  });

  it('a sharded checkpoint (model.safetensors.index.json) loads to the same model as the single file', async () => {
    const one = join(root, 'one');
    const sharded = join(root, 'sharded');
    makeTinyModel(one, { modelType: 'xlm-roberta', seed: 5 });
    makeTinyModel(sharded, { modelType: 'xlm-roberta', seed: 5, shards: 3 });
    expect(readdirSync(sharded).filter((f) => f.endsWith('.safetensors'))).toHaveLength(3);
    const a = await loadHfModel(one);
    const b = await loadHfModel(sharded);
    expect(b.encode(SENTS).embeddings).toEqual(a.encode(SENTS).embeddings);
    a.dispose();
    b.dispose();
  });

  it('save → load round trip is bit-exact (tensors, tokenizer files, outputs); the saved folder is re-saved identically', async () => {
    const src = join(root, 'rt-src');
    makeTinyModel(src, { modelType: 'xlm-roberta', pooling: 'cls' });
    const a = await loadHfModel(src);
    expect(a.pooling).toBe('cls');
    a.meta.name = 'optical-xx-mse';
    a.meta.teacher = '/some/teacher';
    const out1 = join(root, 'rt-1');
    a.save(out1, { training: { steps: 3 } });
    const b = await loadHfModel(out1);
    expect(b.meta).toMatchObject({ name: 'optical-xx-mse', teacher: '/some/teacher' });
    expect(b.pooling).toBe('cls');
    // every original tensor is there under its original name with identical bytes (passthrough included)
    const orig = readSafetensors(join(src, 'model.safetensors')).tensors;
    const saved = readSafetensors(join(out1, 'model.safetensors')).tensors;
    expect(Object.keys(saved).sort()).toEqual(Object.keys(orig).sort());
    for (const [k, t] of Object.entries(orig)) {
      expect(saved[k]!.dtype, k).toBe(t.dtype);
      expect(saved[k]!.shape, k).toEqual(t.shape);
      expect(Buffer.from(saved[k]!.data.buffer, saved[k]!.data.byteOffset, saved[k]!.data.byteLength).equals(Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength)), k).toBe(true);
    }
    for (const f of ['tokenizer.json', 'tokenizer_config.json']) expect(readFileSync(join(out1, f)).equals(readFileSync(join(src, f))), f).toBe(true);
    const cfg = JSON.parse(readFileSync(join(out1, 'config.json'), 'utf8'));
    const { optical, ...rest } = cfg;
    expect(rest).toEqual(JSON.parse(readFileSync(join(src, 'config.json'), 'utf8')));
    expect(optical).toMatchObject({ name: 'optical-xx-mse', teacher: '/some/teacher', pooling: 'cls', training: { steps: 3 } });
    expect(JSON.parse(readFileSync(join(out1, '1_Pooling', 'config.json'), 'utf8'))).toMatchObject({ pooling_mode_cls_token: true, pooling_mode_mean_tokens: false });
    const ea = a.encode(SENTS, { tokens: true });
    const eb = b.encode(SENTS, { tokens: true });
    expect(eb.embeddings).toEqual(ea.embeddings);
    eb.tokens!.forEach((t, i) => expect(t).toEqual(ea.tokens![i]));
    const out2 = join(root, 'rt-2');
    b.save(out2, { training: { steps: 3 } });
    expect(readFileSync(join(out2, 'model.safetensors')).equals(readFileSync(join(out1, 'model.safetensors')))).toBe(true);
    expect(readFileSync(join(out2, 'config.json'), 'utf8')).toBe(readFileSync(join(out1, 'config.json'), 'utf8'));
    a.dispose();
    b.dispose();
  });

  it('loadEncoder tells Hugging Face folders from Kona students', async () => {
    const dir = join(root, 'via-spec');
    makeTinyModel(dir, { modelType: 'roberta', tokenizer: 'bpe' });
    const m = await loadEncoder(dir);
    expect(m.dim).toBe(32);
    expect(m.meta.name).toBe(dir);
    m.dispose();
  });
});

describe('bad folders give InputErrors naming the file and field', () => {
  const fresh = (name: string) => {
    const dir = join(root, `bad-${name}`);
    makeTinyModel(dir, { modelType: 'xlm-roberta' });
    return dir;
  };
  const editConfig = (dir: string, f: (c: Record<string, unknown>) => void) => {
    const file = join(dir, 'config.json');
    const c = JSON.parse(readFileSync(file, 'utf8'));
    f(c);
    writeFileSync(file, JSON.stringify(c));
  };

  it('missing config field, unknown model_type, bad value', async () => {
    const a = fresh('field');
    editConfig(a, (c) => delete c.hidden_size);
    await expectInputError(() => loadHfModel(a), /config\.json/, /missing field "hidden_size"/);
    const b = fresh('type');
    editConfig(b, (c) => (c.model_type = 'gpt2'));
    await expectInputError(() => loadHfModel(b), /config\.json/, /"model_type": unsupported "gpt2"/, /bert, roberta/);
    const c = fresh('value');
    editConfig(c, (x) => (x.num_attention_heads = 'four'));
    await expectInputError(() => loadHfModel(c), /config\.json/, /"num_attention_heads": expected a non-negative integer, got "four"/);
    const d = fresh('heads');
    editConfig(d, (x) => (x.num_attention_heads = 5));
    await expectInputError(() => loadHfModel(d), /config\.json/, /hidden size 32 is not a multiple of the head count 5/);
    const e = fresh('json');
    writeFileSync(join(e, 'config.json'), '{"model_type": ');
    await expectInputError(() => loadHfModel(e), /config\.json: invalid JSON/);
  });

  it('a tensor missing or of the wrong shape', async () => {
    const a = fresh('missing');
    const file = join(a, 'model.safetensors');
    const t = readSafetensors(file).tensors;
    delete t['roberta.encoder.layer.1.output.dense.weight'];
    writeSafetensors(file, t);
    await expectInputError(() => loadHfModel(a), /tensor "roberta\.encoder\.layer\.1\.output\.dense\.weight" missing \(expected shape \[32, 64\]\)/);
    const b = fresh('shape');
    const fb = join(b, 'model.safetensors');
    const tb = readSafetensors(fb).tensors;
    tb['roberta.encoder.layer.0.attention.self.query.weight'] = { dtype: 'F32', shape: [32, 16], data: new Float32Array(512) };
    writeSafetensors(fb, tb);
    await expectInputError(() => loadHfModel(b), /model\.safetensors: tensor "roberta\.encoder\.layer\.0\.attention\.self\.query\.weight" has shape \[32, 16\], expected \[32, 32\]/);
    const c = fresh('noembed');
    const fc = join(c, 'model.safetensors');
    const tc = readSafetensors(fc).tensors;
    delete tc['roberta.embeddings.word_embeddings.weight'];
    writeSafetensors(fc, tc);
    await expectInputError(() => loadHfModel(c), /tensor "embeddings\.word_embeddings\.weight" missing/);
  });

  it('no weights, no tokenizer.json, a shard missing, a vocabulary larger than the model', async () => {
    const a = fresh('noweights');
    rmSync(join(a, 'model.safetensors'));
    await expectInputError(() => loadHfModel(a), /no model\.safetensors or model\.safetensors\.index\.json/);
    const b = fresh('notok');
    rmSync(join(b, 'tokenizer.json'));
    await expectInputError(() => loadHfModel(b), /no tokenizer\.json/);
    const c = join(root, 'bad-shard');
    makeTinyModel(c, { modelType: 'xlm-roberta', shards: 2 });
    rmSync(join(c, 'model-00002-of-00002.safetensors'));
    await expectInputError(() => loadHfModel(c), /model-00002-of-00002\.safetensors: no such file/);
    const d = fresh('vocab');
    editConfig(d, (x) => (x.vocab_size = 10));
    await expectInputError(() => loadHfModel(d), /tokenizer\.json: the tokenizer emits ids up to 16 but field "vocab_size" of config\.json is 10/);
  });
});

describe('named models and the local cache', () => {
  it('names: org/name only', () => {
    expect(isHubName('sentence-transformers/all-MiniLM-L6-v2')).toBe(true);
    expect(isHubName('bert-base-uncased')).toBe(false);
    expect(isHubName('./a/b')).toBe(false);
    expect(isHubName('/abs/path')).toBe(false);
    expect(isHubName('a/../b')).toBe(false);
  });

  it('offline: the message names the cache folder to fill; a filled cache folder is used without network', async () => {
    const cache = join(root, 'cache');
    const prev = process.env.OPTICAL_CACHE;
    process.env.OPTICAL_CACHE = cache;
    try {
      const name = 'someone/tiny-model';
      const dir = hubCacheDir(name);
      expect(dir).toBe(join(cache, 'hf', 'someone--tiny-model'));
      const failing = (async () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
      }) as unknown as typeof fetch;
      await expectInputError(() => resolveHubModel(name, { fetch: failing, offline: false }), /"someone\/tiny-model" is not a local folder/, /network: fetch failed \(ENOTFOUND\)/, new RegExp(`config\\.json, model\\.safetensors .* and tokenizer\\.json .* in ${dir.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
      await expectInputError(() => resolveHubModel(name, { offline: true }), /HF_HUB_OFFLINE=1/);
      expect(existsSync(dir)).toBe(false);
      // the user provides the folder: it is used, and the network is never asked
      const made = join(root, 'made');
      makeTinyModel(made, { modelType: 'xlm-roberta' });
      cpSync(made, dir, { recursive: true });
      expect(await resolveHubModel(name, { fetch: failing })).toBe(dir);
      const m = await loadEncoder(name);
      expect(m.meta.name).toBe(name);
      m.dispose();
    } finally {
      if (prev === undefined) delete process.env.OPTICAL_CACHE;
      else process.env.OPTICAL_CACHE = prev;
    }
  });

  it('fetching (a fake hub serving a local sharded folder, no network): files land in the cache folder atomically', async () => {
    const cache = join(root, 'cache-fetch');
    const prev = process.env.OPTICAL_CACHE;
    process.env.OPTICAL_CACHE = cache;
    try {
      const served = join(root, 'served');
      makeTinyModel(served, { modelType: 'xlm-roberta', shards: 2, seed: 9 });
      const asked: string[] = [];
      const hub = (broken?: string) => (async (url: string) => {
        asked.push(url);
        const m = /^https:\/\/huggingface\.co\/someone\/served\/resolve\/main\/(.+)$/.exec(url);
        const file = m && join(served, m[1]!);
        if (m && m[1] === broken) return new Response('server error', { status: 500 });
        return file && existsSync(file) ? new Response(readFileSync(file)) : new Response('not found', { status: 404 });
      }) as unknown as typeof fetch;
      // a failure midway leaves no cache entry
      await expectInputError(() => resolveHubModel('someone/served', { fetch: hub('model-00002-of-00002.safetensors'), offline: false }), /HTTP 500/);
      expect(readdirSync(join(cache, 'hf'))).toEqual([]);
      asked.length = 0;
      const dir = await resolveHubModel('someone/served', { fetch: hub(), offline: false });
      expect(dir).toBe(hubCacheDir('someone/served'));
      const files = asked.map((u) => u.split('/resolve/main/')[1]);
      expect(files.slice(0, 5)).toEqual(['config.json', 'tokenizer.json', 'model.safetensors', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors']);
      expect(existsSync(join(dir, 'tokenizer_config.json'))).toBe(true);
      const a = await loadHfModel(served);
      const b = await loadHfModel(dir);
      expect(b.encode(SENTS).embeddings).toEqual(a.encode(SENTS).embeddings);
      a.dispose();
      b.dispose();
      // now cached: no request at all
      asked.length = 0;
      expect(await resolveHubModel('someone/served', { fetch: hub(), offline: false })).toBe(dir);
      expect(asked).toEqual([]);
    } finally {
      if (prev === undefined) delete process.env.OPTICAL_CACHE;
      else process.env.OPTICAL_CACHE = prev;
    }
  });
});
