import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import { loadTokenizerJson, parseTokenizerJson, trainUnigram, writeTokenizerJson } from './index.ts';
import { syntheticCorpus } from './fixtures/synthetic-corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'optical-tokjson-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const corpus = syntheticCorpus(400, 11);
const tok = trainUnigram(corpus, { vocabSize: 250, maxLength: 64 });
const probes = [
  ...corpus.slice(0, 50),
  '',
  '   ',
  ' leading and  double  spaces ',
  'unseen wörds: Ωmega ☃ 😀😀 ﬁ',
  'Tab\there\nnewline',
];

/** Writes `json` to a fresh file and returns its path. */
function fileWith(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof json === 'string' ? json : JSON.stringify(json));
  return path;
}

describe('tokenizer.json round trip', () => {
  it('writes a Hugging Face Unigram tokenizer.json', () => {
    const json = tok.toHF();
    expect(json.normalizer).toEqual({ type: 'NFKC' });
    expect(json.pre_tokenizer).toEqual({ type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true });
    expect(json.model.type).toBe('Unigram');
    expect(json.model.unk_id).toBe(0);
    expect(json.model.byte_fallback).toBe(false);
    expect(json.model.vocab).toHaveLength(250);
    expect(json.model.vocab[0]).toEqual(['<unk>', 0]);
    expect(json.added_tokens).toEqual([
      { id: 0, content: '<unk>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ]);
    expect(json.model.optical).toEqual({ maxLength: 64 });
  });

  it('loads back to identical ids, pieces and vocabulary', () => {
    const path = join(dir, 'tokenizer.json');
    writeTokenizerJson(tok, path);
    const back = loadTokenizerJson(path);
    expect(back.vocab()).toEqual(tok.vocab());
    expect(back.maxLength).toBe(64);
    for (const text of probes) expect(back.encodeWithPieces(text), JSON.stringify(text)).toEqual(tok.encodeWithPieces(text));
  });

  it('reads the legacy Metaspace form (add_prefix_space) and ignores the decoder', () => {
    const json = JSON.parse(JSON.stringify(tok.toHF()));
    json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', add_prefix_space: true, str_rep: '▁' };
    json.decoder = { type: 'Whatever' };
    const back = parseTokenizerJson(json);
    for (const text of probes) expect(back.encode(text)).toEqual(tok.encode(text));
  });
});

describe('malformed tokenizer.json', () => {
  const good = tok.toHF();
  const variant = (edit: (j: any) => void): unknown => {
    const j = JSON.parse(JSON.stringify(good));
    edit(j);
    return j;
  };
  const cases: [string, unknown, RegExp][] = [
    ['not-json.json', '{"model": ', /not-json\.json: not valid JSON/],
    ['array.json', [], /array\.json: \(root\): expected an object/],
    ['no-model.json', variant((j) => delete j.model), /no-model\.json: model: expected an object/],
    ['bpe.json', variant((j) => (j.model = { type: 'BPE', vocab: {}, merges: [] })), /bpe\.json: model\.type: "BPE" is not supported/],
    ['vocab-entry.json', variant((j) => (j.model.vocab[3] = ['x'])), /vocab-entry\.json: model\.vocab\[3\]/],
    ['vocab-score.json', variant((j) => (j.model.vocab[7] = ['x', 'high'])), /model\.vocab\[7\]/],
    ['unk.json', variant((j) => (j.model.unk_id = 10_000)), /unk\.json: model\.unk_id/],
    ['unk-null.json', variant((j) => (j.model.unk_id = null)), /model\.unk_id: expected an id in \[0, 250\), got null/],
    ['bytes.json', variant((j) => (j.model.byte_fallback = true)), /model\.byte_fallback/],
    [
      'precompiled.json',
      variant((j) => (j.normalizer = { type: 'Sequence', normalizers: [{ type: 'Precompiled', precompiled_charsmap: '' }] })),
      /precompiled\.json: normalizer\.normalizers\[0\]\.type: unsupported normalizer "Precompiled"/,
    ],
    ['pretok.json', variant((j) => (j.pre_tokenizer = { type: 'ByteLevel' })), /pre_tokenizer\.type: unsupported pre_tokenizer "ByteLevel"/],
    ['scheme.json', variant((j) => (j.pre_tokenizer.prepend_scheme = 'sometimes')), /pre_tokenizer\.prepend_scheme/],
    ['post.json', variant((j) => (j.post_processor = { type: 'TemplateProcessing' })), /post\.json: post_processor: is not supported/],
    ['trunc.json', variant((j) => (j.truncation = { max_length: 8 })), /truncation: is not supported/],
    ['added.json', variant((j) => (j.added_tokens[0].content = '<pad>')), /added_tokens\[0\]\.content/],
    ['lattice.json', variant((j) => (j.model.optical = { lattice: 'bpe' })), /model\.optical\.lattice/],
  ];
  for (const [name, json, message] of cases) {
    it(`rejects ${name} with an InputError naming the file and the field`, () => {
      const path = fileWith(name, json);
      expect(() => loadTokenizerJson(path)).toThrow(InputError);
      expect(() => loadTokenizerJson(path)).toThrow(message);
    });
  }

  it('names a missing file', () => {
    expect(() => loadTokenizerJson(join(dir, 'missing.json'))).toThrow(/missing\.json: cannot read tokenizer\.json/);
  });
});
