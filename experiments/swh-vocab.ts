/**
 * Dev: the student's vocabulary — the teacher's SentencePiece pieces (the default) against a new unigram
 * vocabulary trained on the Swahili side (`--vocab new`) — for accuracy and for speed. Swahili cuts into
 * 57.3 teacher pieces per sentence on average but 25.6 pieces of an 8k vocabulary trained on it (the README
 * bitext), and a training step's cost grows with the pieces.
 *
 * Data: the 90/10 development split of the README bitext (Bible + MAFAND en-swa dev + SIB-200 swh train;
 * experiments/dev-split.ts, seed 0). Each arm runs `optical distill` with its defaults on the 90 % (written as
 * line files), changing only `--vocab`, and is scored with `optical eval mining` on the held-out 10 % and on
 * SIB-200 swh dev. Never Tatoeba.
 *
 *   npx tsx experiments/swh-vocab.ts [--arms teacher,new] [--work DIR] [--extra "--epochs 1"]
 * Appends one line per arm to results/dev/swh-vocab.txt (pieces, steps, training seconds from train.jsonl,
 * wall seconds, held-out and SIB dev accuracy both ways).
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadBitexts, loadSib200, resolveDataDir } from '../src/data/index.ts';
import { devSplit } from './dev-split.ts';

const { values: a } = parseArgs({
  options: {
    arms: { type: 'string', default: 'teacher,new' },
    work: { type: 'string', default: join(tmpdir(), 'optical-swh-vocab') },
    extra: { type: 'string', default: '' },
  },
});
const dataDir = resolveDataDir();
const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const { held, fit } = devSplit(bitext.src.length, 10);
const work = a.work!;
mkdirSync(work, { recursive: true });
const write = (name: string, lines: string[]) => writeFileSync(join(work, name), lines.join('\n') + '\n');
write('fit.swh', fit.map((i) => bitext.src[i]!));
write('fit.eng', fit.map((i) => bitext.eng[i]!));
write('held.swh', held.map((i) => bitext.src[i]!));
write('held.eng', held.map((i) => bitext.eng[i]!));
write('sibdev.swh', dev.src);
write('sibdev.eng', dev.eng);

const BIN = join(import.meta.dirname, '..', 'bin', 'optical.js');
const optical = (args: string[]) => {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`optical ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
};
const pct = (x: number) => (100 * x).toFixed(1);
const record = join('results', 'dev', 'swh-vocab.txt');
mkdirSync(join('results', 'dev'), { recursive: true });
if (!existsSync(record)) {
  appendFileSync(record, `# npx tsx experiments/swh-vocab.ts; dev split of the README bitext: ${fit.length} pairs fitted, ${held.length} held out; SIB-200 swh dev ${dev.src.length}\n`);
}
for (const vocab of a.arms!.split(',')) {
  const out = join(work, `student-${vocab}`);
  const extra = a.extra ? a.extra.split(/\s+/) : [];
  const t0 = performance.now();
  const load0 = loadavg()[0]!;
  optical(['distill', '--lang', 'swh', '--bitext', `lines:${join(work, 'fit.swh')}:${join(work, 'fit.eng')}`, '--objective', 'ot', '--vocab', vocab, '--out', out, '--quiet', '--resume', ...extra]);
  const wall = (performance.now() - t0) / 1000;
  const steps = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ms?: number; step?: number });
  const ms = steps.map((s) => s.ms ?? 0).filter((x) => x > 0).sort((x, y) => x - y);
  const trainS = ms.reduce((s, x) => s + x, 0) / 1000;
  const mine = (src: string, tgt: string) => JSON.parse(optical(['eval', 'mining', '--model', out, '--src', join(work, src), '--tgt', join(work, tgt), '--json'])) as { src2tgt: number; tgt2src: number };
  const h = mine('held.swh', 'held.eng');
  const d = mine('sibdev.swh', 'sibdev.eng');
  const line =
    `vocab ${vocab.padEnd(7)} ${extra.join(' ')} steps ${ms.length} median ${ms[ms.length >> 1]?.toFixed(0)} ms/step, training ${trainS.toFixed(0)} s, wall ${wall.toFixed(0)} s ` +
    `(load ${load0.toFixed(1)} on ${cpus().length} cores at the start; finished ${new Date().toISOString().slice(0, 16)}Z)  held-out ${pct(h.src2tgt)}/${pct(h.tgt2src)}  SIB dev ${pct(d.src2tgt)}/${pct(d.tgt2src)}`;
  console.log(line);
  appendFileSync(record, line + '\n');
}
