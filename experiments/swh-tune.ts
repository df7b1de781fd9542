/**
 * Development runs for the Swahili defaults, on data that is NOT a test set: the training bitext
 * (Bible + MAFAND en-swa dev + SIB-200 swh train) is split 90/10 (seeded); the student is created,
 * ridge-initialised and trained on the 90 %, and evaluated (bitext mining against the teacher's English
 * vectors) on the held-out 10 % and on SIB-200 swh dev, at step 0 and every `--eval-every` steps.
 * Tatoeba is never touched here.
 *
 *   npx tsx experiments/swh-tune.ts --objective mse --steps 300 [--vocab teacher|new] [--lr 1e-4]
 *       [--table-lr 1e-3] [--lexical-lr 1e-4] [--dropout 0.1] [--no-lexical] [--eval-every 100] [--tag NAME]
 * Appends one JSON line per evaluation to results/dev/swh-tune.jsonl.
 */
import { parseArgs } from 'node:util';
import { mkdirSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { loadUseLite } from '../src/models/use-lite.ts';
import { createStudent, saveStudent, loadStudent } from '../src/models/student.ts';
import { existsSync } from 'node:fs';
import type { KonaStudent } from '../src/models/student.ts';
import { loadBitexts, loadSib200, resolveDataDir } from '../src/data/index.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { initLexicalSkip } from '../src/distill/lexical-init.ts';
import { makeObjective } from '../src/distill/objectives.ts';
import { train, type TeacherTargets } from '../src/distill/trainer.ts';
import { evaluateBitextMining } from '../src/eval/mining.ts';
import { devSplit, selectRows } from './dev-split.ts';

const { values: a } = parseArgs({
  options: {
    objective: { type: 'string', default: 'mse' },
    steps: { type: 'string', default: '300' },
    vocab: { type: 'string', default: 'teacher' },
    lr: { type: 'string', default: '1e-4' },
    'table-lr': { type: 'string', default: '1e-3' },
    'lexical-lr': { type: 'string', default: '1e-4' },
    'no-lexical': { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0.1' },
    'eval-every': { type: 'string', default: '100' },
    lambdas: { type: 'string' },
    tag: { type: 'string', default: '' },
    'data-dir': { type: 'string' },
  },
});
const dataDir = resolveDataDir(a['data-dir']);
const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const teacher = await loadUseLite();
const H = teacher.dim;
const objective = makeObjective(a.objective!);
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const all = cachedTeacherTargets(teacher, bitext.eng, objective.needsTokens);
const { held, fit } = devSplit(bitext.src.length, 10);
const rows = (A: Float32Array, idx: number[]) => selectRows(A, H, idx);
const targets: TeacherTargets = { embeddings: rows(all.embeddings, fit), pooled: rows(all.pooled, fit), tokens: all.tokens && fit.map((i) => all.tokens![i]!), dim: H };
const fitSrc = fit.map((i) => bitext.src[i]!);
const heldSrc = held.map((i) => bitext.src[i]!);
const heldEng = rows(all.embeddings, held);
const devEng = teacher.encode(dev.eng).embeddings;

const t0 = performance.now();
// the initialised student is cached per (vocab, lexical, λ grid): every objective starts from the same one
const initDir = join(tmpdir(), `optical-tune-init-${a.vocab}-${a['no-lexical'] ? 'nolex' : 'lex'}-${a.lambdas ?? 'default'}`);
let lambda: number | undefined;
let student: KonaStudent;
if (existsSync(join(initDir, 'config.json'))) {
  student = await loadStudent(initDir);
  lambda = (student as unknown as { config: { training?: { lambda?: number } } }).config.training?.lambda;
  log(`initialised student loaded from ${initDir}`);
} else {
  student = await createStudent(teacher, { vocab: a.vocab as 'teacher' | 'new', texts: fitSrc, ngram: null, lexical: !a['no-lexical'], seed: 0, name: 'tune' });
  if (student.tables.lexical) {
    const P0 = a.vocab === 'teacher' ? cachedTeacherTargets(teacher, bitext.src, false) : undefined;
    const r = initLexicalSkip(student, fitSrc.map((t) => student.featurize(t)), targets.pooled, targets.embeddings, {
      log, lambdas: a.lambdas?.split(',').map(Number), pooledWithoutSkip: P0 && rows(P0.pooled, fit),
    });
    lambda = r.lambda;
    log(`lexical init: λ = ${r.lambda} (${r.seconds.toFixed(0)} s)`);
  }
  saveStudent(student, initDir, { training: { lambda } });
}
const out = join('results', 'dev');
mkdirSync(out, { recursive: true });
const evaluate = (s: KonaStudent, step: number) => {
  const h = evaluateBitextMining(s.encode(heldSrc).embeddings, heldEng, H);
  const d = evaluateBitextMining(s.encode(dev.src).embeddings, devEng, H);
  const rec = {
    tag: a.tag, objective: a.objective, vocab: a.vocab, lexical: !a['no-lexical'], lambda, lr: Number(a.lr), tableLr: Number(a['table-lr']),
    lexicalLr: Number(a['lexical-lr']), dropout: Number(a.dropout), steps: Number(a.steps), step, seconds: Math.round((performance.now() - t0) / 1000),
    held: [h.src2tgt, h.tgt2src].map((x) => +(100 * x).toFixed(1)), sibDev: [d.src2tgt, d.tgt2src].map((x) => +(100 * x).toFixed(1)),
  };
  console.log(JSON.stringify(rec));
  appendFileSync(join(out, 'swh-tune.jsonl'), JSON.stringify(rec) + '\n');
};
evaluate(student, 0);
const every = Number(a['eval-every']);
await train({
  student, src: fitSrc, targets, objective, outDir: join(tmpdir(), `optical-tune-${process.pid}`),
  steps: Number(a.steps), lr: Number(a.lr), tableLr: Number(a['table-lr']), lexicalLr: Number(a['lexical-lr']), dropout: Number(a.dropout), seed: 0, checkpointEvery: 1e9,
  onStep: (s) => {
    if (s.step % 20 === 0) log(`step ${s.step}/${s.totalSteps} loss ${s.loss.toFixed(4)} ${s.ms.toFixed(0)} ms`);
    if (s.step % every === 0 || s.step === s.totalSteps) evaluate(student, s.step);
  },
});
