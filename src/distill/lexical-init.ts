/**
 * Closed-form initialisation of a student's lexical skip (see models/encoder.ts): before any gradient
 * step, fit the n-gram table N_lex so that the student's mean-pooled vector matches the teacher's on the
 * training bitext:
 *
 *   P_S(x) = P_S0(x) + v(x) N_lex + b        (v(x) [F] the sentence's TF-IDF row, see `lexicalFeatures`)
 *   N_lex, b = argmin Σ_i ‖v(x_i) N_lex + b − (P_T(y_i) − P_S0(x_i))‖² + λ ‖N_lex‖²
 *
 * where P_S0 is the student's pooled vector without the skip, P_T the teacher's pooled vector of the English
 * translation y_i. This is kernel ridge regression with the linear kernel (solved in the dual by multi-shift
 * CG, ridge.ts); N_lex = Cᵀα. The unpenalised intercept b is added to every real token through the last
 * layer's FFN output bias (the projection's bias `proj.bias` in a student narrower than its teacher), so it
 * shifts the pooled vector by exactly b.
 *
 * λ is chosen on a held-out tenth of the TRAINING bitext (never on evaluation data): every λ of the grid is
 * fitted on the other nine tenths, the λ whose student retrieves the held-out English translations best
 * (teacher embeddings, cosine) wins; then one more solve refits that λ on every pair and is installed.
 * Solver: when ONNX Runtime loads and the bitext has at most 20k pairs (ridge-dense.ts), the Gram matrix
 * C Cᵀ of every pair is built once and each λ is solved directly (blocked Cholesky on ONNX Runtime,
 * cholesky.ts): on the README bitext (10.3k pairs) the fits take 72 s instead of 125 s by multi-shift CG on
 * sparse products, with residuals ~1e-6 instead of CG's 1e-3 tolerance and the same choice of λ, at 4.6 GB
 * peak memory instead of 2.1 (BENCHMARKS.md, 2026-11-23). Otherwise multi-shift CG (ridge.ts: one Krylov
 * run for the whole grid, 2·nnz(C)·H multiply-adds an iteration).
 *
 * Measured on Swahili (experiments/swh-init.ts, 2026-11-22, 2-core machine; held-out tenth of Bible +
 * MAFAND + SIB train, and SIB-200 dev; swh→en / en→swh mining accuracy at step 0):
 *   λ = 0.03: 65.2 / 56.7 held-out;  0.1: 72.2 / 68.6;  0.3: 74.2 / 76.0;  1: 71.1 / 78.2
 * hence the default grid [0.1, 0.3, 1]. (The earlier hashed per-token n-gram features with IDF
 * weights reached 58 % held-out at best, measured 2026-11-21.)
 */
import { tf } from '../models/engine.ts';
import { hasProjection } from '../models/kona.ts';
import type { KonaEncoder } from '../models/encoder.ts';
import type { Features } from '../models/features.ts';
import { fitKernelRidge, predictPrimal, primalWeights } from './ridge.ts';
import { denseGramAvailable, fitKernelRidgeGram, linearGram, predictGram, subGram } from './ridge-dense.ts';
import type { CsrMatrix } from '../text/tfidf.ts';
import { evaluateBitextMining, l2NormalizeRows } from '../eval/mining.ts';
import { mulberry32, shuffleInPlace } from '../util/random.ts';

export interface LexicalInitOptions {
  /** the λ grid (default [0.1, 0.3, 1]); a single λ is used as given, without the held-out choice */
  lambdas?: number[];
  /** CG iteration cap (default 150) and relative-residual tolerance (default 1e-3) */
  maxIter?: number;
  tol?: number;
  seed?: number;
  log?: (msg: string) => void;
  /** P_S0 [N, H] when already known (e.g. the teacher's cached pooled vectors of the same text, for a
   * student that still computes exactly what the teacher computes); otherwise the student encodes. */
  pooledWithoutSkip?: Float32Array;
}

export interface LexicalInitResult {
  lambda: number;
  /** held-out mining accuracy (student → teacher) per λ */
  heldOut: { lambda: number; accuracy: number }[];
  seconds: number;
}

