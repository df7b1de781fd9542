/**
 * Out-of-domain development check on a *development language* (never a test language of the issues): does
 * adding the closed-form linear baseline's embedding to a distilled student help on conversational text when
 * every training source is Bible / FLORES? The Tatoeba set of the development language is the out-of-domain
 * dev set; the Swahili Tatoeba test set is not read.
 *
 *   npx tsx experiments/ood-ensemble.ts --lang est --student DIR --bitext bible:Estonian --bitext sib:est_Latn:train
 *     [--sib est_Latn] [--lines LABEL:SRC:ENG] [--lambdas 0.3,0.5,1] [--weights 0.5,1,2] [--centers true,false]
 *     [--no-tatoeba]
 *
 * `--lines` adds a set of two line-aligned files (e.g. MAFAND news left out of a Swahili student's bitext:
 * `news:mafand-mt/en-swa/dev.swa:mafand-mt/en-swa/dev.en`, paths under the data folder or absolute);
 * `--no-tatoeba` drops the Tatoeba set (for a language whose Tatoeba set is a test set).
 *
 * Rows (X→en / en→X mining accuracy, %): the student e_s; the linear baseline e_l (`linear-baseline.ts`, ridge
 * from word + character n-gram TF-IDF onto the teacher's vectors, with and without intercept, each λ); and the
 * mixtures e = l2norm(e_s + w · e_l) (both terms unit vectors) for each weight w.
 */
import { isAbsolute, join } from 'node:path';
import { readLines } from '../src/util/fs.ts';
import { fitLinearBaselines } from '../src/distill/linear-baseline.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { loadBitexts, loadSib200, loadTatoebaEval, resolveDataDir } from '../src/data/index.ts';
import { evaluateBitextMining, l2NormalizeRows } from '../src/eval/mining.ts';
import { loadEncoder } from '../src/models/student.ts';
import { loadUseLite } from '../src/models/use-lite.ts';

function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => a === name && out.push(process.argv[i + 1]!));
  return out;
}
const lang = args('--lang')[0] ?? 'est';
const studentDir = args('--student')[0]!;
const specs = args('--bitext');
const sib = args('--sib')[0];
const lambdas = (args('--lambdas')[0] ?? '0.3,0.5,1').split(',').map(Number);
const weights = (args('--weights')[0] ?? '0.5,1,2').split(',').map(Number);
const pct = (x: number) => (100 * x).toFixed(1);

const dataDir = resolveDataDir();
const teacher = await loadUseLite();
const student = await loadEncoder(studentDir);
const D = teacher.dim;
const bitext = loadBitexts(specs, dataDir);
const Y = cachedTeacherTargets(teacher, bitext.eng, false).embeddings;
const sets: { label: string; src: string[]; eng: string[] }[] = [];
if (!process.argv.includes('--no-tatoeba')) {
  const tat = loadTatoebaEval(dataDir, lang);
  sets.push({ label: `tatoeba ${lang}`, src: tat.src, eng: tat.eng });
}
for (const spec of args('--lines')) {
  const [label, src, eng] = spec.split(':') as [string, string, string];
  const path = (f: string) => (isAbsolute(f) ? f : join(dataDir, f));
  sets.push({ label, src: readLines(path(src)), eng: readLines(path(eng)) });
}
if (sib) {
  const s = loadSib200(dataDir, sib, 'dev');
  sets.push({ label: `sib dev ${sib}`, src: s.src, eng: s.eng });
}
const evals = sets.map((s) => ({
  label: `${s.label} (${s.src.length})`,
  src: s.src,
  tgt: cachedTeacherTargets(teacher, s.eng, false).embeddings,
  student: student.encode(s.src).embeddings,
  zero: teacher.encode(s.src).embeddings,
}));
const line = (name: string, embed: (e: (typeof evals)[number]) => Float32Array) =>
  console.log(
    `${name.padEnd(34)} ${evals
      .map((e) => {
        const r = evaluateBitextMining(embed(e), e.tgt, D);
        return `${e.label} ${pct(r.src2tgt)}/${pct(r.tgt2src)}`;
      })
      .join('  ')}`,
  );
console.log(`# ${lang}: student ${studentDir}; linear baselines fitted on ${bitext.src.length} pairs (${specs.join(', ')})`);
line('teacher zero-shot', (e) => e.zero);
line('student', (e) => e.student);
for (const center of (args('--centers')[0] ?? 'true,false').split(',').map((c) => c === 'true')) {
  const models = fitLinearBaselines(bitext.src, Y, { center, lambdas, tol: 1e-3 });
  for (const m of models) {
    const lin = evals.map((e) => m.encode(e.src));
    const tag = `linear ${center ? '+b' : '  '} λ=${m.lambda}`;
    line(tag, (e) => lin[evals.indexOf(e)]!);
    for (const w of weights) {
      line(`student + ${w}·${tag}`, (e) => {
        const l = lin[evals.indexOf(e)]!;
        return l2NormalizeRows(e.student.map((v, i) => v + w * l[i]!), D);
      });
    }
  }
}
