/**
 * Closed-form distillation baseline for Swahili: kernel ridge regression (linear kernel) from
 * word + character n-gram TF-IDF of the Swahili side onto USE-lite's vectors of the English side
 * (`src/distill/linear-baseline.ts`), evaluated on Tatoeba swh–eng bitext mining.
 *
 *   npx tsx experiments/linear-swh.ts [--save DIR] [--seed N] [--only a|b]
 *
 * Training bitext:
 *   (a) bible:Swahili
 *   (b) bible:Swahili + mafand:en-swa (dev) + sib:swh_Latn:train
 * Model selection (features × intercept × λ) uses a seeded random 10% of the TRAINING bitext as
 * held-out set (criterion: mean of both mining directions on it); Tatoeba is used only for the
 * final report. The selected configuration (and, as an ablation, the best one with the other
 * intercept choice) is refitted on the whole training bitext. The English side of
 * Tatoeba (and of the held-out set) is encoded by the teacher; the Swahili side by the baseline.
 * `--save DIR` writes the two final models to DIR/a and DIR/b.
 */
import { join } from 'node:path';
import { fitLinearBaseline, fitLinearBaselines } from '../src/distill/linear-baseline.ts';
import { cachedTeacherTargets } from '../src/distill/teacher-cache.ts';
import { loadBitexts, loadTatoebaEval, resolveDataDir } from '../src/data/index.ts';
import { evaluateBitextMining } from '../src/eval/mining.ts';
import { loadUseLite } from '../src/models/use-lite.ts';
import type { TfidfOptions } from '../src/text/tfidf.ts';
import { mulberry32, shuffleInPlace } from '../src/util/random.ts';

const SETTINGS = [
  { key: 'a', name: '(a) Bible', specs: ['bible:Swahili'] },
  { key: 'b', name: '(b) Bible + MAFAND + SIB-200', specs: ['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'] },
];
const FEATURES: { label: string; features: TfidfOptions }[] = [
  { label: 'words + char 3–5 in <word>', features: { charMode: 'word' } },
  { label: 'words + char 3–5 across text', features: { charMode: 'text' } },
];
const LAMBDAS = [0.1, 0.2, 0.3, 0.5, 0.7, 1, 2];
/** With / without an unpenalised intercept (`center`). */
const CENTER = [true, false];
const HELD_OUT = 0.1;
const TOL = 1e-3;

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const saveDir = arg('--save');
const seed = Number(arg('--seed') ?? 1);
const only = arg('--only');

/** Rows `ids` of a [N, D] matrix. */
function rows(Y: Float32Array, D: number, ids: readonly number[]): Float32Array {
  const out = new Float32Array(ids.length * D);
  ids.forEach((i, r) => out.set(Y.subarray(i * D, (i + 1) * D), r * D));
  return out;
}
const pct = (x: number) => (100 * x).toFixed(1);
const log = (s: string) => process.stderr.write(`${s}\n`);

const dataDir = resolveDataDir();
const teacher = await loadUseLite();
const tatoeba = loadTatoebaEval(dataDir, 'swh');
const tatEng = cachedTeacherTargets(teacher, tatoeba.eng, false);
const D = tatEng.dim;
const zeroShot = evaluateBitextMining(teacher.encode(tatoeba.src).embeddings, tatEng.embeddings, D);

interface Row {
  name: string;
  pairs: number;
  chosen: string;
  center: boolean;
  selected: boolean;
  lambda: number;
  heldOut: number;
  fitSeconds: number;
  iterations: number;
  swh2en: number;
  en2swh: number;
}
interface Candidate {
  acc: number;
  features: (typeof FEATURES)[number];
  center: boolean;
  lambda: number;
}
const results: Row[] = [];
const tuning: string[] = [];
const tuneTime: Record<string, number> = {};

