/**
 * A closed-form distillation baseline: ridge regression (kernel ridge with the linear kernel,
 * `ridge.ts`) from word + character n-gram TF-IDF of the low-resource side (`src/text/tfidf.ts`)
 * onto the teacher's sentence vectors of the English side. No gradient training, no tokenizer, no
 * transformer: a strong, cheap reference for the distilled students.
 *
 * Shapes (legend: N training pairs, F TF-IDF features, D teacher dim = 512, M texts to encode):
 *   X [N, F] (CSR)   Y [N, D] teacher vectors   α [N, D]   b [D]   W = Xᵀα [F, D] (built on first encode)
 *   encode(texts): [M, D], rows L2-normalised (f(x) = x·W + b).
 *
 * Saved folder (`save(dir)` / `LinearBaseline.load(dir)`):
 *   config.json        {format: 'optical-linear-baseline', version: 1, lambda, center, dim, nTrain, nFeatures, fit}
 *   tfidf.json         the fitted featuriser (`Tfidf#toJSON`)
 *   model.safetensors  train.indptr I32 [N+1], train.indices I32 [nnz], train.values F32 [nnz],
 *                      alpha F32 [N, D], bias F32 [D]
 * The dual form (X and α, ~50 MB for N = 10⁴) is stored rather than W (F·D floats, 100–200 MB).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArgumentError, InputError } from '../errors.ts';
import { l2NormalizeRows } from '../eval/mining.ts';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';
import { Tfidf, type CsrMatrix, type TfidfOptions } from '../text/tfidf.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { fitKernelRidge, predictPrimal, primalWeights, type KernelRidgeModel, type RidgeSolverOptions } from './ridge.ts';

export interface LinearBaselineOptions extends RidgeSolverOptions {
  /** Ridge strength λ (rows of X have unit norm, so K's diagonal is 1). Default 0.5 (held-out choice on swh). */
  lambda?: number;
  /** TF-IDF features (see `TfidfOptions`). Default: words + char 3–5-grams within words, min df 2. */
  features?: TfidfOptions;
  /**
   * Unpenalised intercept (centre K and Y). Default true: preferred on the in-domain held-out split.
   * Caveat (Tatoeba swh, reported, not used for selection): without it swh→en was higher (33.8 vs
   * 25.6 % Bible-only, 48.5 vs 44.6 % with MAFAND + SIB) and en→swh lower. Likely cause: for
   * out-of-domain text with few known features f(x) → b ≈ ȳ, so every query leans towards the
   * English vectors nearest the mean (hubness); without b the direction of x·W is kept.
   */
  center?: boolean;
  /** CG tolerance (relative residual of the smallest λ's dual system). Default 1e-3. */
  tol?: number;
}

/** What the fit did. */
export interface LinearBaselineFitInfo {
  iterations: number;
  status: 'converged' | 'maxIter';
  /** Relative residual of this λ's dual system at the end. */
  residual: number;
  /** Wall-clock seconds: featurisation + solve (shared by every λ of one `fitLinearBaselines` call). */
  seconds: number;
}

interface LinearBaselineConfig {
  format: 'optical-linear-baseline';
  version: 1;
  lambda: number;
  center: boolean;
  dim: number;
  nTrain: number;
  nFeatures: number;
  fit?: LinearBaselineFitInfo;
}

/** A fitted baseline: `encode(texts)` → [M, D] L2-normalised predictions of the teacher vectors. */
export class LinearBaseline {
  private W: Float32Array | undefined;

  constructor(
    readonly featuriser: Tfidf,
    /** X [N, F], the training rows (the dual model needs them). */
    readonly train: CsrMatrix,
    readonly model: KernelRidgeModel,
    readonly center: boolean,
    readonly fitInfo?: LinearBaselineFitInfo,
  ) {
    const n = train.indptr.length - 1;
    if (model.alpha.length !== n * model.dim || model.bias.length !== model.dim) {
      throw new ArgumentError(`linear baseline: α [${model.alpha.length}] and b [${model.bias.length}] do not fit N = ${n}, D = ${model.dim}`);
    }
  }

  get dim(): number {
    return this.model.dim;
  }

  get lambda(): number {
    return this.model.lambda;
  }

  /** [M, D] predictions for `texts`, rows L2-normalised (a text with no known feature gets b / ‖b‖). */
  encode(texts: readonly string[]): Float32Array {
    this.W ??= primalWeights(this.train, this.model);
    return l2NormalizeRows(predictPrimal(this.featuriser.transform(texts), this.W, this.model.bias), this.dim);
  }

