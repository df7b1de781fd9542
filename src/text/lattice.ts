/**
 * Viterbi segmentation of a code-point string `c₁ … c_n` over a unigram piece vocabulary.
 *
 * The lattice has nodes 0 … n (positions between code points) and an edge `(i, j, id)` for every
 * matchable piece equal to `c_{i+1} … c_j`. With `best[0] = 0`,
 *
 *     best[j] = max_{(i, j, id)} ( best[i] + score[id] )
 *
 * and the tokens are read back from node n. Two variants differ only in their edge cases:
 *
 * - {@link viterbiSentencePiece}: SentencePiece's `EncodeOptimized`, as ported by Hugging Face
 *   `tokenizers` (`Unigram::encode_optimized`). If no single-code-point piece starts at i, an
 *   unknown edge `(i, i+1, unk)` scores `min_score − 10`; ties keep the earliest start (strict `>`);
 *   consecutive unknown tokens are fused into one.
 * - {@link viterbiTfjsUse}: a line-by-line replica of `Tokenizer.encode` in
 *   `@tensorflow-models/universal-sentence-encoder@1.3.3`, the tokenizer USE-lite's embeddings were
 *   computed with. Its quirks are kept on purpose so ids match exactly:
 *   an unknown edge (id 0, score 0) is added only if *no* piece starts at i; `best[j] === 0` means
 *   "unset", so a path whose running score is exactly 0 (e.g. text starting with `:` — the USE
 *   vocabulary has pieces like `▁:` with score 0) is overwritten by any later candidate; ties keep
 *   the latest start (`>=`); the back-trace steps by the piece's UTF-16 length (not its code-point
 *   count); consecutive id-0 tokens are merged.
 */
import type { PieceTable } from './pieces.ts';

/** Tokens of one segmented string: ids and their texts (vocabulary piece, or covered characters for unknowns). */
export interface Segmentation {
  ids: number[];
  texts: string[];
}

/** The text of code points `cps[start .. end)` (start clamped at 0). */
function slice(cps: readonly number[], start: number, end: number): string {
  let out = '';
  for (let i = Math.max(0, start); i < end; i += 4096) {
    out += String.fromCodePoint(...cps.slice(i, Math.min(end, i + 4096)));
  }
  return out;
}

/** SentencePiece / Hugging Face Unigram segmentation (see the file header). */
export function viterbiSentencePiece(cps: readonly number[], table: PieceTable): Segmentation {
  const n = cps.length;
  if (n === 0) return { ids: [], texts: [] };
  const { scores, trie, unkId } = table;
  const unkScore = table.minScore - 10;
  const best = new Float64Array(n + 1);
  const from = new Int32Array(n + 1).fill(-1); // start of the best edge into each node, −1 = none
  const idAt = new Int32Array(n + 1);
  for (let s = 0; s < n; s++) {
    const base = best[s]!;
    let single = false;
    trie.prefixes(cps, s, (end, id) => {
      const cand = scores[id]! + base;
      if (from[end]! < 0 || cand > best[end]!) {
        best[end] = cand;
        from[end] = s;
        idAt[end] = id;
      }
      if (end === s + 1) single = true;
    });
    if (!single) {
      const cand = unkScore + base;
      if (from[s + 1]! < 0 || cand > best[s + 1]!) {
        best[s + 1] = cand;
        from[s + 1] = s;
        idAt[s + 1] = unkId;
      }
    }
  }
  // Back-trace, fusing runs of unknown tokens (their id is looked up again by text, as HF does).
  const ids: number[] = [];
  const texts: string[] = [];
  let unkEnd = -1;
  for (let end = n; end > 0; ) {
    const start = from[end]!;
    const id = idAt[end]!;
    if (id === unkId) {
      if (unkEnd < 0) unkEnd = end;
    } else {
      if (unkEnd >= 0) {
        const t = slice(cps, end, unkEnd);
        ids.push(table.idOf(t) ?? unkId);
        texts.push(t);
        unkEnd = -1;
      }
      ids.push(id);
      texts.push(table.pieces[id]!);
    }
    end = start;
  }
  if (unkEnd >= 0) {
    const t = slice(cps, 0, unkEnd);
    ids.push(table.idOf(t) ?? unkId);
    texts.push(t);
  }
  ids.reverse();
  texts.reverse();
  return { ids, texts };
}

/** Exact replica of the TF.js USE tokenizer's lattice (see the file header). Requires `unkId === 0`. */
export function viterbiTfjsUse(cps: readonly number[], table: PieceTable): Segmentation {
  const n = cps.length;
  if (n === 0) return { ids: [], texts: [] };
  const { scores, trie, pieces } = table;
  // Edges grouped by end node, as flat (start, id) pairs in increasing start order; id −1 = unknown.
  const byEnd: number[][] = [];
  for (let j = 0; j <= n; j++) byEnd.push([]);
  for (let i = 0; i < n; i++) {
    let any = false;
    trie.prefixes(cps, i, (end, id) => {
      byEnd[end]!.push(i, id);
      any = true;
    });
    if (!any) byEnd[i + 1]!.push(i, -1);
  }
  const best = new Float64Array(n + 1);
  const words = new Int32Array(n + 1);
  for (let end = 0; end <= n; end++) {
    const edges = byEnd[end]!;
    for (let k = 0; k < edges.length; k += 2) {
      const start = edges[k]!;
      const id = edges[k + 1]!;
      const score = (id < 0 ? 0 : scores[id]!) + best[start]!;
      if (best[end] === 0 || score >= best[end]!) {
        best[end] = score;
        words[end] = id < 0 ? 0 : id;
      }
    }
  }
  // Back-trace by the UTF-16 length of each piece, then merge consecutive id-0 tokens.
  const revIds: number[] = [];
  const revTexts: string[] = [];
  let prevUnk = false;
  for (let iter = n; iter > 0; ) {
    const id = words[iter]!;
    const step = pieces[id]!.length;
    const text = id === 0 ? slice(cps, iter - step, iter) : pieces[id]!;
    if (prevUnk && id === 0) {
      revTexts[revTexts.length - 1] = text + revTexts[revTexts.length - 1]!;
    } else {
      revIds.push(id);
      revTexts.push(text);
    }
    prevUnk = id === 0;
    iter -= step;
  }
  return { ids: revIds.reverse(), texts: revTexts.reverse() };
}
