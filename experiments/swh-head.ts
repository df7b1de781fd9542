/**
 * Dev experiment: in which space should the closed-form lexical fit be made? Compared at step 0 on a
 * held-out fifth of the training bitext (all of it, and its sentences of ≤ 10 words) and SIB-200 swh dev
 * (never Tatoeba). Fitting in the pre-tanh space z = P W_t + b_t gives exactly the P-space numbers (ridge
 * with a Frobenius penalty is equivariant under an invertible map of the targets: N_z = N W_t; measured).
 *
 *   P-space  (current): pooled P_S = P_S0 + v N + b,     fit to P_T             (penalty λ‖N‖²)
 *   E-space (residual): E_S = E_S0 + v N_e + b_e,       fit to E_T  (the skip after the head: not a token model)
 *   E-space (direct):   E_S = v N_e + b_e               (the linear baseline)
 *
 *   npx tsx experiments/swh-head.ts [--lambdas 0.1,0.3,1] [--spaces P,E]      (record: results/dev/swh-head.txt)
 */
import { parseArgs } from 'node:util';
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadBitexts, loadSib200, resolveDataDir } from '../src/data/index.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { Tfidf } from '../src/text/tfidf.ts';
import { devSplit, selectRows } from './dev-split.ts';
import { printClosedFormVariants, type VariantSet } from './closed-form-variants.ts';

const { values: args } = parseArgs({ options: { lambdas: { type: 'string', default: '0.1,0.3,1' }, spaces: { type: 'string', default: 'P,E' } } });
const SHORT = 10;
const lambdas = args.lambdas!.split(',').map(Number);
const dataDir = resolveDataDir();
const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const teacher = await loadUseLite();
const H = teacher.dim;
const T = cachedTeacherTargets(teacher, bitext.eng, false);
const S0 = cachedTeacherTargets(teacher, bitext.src, false);
const Tdev = cachedTeacherTargets(teacher, dev.eng, false);
const S0dev = cachedTeacherTargets(teacher, dev.src, false);

const { held, fit } = devSplit(bitext.src.length, 5);
const tfidf = new Tfidf();
const Xfit = tfidf.fitTransform(fit.map((i) => bitext.src[i]!));
const Xheld = tfidf.transform(held.map((i) => bitext.src[i]!));
const Xdev = tfidf.transform(dev.src);
const rows = (A: Float32Array, idx: number[]) => selectRows(A, H, idx);
const sets: VariantSet[] = [
  { label: 'held-out', X: Xheld, S0: rows(S0.pooled, held), tgt: rows(T.embeddings, held) },
  { label: 'SIB dev', X: Xdev, S0: S0dev.pooled, tgt: Tdev.embeddings },
];
const short = held.filter((i) => bitext.src[i]!.split(/\s+/).length <= SHORT);
sets.push({ label: `held-out ≤${SHORT} words (${short.length})`, X: tfidf.transform(short.map((i) => bitext.src[i]!)), S0: rows(S0.pooled, short), tgt: rows(T.embeddings, short) });
printClosedFormVariants(teacher, Xfit, rows(T.pooled, fit), rows(S0.pooled, fit), sets, { lambdas, spaces: args.spaces!.split(',') });
