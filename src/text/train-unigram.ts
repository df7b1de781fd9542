/**
 * Training a unigram-LM subword vocabulary (Kudo 2018), following SentencePiece's
 * `unigram_model_trainer.cc`, for the student's language.
 *
 * Model. A vocabulary V with probabilities p(x), Σ_x p(x) = 1. A word w (here: a `▁`-prefixed
 * pre-token) has segmentations S(w) ⊂ V*; its likelihood is P(w) = Σ_{x ∈ S(w)} Π_t p(x_t). Training
 * maximises L = Σ_w f(w) log P(w) over the corpus word frequencies f(w), while shrinking V.
 *
 * Algorithm (with SentencePiece's defaults):
 * 1. Pre-tokenise every sentence exactly as the tokenizer will (NFKC, then `▁` + one segment per
 *    word) and count words. All characters are *required*: they stay in V whatever happens, so
 *    every character of the training text is encodable without `<unk>` (character coverage 1.0).
 * 2. Seeds: every character, plus every substring of length 2 … `maxPieceLength` occurring at
 *    least twice that is a valid piece (`▁` only in first position, one Unicode script, no
 *    whitespace or control characters); substrings ranked by f·length, the best `seedSize` kept.
 *    Initial log p(x) ∝ log(f(x)·|x|). (SentencePiece takes the internal nodes of a suffix array,
 *    a subset of these substrings.)
 * 3. EM, `numSubIterations` rounds: the E-step runs forward–backward on each word's lattice,
 *        α[j] = logsumexp_{(i,j,x)} (α[i] + log p(x)),   β[i] = logsumexp_{(i,j,x)} (log p(x) + β[j]),
 *        E[c(x)] += f(w) · exp(α[i] + log p(x) + β[j] − α[|w|])   for each edge (i, j, x);
 *    the M-step drops pieces with E[c(x)] < 0.5 (characters are floored at 0.5 instead) and sets
 *    the variational-Bayes estimate  log p(x) = ψ(E[c(x)]) − ψ(Σ_y E[c(y)])  (ψ = digamma).
 * 4. Prune, unless |V| ≤ 1.1 · target: Viterbi-segment all words, giving counts c(x) and
 *    C = Σ c. For a piece x whose own best segmentation is itself, let a(x) be its best
 *    segmentation without the piece (the second best); removing x moves its c(x) occurrences onto
 *    a(x), so the corpus log-likelihood changes by
 *        loss(x) = c(x)/C · [ log(c(x)/C) − Σ_{y ∈ a(x)} log((c(y) + c(x)) / (C + c(x)(|a(x)| − 1))) ].
 *    Pieces never used by the Viterbi path, or whose best segmentation is not themselves, go;
 *    characters stay; the rest are kept by decreasing loss until |V| = max(1.1 · target,
 *    `shrinkingFactor` · |V|). Go to 3.
 * 5. Final vocabulary: the special tokens (score 0, `<unk>` first), all characters, then the
 *    highest-scoring pieces up to `vocabSize`, sorted by score. If fewer pieces survived (a small
 *    corpus), the pieces most recently dropped by the M-step threshold fill the gap, scored
 *    ψ(max(E[c], 0.01)) − ψ(Σ) (below every kept piece); only if that is not enough either does
 *    `hardVocabLimit` throw (SentencePiece throws right away).
 *
 * Every step is deterministic (stable orders, ties broken by piece text); `seed` only matters when
 * `maxSentences` subsamples the input.
 *
 * References:
 * [1] T. Kudo. Subword Regularization: Improving Neural Network Translation Models with Multiple
 *     Subword Candidates. ACL 2018, §3.2.
 * [2] google/sentencepiece, src/unigram_model_trainer.cc and src/trainer_interface.cc.
 */
import { ArgumentError } from '../errors.ts';
import { STUDENT_NORMALIZER, STUDENT_PRE_TOKENIZER, compileNormalizer, compilePreTokenizer } from './pipeline.ts';
import { ANY_SCRIPT, INHERITED_SCRIPT, ISOLATED_SCRIPT, scriptClass } from './script.ts';
import type { HFNormalizer } from './types.ts';
import { UnigramTokenizer } from './unigram.ts';

