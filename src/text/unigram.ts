/**
 * `UnigramTokenizer`: a unigram-LM subword tokenizer (Kudo 2018) — a piece vocabulary with scores,
 * a normalizer, a pre-tokenizer and a Viterbi segmentation (see `lattice.ts`). It is what
 * {@link trainUnigram} returns, what {@link loadTokenizerJson} reads, and (with the TF.js lattice)
 * the base of USE-lite's {@link SentencePieceTokenizer}.
 *
 * References:
 * [1] T. Kudo. Subword Regularization: Improving Neural Network Translation Models with Multiple
 *     Subword Candidates. ACL 2018.
 * [2] T. Kudo, J. Richardson. SentencePiece: A simple and language independent subword tokenizer
 *     and detokenizer for Neural Text Processing. EMNLP 2018 (demo).
 */
import { ArgumentError } from '../errors.ts';
import { type Segmentation, viterbiSentencePiece, viterbiTfjsUse } from './lattice.ts';
import { PieceTable } from './pieces.ts';
import {
  METASPACE,
  STUDENT_NORMALIZER,
  STUDENT_PRE_TOKENIZER,
  compileNormalizer,
  compilePreTokenizer,
  type NormalizeFn,
} from './pipeline.ts';
import { codePoints } from './trie.ts';
import type { Encoding, HFNormalizer, HFPreTokenizer, HFTokenizerJson, OpticalModelExtension, Tokenizer } from './types.ts';

/** Which Viterbi variant segments the text (see `lattice.ts`). */
export type LatticeKind = 'sentencepiece' | 'tfjs-use';

export interface UnigramTokenizerConfig {
  /** `[V]` `[piece, score]` entries; the id of a piece is its index. */
  vocab: ReadonlyArray<readonly [string, number]>;
  /** Id of the unknown piece. */
  unkId: number;
  /** Further control ids (never matched from text), e.g. `<s>`, `</s>`. */
  controlIds?: Iterable<number>;
  /** Default: NFKC. */
  normalizer?: HFNormalizer | null;
  /** Default: Metaspace (`▁`, prepend "always", split). */
  preTokenizer?: HFPreTokenizer | null;
  /** Default: 'sentencepiece'. */
  lattice?: LatticeKind;
  /** The paired model's input limit, if any (informative; `encode` does not truncate). */
  maxLength?: number;
}

/** Segments shorter than this (UTF-16 units) are memoised — in practice, words. */
const CACHE_MAX_KEY = 64;
const CACHE_LIMIT = 1 << 16;

export class UnigramTokenizer implements Tokenizer {
  readonly table: PieceTable;
  readonly lattice: LatticeKind;
  readonly maxLength: number | undefined;
  readonly normalizerSpec: HFNormalizer | null;
  readonly preTokenizerSpec: HFPreTokenizer | null;
  private readonly normalizeFn: NormalizeFn;
  private readonly preTokenize: (segments: string[]) => string[];
  private readonly viterbi: (cps: readonly number[], table: PieceTable) => Segmentation;
  private readonly cache = new Map<string, Segmentation>();

  constructor(config: UnigramTokenizerConfig) {
    this.table = new PieceTable(config.vocab, config.unkId, config.controlIds ?? []);
    this.lattice = config.lattice ?? 'sentencepiece';
    if (this.lattice !== 'sentencepiece' && this.lattice !== 'tfjs-use') {
      throw new ArgumentError(`unknown lattice ${JSON.stringify(this.lattice)}; expected 'sentencepiece' or 'tfjs-use'`);
    }
    if (this.lattice === 'tfjs-use' && (config.unkId !== 0 || this.table.pieces[0]!.length === 0)) {
      throw new ArgumentError("the 'tfjs-use' lattice needs the unknown piece at id 0, with a non-empty text");
    }
    if (config.maxLength !== undefined && !(Number.isInteger(config.maxLength) && config.maxLength > 0)) {
      throw new ArgumentError(`maxLength must be a positive integer, got ${config.maxLength}`);
    }
    this.maxLength = config.maxLength;
    this.normalizerSpec = config.normalizer === undefined ? STUDENT_NORMALIZER : config.normalizer;
    this.preTokenizerSpec = config.preTokenizer === undefined ? STUDENT_PRE_TOKENIZER : config.preTokenizer;
    this.normalizeFn = compileNormalizer(this.normalizerSpec);
    this.preTokenize = compilePreTokenizer(this.preTokenizerSpec);
    this.viterbi = this.lattice === 'tfjs-use' ? viterbiTfjsUse : viterbiSentencePiece;
  }