for (const setting of SETTINGS.filter((s) => only === undefined || s.key === only)) {
  const bitext = loadBitexts(setting.specs, dataDir);
  const N = bitext.src.length;
  const Y = cachedTeacherTargets(teacher, bitext.eng, false).embeddings;
  const order = shuffleInPlace([...Array(N).keys()], mulberry32(seed));
  const nHeld = Math.round(HELD_OUT * N);
  const held = order.slice(0, nHeld);
  const train = order.slice(nHeld);
  const trainSrc = train.map((i) => bitext.src[i]!);
  const heldSrc = held.map((i) => bitext.src[i]!);
  const Ytrain = rows(Y, D, train);
  const Yheld = rows(Y, D, held);
  log(`${setting.name}: ${N} pairs (${train.length} train / ${held.length} held out)`);

  // best (features, λ) for each intercept choice, by held-out mean accuracy of both directions
  const best = new Map<boolean, Candidate>();
  const t0 = performance.now();
  for (const center of CENTER) {
    for (const f of FEATURES) {
      const models = fitLinearBaselines(trainSrc, Ytrain, {
        features: f.features,
        center,
        lambdas: LAMBDAS,
        tol: TOL,
        onIteration: (it, res) => {
          if (it % 25 === 0) log(`  ${f.label}, intercept ${center}: CG iteration ${it}, residual ${res.toExponential(2)}`);
        },
      });
      const info = models[0]!.fitInfo!;
      const cells: string[] = [];
      for (const m of models) {
        const r = evaluateBitextMining(m.encode(heldSrc), Yheld, D);
        const acc = r.aggregate['Acc']!;
        cells.push(`${pct(r.src2tgt)} / ${pct(r.tgt2src)}`);
        if (acc > (best.get(center)?.acc ?? -1)) best.set(center, { acc, features: f, center, lambda: m.lambda });
      }
      tuning.push(`| ${setting.key} | ${f.label} | ${center ? 'yes' : 'no'} | ${models[0]!.train.nCols} | ${cells.join(' | ')} | ${info.iterations} it, ${info.seconds.toFixed(0)} s |`);
      log(`  ${f.label}, intercept ${center}: ${info.iterations} iterations (${info.status}), ${info.seconds.toFixed(0)} s`);
    }
  }
  tuneTime[setting.key] = (performance.now() - t0) / 1000;

  const winner = [...best.values()].reduce((a, b) => (b.acc > a.acc ? b : a));
  for (const c of [...best.values()].sort((a, b) => Number(b === winner) - Number(a === winner))) {
    const model = fitLinearBaseline(bitext.src, Y, { features: c.features.features, center: c.center, lambda: c.lambda, tol: TOL });
    const r = evaluateBitextMining(model.encode(tatoeba.src), tatEng.embeddings, D);
    const selected = c === winner;
    if (saveDir && selected) model.save(join(saveDir, setting.key));
    results.push({
      name: setting.name,
      pairs: N,
      chosen: c.features.label,
      center: c.center,
      selected,
      lambda: c.lambda,
      heldOut: c.acc,
      fitSeconds: model.fitInfo!.seconds,
      iterations: model.fitInfo!.iterations,
      swh2en: r.src2tgt,
      en2swh: r.tgt2src,
    });
    log(`  final${selected ? ' (selected)' : ''}: ${c.features.label}, intercept ${c.center}, λ = ${c.lambda}: Tatoeba swh→en ${pct(r.src2tgt)}%, en→swh ${pct(r.tgt2src)}%`);
  }
}

console.log(`\n### Held-out tuning (random ${HELD_OUT * 100}% of the training bitext, seed ${seed}; swh→en / en→swh accuracy %)\n`);
console.log(`| set | features | intercept | F | ${LAMBDAS.map((l) => `λ=${l}`).join(' | ')} | solve (all λ) |`);
console.log(`|---|---|---|---|${LAMBDAS.map(() => '---|').join('')}---|`);
for (const t of tuning) console.log(t);

console.log(`\n### Tatoeba swh–eng (${tatoeba.src.length} pairs; English encoded by the teacher)\n`);
console.log('Each row: the best features and λ on the held-out split for that intercept choice; ★ = selected (best held-out Acc overall).\n');
console.log('| model | pairs | features | intercept | λ | held-out Acc | fit (s) | CG it | swh→en | en→swh |');
console.log('|---|---|---|---|---|---|---|---|---|---|');
console.log(`| USE-lite zero-shot | – | – | – | – | – | – | – | ${pct(zeroShot.src2tgt)} | ${pct(zeroShot.tgt2src)} |`);
for (const r of results) {
  console.log(
    `| ${r.selected ? '★ ' : ''}${r.name} | ${r.pairs} | ${r.chosen} | ${r.center ? 'yes' : 'no'} | ${r.lambda} | ${pct(r.heldOut)} | ${r.fitSeconds.toFixed(0)} | ${r.iterations} | ${pct(r.swh2en)} | ${pct(r.en2swh)} |`,
  );
}
console.log(`\nTuning time (all fits on the 90% split + held-out encoding): ${Object.entries(tuneTime).map(([k, t]) => `(${k}) ${t.toFixed(0)} s`).join(', ')}.`);
