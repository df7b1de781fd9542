/**
 * Tokenizer conformance: ids from tokenizer.json (run by @huggingface/tokenizers through HfTokenizer)
 * against ids worked out independently — a reference BERT WordPiece written here over the shared vocab.txt,
 * CLIP tokens looked up in the shared vocab.json, and hand-derived ids for the made BPE and Unigram files.
 */
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HfTokenizer } from './tokenizer.ts';
import { tinyBpeTokenizer, tinyUnigramTokenizer } from './testing.ts';
import { resolveTestModels } from '../../../test/data.ts';

const MODELS = resolveTestModels();
const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const load = (dir: string) => new HfTokenizer(readJson(join(dir, 'tokenizer.json')), readJson(join(dir, 'tokenizer_config.json')), join(dir, 'tokenizer.json'));

/**
 * Reference BERT uncased tokenization (BasicTokenizer + WordPiece of the original BERT code): lower-case,
 * strip accents (NFD, drop Mn), split on whitespace and punctuation, then greedy longest-match-first
 * sub-words with the `##` continuation prefix; a word with no segmentation is [UNK].
 */
function referenceWordPiece(text: string, vocab: Map<string, number>): number[] {
  const norm = text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');
  const words = norm.split(/\s+/).filter(Boolean).flatMap((w) => w.split(/([!-/:-@[-`{-~]|\p{P})/u).filter(Boolean));
  const ids = [vocab.get('[CLS]')!];
  for (const w of words) {
    const chars = [...w];
    const sub: number[] = [];
    let start = 0;
    let bad = false;
    while (start < chars.length) {
      let end = chars.length;
      let found: number | undefined;
      for (; end > start; end--) {
        const piece = (start > 0 ? '##' : '') + chars.slice(start, end).join('');
        found = vocab.get(piece);
        if (found !== undefined) break;
      }
      if (found === undefined) {
        bad = true;
        break;
      }
      sub.push(found);
      start = end;
    }
    ids.push(...(bad ? [vocab.get('[UNK]')!] : sub));
  }
  ids.push(vocab.get('[SEP]')!);
  return ids;
}

describe.skipIf(!MODELS)('tokenizers from the shared files (skipped without ../shared/models)', () => {
  it('WordPiece (all-MiniLM-L6-v2): ids equal a reference WordPiece over vocab.txt', () => {
    const dir = join(MODELS!, 'tokenizers-minilm');
    const vocab = new Map(readFileSync(join(dir, 'vocab.txt'), 'utf8').split('\n').map((t, i) => [t, i] as [string, number]));
    const tok = load(dir);
    const texts = [
      'Hello world!',
      'Unaffable naïve café',
      'The quick brown fox jumps over the lazy dog.',
      "Don't stop-believing: 3.14 is π?",
      'Ubuntu xyzzyqqq tokenization, ÉCOLE Élève',
    ];
    for (const t of texts) expect(tok.encode(t, 512).ids, t).toEqual(referenceWordPiece(t, vocab));
    // a fixed point: [CLS] hello world ! [SEP]
    expect(tok.encode('Hello world!', 512).ids).toEqual([101, 7592, 2088, 999, 102]);
  });

  it('truncation keeps the special tokens and cuts the content', () => {
    const tok = load(join(MODELS!, 'tokenizers-minilm'));
    const full = tok.encode('the quick brown fox jumps', 512).ids;
    expect(full.length).toBe(7);
    expect(tok.encode('the quick brown fox jumps', 5).ids).toEqual([...full.slice(0, 4), full[6]]);
  });

  it('byte-level BPE (CLIP ViT-B/32): ids equal the vocab.json ids of the expected tokens', () => {
    const dir = join(MODELS!, 'tokenizers-clip');
    const vocab = readJson(join(dir, 'vocab.json')) as Record<string, number>;
    const tok = load(dir);
    const cases: [string, string[]][] = [
      ['a photo of a cat', ['a</w>', 'photo</w>', 'of</w>', 'a</w>', 'cat</w>']],
      ['Hello world!', ['hello</w>', 'world</w>', '!</w>']],
      ['two dogs', ['two</w>', 'dogs</w>']],
    ];
    for (const [text, tokens] of cases) {
      const expected = ['<|startoftext|>', ...tokens, '<|endoftext|>'].map((t) => vocab[t]!);
      expect(expected.every((x) => Number.isInteger(x))).toBe(true);
      expect(tok.encode(text, 77).ids, text).toEqual(expected);
    }
  });
});

describe('made tokenizers', () => {
  it('byte-level BPE: merges applied by priority (ids derived by hand from the made vocabulary)', () => {
    const tok = new HfTokenizer(tinyBpeTokenizer(), {}, 'made-bpe');
    // "the" = t h e → t he (merge 0) → the (merge 1) = 261; " cat" = Ġ c a t → Ġc (2), at (3), Ġcat (4) = 264
    expect(tok.encode('the cat', 512).ids).toEqual([0, 261, 264, 2]);
    // " the" = Ġ t h e: "h e" (rank 0) beats "Ġ t" (rank 5), then "t he" (1); "Ġ the" is no merge → Ġ (36), the (261)
    expect(tok.encode('a the', 512).ids).toEqual([0, 4 + 97, 4 + 32, 261, 2]);
    // bytes outside ASCII: "é" = 0xC3 0xA9 → byte characters 4 + 195, 4 + 169
    expect(tok.encode('é', 512).ids).toEqual([0, 4 + 0xc3, 4 + 0xa9, 2]);
  });

  it('Unigram: the Viterbi segmentation of highest total score (ids derived by hand)', () => {
    const tok = new HfTokenizer(tinyUnigramTokenizer(), {}, 'made-unigram');
    // ▁the (−1) beats ▁ + the (−3.2); ▁cat (−1.5) beats ▁ + ca + t (−7.5)
    expect(tok.encode('the cat', 512).ids).toEqual([0, 4, 7, 2]);
    // ▁cathe: ▁ + ca + the = −5.7 beats ▁cat + h + e = −7.5 (greedy longest match would pick ▁cat)
    expect(tok.encode('cathe', 512).ids).toEqual([0, 5, 8, 6, 2]);
    // ▁sat: ▁ + s + at = −7.8 beats ▁ + s + a + t = −11
    expect(tok.encode('a cat sat', 512).ids).toEqual([0, 15, 7, 5, 14, 16, 2]);
    // an unknown character becomes <unk> (3)
    expect(tok.encode('x', 512).ids).toEqual([0, 5, 3, 2]);
  });
});