function featureMatrix(student: KonaEncoder, feats: Features[], rows: number[]): CsrMatrix {
  const indptr = new Int32Array(rows.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  rows.forEach((r, i) => {
    const c = [...student.lexicalFeatures(feats[r]!)].sort((a, b) => a[0] - b[0]);
    for (const [k, v] of c) (idx.push(k), val.push(v));
    indptr[i + 1] = idx.length;
  });
  return { indptr, indices: Int32Array.from(idx), values: Float32Array.from(val), nCols: student.lexicon!.nFeatures };
}

/** Residual targets P_T − P_S0 for the given rows. */
function residuals(P_T: Float32Array, P_S0: Float32Array, rows: number[], H: number): Float32Array {
  const R = new Float32Array(rows.length * H);
  rows.forEach((r, i) => {
    for (let h = 0; h < H; h++) R[i * H + h] = P_T[r * H + h]! - P_S0[r * H + h]!;
  });
  return R;
}

/** out[f] += Σ_i C[i, f] α[i]: N = Cᵀ α in the [F, H] rows of `out` (α [n, H]). */
function addTransposeTimes(C: CsrMatrix, alpha: ArrayLike<number>, H: number, out: Float32Array): void {
  for (let i = 0; i < C.indptr.length - 1; i++) {
    for (let p = C.indptr[i]!; p < C.indptr[i + 1]!; p++) {
      const o = C.indices[p]! * H;
      const v = C.values[p]!;
      for (let h = 0; h < H; h++) out[o + h]! += v * alpha[i * H + h]!;
    }
  }
}

/** N_lex = Cᵀ α  ([G, H]) written into the student's table; b into the last FFN bias. */
function install(student: KonaEncoder, C: CsrMatrix, alpha: ArrayLike<number>, bias: ArrayLike<number>): void {
  const N = student.tables.lexical!;
  N.fill(0);
  addTransposeTimes(C, alpha, student.dim, N);
  // the last bias before the token states: the projection's in a student narrower than its teacher
  const name = hasProjection(student.cfg) ? 'proj.bias' : `layers.${student.cfg.layers.length - 1}.ffn.fc2.bias`;
  const b = student.params[name] as tf.Variable;
  b.assign(tf.add(b, tf.tensor1d(Array.from(bias))));
}

/**
 * The ridge stage both fits share: targets Y = `target(rows)` ([n, H]) on the lexical features; λ chosen on a
 * held-out tenth (seeded) by the mining accuracy of `embed(prediction, heldRows)` against E_T, then one more
 * solve with that λ on every pair. Returns the choice and the fit on all pairs (features C, α, b).
 */
function fitWithHeldOutLambda(
  student: KonaEncoder,
  feats: Features[],
  E_T: Float32Array,
  label: string,
  target: (rows: number[]) => Float32Array,
  embed: (pred: Float32Array, held: number[]) => Float32Array,
  opts: LexicalInitOptions,
): { lambda: number; heldOut: { lambda: number; accuracy: number }[]; C: CsrMatrix; alpha: ArrayLike<number>; bias: ArrayLike<number> } {
  const H = student.dim;
  const log = opts.log ?? (() => {});
  const solve = { maxIter: opts.maxIter ?? 150, tol: opts.tol ?? 1e-3 };
  const all = [...feats.keys()];
  const order = shuffleInPlace([...all], mulberry32(opts.seed ?? 0));
  const nHeld = Math.max(1, Math.round(order.length / 10));
  const held = order.slice(0, nHeld);
  const fit = order.slice(nHeld);

  // the Gram matrix of every pair, once, when it fits (ridge-dense.ts): each λ is then solved directly
  // (Cholesky, its products on ONNX Runtime) and the held-out predictions are one GEMM
  const Call = featureMatrix(student, feats, all);
  const tg = performance.now();
  const Kall = denseGramAvailable(all.length) ? linearGram(Call) : undefined;
  if (Kall) log(`${label}: Gram matrix of ${all.length} pairs in ${((performance.now() - tg) / 1000).toFixed(1)} s`);

  // 1. choose λ on the held-out tenth (nothing to choose with a single λ: straight to the fit on every pair)
  const lambdas = opts.lambdas ?? [0.1, 0.3, 1];
  if (lambdas.length === 1) return { lambda: lambdas[0]!, heldOut: [], ...fitAll(lambdas[0]!) };
  const C = featureMatrix(student, feats, fit);
  const fitOpts = {
    lambdas,
    ...solve,
    onIteration: (it: number, res: number) => it % 25 === 0 && log(`${label}: CG iteration ${it}, relative residual ${res.toExponential(2)}`),
  };
  const { models, solver, threads, dense } = Kall ? fitKernelRidgeGram(subGram(Kall, all.length, fit, fit), target(fit), H, fitOpts) : fitKernelRidge(C, target(fit), H, fitOpts);
  log(
    dense
      ? `${label}: solved directly (Cholesky on ONNX Runtime; ${fit.length} pairs, ${C.indices.length} non-zeros; ${solver.iterations} refinement${solver.iterations === 1 ? '' : 's'}, relative residuals ${solver.residuals.map((r) => r.toExponential(1)).join(', ')})`
      : `${label}: CG ${solver.status} after ${solver.iterations} iterations (${fit.length} pairs, ${C.indices.length} non-zeros, ${threads} thread${threads > 1 ? 's' : ''})`,
  );
  const heldOut: { lambda: number; accuracy: number }[] = [];
  // held-out predictions without re-encoding: the fitted term is linear in the features, so it is
  // K_held,fit α + b (one GEMM) with the Gram matrix, else C_held (Cᵀ α) + b through the primal weights
  // Cᵀ α [F, H] (nnz(C)·H work), not the dual k(C_held, C) α in JS (n_held·n·H: ~12 s a λ here)
  const Khf = Kall && subGram(Kall, all.length, held, fit);
  const Cheld = Khf ? undefined : featureMatrix(student, feats, held);
  const tgt = new Float32Array(held.length * H);
  held.forEach((r, i) => tgt.set(E_T.subarray(r * H, (r + 1) * H), i * H));
  for (const m of models) {
    const pred = Khf ? predictGram(Khf, held.length, m.alpha, m.bias) : predictPrimal(Cheld!, primalWeights(C, m), m.bias);
    const acc = evaluateBitextMining(embed(pred, held), tgt, H).src2tgt;
    heldOut.push({ lambda: m.lambda, accuracy: acc });
    log(`${label}: λ = ${m.lambda}: held-out mining accuracy ${(100 * acc).toFixed(1)}% (${held.length} pairs)`);
  }
  const best = heldOut.reduce((a, b) => (b.accuracy > a.accuracy ? b : a));
  return { lambda: best.lambda, heldOut, ...fitAll(best.lambda) };

  /** 2. the fit with the chosen λ on every pair (one more, single-shift solve) */
  function fitAll(lambda: number): { C: CsrMatrix; alpha: ArrayLike<number>; bias: ArrayLike<number> } {
    const refitOpts = {
      lambdas: [lambda],
      ...solve,
      onIteration: (it: number, res: number) => it % 25 === 0 && log(`${label} (refit on all ${all.length} pairs): CG iteration ${it}, relative residual ${res.toExponential(2)}`),
    };
    const refit = Kall ? fitKernelRidgeGram(Kall, target(all), H, refitOpts) : fitKernelRidge(Call, target(all), H, refitOpts);
    log(
      refit.dense
        ? `${label}: refit with λ = ${lambda}: solved directly, relative residual ${refit.solver.residuals[0]!.toExponential(1)}`
        : `${label}: refit with λ = ${lambda}: CG ${refit.solver.status} after ${refit.solver.iterations} iterations`,
    );
    return { C: Call, alpha: refit.models[0]!.alpha, bias: refit.models[0]!.bias };
  }
}

/** Fit the student's lexical table in closed form (see file header); `P_T` is the teacher's pooled [N, H]. */
export function initLexicalSkip(student: KonaEncoder, feats: Features[], P_T: Float32Array, E_T: Float32Array, opts: LexicalInitOptions = {}): LexicalInitResult {
  const t0 = performance.now();
  const H = student.dim;
  if (!student.tables.lexical) throw new Error('student has no lexical skip table');
  student.tables.lexical.fill(0);
  const P_S0 = opts.pooledWithoutSkip ?? student.encodeFeatures(feats, { pooled: true }).pooled!;
  if (P_S0.length !== feats.length * H) throw new Error(`lexical init: P_S0 has ${P_S0.length} values, expected ${feats.length}·${H}`);
  const r = fitWithHeldOutLambda(
    student,
    feats,
    E_T,
    'lexical init',
    (rows) => residuals(P_T, P_S0, rows, H),
    (pred, held) => {
      // pooled = P_S0 + c(x) N_lex + b, embedded by the head
      held.forEach((r, i) => {
        for (let h = 0; h < H; h++) pred[i * H + h]! += P_S0[r * H + h]!;
      });
      return student.embedPooled(pred);
    },
    opts,
  );
  install(student, r.C, r.alpha, r.bias);
  return { lambda: r.lambda, heldOut: r.heldOut, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Fit the student's sentence skip in closed form (models/encoder.ts): with e_0(x) the student's embedding
 * without it (transformer, lexical skip, head) and E_T the teacher's embedding of the translation,
 *
 *   N_sen, b_sen = argmin Σ_i ‖v(x_i) N_sen + b_sen − (E_T(y_i) − e_0(x_i))‖² + λ ‖N_sen‖²,
 *   e(x) = l2norm(e_0(x) + v(x) N_sen + b_sen)
 *
 * the same kernel ridge as `initLexicalSkip` (same features v, same held-out tenth choosing λ by mining
 * accuracy, then a refit on every pair), in the embedding space instead of the pooled one. Any sentence
 * skip already installed is replaced. Opt-in (`optical distill --sentence-skip`). Measured on Swahili dev
 * (results/dev/swh-head.txt, swh-domain.txt, swh-eskip.txt; swh→en mining accuracy, %): at step 0 this
 * residual on top of the teacher's own path beats the pooled-space fit on the in-domain held-out split (70.3
 * vs 67.7; ≤ 10 words 74.4 vs 69.5) and on a domain left out of the fit (MAFAND news, fitted on Bible + SIB:
 * 38.3 vs 35.7; ≤ 10 words 50.1 vs 44.1). After an epoch of `ot` training (same news-left-out split) the
 * gain is gone: the default refit 32.0, refit + this skip 31.3 (λ 0.3) / 33.1 (λ 1), this skip alone 32.1 /
 * 31.9 — within the noise of 1,784 pairs. Hence off by default.
 */
export function fitSentenceSkip(student: KonaEncoder, feats: Features[], E_T: Float32Array, opts: LexicalInitOptions = {}): LexicalInitResult {
  const t0 = performance.now();
  const O = student.dim;
  if (!student.lexicon) throw new Error('student has no lexicon (a sentence skip needs the lexical features)');
  student.tables.sentence = undefined;
  student.tables.sentenceBias = undefined;
  const e0 = student.encodeWithoutSentenceSkip(feats).embeddings; // [N, O]
  const r = fitWithHeldOutLambda(
    student,
    feats,
    E_T,
    'sentence skip',
    (rows) => {
      const R = new Float32Array(rows.length * O);
      rows.forEach((r, i) => {
        for (let h = 0; h < O; h++) R[i * O + h] = E_T[r * O + h]! - e0[r * O + h]!;
      });
      return R;
    },
    (pred, held) => {
      held.forEach((r, i) => {
        for (let h = 0; h < O; h++) pred[i * O + h]! += e0[r * O + h]!;
      });
      return l2NormalizeRows(pred, O);
    },
    opts,
  );
  const N = new Float32Array(student.lexicon.nFeatures * O); // N_sen = Cᵀ α  [F, O]
  addTransposeTimes(r.C, r.alpha, O, N);
  student.tables.sentence = N;
  student.tables.sentenceBias = Float32Array.from(r.bias);
  return { lambda: r.lambda, heldOut: r.heldOut, seconds: (performance.now() - t0) / 1000 };
}

/** What `fitLinearHead` chose and how long it took. */
export interface LinearHeadResult {
  lambda: number;
  weight: number;
  seconds: number;
}

/**
 * Fit the student's linear head in closed form and install it: the teacher's embedding regressed directly on
 * the lexical features, without an intercept (kernel ridge, linear kernel, fixed λ),
 *
 *   N_lin = argmin Σ_i ‖v(x_i) N_lin − E_T(y_i)‖² + λ ‖N_lin‖²,
 *   e(x)  = l2norm(e_1(x) + w · l2norm(v(x) N_lin))
 *
 * with e_1 the student's embedding without the head (transformer, lexical skip, sentence skip) and both
 * terms unit vectors, so w weighs the two directions. Independent of the transformer, so it can be fitted
 * before or after training. Without the intercept, a sentence whose features the bitext barely knows keeps
 * the direction of the features it has, where the intercept would pull it to the mean English vector (every
 * such query then sits nearest the same "hub" sentences).
 *
 * Why (results/dev/ood-ensemble.txt, `experiments/ood-ensemble.ts`; X→en / en→X %, λ 0.5): out of domain the
 * intercept hurts (Tatoeba est 20.8 vs 29.3 X→en without it, hye 16.3 vs 21.0), and the mixture's weight is a
 * trade-off between domains. The `ot` student alone / with w = 1 / with w = 2:
 *   Tatoeba est (development language, Bible + SIB-200 train)   21.3 / 20.5   29.0 / 34.8   31.0 / 36.9
 *   Tatoeba hye (development language, Bible + SIB-200 train)   10.9 / 11.7   19.4 / 19.8   20.6 / 21.7
 *   MAFAND news, left out of a Swahili student's bitext         31.9 / 31.2   26.4 / 29.0   21.8 / 25.5
 * Default w = 1: the best mean X→en over the three (24.9, against 24.5 at w = 2 and 21.4 without the head).
 */
export function fitLinearHead(student: KonaEncoder, feats: Features[], E_T: Float32Array, opts: { lambda: number; weight: number; tol?: number; maxIter?: number; log?: (m: string) => void }): LinearHeadResult {
  const t0 = performance.now();
  const O = student.dim;
  const log = opts.log ?? (() => {});
  if (!student.lexicon) throw new Error('student has no lexicon (a linear head needs the lexical features)');
  if (!(opts.weight > 0) || !Number.isFinite(opts.weight)) throw new Error(`linear head: weight must be finite and > 0, got ${opts.weight}`);
  if (E_T.length !== feats.length * O) throw new Error(`linear head: E_T has ${E_T.length} values, expected ${feats.length}·${O}`);
  const all = [...feats.keys()];
  const C = featureMatrix(student, feats, all);
  const solve = { lambdas: [opts.lambda], center: false, tol: opts.tol ?? 1e-3, maxIter: opts.maxIter ?? 150 };
  const fit = denseGramAvailable(all.length) ? fitKernelRidgeGram(linearGram(C), E_T, O, solve) : fitKernelRidge(C, E_T, O, solve);
  log(
    fit.dense
      ? `linear head: solved directly, λ = ${opts.lambda}, relative residual ${fit.solver.residuals[0]!.toExponential(1)}`
      : `linear head: CG ${fit.solver.status} after ${fit.solver.iterations} iterations, λ = ${opts.lambda}`,
  );
  const N = new Float32Array(student.lexicon.nFeatures * O); // N_lin = Cᵀ α  [F, O]
  addTransposeTimes(C, fit.models[0]!.alpha, O, N);
  student.tables.linear = N;
  student.tables.linearMix = opts.weight;
  return { lambda: opts.lambda, weight: opts.weight, seconds: (performance.now() - t0) / 1000 };
}