export interface TrainUnigramOptions {
  /** Total vocabulary size, special tokens included. */
  vocabSize: number;
  /** Seed of the subsample drawn when `maxSentences` < number of texts (default 1). */
  seed?: number;
  /** Train on at most this many sentences, drawn at random with `seed` (default: all). */
  maxSentences?: number;
  /** Control pieces placed first, never matched from text; the first is `<unk>` (default `['<unk>']`). */
  specialTokens?: string[];
  /** Longest piece, in code points (default 16). */
  maxPieceLength?: number;
  /** Number of multi-character seed pieces (default 1,000,000). */
  seedSize?: number;
  /** Fraction of pieces kept per pruning round (default 0.75). */
  shrinkingFactor?: number;
  /** EM iterations per pruning round (default 2). */
  numSubIterations?: number;
  /** Forbid pieces that mix Unicode scripts (default true). */
  splitByScript?: boolean;
  /** Keep decimal digits as single-character pieces (default false). */
  splitDigits?: boolean;
  /** Throw if the corpus cannot fill `vocabSize` (default true); if false, return a smaller vocabulary. */
  hardVocabLimit?: boolean;
  /** Text normalizer (default NFKC). */
  normalizer?: HFNormalizer | null;
  /** Stored as the tokenizer's `maxLength`. */
  maxLength?: number;
  /** Receives one line per training round. */
  log?: (line: string) => void;
}

const WS = 0x2581;
const DIGIT = /^\p{Nd}$/u;
const EXPECTED_FREQUENCY_THRESHOLD = 0.5;

/** ψ(x), the digamma function (asymptotic series after shifting x ≥ 7, as SentencePiece). */
export function digamma(x: number): number {
  let result = 0;
  for (; x < 7; ++x) result -= 1 / x;
  x -= 0.5;
  const xx = 1 / x;
  const xx2 = xx * xx;
  const xx4 = xx2 * xx2;
  result += Math.log(x) + xx2 / 24 - (7 / 960) * xx4 + (31 / 8064) * xx4 * xx2 - (127 / 30720) * xx4 * xx4;
  return result;
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
}

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

interface SpanRules {
  maxPieceLength: number;
  splitByScript: boolean;
  splitDigits: boolean;
}

/** One distinct word of the corpus. */
interface Word {
  text: string;
  freq: number;
  /** `[L]` code points. */
  cps: number[];
  /** `[L + 1]` UTF-16 offset of each code point (and the end). */
  offsets: number[];
  /** `[L]` script class of each code point. */
  cls: number[];
}

function makeWord(text: string, freq: number): Word {
  const cps: number[] = [];
  const offsets: number[] = [];
  let off = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    cps.push(cp);
    offsets.push(off);
    off += ch.length;
  }
  offsets.push(off);
  return { text, freq, cps, offsets, cls: cps.map(scriptClass) };
}

/**
 * Calls `visit(i, j)` for every valid multi-character piece `cps[i .. j)` (2 ≤ j − i ≤ maxPieceLength),
 * by increasing i then j (SentencePiece's `IsValidSentencePiece` rules, see the file header).
 */
function forEachSpan(cps: readonly number[], cls: readonly number[], rules: SpanRules, visit: (i: number, j: number) => void): void {
  const L = cps.length;
  for (let i = 0; i < L - 1; i++) {
    const k0 = cls[i]!;
    if (k0 === ISOLATED_SCRIPT) continue;
    let prev = k0 === INHERITED_SCRIPT ? ANY_SCRIPT : k0;
    const firstDigit = rules.splitDigits && DIGIT.test(String.fromCodePoint(cps[i]!));
    const jMax = Math.min(L, i + rules.maxPieceLength);
    for (let j = i + 1; j < jMax; j++) {
      const c = cps[j]!;
      const k = cls[j]!;
      if (c === WS || k === ISOLATED_SCRIPT) break;
      if (rules.splitDigits && (firstDigit || DIGIT.test(String.fromCodePoint(c)))) break;
      if (rules.splitByScript) {
        const s = k === INHERITED_SCRIPT ? prev : k;
        if (s !== ANY_SCRIPT && prev !== ANY_SCRIPT && s !== prev) break;
        prev = s;
      }
      visit(i, j + 1);
    }
  }
}

