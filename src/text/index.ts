/**
 * src/text — tokenizers for the teacher (USE-lite's SentencePiece vocabulary, TF.js-exact) and the
 * student (a unigram vocabulary trained here), Hugging Face `tokenizer.json` I/O, and hashed
 * character n-grams.
 *
 * Shapes: an encoding of one text has `T` tokens (`ids`, `pieces`, `wordStarts` are all `[T]`);
 * batches are padded by the caller to `[B, T]` (USE-lite pads with −1 and reads at most 128).
 */
export type {
  Encoding,
  HFAddedToken,
  HFNormalizer,
  HFPreTokenizer,
  HFTokenizerJson,
  HFUnigramModel,
  OpticalModelExtension,
  Tokenizer,
} from './types.ts';
export { PieceTable } from './pieces.ts';
export { CodePointTrie, codePoints } from './trie.ts';
export { type Segmentation, viterbiSentencePiece, viterbiTfjsUse } from './lattice.ts';
export {
  METASPACE,
  STUDENT_NORMALIZER,
  STUDENT_PRE_TOKENIZER,
  USE_LITE_NORMALIZER,
  compileNormalizer,
  compilePreTokenizer,
} from './pipeline.ts';
export { type LatticeKind, UnigramTokenizer, type UnigramTokenizerConfig } from './unigram.ts';
export {
  SentencePieceTokenizer,
  type SentencePieceTokenizerOptions,
  USE_LITE_MAX_LENGTH,
  USE_LITE_PAD_ID,
  USE_LITE_RESERVED,
  defaultUseLiteVocabPath,
  loadUseLiteTokenizer,
  readUseVocabJson,
} from './use-lite.ts';
export { loadTokenizerJson, parseTokenizerJson, writeTokenizerJson } from './tokenizer-json.ts';
export { type TrainUnigramOptions, digamma, trainUnigram } from './train-unigram.ts';
export { charNgrams, fnv1a32, hashString, hashedCharNgrams, tokenWords } from './ngrams.ts';
