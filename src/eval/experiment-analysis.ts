/**
 * Why a distilled student scores as it does (issue 4: "the report shows where and why"), computed after the
 * cells of an experiment, for the report (src/report/analysis.ts):
 *
 * - **Training curves**: each distilled cell's loss per step, from its student's `train.jsonl`, as means over
 *   windows of steps (at most `CURVE_POINTS` points), with the objective's parts (e.g. `ot` and `mse` of
 *   `ot+mse`). Cells whose student folder is gone (a clean clone) have none.
 * - **Held-out token transport**: on the first `pairs` pairs of an evaluation set (a dev set: the analysis
 *   must not read test sets), the OT cost between the model's token states of the foreign sentence and the
 *   teacher's token states of its English translation — the quantity the `ot` objective minimises on the
 *   training bitext, measured here on held-out pairs:
 *     C_ij = ‖s_i − t_j‖² / 54²,  P* = entropic OT plan (ε 0.05, uniform masses),  value = ⟨P*, C⟩
 *   (src/eval/alignment.ts), per method (the teacher zero-shot too) and language: mean and median over pairs;
 *   the same on a seeded sample of as many training pairs (split `train`).
 *   A student whose held-out cost is low but whose retrieval is not better shows the objective is not the
 *   bottleneck; one whose cost stays high has not learned token correspondences that generalise.
 * - **Alignment examples**: for the first `examples` of those pairs, each source word with the English word
 *   that receives most of its mass under P* (the plan summed over the pieces of each word), and that share.
 *
 * Legend: N foreign tokens, M English tokens, H state width.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadStudent } from '../models/student.ts';
import type { SentenceEncoder } from '../models/types.ts';
import { alignTokens, tokenStates, type TokenStates } from './alignment.ts';
import type { CellResult } from './experiment.ts';

/** At most this many points per training curve. */
export const CURVE_POINTS = 60;

export interface TrainingCurve {
  method: string;
  lang: string;
  objective: string;
  /** steps per point */
  window: number;
  /** last step of each window, mean loss of the window, mean of each part */
  points: { step: number; loss: number; parts: Record<string, number> }[];
}

export interface TokenTransport {
  method: string;
  lang: string;
  /** `held-out`: the analysis set; `train`: a seeded sample of the language's training bitext */
  split: 'held-out' | 'train';
  set: string;
  pairs: number;
  mean: number;
  median: number;
}

export interface AlignmentExample {
  method: string;
  lang: string;
  set: string;
  /** index of the pair in the set */
  index: number;
  source: string;
  english: string;
  /** ⟨P*, C⟩ of this pair */
  value: number;
  /** per source word: the word, the English word receiving most of its mass, that share (0–1) */
  words: { source: string; target: string; share: number }[];
}

export interface Pairs {
  src: string[];
  eng: string[];
}

export interface AnalysisConfig {
  /** the evaluation set the pairs come from (a dev set) */
  set: string;
  /** methods analysed (distilled cells; `teacher` gives the zero-shot reference) */
  methods: string[];
  /** pairs for the held-out transport cost */
  pairs: number;
  /** of which, shown as alignment examples */
  examples: number;
}

export interface ExperimentAnalysis {
  config: AnalysisConfig;
  curves: TrainingCurve[];
  transport: TokenTransport[];
  alignments: AlignmentExample[];
  /** why some cells have no analysis (e.g. their student folder is gone) */
  missing: string[];
}

/** A cell's training curve from `<student>/train.jsonl`, or undefined without one. */
export function trainingCurve(cell: CellResult, maxPoints = CURVE_POINTS): TrainingCurve | undefined {
  const info = cell.info as { student?: string; objective?: string };
  if (typeof info.student !== 'string') return undefined;
  const file = join(info.student, 'train.jsonl');
  if (!existsSync(file)) return undefined;
  const steps = readFileSync(file, 'utf8').split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as { step: number; loss: number; parts?: Record<string, number> });
  if (steps.length === 0) return undefined;
  const window = Math.max(1, Math.ceil(steps.length / maxPoints));
  const points: TrainingCurve['points'] = [];
  for (let s = 0; s < steps.length; s += window) {
    const w = steps.slice(s, s + window);
    const parts: Record<string, number> = {};
    for (const k of Object.keys(w[0]!.parts ?? {})) if (!k.endsWith('_unconverged')) parts[k] = mean(w.map((x) => x.parts?.[k] ?? NaN));
    points.push({ step: w.at(-1)!.step, loss: mean(w.map((x) => x.loss)), parts });
  }
  return { method: cell.method, lang: cell.lang, objective: info.objective ?? cell.method, window, points };
}

const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
const median = (x: number[]) => {
  const s = [...x].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
};