/**
 * Trains a unigram vocabulary of `vocabSize` pieces on `texts` (one sentence each) and returns its
 * tokenizer (NFKC + Metaspace pipeline, SentencePiece Viterbi). See the file header for the algorithm.
 */
export function trainUnigram(texts: readonly string[], options: TrainUnigramOptions): UnigramTokenizer {
  const specials = options.specialTokens ?? ['<unk>'];
  const maxPieceLength = options.maxPieceLength ?? 16;
  const seedSize = options.seedSize ?? 1_000_000;
  const shrinkingFactor = options.shrinkingFactor ?? 0.75;
  const numSubIterations = options.numSubIterations ?? 2;
  const rules: SpanRules = {
    maxPieceLength,
    splitByScript: options.splitByScript ?? true,
    splitDigits: options.splitDigits ?? false,
  };
  const log = options.log ?? (() => {});
  const { vocabSize } = options;
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new ArgumentError(`vocabSize must be a positive integer, got ${vocabSize}`);
  if (specials.length === 0 || new Set(specials).size !== specials.length || specials.some((s) => s.length === 0)) {
    throw new ArgumentError('specialTokens must be distinct non-empty strings, the first being the unknown piece');
  }
  if (!Number.isInteger(maxPieceLength) || maxPieceLength < 1) throw new ArgumentError(`maxPieceLength must be a positive integer, got ${maxPieceLength}`);
  if (!Number.isInteger(seedSize) || seedSize < 0) throw new ArgumentError(`seedSize must be a non-negative integer, got ${seedSize}`);
  if (!(shrinkingFactor > 0 && shrinkingFactor < 1)) throw new ArgumentError(`shrinkingFactor must be in (0, 1), got ${shrinkingFactor}`);
  if (!Number.isInteger(numSubIterations) || numSubIterations < 1) throw new ArgumentError(`numSubIterations must be a positive integer, got ${numSubIterations}`);
  const target = vocabSize - specials.length;
  if (target < 1) throw new ArgumentError(`vocabSize ${vocabSize} leaves no room next to ${specials.length} special tokens`);
  const t0 = performance.now();
  const elapsed = (): string => `${((performance.now() - t0) / 1000).toFixed(2)}s`;

  // ---- 1. sentences → word frequencies -------------------------------------------------------
  let sentences = texts;
  if (options.maxSentences !== undefined && options.maxSentences < texts.length) {
    if (!Number.isInteger(options.maxSentences) || options.maxSentences < 1) {
      throw new ArgumentError(`maxSentences must be a positive integer, got ${options.maxSentences}`);
    }
    const rand = mulberry32(options.seed ?? 1);
    const idx = Array.from(texts, (_, i) => i);
    for (let i = 0; i < options.maxSentences; i++) {
      const j = i + Math.floor(rand() * (idx.length - i));
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
    sentences = idx.slice(0, options.maxSentences).sort((a, b) => a - b).map((i) => texts[i]!);
  }
  const normalize = compileNormalizer(options.normalizer === undefined ? STUDENT_NORMALIZER : options.normalizer);
  const preTokenize = compilePreTokenizer(STUDENT_PRE_TOKENIZER);
  const wordFreq = new Map<string, number>();
  for (const s of sentences) for (const w of preTokenize([normalize(s)])) wordFreq.set(w, (wordFreq.get(w) ?? 0) + 1);
  if (wordFreq.size === 0) throw new ArgumentError('trainUnigram: the texts contain no characters');
  const words = [...wordFreq].map(([w, f]) => makeWord(w, f));

  // ---- 2. characters and seed pieces ---------------------------------------------------------
  const charFreq = new Map<number, number>();
  const subFreq = new Map<string, number>();
  for (const w of words) {
    for (const cp of w.cps) charFreq.set(cp, (charFreq.get(cp) ?? 0) + w.freq);
    forEachSpan(w.cps, w.cls, rules, (i, j) => {
      const key = w.text.slice(w.offsets[i], w.offsets[j]);
      subFreq.set(key, (subFreq.get(key) ?? 0) + w.freq);
    });
  }
  const specialSet = new Set(specials);
  const chars = [...charFreq]
    .map(([cp, f]) => ({ piece: String.fromCodePoint(cp), score: f }))
    .sort((a, b) => b.score - a.score || byText(a.piece, b.piece));
  for (const c of chars) {
    if (specialSet.has(c.piece)) throw new ArgumentError(`special token ${JSON.stringify(c.piece)} is a character of the training text`);
  }
  if (chars.length > target) {
    throw new ArgumentError(
      `vocabSize ${vocabSize} is smaller than ${specials.length} special tokens + ${chars.length} distinct characters of the training text`,
    );
  }
  const subs: { piece: string; score: number }[] = [];
  for (const [piece, f] of subFreq) {
    if (f >= 2 && !specialSet.has(piece)) subs.push({ piece, score: f * Array.from(piece).length });
  }
  subFreq.clear();
  subs.sort((a, b) => b.score - a.score || byText(a.piece, b.piece));
  if (subs.length > seedSize) subs.length = seedSize;
  const seeds = [...chars, ...subs];
  const P = seeds.length;
  const nChars = chars.length;
  const pieceText = seeds.map((s) => s.piece);
  const pieceId = new Map<string, number>();
  pieceText.forEach((p, id) => pieceId.set(p, id));
  const logp = new Float64Array(P);
  {
    const total = seeds.reduce((acc, s) => acc + s.score, 0);
    const logTotal = Math.log(total);
    seeds.forEach((s, id) => (logp[id] = Math.log(s.score) - logTotal));
  }
  const alive = new Uint8Array(P).fill(1);
  let aliveCount = P;
  log(`trainUnigram: ${sentences.length} sentences, ${words.length} distinct words, ${nChars} characters, ${subs.length} seed pieces (${elapsed()})`);

  // ---- lattice edges of every word, with seed ids (rebuilt without dead pieces after pruning) --
  // Word w owns edges [wEdge[w], wEdge[w+1]), sorted by start then end; an edge is (from, to, id).
  const W = words.length;
  const wEdge = new Int32Array(W + 1);
  let eFrom: Int32Array;
  let eTo: Int32Array;
  let eId: Int32Array;
  {
    const from: number[] = [];
    const to: number[] = [];
    const ids: number[] = [];
    words.forEach((w, k) => {
      wEdge[k] = from.length;
      let lastStart = -1;
      const pushChar = (i: number): void => {
        from.push(i);
        to.push(i + 1);
        ids.push(pieceId.get(String.fromCodePoint(w.cps[i]!))!);
      };
      forEachSpan(w.cps, w.cls, rules, (i, j) => {
        while (lastStart < i) pushChar(++lastStart);
        const id = pieceId.get(w.text.slice(w.offsets[i], w.offsets[j]));
        if (id !== undefined) {
          from.push(i);
          to.push(j);
          ids.push(id);
        }
      });
      while (lastStart < w.cps.length - 1) pushChar(++lastStart);
    });
    wEdge[W] = from.length;
    eFrom = Int32Array.from(from);
    eTo = Int32Array.from(to);
    eId = Int32Array.from(ids);
  }
  const compactEdges = (): void => {
    let n = 0;
    for (let k = 0; k < W; k++) {
      const a = wEdge[k]!;
      const b = wEdge[k + 1]!;
      wEdge[k] = n;
      for (let e = a; e < b; e++) {
        if (alive[eId[e]!]) {
          eFrom[n] = eFrom[e]!;
          eTo[n] = eTo[e]!;
          eId[n] = eId[e]!;
          n++;
        }
      }
    }
    wEdge[W] = n;
    eFrom = eFrom.slice(0, n);
    eTo = eTo.slice(0, n);
    eId = eId.slice(0, n);
  };
  const maxLen = words.reduce((m, w) => Math.max(m, w.cps.length), 0);
  const alpha = new Float64Array(maxLen + 1);
  const beta = new Float64Array(maxLen + 1);
  const bestEdge = new Int32Array(maxLen + 1);

  // ---- 3. EM ---------------------------------------------------------------------------------
  const eStep = (): { expected: Float64Array; objective: number } => {
    const expected = new Float64Array(P);
    let objective = 0;
    let totalFreq = 0;
    for (let k = 0; k < W; k++) {
      const a = wEdge[k]!;
      const b = wEdge[k + 1]!;
      const L = words[k]!.cps.length;
      const f = words[k]!.freq;
      alpha.fill(-Infinity, 0, L + 1);
      beta.fill(-Infinity, 0, L + 1);
      alpha[0] = 0;
      beta[L] = 0;
      for (let e = a; e < b; e++) {
        const t = eTo[e]!;
        alpha[t] = logAdd(alpha[t]!, alpha[eFrom[e]!]! + logp[eId[e]!]!);
      }
      for (let e = b - 1; e >= a; e--) {
        const s = eFrom[e]!;
        beta[s] = logAdd(beta[s]!, logp[eId[e]!]! + beta[eTo[e]!]!);
      }
      const Z = alpha[L]!;
      for (let e = a; e < b; e++) {
        const id = eId[e]!;
        expected[id]! += f * Math.exp(alpha[eFrom[e]!]! + logp[id]! + beta[eTo[e]!]! - Z);
      }
      objective += f * Z;
      totalFreq += f;
    }
    return { expected, objective: -objective / totalFreq };
  };
  // Pieces dropped by the M-step threshold are remembered (round, score) as a reserve for step 5.
  const droppedRound = new Int32Array(P).fill(-1);
  let emRound = 0;
  const mStep = (expected: Float64Array): void => {
    let sum = 0;
    const dropped: number[] = [];
    for (let id = 0; id < P; id++) {
      if (!alive[id]) continue;
      if (id < nChars) expected[id] = Math.max(expected[id]!, EXPECTED_FREQUENCY_THRESHOLD);
      else if (expected[id]! < EXPECTED_FREQUENCY_THRESHOLD) {
        alive[id] = 0;
        aliveCount--;
        dropped.push(id);
        continue;
      }
      sum += expected[id]!;
    }
    const logSum = digamma(sum);
    for (let id = 0; id < P; id++) if (alive[id]) logp[id] = digamma(expected[id]!) - logSum;
    for (const id of dropped) {
      droppedRound[id] = emRound;
      logp[id] = digamma(Math.max(expected[id]!, 0.01)) - logSum; // below every kept piece
    }
    if (dropped.length > 0) compactEdges();
    emRound++;
  };

  // ---- 4. pruning ----------------------------------------------------------------------------
  /** Best segmentation of piece `id` that does not use the piece itself: [score, ids]. */
  const alternative = (id: number): [number, number[]] => {
    const cps = Array.from(pieceText[id]!);
    const m = cps.length;
    const best = new Float64Array(m + 1).fill(-Infinity);
    const back = new Int32Array(m + 1);
    const backId = new Int32Array(m + 1);
    best[0] = 0;
    for (let i = 0; i < m; i++) {
      let sub = '';
      for (let j = i + 1; j <= m && j - i <= maxPieceLength; j++) {
        sub += cps[j - 1];
        if (i === 0 && j === m) break;
        const x = pieceId.get(sub);
        if (x === undefined || !alive[x]) continue;
        const v = best[i]! + logp[x]!;
        if (v > best[j]!) {
          best[j] = v;
          back[j] = i;
          backId[j] = x;
        }
      }
    }
    const path: number[] = [];
    for (let j = m; j > 0; j = back[j]!) path.push(backId[j]!);
    return [best[m]!, path.reverse()];
  };
  const prune = (): void => {
    const freq = new Float64Array(P);
    for (let k = 0; k < W; k++) {
      const a = wEdge[k]!;
      const b = wEdge[k + 1]!;
      const L = words[k]!.cps.length;
      alpha.fill(-Infinity, 0, L + 1);
      alpha[0] = 0;
      for (let e = a; e < b; e++) {
        const v = alpha[eFrom[e]!]! + logp[eId[e]!]!;
        if (v > alpha[eTo[e]!]!) {
          alpha[eTo[e]!] = v;
          bestEdge[eTo[e]!] = e;
        }
      }
      for (let pos = L; pos > 0; pos = eFrom[bestEdge[pos]!]!) freq[eId[bestEdge[pos]!]!]! += words[k]!.freq;
    }
    let sum = 0;
    for (let id = 0; id < P; id++) sum += freq[id]!;
    const logSum = Math.log(sum);
    const candidates: { id: number; loss: number }[] = [];
    let kept = 0;
    const keep = new Uint8Array(P);
    for (let id = 0; id < P; id++) {
      if (!alive[id]) continue;
      if (id < nChars) {
        keep[id] = 1;
        kept++;
        continue;
      }
      if (freq[id] === 0) continue;
      const [altScore, alt] = alternative(id);
      if (altScore > logp[id]!) continue; // its own Viterbi segmentation is split: safe to remove
      const logProbSp = Math.log(freq[id]!) - logSum;
      const logSumAlt = Math.log(sum + freq[id]! * (alt.length - 1));
      let logProbAlt = 0;
      for (const y of alt) logProbAlt += Math.log(freq[y]! + freq[id]!) - logSumAlt;
      candidates.push({ id, loss: (freq[id]! / sum) * (logProbSp - logProbAlt) });
    }
    candidates.sort((a, b) => b.loss - a.loss || a.id - b.id);
    const prunedSize = Math.max(Math.floor(1.1 * target), Math.floor(shrinkingFactor * aliveCount));
    for (const c of candidates) {
      if (kept >= prunedSize) break;
      keep[c.id] = 1;
      kept++;
    }
    for (let id = 0; id < P; id++) alive[id] = keep[id]!;
    aliveCount = kept;
    compactEdges();
  };

  const desired = Math.floor(1.1 * target);
  for (let round = 0; ; round++) {
    let objective = 0;
    for (let it = 0; it < numSubIterations; it++) {
      const e = eStep();
      objective = e.objective;
      mStep(e.expected);
    }
    log(`round ${round}: ${aliveCount} pieces, objective ${objective.toFixed(4)} (${elapsed()})`);
    if (aliveCount <= desired) break;
    const before = aliveCount;
    prune();
    if (aliveCount >= before) break;
  }

  // ---- 5. final vocabulary -------------------------------------------------------------------
  const rest: number[] = [];
  for (let id = nChars; id < P; id++) if (alive[id]) rest.push(id);
  rest.sort((a, b) => logp[b]! - logp[a]! || byText(pieceText[a]!, pieceText[b]!));
  const room = target - nChars;
  if (rest.length < room) {
    // The last EM rounds fell below the target: top up with the most recently dropped pieces.
    const reserve: number[] = [];
    for (let id = nChars; id < P; id++) if (!alive[id] && droppedRound[id]! >= 0) reserve.push(id);
    reserve.sort(
      (a, b) => droppedRound[b]! - droppedRound[a]! || logp[b]! - logp[a]! || byText(pieceText[a]!, pieceText[b]!),
    );
    const fill = reserve.slice(0, room - rest.length);
    rest.push(...fill);
    log(`topped up with ${fill.length} pieces dropped by the EM threshold`);
  }
  if (rest.length < room && (options.hardVocabLimit ?? true)) {
    throw new ArgumentError(
      `vocabSize ${vocabSize} is too large for this corpus: at most ${specials.length + nChars + rest.length} pieces ` +
        '(pass hardVocabLimit: false to accept a smaller vocabulary)',
    );
  }
  const finalIds = [...Array.from({ length: nChars }, (_, i) => i), ...rest.slice(0, room)];
  finalIds.sort((a, b) => logp[b]! - logp[a]! || byText(pieceText[a]!, pieceText[b]!));
  const vocab: [string, number][] = [
    ...specials.map((s): [string, number] => [s, 0]),
    ...finalIds.map((id): [string, number] => [pieceText[id]!, logp[id]!]),
  ];
  log(`final vocabulary: ${vocab.length} pieces (${elapsed()})`);
  return new UnigramTokenizer({
    vocab,
    unkId: 0,
    controlIds: specials.map((_, i) => i),
    normalizer: options.normalizer === undefined ? STUDENT_NORMALIZER : options.normalizer,
    preTokenizer: STUDENT_PRE_TOKENIZER,
    lattice: 'sentencepiece',
    ...(options.maxLength !== undefined ? { maxLength: options.maxLength } : {}),
  });
}
