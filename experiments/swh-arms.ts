/**
 * Dev arms of the Swahili defaults: `optical distill` with its defaults against the same command with some
 * flags changed, each arm scored for accuracy and for speed. Used by swh-vocab.ts (`--vocab`) and for
 * dropout (`--dropout 0`).
 *
 * Data: the 90/10 development split of the README bitext (Bible + MAFAND en-swa dev + SIB-200 swh train;
 * experiments/dev-split.ts, seed 0). Each arm runs `optical distill --objective ot` on the 90 % (written as
 * line files) with the arm's flags, and is scored with `optical eval mining` on the held-out 10 % and on
 * SIB-200 swh dev. Never Tatoeba.
 *
 *   npx tsx experiments/swh-arms.ts --arm "dropout0=--dropout 0" [--arm "default="] [--record FILE] [--work DIR]
 * An arm is NAME=FLAGS (FLAGS split on spaces; empty = the defaults); its student is WORK/student-NAME and a
 * finished one is reused (`--resume`). Appends one line per arm to the record (default
 * results/dev/swh-arms.txt): steps, median ms per step and training seconds from train.jsonl, wall seconds,
 * the load at the start, held-out and SIB dev accuracy both ways.
 */
import { parseArgs } from 'node:util';
import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadBitexts, loadSib200, resolveDataDir } from '../src/data/index.ts';
import { devSplit } from './dev-split.ts';

export interface DevArm {
  name: string;
  /** Flags added to `optical distill` (after the defaults). */
  flags: string[];
}

const BIN = join(import.meta.dirname, '..', 'bin', 'optical.js');
function optical(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`optical ${args.join(' ')} exited ${r.status}`);
  return r.stdout;
}
const pct = (x: number) => (100 * x).toFixed(1);

/** "NAME=FLAGS" → an arm. */
export function parseArm(s: string): DevArm {
  const i = s.indexOf('=');
  if (i <= 0) throw new Error(`--arm ${JSON.stringify(s)}: expected NAME=FLAGS (e.g. "dropout0=--dropout 0")`);
  const flags = s.slice(i + 1).trim();
  return { name: s.slice(0, i), flags: flags ? flags.split(/\s+/) : [] };
}

/** Runs each arm on the dev split (see the file header) and appends its line to `record`. */
export function runDevArms(arms: DevArm[], record: string, work: string): void {
  const dataDir = resolveDataDir();
  const bitext = loadBitexts(['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'], dataDir);
  const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
  const { held, fit } = devSplit(bitext.src.length, 10);
  mkdirSync(work, { recursive: true });
  const write = (name: string, lines: string[]) => writeFileSync(join(work, name), lines.join('\n') + '\n');
  write('fit.swh', fit.map((i) => bitext.src[i]!));
  write('fit.eng', fit.map((i) => bitext.eng[i]!));
  write('held.swh', held.map((i) => bitext.src[i]!));
  write('held.eng', held.map((i) => bitext.eng[i]!));
  write('sibdev.swh', dev.src);
  write('sibdev.eng', dev.eng);
  mkdirSync(resolve(record, '..'), { recursive: true });
  if (!existsSync(record)) {
    appendFileSync(record, `# dev split of the README bitext: ${fit.length} pairs fitted, ${held.length} held out; SIB-200 swh dev ${dev.src.length}\n`);
  }
  for (const arm of arms) {
    const out = join(work, `student-${arm.name}`);
    const t0 = performance.now();
    const load0 = loadavg()[0]!;
    optical(['distill', '--lang', 'swh', '--bitext', `lines:${join(work, 'fit.swh')}:${join(work, 'fit.eng')}`, '--objective', 'ot', '--out', out, '--quiet', '--resume', ...arm.flags]);
    const wall = (performance.now() - t0) / 1000;
    const steps = readFileSync(join(out, 'train.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { ms?: number });
    const ms = steps.map((s) => s.ms ?? 0).filter((x) => x > 0).sort((x, y) => x - y);
    const trainS = ms.reduce((s, x) => s + x, 0) / 1000;
    const mine = (src: string, tgt: string) => JSON.parse(optical(['eval', 'mining', '--model', out, '--src', join(work, src), '--tgt', join(work, tgt), '--json'])) as { src2tgt: number; tgt2src: number };
    const h = mine('held.swh', 'held.eng');
    const d = mine('sibdev.swh', 'sibdev.eng');
    const line =
      `${arm.name.padEnd(10)} [${arm.flags.join(' ') || 'defaults'}] steps ${ms.length} median ${ms[ms.length >> 1]?.toFixed(0)} ms/step, training ${trainS.toFixed(0)} s, wall ${wall.toFixed(0)} s ` +
      `(load ${load0.toFixed(1)} on ${cpus().length} cores at the start; finished ${new Date().toISOString().slice(0, 16)}Z)  held-out ${pct(h.src2tgt)}/${pct(h.tgt2src)}  SIB dev ${pct(d.src2tgt)}/${pct(d.tgt2src)}`;
    console.log(line);
    appendFileSync(record, line + '\n');
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: a } = parseArgs({
    options: {
      arm: { type: 'string', multiple: true, default: [] },
      record: { type: 'string', default: join('results', 'dev', 'swh-arms.txt') },
      work: { type: 'string', default: join(tmpdir(), 'optical-swh-arms') },
    },
  });
  if (!a.arm!.length) throw new Error('give at least one --arm NAME=FLAGS');
  runDevArms(a.arm!.map(parseArm), a.record!, a.work!);
}
