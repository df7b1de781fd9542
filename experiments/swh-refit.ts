/**
 * Dev: refit the lexical skip in closed form after gradient training (the pipeline's `refit` stage), on
 * students trained by experiments/swh-tune.ts (same 90/10 split, seed 0): held-out tenth + SIB-200 swh dev,
 * never Tatoeba. λ fixed at the initialisation's choice (0.3).
 *
 *   npx tsx experiments/swh-refit.ts STUDENT_DIR...        (record: results/dev/swh-refit.txt)
 */
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadStudent } from '../src/models/student.ts';
import { loadBitexts, loadSib200, resolveDataDir } from '../src/data/index.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { initLexicalSkip } from '../src/distill/lexical-init.ts';
import { evaluateBitextMining } from '../src/eval/mining.ts';
import { devSplit, selectRows } from './dev-split.ts';
const dataDir = resolveDataDir();
const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const teacher = await loadUseLite();
const H = 512;
const all = cachedTeacherTargets(teacher, bitext.eng, false);
const { held, fit } = devSplit(bitext.src.length, 10);
const rows = (A: Float32Array, idx: number[]) => selectRows(A, H, idx);
const heldEng = rows(all.embeddings, held);
const devEng = teacher.encode(dev.eng).embeddings;
const ev = (s: Awaited<ReturnType<typeof loadStudent>>) => {
  const h = evaluateBitextMining(s.encode(held.map((i) => bitext.src[i]!)).embeddings, heldEng, H);
  const d = evaluateBitextMining(s.encode(dev.src).embeddings, devEng, H);
  return `held ${(100 * h.src2tgt).toFixed(1)}/${(100 * h.tgt2src).toFixed(1)} SIB dev ${(100 * d.src2tgt).toFixed(1)}/${(100 * d.tgt2src).toFixed(1)}`;
};
for (const dir of process.argv.slice(2)) {
  const s = await loadStudent(dir);
  console.log(`${dir} as trained: ${ev(s)}`);
  const fitSrc = fit.map((i) => bitext.src[i]!);
  const r = initLexicalSkip(s, fitSrc.map((t) => s.featurize(t)), rows(all.pooled, fit), rows(all.embeddings, fit), { lambdas: [0.3] });
  console.log(`${dir} refit λ=0.3 (${r.seconds.toFixed(0)} s): ${ev(s)}`);
}
