/**
 * The transport plan between two sentences' token states, as the alignment explorer shows it: the same
 * ground cost and entropic OT as the `ot` objective of training (src/distill/objectives.ts), uniform mass
 * on the tokens of each sentence.
 *
 * Legend: N source (foreign) tokens, M target (English) tokens, H state width. Cost and plan are [N, M].
 *
 *   C_ij = ‖s_i − t_j‖² / 54²         (`sqeuclid`, the training default; 54² keeps C in about [0, 2])
 *   C_ij = 1 − cos(s_i, t_j)           (`cosine`)
 *   P* = argmin_{P ∈ U(1/N, 1/M)} ⟨P, C⟩ − ε H(P)      (Sinkhorn, `sinkhorn` method `auto` of src/ot)
 *
 * The plan cost reported is ⟨P*, C⟩ (what the `ot` objective minimises). The top pairs are the largest
 * entries of P*, with `share` = N · P_ij, the fraction of source token i's mass sent to target token j.
 */
import { sinkhorn } from '../ot/index.ts';
import type { SentenceEncoder } from '../models/types.ts';

export const OT_COSTS = ['sqeuclid', 'cosine'] as const;
export type OtCost = (typeof OT_COSTS)[number];

/** The scale of the squared-Euclidean cost in training (OtObjective `scale`). */
export const SQEUCLID_SCALE = 54 * 54;

export interface TokenStates {
  /** the token strings (labels) */
  pieces: string[];
  /** [N, H] row-major */
  states: Float32Array;
  dim: number;
}

export interface AlignedPair {
  i: number;
  j: number;
  source: string;
  target: string;
  /** P_ij */
  mass: number;
  /** N · P_ij: the fraction of source token i's mass */
  share: number;
  cost: number;
}

export interface AlignmentPlan {
  sourceTokens: string[];
  targetTokens: string[];
  rows: number;
  cols: number;
  /** [N, M] row-major */
  plan: number[];
  /** [N, M] row-major */
  cost: number[];
  /** ⟨P, C⟩ */
  value: number;
  status: string;
  iterations: number;
  topPairs: AlignedPair[];
}

/** C [N, M] between source states [N, H] and target states [M, H]. */
export function costMatrix(s: TokenStates, t: TokenStates, kind: OtCost): Float64Array {
  const N = s.pieces.length;
  const M = t.pieces.length;
  const H = s.dim;
  const C = new Float64Array(N * M);
  const norm = (x: Float32Array, r: number) => {
    let q = 0;
    for (let h = 0; h < H; h++) q += x[r * H + h]! ** 2;
    return Math.sqrt(q);
  };
  const sn = Array.from({ length: N }, (_, i) => norm(s.states, i));
  const tn = Array.from({ length: M }, (_, j) => norm(t.states, j));
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      let dot = 0;
      for (let h = 0; h < H; h++) dot += s.states[i * H + h]! * t.states[j * H + h]!;
      C[i * M + j] = kind === 'cosine' ? 1 - dot / ((sn[i]! + 1e-6) * (tn[j]! + 1e-6)) : Math.max(0, sn[i]! ** 2 + tn[j]! ** 2 - 2 * dot) / SQEUCLID_SCALE;
    }
  }
  return C;
}

const round = (x: number) => Number(x.toPrecision(6));

/** The entropic OT plan between two token sequences (see the file header), with its `topK` largest entries. */
export function alignTokens(s: TokenStates, t: TokenStates, opts: { epsilon: number; cost: OtCost; topK?: number }): AlignmentPlan {
  if (s.dim !== t.dim) throw new Error(`token widths differ: ${s.dim} vs ${t.dim}`);
  const N = s.pieces.length;
  const M = t.pieces.length;
  const C = costMatrix(s, t, opts.cost);
  const r = sinkhorn(new Float64Array(N).fill(1 / N), new Float64Array(M).fill(1 / M), C, { epsilon: opts.epsilon, maxIter: 2000 });
  const plan = Array.from(r.plan as ArrayLike<number>);
  const order = [...plan.keys()].sort((a, b) => plan[b]! - plan[a]!).slice(0, opts.topK ?? 10);
  return {
    sourceTokens: s.pieces,
    targetTokens: t.pieces,
    rows: N,
    cols: M,
    plan: plan.map(round),
    cost: Array.from(C, round),
    value: round(r.value),
    status: r.status,
    iterations: r.iterations,
    topPairs: order.map((k) => {
      const i = Math.floor(k / M);
      const j = k % M;
      return { i, j, source: s.pieces[i]!, target: t.pieces[j]!, mass: round(plan[k]!), share: round(N * plan[k]!), cost: round(C[k]!) };
    }),
  };
}

/** Token states and pieces of each text under `enc` (pieces from its featuriser when it has one, else #i). */
export function tokenStates(enc: SentenceEncoder, texts: string[]): TokenStates[] {
  const r = enc.encode(texts, { tokens: true });
  const featurize = (enc as Partial<{ featurize(t: string): { pieces: string[] } }>).featurize?.bind(enc);
  return texts.map((t, i) => {
    const states = r.tokens![i]!;
    const n = states.length / r.dim;
    const pieces = featurize ? featurize(t).pieces.slice(0, n) : Array.from({ length: n }, (_, k) => `#${k}`);
    return { pieces, states, dim: r.dim };
  });
}
