/**
 * src/text — tokenizers for the teacher (USE-lite's SentencePiece vocabulary, TF.js-exact) and the
 * student (a unigram vocabulary trained here), Hugging Face `tokenizer.json` I/O, hashed
 * character n-grams, and seeded noise (typos, diacritics, case, word drop / shuffle / duplication)
 * for robustness evaluation and augmentation.
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
export type { Perturbation } from './noise-common.ts';
export {
  DIACRITIC_FOLDS,
  QWERTY_NEIGHBOURS,
  deleteChars,
  flipCase,
  insertChars,
  keyboardTypos,
  stripDiacritics,
  swapChars,
} from './noise-char.ts';
export { DEFAULT_SHUFFLE_WINDOW, dropWords, duplicateWords, shuffleWords } from './noise-word.ts';
export {
  NOISE_NAMES,
  NOISE_TYPES,
  Noise,
  type NoiseComponent,
  type NoiseName,
  type NoiseType,
  applyNoise,
  hashInts,
  noiseSeed,
  parseNoiseSpec,
} from './noise.ts';
