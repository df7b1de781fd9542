/**
 * Students: Kona encoders for a target language, created from a teacher and saved as a Hugging Face-style
 * folder:
 *   config.json        architecture, widths, vocabulary kind, n-gram features, the teacher's name
 *   model.safetensors  every parameter by name (transformer layers, `embeddings.weight` [V, E],
 *                      `ngrams.weight` [G, E] when n-grams are on, `lexical.weight` [F, H] with a lexical skip,
 *                      `sentence.weight` [F, O] and `sentence.bias` [O] with a sentence skip,
 *                      `linear.weight` [F, O] and `linear.mix` [1] (its weight w) with a linear head)
 *   tokenizer.json     the student's tokenizer (Hugging Face `tokenizers` format, Unigram model)
 *   lexicon.json       the lexical skip's (sentence skip's, linear head's) TF-IDF lexicon (`Tfidf#toJSON`)
 *
 * Embedding initialisation for a new vocabulary (`vocab: "new"`): each new piece p is segmented by the
 * teacher's tokenizer (as a word start when p begins with `▁`) and its embedding is the mean of those teacher
 * pieces' embeddings — new pieces start where the teacher would have put the same characters.
 * N-gram buckets start at zero, so a fresh student computes exactly what the teacher computes on the same
 * pieces. Layers start as copies of the teacher's (`init: "teacher"`) or at random (`init: "random"`:
 * Glorot-uniform matrices, zero biases, unit layer-norm scales, seeded).
 *
 * Size (`width` W, `depth` D; default the teacher's, USE-lite 512 × 2): layer 0 maps the E-wide input
 * embeddings to W (E → W, residual projected when E ≠ W), layers 1 … D−1 are W → W; every layer keeps the
 * teacher's head count and FFN ratio (FFN width = W · ffn_teacher / H_teacher, 1536/512 = 3 for USE-lite).
 * A student narrower than the teacher's output width O gets a learned projection `proj` [W, O] of its token
 * states, so that it still lives in the teacher's O-wide space (objectives, lexical skip [F, O], pooler
 * [O, O]). Initialisation is decided per group of tensors ({@link studentInitPlan}): a group (`layers.i`,
 * `pooler`) is copied from the teacher when `init` is "teacher" and the teacher has every tensor of the group
 * under the same name and shape, otherwise it starts from scratch (seeded, as `init: "random"`); `proj` always
 * starts from scratch, the timing signal and (with the teacher's vocabulary) the embedding table are always
 * the teacher's. So 512 × 1 copies layer 0, 512 × 4 copies layers 0–1 and trains 2–3 from scratch, and every
 * narrower student has all its layers from scratch.
 */
import { mkdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from './engine.ts';
import { konaOutputDim, konaParamShapes, type KonaConfig, type KonaParams } from './kona.ts';
import { KonaEncoder, type EmbeddingTables } from './encoder.ts';
import { DEFAULT_NGRAMS, type NgramConfig } from './features.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';
import type { SentenceEncoder, TrainableEncoder } from './types.ts';
import { isHfFolder, loadHfModel } from './hf/load.ts';
import { isHubName, resolveHubModel } from './hf/hub.ts';
import { loadUseLite, USE_LITE } from './use-lite.ts';
import { loadTokenizerJson, trainUnigram, type Tokenizer } from '../text/index.ts';
import { Tfidf } from '../text/tfidf.ts';
import { atomicWriteFile } from '../util/fs.ts';
import { InputError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';

export type VocabKind = 'teacher' | 'new';

export interface StudentOptions {
  /** "teacher": reuse the teacher's SentencePiece vocabulary; "new": train a unigram vocabulary on `texts` */
  vocab: VocabKind;
  /** target-language training text (needed for vocab "new") */
  texts?: string[];
  vocabSize?: number;
  /** hashed word + character n-gram features (undefined = defaults, null = none) */
  ngram?: NgramConfig | null;
  /** add the n-gram embeddings to the input embeddings (table [G, E]) */
  inputNgrams?: boolean;
  /** lexical skip: TF-IDF lexicon fitted on `texts`, feature vectors added to the last layer's token states ([F, H]) */
  lexical?: boolean;
  init?: 'teacher' | 'random';
  /** W, the hidden width of every layer (default the teacher's last hidden width); a multiple of the head count */
  width?: number;
  /** D, the number of layers (default the teacher's) */
  depth?: number;
  seed?: number;
  name?: string;
}

export interface StudentConfigFile {
  architecture: 'optical-kona';
  optical_version: string;
  name: string;
  teacher: string;
  vocab: VocabKind;
  init: 'teacher' | 'random';
  kona: KonaConfig;
  ngram: NgramConfig | null;
  /** free-form training record (objective, data, steps) written by the trainer */
  training?: Record<string, unknown>;
}

/** A Kona student: a {@link KonaEncoder} the trainer can drive, save and restore. */
export class KonaStudent extends KonaEncoder implements TrainableEncoder {
  save(dir: string, extra: { training?: Record<string, unknown> } = {}): void {
    saveStudent(this, dir, extra);
  }

  restore(dir: string): void {
    const file = join(dir, 'model.safetensors');
    const { tensors } = readSafetensors(file);
    const get = (name: string) => {
      const t = tensors[name];
      if (!t) throw new InputError(`tensor "${name}" missing`, file);
      return t.data as Float32Array;
    };
    for (const [k, p] of Object.entries(this.params)) (p as tf.Variable).assign(tf.tensor(get(k), p.shape));
    this.tables.embeddings.set(get('embeddings.weight'));
    if (this.tables.ngrams) this.tables.ngrams.set(get('ngrams.weight'));
    if (this.tables.lexical) this.tables.lexical.set(get('lexical.weight'));
    if (this.tables.sentence) this.tables.sentence.set(get('sentence.weight'));
    if (this.tables.sentenceBias) this.tables.sentenceBias.set(get('sentence.bias'));
    if (this.tables.linear) {
      this.tables.linear.set(get('linear.weight'));
      this.tables.linearMix = get('linear.mix')[0];
    }
  }
}

/** Create a student from a teacher (layers copied or random; embeddings initialised as documented above). */
export async function createStudent(teacher: KonaEncoder, opts: StudentOptions): Promise<KonaStudent> {
  const E = teacher.cfg.embedDim;
  let tokenizer: Tokenizer = teacher.tokenizer;
  let embeddings: Float32Array;
  if (opts.vocab === 'new') {
    if (!opts.texts?.length) throw new InputError('vocab "new" needs target-language training text');
    tokenizer = trainUnigram(opts.texts, { vocabSize: opts.vocabSize ?? 8000, seed: opts.seed ?? 0 });
    embeddings = new Float32Array(tokenizer.vocabSize * E);
    for (let id = 0; id < tokenizer.vocabSize; id++) {
      const piece = tokenizer.idToPiece(id);
      const tIds = piece ? teacher.tokenizer.encode(piece.replace(/^▁/, '')) : [];
      if (tIds.length === 0) continue;
      const row = embeddings.subarray(id * E, (id + 1) * E);
      for (const t of tIds) {
        const src = teacher.tables.embeddings.subarray(t * E, (t + 1) * E);
        for (let j = 0; j < E; j++) row[j]! += src[j]! / tIds.length;
      }
    }
  } else embeddings = teacher.tables.embeddings.slice();
  const ngram = opts.ngram === undefined ? DEFAULT_NGRAMS : opts.ngram ?? undefined;
  let lexicon: Tfidf | undefined;
  if (opts.lexical) {
    if (!opts.texts?.length) throw new InputError('a lexical skip needs target-language training text');
    lexicon = new Tfidf().fit(opts.texts);
  }
  // the teacher's table may hold more rows than its tokenizer emits (USE-lite: 8,002 rows, 8,000 pieces + specials)
  const cfg: KonaConfig = { ...sizedConfig(teacher.cfg, opts), vocabSize: opts.vocab === 'new' ? tokenizer.vocabSize : teacher.cfg.vocabSize };
  const init = opts.init ?? 'teacher';
  const plan = studentInitPlan(teacher, cfg, init);
  const params: KonaParams = {};
  const rnd = mulberry32(opts.seed ?? 0);
  for (const [name, shape] of Object.entries(konaParamShapes(cfg))) {
    if (name === 'embeddings.weight') continue;
    if (plan[paramGroup(name)] === 'teacher') params[name] = tf.variable(teacher.params[name]!.clone(), true);
    else params[name] = tf.variable(tf.tensor(randomInit(name, shape, rnd), shape), true);
  }
  const H = konaOutputDim(cfg);
  const tables: EmbeddingTables = {
    embeddings,
    ngrams: ngram && opts.inputNgrams ? new Float32Array(ngram.buckets * E) : undefined,
    lexical: lexicon ? new Float32Array(lexicon.nFeatures * H) : undefined,
  };
  const student = new KonaStudent(cfg, params, tables, tokenizer, ngram, {
    name: opts.name ?? 'student',
    teacher: teacher.meta.teacher ?? teacher.meta.name,
    vocab: opts.vocab,
    init,
  }, lexicon);
  return student;
}

/**
 * The Kona config of a student of width W and depth D (file header); the teacher's own config when both are
 * absent or equal to the teacher's. Throws InputError on a width that is not a positive multiple of the
 * head count, or a depth < 1.
 */
export function sizedConfig(teacher: KonaConfig, opts: Pick<StudentOptions, 'width' | 'depth'>): KonaConfig {
  const last = teacher.layers.at(-1)!;
  const W = opts.width ?? last.hidden;
  const D = opts.depth ?? teacher.layers.length;
  if (W === last.hidden && D === teacher.layers.length) return { ...teacher };
  if (!Number.isInteger(W) || W < last.heads || W % last.heads !== 0) throw new InputError(`student width must be a positive multiple of the ${last.heads} attention heads, got ${W}`);
  if (!Number.isInteger(D) || D < 1) throw new InputError(`student depth must be an integer ≥ 1, got ${D}`);
  const ffn = Math.round((W * last.ffn) / last.hidden);
  const layers = Array.from({ length: D }, (_, l) => ({ inDim: l === 0 ? teacher.embedDim : W, hidden: W, heads: last.heads, ffn }));
  const O = konaOutputDim(teacher);
  return { ...teacher, layers, ...(W === O ? { outDim: undefined } : { outDim: O }) };
}

/** The group a parameter is initialised with: `layers.i`, `proj`, `pooler`, `timing`, `embeddings`. */
export function paramGroup(name: string): string {
  const m = /^layers\.\d+/.exec(name);
  return m ? m[0] : name.split('.')[0]!;
}

/**
 * Where each parameter group of a student of config `cfg` starts (file header): "teacher" (copied) or
 * "scratch" (seeded random). The timing signal is always the teacher's.
 */
export function studentInitPlan(teacher: KonaEncoder, cfg: KonaConfig, init: 'teacher' | 'random'): Record<string, 'teacher' | 'scratch'> {
  const shapes = konaParamShapes(cfg);
  const groups = new Map<string, string[]>();
  for (const name of Object.keys(shapes)) if (name !== 'embeddings.weight') groups.set(paramGroup(name), [...(groups.get(paramGroup(name)) ?? []), name]);
  const plan: Record<string, 'teacher' | 'scratch'> = {};
  for (const [g, names] of groups) {
    const copy = names.every((n) => {
      const t = teacher.params[n];
      return t !== undefined && t.shape.length === shapes[n]!.length && t.shape.every((d, i) => d === shapes[n]![i]);
    });
    if (g === 'timing' && !copy) throw new Error('the teacher has no timing signal of the student\'s embedding width');
    plan[g] = copy && (init === 'teacher' || g === 'timing') && g !== 'proj' ? 'teacher' : 'scratch';
  }
  return plan;
}

/** "teacher: layers.0, layers.1, pooler; scratch: proj" (the timing signal left out: always the teacher's). */
export function describeInitPlan(plan: Record<string, 'teacher' | 'scratch'>): string {
  const of = (k: 'teacher' | 'scratch') => Object.keys(plan).filter((g) => g !== 'timing' && plan[g] === k);
  return (['teacher', 'scratch'] as const).filter((k) => of(k).length).map((k) => `${k}: ${of(k).join(', ')}`).join('; ');
}

function randomInit(name: string, shape: number[], rnd: () => number): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (name.endsWith('.scale')) out.fill(1);
  else if (shape.length === 2) {
    const lim = Math.sqrt(6 / (shape[0]! + shape[1]!));
    for (let i = 0; i < n; i++) out[i] = (2 * rnd() - 1) * lim;
  }
  return out;
}

/**
 * Save a student folder. Each file is written to a temporary name and renamed into place, weights first and
 * config.json last, so a reader never sees a half-written file.
 */
export function saveStudent(model: KonaEncoder, dir: string, extra: Partial<StudentConfigFile> = {}): void {
  mkdirSync(dir, { recursive: true });
  const tensors: Record<string, { dtype: 'F32'; shape: number[]; data: Float32Array }> = {};
  for (const [name, t] of Object.entries(model.params)) tensors[name] = { dtype: 'F32', shape: t.shape, data: t.dataSync() as Float32Array };
  tensors['embeddings.weight'] = { dtype: 'F32', shape: [model.cfg.vocabSize, model.cfg.embedDim], data: model.tables.embeddings };
  if (model.tables.ngrams) tensors['ngrams.weight'] = { dtype: 'F32', shape: [model.ngram!.buckets, model.cfg.embedDim], data: model.tables.ngrams };
  if (model.tables.lexical) tensors['lexical.weight'] = { dtype: 'F32', shape: [model.lexicon!.nFeatures, model.dim], data: model.tables.lexical };
  if (model.tables.sentence) {
    tensors['sentence.weight'] = { dtype: 'F32', shape: [model.lexicon!.nFeatures, model.dim], data: model.tables.sentence };
    tensors['sentence.bias'] = { dtype: 'F32', shape: [model.dim], data: model.tables.sentenceBias ?? new Float32Array(model.dim) };
  }
  if (model.tables.linear) {
    tensors['linear.weight'] = { dtype: 'F32', shape: [model.lexicon!.nFeatures, model.dim], data: model.tables.linear };
    tensors['linear.mix'] = { dtype: 'F32', shape: [1], data: Float32Array.of(model.tables.linearMix ?? 1) };
  }
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { format: 'pt' });
  if (model.lexicon) atomicWriteFile(join(dir, 'lexicon.json'), JSON.stringify(model.lexicon.toJSON()) + '\n');
  atomicWriteFile(join(dir, 'tokenizer.json'), JSON.stringify(model.tokenizer.toHF()) + '\n');
  const config: StudentConfigFile = {
    architecture: 'optical-kona',
    optical_version: '0.1.0',
    name: model.meta.name,
    teacher: model.meta.teacher ?? USE_LITE,
    vocab: model.meta.vocab ?? 'teacher',
    init: model.meta.init ?? 'teacher',
    kona: model.cfg,
    ngram: model.ngram ?? null,
    ...extra,
  };
  atomicWriteFile(join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n');
}

/** Parse a JSON file; a syntax error becomes an InputError naming the file. */
function readJson(file: string): unknown {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
}

/** Load a student folder written by {@link saveStudent}. */
export async function loadStudent(dir: string): Promise<KonaStudent & { config: StudentConfigFile }> {
  const cfgFile = join(dir, 'config.json');
  if (!existsSync(cfgFile)) throw new InputError('not a model folder (no config.json)', dir);
  const config = readJson(cfgFile) as StudentConfigFile;
  if (config.architecture !== 'optical-kona') throw new InputError(`field "architecture": expected "optical-kona", got ${JSON.stringify(config.architecture)}`, cfgFile);
  await loadUseLite(); // initialises the engine (and the teacher the student needs for its English side)
  const { tensors } = readSafetensors(join(dir, 'model.safetensors'));
  const params: KonaParams = {};
  for (const [name, shape] of Object.entries(konaParamShapes(config.kona))) {
    if (name === 'embeddings.weight') continue;
    const t = tensors[name];
    if (!t) throw new InputError(`tensor "${name}" missing`, join(dir, 'model.safetensors'));
    params[name] = tf.variable(tf.tensor(t.data as Float32Array, shape), true);
  }
  const emb = tensors['embeddings.weight'];
  if (!emb) throw new InputError('tensor "embeddings.weight" missing', join(dir, 'model.safetensors'));
  const tables: EmbeddingTables = {
    embeddings: emb.data as Float32Array,
    ngrams: tensors['ngrams.weight']?.data as Float32Array | undefined,
    lexical: tensors['lexical.weight']?.data as Float32Array | undefined,
    sentence: tensors['sentence.weight']?.data as Float32Array | undefined,
    sentenceBias: tensors['sentence.bias']?.data as Float32Array | undefined,
    linear: tensors['linear.weight']?.data as Float32Array | undefined,
    linearMix: (tensors['linear.mix']?.data as Float32Array | undefined)?.[0],
  };
  let lexicon: Tfidf | undefined;
  const O = konaOutputDim(config.kona);
  const part = { 'lexical.weight': 'a lexical skip', 'sentence.weight': 'a sentence skip', 'linear.weight': 'a linear head' } as const;
  for (const name of ['lexical.weight', 'sentence.weight', 'linear.weight'] as const) {
    if (!tensors[name]) continue;
    const file = join(dir, 'lexicon.json');
    if (!existsSync(file)) throw new InputError(`the model has ${part[name]} ("${name}") but no lexicon.json`, dir);
    lexicon ??= Tfidf.fromJSON(readJson(file), file);
    const shape = tensors[name]!.shape;
    if (shape[0] !== lexicon.nFeatures || shape[1] !== O) throw new InputError(`tensor "${name}" has shape [${shape.join(', ')}], expected [${lexicon.nFeatures}, ${O}] (the lexicon's features, the output width)`, join(dir, 'model.safetensors'));
  }
  if (tables.sentence && (!tables.sentenceBias || tables.sentenceBias.length !== O)) throw new InputError(`tensor "sentence.bias" missing or not [${O}]`, join(dir, 'model.safetensors'));
  if (tables.linear && !(tensors['linear.mix']?.data.length === 1 && Number.isFinite(tables.linearMix) && tables.linearMix! > 0)) {
    throw new InputError('tensor "linear.mix" missing, not [1] or not a positive weight', join(dir, 'model.safetensors'));
  }
  const tokenizer = loadTokenizerJson(join(dir, 'tokenizer.json'));
  const enc = new KonaStudent(config.kona, params, tables, tokenizer, config.ngram ?? undefined, {
    name: config.name,
    teacher: config.teacher,
    vocab: config.vocab,
    init: config.init,
  }, lexicon);
  return Object.assign(enc, { config });
}

/**
 * A model spec → its encoder: `teacher` / `use-lite` → the default teacher; a folder → a Hugging Face model
 * (config.json with a `model_type`, see hf/) or a Kona student; a name `org/name` that is not a folder → a
 * Hugging Face model from the cache, fetched when the network allows (hf/hub.ts).
 */
export async function loadEncoder(spec: string): Promise<SentenceEncoder> {
  if (spec === 'teacher' || spec === USE_LITE) return loadUseLite();
  if (existsSync(spec)) return isHfFolder(spec) ? loadHfModel(spec) : loadStudent(spec);
  if (isHubName(spec)) return loadHfModel(await resolveHubModel(spec), { name: spec });
  return loadStudent(spec);
}

/**
 * A folder (or Hugging Face name) → a model the trainer can drive: a Hugging Face encoder or a Kona student.
 * Each call loads a fresh copy (training changes it in place).
 */
export async function loadTrainable(spec: string): Promise<TrainableEncoder> {
  if (existsSync(spec)) return isHfFolder(spec) ? loadHfModel(spec) : loadStudent(spec);
  if (isHubName(spec)) return loadHfModel(await resolveHubModel(spec), { name: spec });
  throw new InputError('no such model folder', spec);
}