  save(dir: string): void {
    mkdirSync(dir, { recursive: true });
    const n = this.train.indptr.length - 1;
    const config: LinearBaselineConfig = {
      format: 'optical-linear-baseline',
      version: 1,
      lambda: this.lambda,
      center: this.center,
      dim: this.dim,
      nTrain: n,
      nFeatures: this.train.nCols,
      ...(this.fitInfo ? { fit: this.fitInfo } : {}),
    };
    atomicWriteFile(join(dir, 'tfidf.json'), JSON.stringify(this.featuriser.toJSON()));
    writeSafetensors(join(dir, 'model.safetensors'), {
      'train.indptr': { shape: [n + 1], data: this.train.indptr },
      'train.indices': { shape: [this.train.indices.length], data: this.train.indices },
      'train.values': { shape: [this.train.values.length], data: this.train.values },
      alpha: { shape: [n, this.dim], data: this.model.alpha },
      bias: { shape: [this.dim], data: this.model.bias },
    });
    atomicWriteFile(join(dir, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }

  static load(dir: string): LinearBaseline {
    const cfgFile = join(dir, 'config.json');
    const cfg = readJson(cfgFile) as Partial<LinearBaselineConfig> | null;
    if (typeof cfg !== 'object' || cfg === null || cfg.format !== 'optical-linear-baseline' || cfg.version !== 1) {
      throw new InputError('not a linear-baseline folder (format "optical-linear-baseline", version 1)', cfgFile);
    }
    const tfFile = join(dir, 'tfidf.json');
    const featuriser = Tfidf.fromJSON(readJson(tfFile), tfFile);
    const stFile = join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(stFile);
    const need = <T>(name: string, type: new (...a: never[]) => T): T => {
      const t = tensors[name];
      if (!t || !(t.data instanceof type)) throw new InputError(`missing or mistyped tensor ${JSON.stringify(name)}`, stFile);
      return t.data as T;
    };
    const train: CsrMatrix = {
      indptr: need('train.indptr', Int32Array),
      indices: need('train.indices', Int32Array),
      values: need('train.values', Float32Array),
      nCols: featuriser.nFeatures,
    };
    const dim = Number(cfg.dim);
    const model: KernelRidgeModel = { lambda: Number(cfg.lambda), alpha: need('alpha', Float32Array), bias: need('bias', Float32Array), dim };
    try {
      return new LinearBaseline(featuriser, train, model, cfg.center !== false, cfg.fit);
    } catch (e) {
      throw new InputError((e as Error).message, stFile);
    }
  }
}

function readJson(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? (e as Error).message})`, file);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new InputError(`invalid JSON (${(e as Error).message})`, file);
  }
}

function checkTargets(srcTexts: readonly string[], teacherVectors: Float32Array): number {
  if (srcTexts.length === 0) throw new ArgumentError('linear baseline: no training texts');
  if (teacherVectors.length === 0 || teacherVectors.length % srcTexts.length !== 0) {
    throw new ArgumentError(`linear baseline: ${teacherVectors.length} teacher values for ${srcTexts.length} texts (expected N·D)`);
  }
  return teacherVectors.length / srcTexts.length;
}

/**
 * One baseline per λ from a single featurisation and a single multi-shift CG solve (all λ cost
 * about as much as the smallest). `teacherVectors` is [N, D] (row i: teacher vector of the English
 * side of pair i).
 */
export function fitLinearBaselines(
  srcTexts: readonly string[],
  teacherVectors: Float32Array,
  opts: Omit<LinearBaselineOptions, 'lambda'> & { lambdas: readonly number[] },
): LinearBaseline[] {
  const dim = checkTargets(srcTexts, teacherVectors);
  const t0 = performance.now();
  const featuriser = new Tfidf(opts.features);
  const X = featuriser.fitTransform(srcTexts);
  const center = opts.center ?? true;
  const { models, solver } = fitKernelRidge(X, teacherVectors, dim, { ...opts, tol: opts.tol ?? 1e-3, lambdas: opts.lambdas, center });
  const seconds = (performance.now() - t0) / 1000;
  return models.map(
    (m, s) => new LinearBaseline(featuriser, X, m, center, { iterations: solver.iterations, status: solver.status, residual: solver.residuals[s]!, seconds }),
  );
}

/**
 * Fit the baseline (see the file header) on `srcTexts` ([N]) and their teacher vectors ([N, D]).
 *
 * @example
 * const t = cachedTeacherTargets(teacher, bitext.eng, false);
 * const model = fitLinearBaseline(bitext.src, t.embeddings, { lambda: 0.5 });
 * const emb = model.encode(['Habari ya asubuhi']); // [1, 512], unit norm
 * model.save('models/linear-swh');
 */
export function fitLinearBaseline(srcTexts: readonly string[], teacherVectors: Float32Array, opts: LinearBaselineOptions = {}): LinearBaseline {
  const { lambda = 0.5, ...rest } = opts;
  return fitLinearBaselines(srcTexts, teacherVectors, { ...rest, lambdas: [lambda] })[0]!;
}
