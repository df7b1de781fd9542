/**
 * Methods of the experiment matrix: a method is fitted once per language on that language's training
 * bitext, and the fitted system scores foreign sentences against English ones. Scores rather than vectors
 * are the contract, so lexical methods (char n-gram TF-IDF, BM25), translation followed by the teacher,
 * and encoders share one evaluation (`experiment-metrics.ts`).
 *
 * Legend: N training pairs, Q foreign sentences, M English sentences, D teacher dim.
 *
 * Adding a method: `registerMethod(kind, factory)`; the factory checks `options` when the config is read
 * (errors via `fail(field, msg)`, which names the config file and the option's JSON path) and returns a
 * {@link Method}. Built in: `teacher`, `char-tfidf`, `kernel-ridge`, `distill` (`experiment-distill.ts`), `bm25`,
 * `dict-translate`, `mt-translate` (`experiment-baselines.ts`).
 */
import type { Bitext } from '../data/index.ts';
import type { SentenceEncoder } from '../models/types.ts';
import { cachedTeacherTargets } from '../distill/teacher-cache.ts';
import { fitLinearBaseline } from '../distill/linear-baseline.ts';
import { Tfidf, type CsrMatrix } from '../text/tfidf.ts';
import type { LanguageConfig, MethodConfig } from './experiment-config.ts';
import { cosineScores } from './experiment-metrics.ts';

/**
 * A fitted method: similarities S [Q, M] of foreign sentences (rows) and English sentences (columns).
 * Row i ranks the English sentences for foreign query i (x→en); column j ranks the foreign sentences for
 * English query j (en→x), unless the method is asymmetric and gives `scoresEn2x`.
 */
export interface CellSystem {
  scores(src: string[], eng: string[]): Float64Array;
  /** T [Q, M] for en→x when it differs from S (BM25: the foreign sentences are then the documents); column j ranks them for English query j */
  scoresEn2x?(src: string[], eng: string[]): Float64Array;
  dispose?(): void;
}

export interface MethodContext {
  lang: LanguageConfig;
  /** the training bitext (held-out books removed, sampled when the config says so) */
  bitext: Bitext;
  teacher: SentenceEncoder;
  /** the teacher's model spec (undefined = USE-lite) */
  teacherSpec?: string;
  /** teacher embeddings [M, D] of English sentences (cached across the methods of a run) */
  english(texts: string[]): Float32Array;
  /** this cell's working folder (students, checkpoints) */
  dir: string;
  /** a folder shared by every cell and run of this output (e.g. cached machine translations) */
  cacheDir: string;
  seed: number;
  dataDir: string;
  log(msg: string): void;
}

export interface FittedMethod {
  system: CellSystem;
  /** what the fit did (recorded in the cell's JSON): steps, λ, features, … */
  info: Record<string, unknown>;
}

export interface Method {
  readonly config: MethodConfig;
  /**
   * Check what a cell needs outside the config (a dictionary for the language, an installed MT system),
   * for every cell still to run, before any cell is fitted; throws an InputError naming the option.
   */
  check?(lang: LanguageConfig, dataDir: string): void;
  fit(ctx: MethodContext): Promise<FittedMethod>;
  /**
   * The system a finished fit left in `ctx.dir` (e.g. a saved student), given that fit's `info`; undefined
   * when nothing usable is there. Lets the runner re-evaluate a cell (a changed noise block) without refitting.
   */
  reload?(ctx: MethodContext, info: Record<string, unknown>): Promise<FittedMethod | undefined>;
}

export type Fail = (field: string, msg: string) => never;
export type MethodFactory = (m: MethodConfig, fail: Fail) => Method;

const REGISTRY = new Map<string, MethodFactory>();

export function registerMethod(kind: string, factory: MethodFactory): void {
  REGISTRY.set(kind, factory);
}

export function methodKinds(): string[] {
  return [...REGISTRY.keys()];
}

/** Build a method from its config (`fail` reports a bad field). */
export function makeMethod(m: MethodConfig, fail: Fail): Method {
  const f = REGISTRY.get(m.kind);
  if (!f) fail('kind', `unknown method kind "${m.kind}" (valid: ${methodKinds().join(', ')})`);
  return f(m, fail);
}