/** Words of a piece sequence: a piece starting with ▁ (SentencePiece) starts a word; text without the ▁. */
export function pieceWords(pieces: string[]): { pieces: number[]; text: string }[] {
  const words: { pieces: number[]; text: string }[] = [];
  pieces.forEach((p, i) => {
    if (words.length === 0 || p.startsWith('▁')) words.push({ pieces: [i], text: p });
    else {
      words.at(-1)!.pieces.push(i);
      words.at(-1)!.text += p;
    }
  });
  for (const w of words) w.text = w.text.replace(/▁/g, '') || '▁';
  return words;
}

/**
 * Held-out transport and alignment examples (file header) of `model` (a distilled student, or the teacher
 * itself for the zero-shot reference) on `src`/`eng` pairs, against the teacher's English token states.
 */
export function transportStudy(model: SentenceEncoder, teacherEng: TokenStates[], src: string[], eng: string[], examples: number): { values: number[]; alignments: Omit<AlignmentExample, 'method' | 'lang' | 'set'>[] } {
  const s = tokenStates(model, src);
  const values: number[] = [];
  const alignments: Omit<AlignmentExample, 'method' | 'lang' | 'set'>[] = [];
  s.forEach((si, k) => {
    const a = alignTokens(si, teacherEng[k]!, { epsilon: 0.05, cost: 'sqeuclid', topK: 0 });
    values.push(a.value);
    if (k >= examples) return;
    // the plan summed over the pieces of each source word and each English word
    const M = a.cols;
    const ew = pieceWords(teacherEng[k]!.pieces);
    const words = pieceWords(si.pieces).map((w) => {
      const to = ew.map((e) => {
        let m = 0;
        for (const i of w.pieces) for (const j of e.pieces) m += a.plan[i * M + j]!;
        return m;
      });
      let best = 0;
      for (let j = 1; j < to.length; j++) if (to[j]! > to[best]!) best = j;
      const total = to.reduce((x, y) => x + y, 0);
      return { source: w.text, target: ew[best]!.text, share: total > 0 ? to[best]! / total : 0 };
    });
    alignments.push({ index: k, source: src[k]!, english: eng[k]!, value: a.value, words });
  });
  return { values, alignments };
}

/**
 * The analysis of an experiment's cells (file header). `data.heldOut(lang)` gives the pairs of `config.set`
 * for a language (undefined when it has no such set); `data.train(lang, n)` a seeded sample of n pairs of its
 * training bitext, for the same cost on pairs the students were trained on (the generalisation gap).
 */
export async function analyseExperiment(
  cells: CellResult[],
  config: AnalysisConfig,
  teacher: SentenceEncoder,
  data: { heldOut(lang: string): Pairs | undefined; train(lang: string, n: number): Pairs | undefined },
  log: (msg: string) => void = () => {},
): Promise<ExperimentAnalysis> {
  const curves = cells.filter((c) => c.kind === 'distill').map((c) => trainingCurve(c)).filter((c): c is TrainingCurve => c !== undefined);
  const transport: TokenTransport[] = [];
  const alignments: AlignmentExample[] = [];
  const missing: string[] = [];
  for (const lang of [...new Set(cells.map((c) => c.lang))]) {
    const held = data.heldOut(lang);
    if (!held) continue;
    const n = Math.min(config.pairs, held.src.length);
    const splits: { split: TokenTransport['split']; set: string; pairs: Pairs; eng?: TokenStates[] }[] = [{ split: 'held-out', set: config.set, pairs: { src: held.src.slice(0, n), eng: held.eng.slice(0, n) } }];
    const train = data.train(lang, n);
    if (train) splits.push({ split: 'train', set: 'training bitext', pairs: train });
    for (const method of config.methods) {
      const cell = cells.find((c) => c.method === method && c.lang === lang);
      if (!cell) continue;
      let model: SentenceEncoder = teacher;
      if (cell.kind !== 'teacher') {
        const dir = (cell.info as { student?: string }).student;
        if (typeof dir !== 'string' || !existsSync(join(dir, 'config.json'))) {
          missing.push(`${method}/${lang}: no student folder${typeof dir === 'string' ? ` (${dir})` : ''}`);
          continue;
        }
        model = await loadStudent(dir);
      }
      for (const sp of splits) {
        sp.eng ??= tokenStates(teacher, sp.pairs.eng);
        const r = transportStudy(model, sp.eng, sp.pairs.src, sp.pairs.eng, sp.split === 'held-out' ? config.examples : 0);
        transport.push({ method, lang, split: sp.split, set: sp.set, pairs: sp.pairs.src.length, mean: mean(r.values), median: median(r.values) });
        alignments.push(...r.alignments.map((a) => ({ method, lang, set: config.set, ...a })));
        log(`analysis ${method}/${lang}: ${sp.split} token OT cost ${mean(r.values).toFixed(3)} (${sp.pairs.src.length} pairs of ${sp.set})`);
      }
      if (model !== teacher) model.dispose();
    }
  }
  return { config, curves, transport, alignments, missing };
}
