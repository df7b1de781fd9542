import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { UnigramTokenizer, tokenWords } from './index.ts';

/** The example of Hugging Face tokenizers' `Unigram::encode` doc test. */
const HF_EXAMPLE: [string, number][] = [
  ['<unk>', 0],
  ['a', 0],
  ['b', 0],
  ['c', 0],
  ['d', 0],
  ['cd', 1],
  ['ab', 2],
  ['abc', 5],
  ['abcd', 10],
];

const bare = (vocab: [string, number][], lattice: 'sentencepiece' | 'tfjs-use' = 'sentencepiece') =>
  new UnigramTokenizer({ vocab, unkId: 0, normalizer: null, preTokenizer: null, lattice });

describe('Viterbi segmentation', () => {
  it('reproduces the Hugging Face Unigram example (best path, fused unknowns)', () => {
    const tok = bare(HF_EXAMPLE);
    const enc = tok.encodeWithPieces('abcdacdxx');
    expect(enc.pieces).toEqual(['abcd', 'a', 'cd', 'xx']);
    expect(enc.ids).toEqual([8, 1, 5, 0]);
  });

  it('breaks exact ties like SentencePiece (earliest start) or like TF.js USE (latest start)', () => {
    // "ab" scores −2 as one piece and −1 + −1 as two: a tie.
    const vocab: [string, number][] = [['<unk>', 0], ['a', -1], ['b', -1], ['ab', -2]];
    expect(bare(vocab).encodeWithPieces('ab').pieces).toEqual(['ab']);
    expect(bare(vocab, 'tfjs-use').encodeWithPieces('ab').pieces).toEqual(['a', 'b']);
  });

  it("keeps the TF.js quirk that a running score of exactly 0 counts as 'unset'", () => {
    // "▁:" has score 0 (as in USE's vocabulary): upstream overwrites it by "▁" + ":".
    const vocab: [string, number][] = [['\ufffd', 0], ['▁', -2], [':', 0], ['▁:', 0], [')', -3]];
    expect(bare(vocab, 'tfjs-use').encodeWithPieces('▁:)').pieces).toEqual(['▁', ':', ')']);
    expect(bare(vocab).encodeWithPieces('▁:)').pieces).toEqual(['▁:', ')']);
  });

  it('adds an unknown edge in TF.js mode only where no piece starts, and merges runs of id 0', () => {
    const vocab: [string, number][] = [['\ufffd', 0], ['a', -1], ['xa', -50]];
    // 'x' starts the piece "xa", so TF.js adds no unknown edge at 'x'; position 1 is then never
    // reached, reads as score 0 / id 0, and "a" from there beats "xa".
    expect(bare(vocab, 'tfjs-use').encodeWithPieces('xa').pieces).toEqual(['x', 'a']);
    expect(bare(vocab, 'tfjs-use').encode('xa')).toEqual([0, 1]);
    // SentencePiece adds an unknown edge (score min − 10 = −60) where no single character matches.
    expect(bare(vocab).encode('xa')).toEqual([2]);
    expect(bare(vocab, 'tfjs-use').encodeWithPieces('yyya')).toEqual({
      ids: [0, 1],
      pieces: ['yyy', 'a'],
      wordStarts: [false, false],
    });
  });

  it('never matches control pieces from text', () => {
    const tok = new UnigramTokenizer({
      vocab: [['<unk>', 0], ['<s>', 0], ['<', -1], ['s', -1], ['>', -1], ['▁', -1]],
      unkId: 0,
      controlIds: [1],
    });
    expect(tok.encode('<s>')).toEqual([5, 2, 3, 4]);
  });

  it('segments each ▁-word separately with the Metaspace pre-tokenizer', () => {
    const tok = new UnigramTokenizer({
      vocab: [['<unk>', 0], ['▁', -3], ['a', -2], ['b', -2], ['▁a', -1], ['a▁b', 10]],
      unkId: 0,
    });
    expect(tok.segments(' a  b')).toEqual(['▁a', '▁', '▁b']);
    // 'a▁b' would win in one lattice, but segments end at every ▁.
    expect(tok.encodeWithPieces('a b').pieces).toEqual(['▁a', '▁', 'b']);
    expect(tok.decode(tok.encode('a b'))).toBe('a b');
  });

  it('rejects invalid configurations with ArgumentError', () => {
    expect(() => new UnigramTokenizer({ vocab: [], unkId: 0 })).toThrow(ArgumentError);
    expect(() => new UnigramTokenizer({ vocab: [['<unk>', 0]], unkId: 3 })).toThrow(ArgumentError);
    expect(() => new UnigramTokenizer({ vocab: [['<unk>', Number.NaN]], unkId: 0 })).toThrow(ArgumentError);
    expect(() => new UnigramTokenizer({ vocab: [['a', 0], ['<unk>', 0]], unkId: 1, lattice: 'tfjs-use' })).toThrow(
      ArgumentError,
    );
    expect(() => bare(HF_EXAMPLE).idToPiece(99)).toThrow(ArgumentError);
  });
});

describe('tokenWords', () => {
  it('gives each token the word it belongs to', () => {
    expect(tokenWords({ pieces: ['▁wa', 'toto', '▁wa', '▁', '(', 'x'], wordStarts: [true, false, true, true, false, false] })).toEqual(
      ['watoto', 'watoto', 'wa', '(x', '(x', '(x'],
    );
    expect(tokenWords({ pieces: [], wordStarts: [] })).toEqual([]);
  });
});
