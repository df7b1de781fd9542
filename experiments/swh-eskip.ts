/**
 * Dev experiment: after gradient training, in which space should the closed-form lexical fit be made?
 * swh-domain.ts measured it at step 0; this takes a trained student (distilled with `--no-refit` on
 * Bible + SIB-200 train, i.e. without the news domain) and compares, on MAFAND en-swa dev (news, never
 * seen in training; never Tatoeba):
 *
 *   P refit (the current default): the token-level skip N_lex re-solved against the trained transformer
 *           (`refitLexicalSkip`), pooled P_S = P_S0 + v N_lex + b, embedded by the head
 *   P refit + E: then a sentence-level residual on top:  E_S = l2norm(E_P + v N_e + b_e), fit to E_T − E_P
 *   E only: N_lex zeroed, E_S = l2norm(E_0 + v N_e + b_e), fit to E_T − E_0 (E_0: the trained transformer's own embedding)
 *
 * with v the student's own lexicon features (the same rows the skip uses), λ ∈ {0.3, 1}, intercept on.
 *
 *   npx tsx experiments/swh-eskip.ts --student DIR [--bitext bible:Swahili,sib:swh_Latn:train] [--eval mafand:en-swa]
 *   (record: results/dev/swh-eskip.txt)
 */
import { parseArgs } from 'node:util';
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadStudent } from '../src/models/student.ts';
import { loadBitexts, resolveDataDir } from '../src/data/index.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { refitLexicalSkip } from '../src/distill/pipeline.ts';
import { fitKernelRidge, predictKernelRidge, csrToCsc } from '../src/distill/ridge.ts';
import type { CsrMatrix } from '../src/text/tfidf.ts';
import type { KonaEncoder } from '../src/models/encoder.ts';
import { evaluateBitextMining, l2NormalizeRows } from '../src/eval/mining.ts';

const { values: args } = parseArgs({ options: { student: { type: 'string' }, bitext: { type: 'string', default: 'bible:Swahili,sib:swh_Latn:train' }, eval: { type: 'string', default: 'mafand:en-swa' } } });
if (!args.student) throw new Error('--student DIR is required');
const SHORT = 10;
const dataDir = resolveDataDir();
const teacher = await loadUseLite();
const H = teacher.dim;
const fit = loadBitexts(args.bitext!.split(','), dataDir);
const ev = loadBitexts(args.eval!.split(','), dataDir);
const T = cachedTeacherTargets(teacher, fit.eng, false);
const Tev = cachedTeacherTargets(teacher, ev.eng, false);
const short = [...ev.src.keys()].filter((i) => ev.src[i]!.split(/\s+/).length <= SHORT);
const pct = (x: number) => (100 * x).toFixed(1);

function report(label: string, E: Float32Array): void {
  const all = evaluateBitextMining(E, Tev.embeddings, H);
  const rows = (A: Float32Array) => {
    const out = new Float32Array(short.length * H);
    short.forEach((r, i) => out.set(A.subarray(r * H, (r + 1) * H), i * H));
    return out;
  };
  const s = evaluateBitextMining(rows(E), rows(Tev.embeddings), H);
  console.log(`${label.padEnd(28)} all (${ev.src.length}) ${pct(all.src2tgt)}/${pct(all.tgt2src)}  ≤${SHORT} words (${short.length}) ${pct(s.src2tgt)}/${pct(s.tgt2src)}`);
}

function features(student: KonaEncoder, texts: string[]): CsrMatrix {
  const indptr = new Int32Array(texts.length + 1);
  const idx: number[] = [];
  const val: number[] = [];
  texts.forEach((t, i) => {
    const c = [...student.lexicalFeatures(student.featurize(t))].sort((a, b) => a[0] - b[0]);
    for (const [k, v] of c) (idx.push(k), val.push(v));
    indptr[i + 1] = idx.length;
  });
  return { indptr, indices: Int32Array.from(idx), values: Float32Array.from(val), nCols: student.lexicon!.nFeatures };
}

/** E-space residual on top of the student as it is: fit E_T − E on the training bitext, report on ev. */
function eResidual(label: string, student: KonaEncoder): void {
  const E = student.encode(fit.src).embeddings;
  const Eev = student.encode(ev.src).embeddings;
  const X = features(student, fit.src);
  const Y = T.embeddings.map((v, i) => v - E[i]!);
  const { models } = fitKernelRidge(X, Y, H, { lambdas: [0.3, 1], center: true, tol: 1e-3, maxIter: 300 });
  const Xev = features(student, ev.src);
  const csc = csrToCsc(X);
  for (const m of models) {
    const p = predictKernelRidge(Xev, csc, m);
    for (let i = 0; i < p.length; i++) p[i]! += Eev[i]!;
    report(`${label} λ=${m.lambda}`, l2NormalizeRows(p, H));
  }
}

console.log(`# student ${args.student}; fit ${fit.src.length} pairs (${args.bitext}); evaluate ${args.eval} (${ev.src.length} pairs)`);
let s = await loadStudent(args.student);
report('as trained (no refit)', s.encode(ev.src).embeddings);
s.tables.lexical!.fill(0);
report('N_lex zeroed', s.encode(ev.src).embeddings);
eResidual('E only', s);
s.dispose();
s = await loadStudent(args.student);
refitLexicalSkip(s, fit, T, { seed: 0 });
report('P refit (default)', s.encode(ev.src).embeddings);
eResidual('P refit + E', s);
s.dispose();
