/**
 * Development check of the hubness-corrected mining scores (`csls`, ratio `margin`; `src/eval/mining.ts`)
 * against cosine, on development sets only: the Tatoeba sets of development languages and line-aligned sets
 * left out of a student's bitext. No test set of an issue is read unless it is named on the command line.
 *
 *   npx tsx experiments/mining-scores.ts --student DIR --lang est [--no-tatoeba] [--lines LABEL:SRC:ENG]
 *     [--ks 4,10]
 *
 * Prints X→en / en→X accuracy (%) for cosine and for each score and k.
 */
import { isAbsolute, join } from 'node:path';
import { readLines } from '../src/util/fs.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { loadTatoebaEval, resolveDataDir } from '../src/data/index.ts';
import { evaluateBitextMining, type MiningScore } from '../src/eval/mining.ts';
import { loadEncoder } from '../src/models/student.ts';
import { loadUseLite } from '../src/models/use-lite.ts';

function args(name: string): string[] {
  const out: string[] = [];
  process.argv.forEach((a, i) => a === name && out.push(process.argv[i + 1]!));
  return out;
}
const lang = args('--lang')[0] ?? 'est';
const studentDir = args('--student')[0]!;
const ks = (args('--ks')[0] ?? '4,10').split(',').map(Number);
const pct = (x: number) => (100 * x).toFixed(1);

const dataDir = resolveDataDir();
const teacher = await loadUseLite();
const student = await loadEncoder(studentDir);
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
console.log(`# ${studentDir}`);
for (const s of sets) {
  const x = student.encode(s.src).embeddings;
  const y = cachedTeacherTargets(teacher, s.eng, false).embeddings;
  const row = (name: string, score: MiningScore, k?: number) => {
    const r = evaluateBitextMining(x, y, teacher.dim, { score, k });
    console.log(`${`${s.label} (${s.src.length})`.padEnd(22)} ${name.padEnd(12)} ${pct(r.src2tgt)} / ${pct(r.tgt2src)}`);
  };
  row('cosine', 'cosine');
  for (const k of ks) for (const score of ['csls', 'margin'] as const) row(`${score} k=${k}`, score, k);
}
