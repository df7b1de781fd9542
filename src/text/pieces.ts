/**
 * A piece vocabulary: `[piece, score]` entries indexed by id, plus the lookup structures the
 * segmentation lattice needs.
 *
 * Scores are log-probabilities `log p(piece)` of a unigram language model; a segmentation
 * `x = (x₁ … x_T)` of a string scores `Σ_t log p(x_t)` and the tokenizer returns the best one.
 *
 * Control pieces (`<unk>`, `<s>`, …) are never matched from text, as in SentencePiece; they are
 * only emitted as ids (`<unk>` for characters that no piece covers).
 */
import { ArgumentError } from '../errors.ts';
import { CodePointTrie } from './trie.ts';

export class PieceTable {
  /** `[V]` piece strings. */
  readonly pieces: readonly string[];
  /** `[V]` piece scores. */
  readonly scores: Float64Array;
  /** Id of the unknown piece. */
  readonly unkId: number;
  /** Ids never matched from text (always includes `unkId`). */
  readonly controlIds: ReadonlySet<number>;
  /** Trie of the matchable pieces → id (for a piece listed twice, the later id). */
  readonly trie = new CodePointTrie();
  /** Minimum score over the whole vocabulary (Hugging Face's `min_score`). */
  readonly minScore: number;
  private readonly byPiece = new Map<string, number>();

  constructor(vocab: ReadonlyArray<readonly [string, number]>, unkId: number, controlIds: Iterable<number> = []) {
    if (vocab.length === 0) throw new ArgumentError('PieceTable: empty vocabulary (at least the unknown piece is needed)');
    if (!Number.isInteger(unkId) || unkId < 0 || unkId >= vocab.length) {
      throw new ArgumentError(`PieceTable: unkId ${unkId} is not an id of the ${vocab.length}-entry vocabulary`);
    }
    const control = new Set<number>(controlIds);
    control.add(unkId);
    for (const id of control) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab.length) {
        throw new ArgumentError(`PieceTable: control id ${id} is not an id of the ${vocab.length}-entry vocabulary`);
      }
    }
    const pieces: string[] = new Array(vocab.length);
    this.scores = new Float64Array(vocab.length);
    let min = Infinity;
    for (let id = 0; id < vocab.length; id++) {
      const [piece, score] = vocab[id]!;
      if (typeof piece !== 'string' || typeof score !== 'number' || !Number.isFinite(score)) {
        throw new ArgumentError(`PieceTable: entry ${id} is not a [string, finite number] pair`);
      }
      pieces[id] = piece;
      this.scores[id] = score;
      if (score < min) min = score;
      this.byPiece.set(piece, id);
      if (!control.has(id) && piece.length > 0) this.trie.insert(piece, id);
    }
    this.pieces = pieces;
    this.unkId = unkId;
    this.controlIds = control;
    this.minScore = min;
  }

  get size(): number {
    return this.pieces.length;
  }

  /** The id of `piece` (the last entry if listed twice), or `undefined`. */
  idOf(piece: string): number | undefined {
    return this.byPiece.get(piece);
  }

  piece(id: number): string {
    const p = this.pieces[id];
    if (p === undefined || !Number.isInteger(id)) {
      throw new ArgumentError(`id ${id} is outside the vocabulary [0, ${this.pieces.length})`);
    }
    return p;
  }

  score(id: number): number {
    this.piece(id);
    return this.scores[id]!;
  }

  /** The vocabulary as `[piece, score]` pairs, in id order. */
  entries(): [string, number][] {
    return this.pieces.map((p, i) => [p, this.scores[i]!]);
  }
}
