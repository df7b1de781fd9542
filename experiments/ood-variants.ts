/**
 * The closed-form lexical-fit variants of `closed-form-variants.ts` (P-space / E-space residual, E-space direct,
 * each with and without the intercept), fitted at step 0 on a development language's bitext and scored on that
 * language's Tatoeba set: an out-of-domain dev set for choices that Swahili's in-domain dev sets cannot make.
 * Use a language that is not a test language of the issues (e.g. Estonian: Bible + SIB-200 train).
 *
 *   npx tsx experiments/ood-variants.ts --lang est --bitext bible:Estonian --bitext sib:est_Latn:train [--lambdas 0.3,1]
 */
import { parseArgs } from 'node:util';
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadBitexts, loadTatoebaEval, resolveDataDir } from '../src/data/index.ts';
import { evaluateBitextMining } from '../src/eval/mining.ts';
import { printClosedFormVariants, variantInputs } from './closed-form-variants.ts';

const { values: args } = parseArgs({ options: { lang: { type: 'string' }, bitext: { type: 'string', multiple: true }, lambdas: { type: 'string', default: '0.3,1' } } });
const lambdas = args.lambdas!.split(',').map(Number);
const dataDir = resolveDataDir();
const teacher = await loadUseLite();
const H = teacher.dim;
const fit = loadBitexts(args.bitext!, dataDir);
const ev = loadTatoebaEval(dataDir, args.lang!);
const { T, S0, Tev, S0ev, tfidf, X } = variantInputs(teacher, fit, ev);
const label = `tatoeba ${args.lang} (${ev.src.length})`;
const zero = evaluateBitextMining(teacher.embedPooled(S0ev.pooled), Tev.embeddings, H);
console.log(`# ${args.lang}: fit ${args.bitext!.join(' + ')} (${fit.src.length} pairs), evaluate ${label}`);
console.log(`teacher zero-shot                ${label} ${(100 * zero.src2tgt).toFixed(1)}/${(100 * zero.tgt2src).toFixed(1)}`);
printClosedFormVariants(teacher, X, T.pooled, S0.pooled, [{ label, X: tfidf.transform(ev.src), S0: S0ev.pooled, tgt: Tev.embeddings }], { lambdas });