/** Check that `options` has only `allowed` keys, with the given types. */
export function checkOptions(m: MethodConfig, fail: Fail, allowed: Record<string, 'number' | 'boolean' | 'string' | 'object'>): void {
  for (const [k, v] of Object.entries(m.options)) {
    const t = allowed[k];
    if (!t) fail(`options.${k}`, `unknown option for kind ${m.kind} (valid: ${Object.keys(allowed).join(', ') || 'none'})`);
    if (typeof v !== t || v === null) fail(`options.${k}`, `expected a ${t}, got ${JSON.stringify(v)}`);
  }
}

/** A system from a foreign-side encoder and the teacher's English side. */
export function encoderSystem(encodeForeign: (texts: string[]) => Float32Array, ctx: MethodContext, dispose?: () => void): CellSystem {
  const D = ctx.teacher.dim;
  return { scores: (src, eng) => cosineScores(encodeForeign(src), ctx.english(eng), D), dispose };
}

// teacher zero-shot: the English teacher encodes both sides
registerMethod('teacher', (m, fail) => {
  checkOptions(m, fail, {});
  return { config: m, fit: async (ctx) => ({ system: encoderSystem((t) => ctx.teacher.encode(t).embeddings, ctx), info: {} }) };
});

/**
 * Character n-gram TF-IDF: one vocabulary over both sides of the training bitext (n-grams of the text,
 * across word boundaries; default trigrams, min df 1), cosine of the TF-IDF rows. Language-agnostic
 * string overlap: names, numbers, cognates.
 */
registerMethod('char-tfidf', (m, fail) => {
  checkOptions(m, fail, { nMin: 'number', nMax: 'number', minDf: 'number' });
  const o = { nMin: 3, nMax: 3, minDf: 1, ...m.options } as { nMin: number; nMax: number; minDf: number };
  return {
    config: m,
    fit: async (ctx) => {
      const tfidf = new Tfidf({ words: false, charMode: 'text', charMin: o.nMin, charMax: o.nMax, minDf: o.minDf });
      tfidf.fit([...ctx.bitext.src, ...ctx.bitext.eng]);
      return { system: { scores: (src, eng) => sparseCosine(tfidf.transform(src), tfidf.transform(eng)) }, info: { features: tfidf.nFeatures } };
    },
  };
});

/** S [Q, M] = A Bᵀ for CSR rows of unit norm (an inverted index over B's columns). */
export function sparseCosine(A: CsrMatrix, B: CsrMatrix): Float64Array {
  const Q = A.indptr.length - 1;
  const M = B.indptr.length - 1;
  const postings = new Map<number, { row: number; v: number }[]>();
  for (let j = 0; j < M; j++) {
    for (let p = B.indptr[j]!; p < B.indptr[j + 1]!; p++) {
      const c = B.indices[p]!;
      let list = postings.get(c);
      if (!list) postings.set(c, (list = []));
      list.push({ row: j, v: B.values[p]! });
    }
  }
  const S = new Float64Array(Q * M);
  for (let i = 0; i < Q; i++) {
    for (let p = A.indptr[i]!; p < A.indptr[i + 1]!; p++) {
      const list = postings.get(A.indices[p]!);
      if (!list) continue;
      const a = A.values[p]!;
      for (const { row, v } of list) S[i * M + row]! += a * v;
    }
  }
  return S;
}

/**
 * Kernel ridge regression from word + char n-gram TF-IDF of the foreign side onto the teacher's sentence
 * vectors of the English side (`src/distill/linear-baseline.ts`); options `lambda` (default 0.5), `center`.
 */
registerMethod('kernel-ridge', (m, fail) => {
  checkOptions(m, fail, { lambda: 'number', center: 'boolean' });
  const lambda = (m.options['lambda'] as number | undefined) ?? 0.5;
  if (!(lambda > 0)) fail('options.lambda', `expected a number > 0, got ${lambda}`);
  return {
    config: m,
    fit: async (ctx) => {
      const targets = cachedTeacherTargets(ctx.teacher, ctx.bitext.eng, false);
      const model = fitLinearBaseline(ctx.bitext.src, targets.embeddings, { lambda, center: m.options['center'] as boolean | undefined });
      return { system: encoderSystem((t) => model.encode(t), ctx), info: { lambda, features: model.featuriser.nFeatures, fit: model.fitInfo } };
    },
  };
});