  get vocabSize(): number {
    return this.table.size;
  }

  get unkId(): number {
    return this.table.unkId;
  }

  /** The segments the lattice runs on (normalised, `▁`-marked; one per word with the default pipeline). */
  segments(text: string): string[] {
    return this.preTokenize([this.normalizeFn(text)]);
  }

  normalize(text: string): string {
    return this.segments(text).join('');
  }

  private segment(seg: string): Segmentation {
    if (seg.length >= CACHE_MAX_KEY) return this.viterbi(codePoints(seg), this.table);
    let hit = this.cache.get(seg);
    if (hit === undefined) {
      hit = this.viterbi(codePoints(seg), this.table);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
      this.cache.set(seg, hit);
    }
    return hit;
  }

  encode(text: string): number[] {
    const ids: number[] = [];
    for (const seg of this.segments(text)) for (const id of this.segment(seg).ids) ids.push(id);
    return ids;
  }

  encodeWithPieces(text: string): Encoding {
    const out: Encoding = { ids: [], pieces: [], wordStarts: [] };
    for (const seg of this.segments(text)) {
      const { ids, texts } = this.segment(seg);
      for (let k = 0; k < ids.length; k++) {
        out.ids.push(ids[k]!);
        out.pieces.push(texts[k]!);
        out.wordStarts.push(texts[k]!.startsWith(METASPACE));
      }
    }
    return out;
  }

  decode(ids: readonly number[]): string {
    let s = '';
    for (const id of ids) {
      if (id < 0) continue;
      if (id !== this.table.unkId && this.table.controlIds.has(id)) continue;
      s += this.table.piece(id);
    }
    s = s.split(METASPACE).join(' ');
    return s.startsWith(' ') ? s.slice(1) : s;
  }

  idToPiece(id: number): string {
    return this.table.piece(id);
  }

  pieceToId(piece: string): number | undefined {
    return this.table.idOf(piece);
  }

  scoreOf(id: number): number {
    return this.table.score(id);
  }

  /** The vocabulary as `[piece, score]` pairs in id order. */
  vocab(): [string, number][] {
    return this.table.entries();
  }

  /** Extra model fields written by `toHF` (overridden by subclasses to add a note). */
  protected opticalExtension(): OpticalModelExtension | undefined {
    if (this.lattice === 'sentencepiece' && this.maxLength === undefined) return undefined;
    const ext: OpticalModelExtension = {};
    if (this.lattice !== 'sentencepiece') ext.lattice = this.lattice;
    if (this.maxLength !== undefined) ext.maxLength = this.maxLength;
    return ext;
  }

  toHF(): HFTokenizerJson {
    const controls = [...this.table.controlIds].sort((a, b) => a - b);
    const ext = this.opticalExtension();
    return {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: controls.map((id) => ({
        id,
        content: this.table.pieces[id]!,
        single_word: false,
        lstrip: false,
        rstrip: false,
        normalized: false,
        special: true,
      })),
      normalizer: structuredClone(this.normalizerSpec),
      pre_tokenizer: structuredClone(this.preTokenizerSpec),
      post_processor: null,
      decoder: { type: 'Metaspace', replacement: METASPACE, prepend_scheme: 'always', split: true },
      model: {
        type: 'Unigram',
        unk_id: this.table.unkId,
        vocab: this.table.entries(),
        byte_fallback: false,
        ...(ext ? { optical: ext } : {}),
      },
    };
  }
}
