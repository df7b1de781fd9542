/**
 * Closed-form initialisation variants of the Swahili student's lexical skip, compared at step 0 (no
 * gradient training) on data that is NOT a test set: a held-out tenth of the training bitext and
 * SIB-200 swh dev (eng↔swh bitext mining). Tatoeba is printed only with `--tatoeba`, for the chosen
 * configuration; it is never used to choose.
 *
 * Student at step 0 with the teacher's vocabulary and layers: pooled P_S(x) = P_S0(x) + v(x) N + b,
 * where P_S0 is the teacher's own pooled vector of the Swahili text and v(x) a sentence feature vector.
 * Variants: v(x) = TF-IDF (words + char 3–5-grams, rows L2-normalised; `src/text/tfidf.ts`), ridge
 * target = P_T − P_S0 (the student's residual) or P_T (P_S0 dropped), with or without an intercept b.
 *
 *   npx tsx experiments/swh-init.ts [--lambdas 0.03,0.1,0.3,1] [--tatoeba VARIANT:λ] [--extra SPEC,SPEC] [--only VARIANT]
 *
 * `--extra` adds bitext (e.g. `freedict:swh-eng,freedict:eng-swh`, word-level pairs) to the fit side only:
 * the held-out tenth stays the same sentences of the base bitext, so the two runs are compared on one split.
 */
import { parseArgs } from 'node:util';
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadBitexts, loadSib200, loadTatoebaEval, resolveDataDir } from '../src/data/index.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { fitKernelRidge, predictKernelRidge, csrToCsc } from '../src/distill/ridge.ts';
import { Tfidf, type CsrMatrix } from '../src/text/tfidf.ts';
import { evaluateBitextMining } from '../src/eval/mining.ts';
import { devSplit, selectRows } from './dev-split.ts';

const { values: args } = parseArgs({ options: { lambdas: { type: 'string', default: '0.03,0.1,0.3,1' }, tatoeba: { type: 'string' }, extra: { type: 'string' }, only: { type: 'string' }, 'data-dir': { type: 'string' } } });
const lambdas = args.lambdas!.split(',').map(Number);
const dataDir = resolveDataDir(args['data-dir']);
const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const extra = args.extra ? loadBitexts(args.extra.split(','), dataDir) : undefined;
const teacher = await loadUseLite();
const H = teacher.dim;
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);
const progress = (what: string) => (d: number, n: number) => d % 2048 < 64 && log(`${what} ${d}/${n}`);

log(`bitext ${bitext.src.length} pairs; SIB dev ${dev.src.length}`);
const T = cachedTeacherTargets(teacher, bitext.eng, false, progress('teacher eng'));
const S0 = cachedTeacherTargets(teacher, bitext.src, false, progress('teacher swh (P_S0)'));
const Tdev = cachedTeacherTargets(teacher, dev.eng, false);
const S0dev = cachedTeacherTargets(teacher, dev.src, false);

const { held, fit } = devSplit(bitext.src.length, 10);
const Tx = extra ? cachedTeacherTargets(teacher, extra.eng, false) : undefined;
const S0x = extra ? cachedTeacherTargets(teacher, extra.src, false) : undefined;
if (extra) log(`extra fit bitext: ${extra.src.length} pairs (${args.extra})`);
/** rows of the fit side: the base bitext's fit rows, then every extra pair */
const fitRows = (A: Float32Array, X: Float32Array | undefined) => {
  const base = rows(A, fit);
  if (!X) return base;
  const out = new Float32Array(base.length + X.length);
  out.set(base);
  out.set(X, base.length);
  return out;
};

const tfidf = new Tfidf();
const Xfit = tfidf.fitTransform([...fit.map((i) => bitext.src[i]!), ...(extra?.src ?? [])]);
const Xheld = tfidf.transform(held.map((i) => bitext.src[i]!));
const Xdev = tfidf.transform(dev.src);
log(`tfidf: ${tfidf.nFeatures} features, ${Xfit.indices.length} non-zeros`);
const csc = csrToCsc(Xfit);

const rows = (A: Float32Array, idx: number[]) => selectRows(A, H, idx);
const embed = (pooled: Float32Array) => teacher.embedPooled(pooled);

function evaluate(X: CsrMatrix, P0: Float32Array | null, tgt: Float32Array, m: Parameters<typeof predictKernelRidge>[2]) {
  const p = predictKernelRidge(X, csc, m);
  if (P0) for (let i = 0; i < p.length; i++) p[i]! += P0[i]!;
  return evaluateBitextMining(embed(p), tgt, H);
}

const variants = [
  { name: 'residual+b', residual: true, center: true },
  { name: 'residual', residual: true, center: false },
  { name: 'direct+b', residual: false, center: true },
  { name: 'direct', residual: false, center: false },
];
const S0held = rows(S0.pooled, held);
const Theld = rows(T.embeddings, held);
for (const v of variants.filter((x) => !args.only || x.name === args.only)) {
  const Y = fitRows(T.pooled, Tx?.pooled);
  if (v.residual) {
    const P = fitRows(S0.pooled, S0x?.pooled);
    for (let i = 0; i < Y.length; i++) Y[i]! -= P[i]!;
  }
  const t0 = performance.now();
  const { models, solver } = fitKernelRidge(Xfit, Y, H, { lambdas, center: v.center, tol: 1e-3, maxIter: 300 });
  log(`${v.name}: CG ${solver.status} in ${solver.iterations} iterations, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  for (const m of models) {
    const h = evaluate(Xheld, v.residual ? S0held : null, Theld, m);
    const d = evaluate(Xdev, v.residual ? S0dev.pooled : null, Tdev.embeddings, m);
    console.log(`${v.name.padEnd(11)} λ=${String(m.lambda).padEnd(5)} held-out ${(100 * h.src2tgt).toFixed(1)}/${(100 * h.tgt2src).toFixed(1)}  SIB dev ${(100 * d.src2tgt).toFixed(1)}/${(100 * d.tgt2src).toFixed(1)}`);
    if (args.tatoeba === `${v.name}:${m.lambda}`) {
      const tato = loadTatoebaEval(dataDir, 'swh');
      const Tt = cachedTeacherTargets(teacher, tato.eng, false);
      const St = cachedTeacherTargets(teacher, tato.src, false);
      const t = evaluate(tfidf.transform(tato.src), v.residual ? St.pooled : null, Tt.embeddings, m);
      console.log(`  Tatoeba swh (n=${tato.src.length}): ${(100 * t.src2tgt).toFixed(1)}/${(100 * t.tgt2src).toFixed(1)}`);
    }
  }
}
