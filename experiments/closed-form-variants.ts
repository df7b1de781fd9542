/**
 * The closed-form lexical-fit variants compared by the Swahili dev scripts (swh-head.ts, swh-domain.ts), one
 * kernel ridge fit per (space, residual, intercept), every λ at once, scored by mining accuracy on `sets`:
 *
 *   P-space residual: pooled P_S = P_S0 + v N + b, fit to P_T, embedded by the teacher's head
 *   E-space residual: E_S = l2norm(E_S0 + v N_e + b_e), fit to E_T − E_S0
 *   E-space direct:   E_S = l2norm(v N_e + b_e), fit to E_T (the linear baseline)
 *
 * Prints one line per variant and λ: `PREFIX{P|E}-space {residual|direct} {+b| } λ=… LABEL s2t/t2s …` (%).
 */
import type { KonaEncoder } from '../src/models/encoder.ts';
import { fitKernelRidge, predictKernelRidge, csrToCsc } from '../src/distill/ridge.ts';
import { Tfidf, type CsrMatrix } from '../src/text/tfidf.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { evaluateBitextMining, l2NormalizeRows } from '../src/eval/mining.ts';

export interface VariantSet {
  label: string;
  /** [n, F] lexical features of the foreign side */
  X: CsrMatrix;
  /** [n, H] the teacher's pooled vectors of the foreign side (P_S0) */
  S0: Float32Array;
  /** [n, H] the teacher's embeddings of the English side */
  tgt: Float32Array;
}

/**
 * The inputs of the variants for a fit bitext and an evaluation bitext: the teacher's outputs of both sides of
 * each (cached) and the TF-IDF lexicon fitted on the fit side's foreign text, X = its rows.
 */
export function variantInputs(teacher: KonaEncoder, fit: { src: string[]; eng: string[] }, ev: { src: string[]; eng: string[] }) {
  const outputs = (texts: string[]) => cachedTeacherTargets(teacher, texts, false);
  const T = outputs(fit.eng);
  const S0 = outputs(fit.src);
  const Tev = outputs(ev.eng);
  const S0ev = outputs(ev.src);
  const tfidf = new Tfidf();
  return { T, S0, Tev, S0ev, tfidf, X: tfidf.fitTransform(fit.src) };
}

/** Fit every variant on X ([N, F]), T_pooled and S0_pooled ([N, H]) and print its scores on `sets`. */
export function printClosedFormVariants(teacher: KonaEncoder, X: CsrMatrix, T_pooled: Float32Array, S0_pooled: Float32Array, sets: VariantSet[], opts: { lambdas: number[]; spaces?: string[]; prefix?: string }): void {
  const H = teacher.dim;
  const csc = csrToCsc(X);
  const spaces = {
    P: { fwd: (P: Float32Array) => P, out: (P: Float32Array) => teacher.embedPooled(P) },
    E: { fwd: (P: Float32Array) => teacher.embedPooled(P), out: (E: Float32Array) => l2NormalizeRows(E, H) },
  };
  for (const [space, f] of Object.entries(spaces).filter(([k]) => (opts.spaces ?? ['P', 'E']).includes(k))) {
    const Tt = f.fwd(T_pooled);
    const S0t = f.fwd(S0_pooled);
    for (const residual of [true, false]) {
      if (!residual && space !== 'E') continue;
      for (const center of [true, false]) {
        const Y = residual ? Tt.map((v, i) => v - S0t[i]!) : Tt;
        const { models } = fitKernelRidge(X, Y, H, { lambdas: opts.lambdas, center, tol: 1e-3, maxIter: 300 });
        for (const m of models) {
          const out = sets.map((s) => {
            const p = predictKernelRidge(s.X, csc, m);
            if (residual) {
              const base = f.fwd(s.S0);
              for (let i = 0; i < p.length; i++) p[i]! += base[i]!;
            }
            const r = evaluateBitextMining(f.out(p), s.tgt, H);
            return `${s.label} ${(100 * r.src2tgt).toFixed(1)}/${(100 * r.tgt2src).toFixed(1)}`;
          });
          console.log(`${opts.prefix ?? ''}${space}-space ${residual ? 'residual' : 'direct  '} ${center ? '+b' : '  '} λ=${String(m.lambda).padEnd(4)} ${out.join('  ')}`);
        }
      }
    }
  }
}
