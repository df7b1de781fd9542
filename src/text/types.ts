/**
 * The tokenizer contract shared by the teacher (USE-lite's SentencePiece vocabulary) and the
 * student (a unigram vocabulary trained on the student's language).
 *
 * Conventions, used throughout `src/text`:
 * - A *piece* is a vocabulary string; `▁` (U+2581) marks the start of a whitespace-delimited word.
 * - An *id* is the index of a piece in the vocabulary list (`0 ≤ id < vocabSize`). Padding is not an
 *   id: callers pad dense `[B, T]` id matrices with a model-specific value (−1 for USE-lite).
 * - Lengths and positions inside the segmentation lattice are counted in Unicode code points.
 */

/** The result of {@link Tokenizer.encodeWithPieces}; all arrays have the same length `T`. */
export interface Encoding {
  /** `[T]` piece ids. */
  ids: number[];
  /**
   * `[T]` the text of each token: the vocabulary piece, or for an unknown token the (fused) input
   * characters it covers.
   */
  pieces: string[];
  /** `[T]` true where the token's text starts with `▁`, i.e. it begins a new word. */
  wordStarts: boolean[];
}

/** A subword tokenizer over a fixed piece vocabulary. */
export interface Tokenizer {
  /** Number of ids (vocabulary entries, including control pieces such as `<unk>`). */
  readonly vocabSize: number;
  /** Id emitted for characters that no piece covers. */
  readonly unkId: number;
  /**
   * Longest id sequence the paired model reads (USE-lite clips at 128), or `undefined` if none.
   * `encode` never truncates; the consumer clips.
   */
  readonly maxLength: number | undefined;
  /** The normalised, `▁`-marked string that the segmentation runs on. */
  normalize(text: string): string;
  /** Segments `text` into piece ids. */
  encode(text: string): number[];
  /** Like `encode`, with each token's text and a word-start flag. */
  encodeWithPieces(text: string): Encoding;
  /** Joins the pieces of `ids`, turning `▁` back into spaces (ids < 0, i.e. padding, are skipped). */
  decode(ids: readonly number[]): string;
  /** The piece string of `id` (throws `ArgumentError` if out of range). */
  idToPiece(id: number): string;
  /** The id of `piece` (the last one if the vocabulary lists it twice), or `undefined`. */
  pieceToId(piece: string): number | undefined;
  /** The score (log-probability) of `id`. */
  scoreOf(id: number): number;
  /** A Hugging Face `tokenizer.json` object describing this tokenizer (`JSON.stringify` it to save). */
  toHF(): HFTokenizerJson;
}

// ---------------------------------------------------------------------------------------------
// The subset of Hugging Face `tokenizer.json` (tokenizers ≥ 0.19) that src/text reads and writes.
// ---------------------------------------------------------------------------------------------

/** `normalizer` entries understood by {@link loadTokenizerJson}. */
export type HFNormalizer =
  | { type: 'NFC' }
  | { type: 'NFD' }
  | { type: 'NFKC' }
  | { type: 'NFKD' }
  | { type: 'Lowercase' }
  | { type: 'Strip'; strip_left: boolean; strip_right: boolean }
  | { type: 'Prepend'; prepend: string }
  | { type: 'Replace'; pattern: { String: string } | { Regex: string }; content: string }
  | { type: 'Sequence'; normalizers: HFNormalizer[] };

/** `pre_tokenizer` entries understood by {@link loadTokenizerJson}. */
export type HFPreTokenizer =
  | { type: 'Metaspace'; replacement: string; prepend_scheme: 'always' | 'first' | 'never'; split: boolean }
  | { type: 'WhitespaceSplit' }
  | { type: 'Sequence'; pretokenizers: HFPreTokenizer[] };

/** One entry of `added_tokens`. */
export interface HFAddedToken {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/**
 * optical's extension inside `model` (Hugging Face's Unigram deserializer ignores unknown keys).
 * `lattice: 'tfjs-use'` asks for the exact segmentation of the TF.js USE tokenizer (see
 * `lattice.ts`); `maxLength` is the paired model's input limit.
 */
export interface OpticalModelExtension {
  lattice?: 'sentencepiece' | 'tfjs-use';
  maxLength?: number;
  note?: string;
}

/** `model` of type Unigram. */
export interface HFUnigramModel {
  type: 'Unigram';
  unk_id: number;
  vocab: [string, number][];
  byte_fallback: boolean;
  optical?: OpticalModelExtension;
}

/** A whole `tokenizer.json`. */
export interface HFTokenizerJson {
  version: string;
  truncation: null;
  padding: null;
  added_tokens: HFAddedToken[];
  normalizer: HFNormalizer | null;
  pre_tokenizer: HFPreTokenizer | null;
  post_processor: null;
  decoder: { type: 'Metaspace'; replacement: string; prepend_scheme: 'always' | 'first' | 'never'; split: boolean } | null;
  model: HFUnigramModel;
}
