/**
 * `npm run bench:multi30k-proxy` — the text-side half of CLIP distillation, runnable without CLIP weights:
 * caption-to-caption retrieval on Multi30k test2016 (1,000 captions; en vs de / fr / cs) with the USE-lite
 * teacher, and students distilled through `distill` (src/distill/pipeline.ts, what `optical distill` runs) on
 * a seeded sample of Multi30k train (`multi30k:LANG`). Test2016 is never used for training or for choosing
 * anything; the budget below was fixed before the run.
 *
 * Rows per language: teacher zero-shot (USE-lite on both sides), `init` (the closed-form lexical
 * initialisation, 0 gradient steps), then `mse`, `ot`, `contrastive` with the same pairs, steps and seed.
 * R@1/5/10 in both directions (X→en: the student's caption retrieves its English caption among 1,000).
 * Writes `results/multi30k-proxy.md` and `.json`.
 *
 * Flags: --langs de,fr,cs  --methods init,mse,ot,contrastive  --max-pairs N (5000)  --steps N (20)
 *        --out DIR (students)  --data-dir DIR  --tag NAME (results/multi30k-proxy-NAME.*)
 *        --jobs N (3): languages run as N child processes of this script at once (on a machine shared with
 *        other jobs the CPU is shared per process), their rows merged into one table; --jobs 1 runs in order.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { distill, DISTILL_DEFAULTS, type DistillConfig } from '../src/distill/pipeline.ts';
import { loadUseLite } from '../src/models/use-lite.ts';
import { evaluateBitextMining } from '../src/eval/index.ts';
import { loadMulti30kCaptions, resolveDataDir } from '../src/data/index.ts';
import { atomicWriteFile } from '../src/util/fs.ts';
import type { SentenceEncoder } from '../src/models/types.ts';

const { values: args } = parseArgs({
  options: {
    langs: { type: 'string', default: 'de,fr,cs' },
    methods: { type: 'string', default: 'init,mse,ot,contrastive' },
    'max-pairs': { type: 'string', default: '5000' },
    steps: { type: 'string', default: '20' },
    out: { type: 'string', default: join(tmpdir(), 'optical-bench-multi30k') },
    'data-dir': { type: 'string' },
    tag: { type: 'string' },
    jobs: { type: 'string', default: '3' },
  },
});
const langs = args.langs.split(',');
const methods = args.methods.split(',');
const maxPairs = Number(args['max-pairs']);
const steps = Number(args.steps);
const dataDir = resolveDataDir(args['data-dir']);
const started = new Date();
const t00 = performance.now();

interface Row {
  lang: string;
  method: string;
  x2en: Record<number, number>;
  en2x: Record<number, number>;
  steps: number;
  pairs?: number;
  trainSeconds?: number;
  seconds: number;
}
let rows: Row[] = [];
const eng = loadMulti30kCaptions(dataDir, 'en', 'test2016');
const jobs = Math.max(1, Math.min(Number(args.jobs), langs.length));
if (jobs > 1) rows = await inChildren();
else await runHere();

/** Every language in order, in this process. */
async function runHere(): Promise<void> {
  const teacher = await loadUseLite();
  const recall = (r: Record<number, number>) => ({ 1: r[1]!, 5: r[5]!, 10: r[10]! });
  const engEmb = teacher.encode(eng.texts).embeddings; // [n, 512], encoded once: every row's English side
  const mine = (model: SentenceEncoder, texts: string[]) => evaluateBitextMining(model.encode(texts).embeddings, engEmb, teacher.dim);

  for (const lang of langs) {
    const test = loadMulti30kCaptions(dataDir, lang, 'test2016');
    let t0 = performance.now();
    const zs = mine(teacher, test.texts);
    rows.push({ lang, method: 'teacher zero-shot', x2en: recall(zs.recall.src2tgt), en2x: recall(zs.recall.tgt2src), steps: 0, seconds: (performance.now() - t0) / 1000 });
    for (const method of methods) {
      t0 = performance.now();
      const objective = method === 'init' ? 'mse' : method;
      const cfg: DistillConfig = {
        ...DISTILL_DEFAULTS,
        lang,
        bitext: [`multi30k:${lang}`],
        maxPairs,
        objective,
        steps: method === 'init' ? 0 : steps,
        out: join(args.out, `${lang}-${method}`),
        dataDir,
      };
      let last = 0;
      const r = await distill(cfg, {
        log: (m) => console.error(`[${lang} ${method}] ${m}`),
        onStep: (s) => {
          if (s.step === s.totalSteps || performance.now() - last > 30_000) {
            last = performance.now();
            console.error(`[${lang} ${method}] step ${s.step}/${s.totalSteps} loss ${s.loss.toFixed(4)} (${Math.round(s.ms)} ms/step)`);
          }
        },
      });
      const m = mine(r.student, test.texts);
      r.student.dispose();
      const row: Row = { lang, method, x2en: recall(m.recall.src2tgt), en2x: recall(m.recall.tgt2src), steps: r.steps, pairs: r.bitext.src.length, trainSeconds: r.seconds.train, seconds: (performance.now() - t0) / 1000 };
      rows.push(row);
      console.error(`[${lang} ${method}] ${lang}→en R@1 ${(100 * row.x2en[1]!).toFixed(1)}%  en→${lang} R@1 ${(100 * row.en2x[1]!).toFixed(1)}%  (${Math.round(row.seconds)} s)`);
    }
  }
}

/** One child process per language (at most `jobs` at once); their part files merged, then removed. */
async function inChildren(): Promise<Row[]> {
  const part = (l: string) => join('results', `multi30k-proxy-part-${l}.json`);
  const queue = [...langs];
  const one = async (): Promise<void> => {
    for (let l = queue.shift(); l !== undefined; l = queue.shift()) {
      const lang = l;
      const argv = [...process.execArgv, process.argv[1]!, '--langs', lang, '--methods', args.methods, '--max-pairs', String(maxPairs), '--steps', String(steps), '--out', args.out, '--tag', `part-${lang}`, '--jobs', '1', ...(args['data-dir'] ? ['--data-dir', args['data-dir']] : [])];
      await new Promise<void>((res, rej) => spawn(process.execPath, argv, { stdio: ['ignore', 'ignore', 'inherit'] }).on('exit', (code) => (code === 0 ? res() : rej(new Error(`the ${lang} run exited with code ${code}`)))));
    }
  };
  await Promise.all(Array.from({ length: jobs }, one));
  const out = langs.flatMap((l) => (JSON.parse(readFileSync(part(l), 'utf8')) as { rows: Row[] }).rows);
  for (const l of langs) for (const ext of ['json', 'md']) rmSync(part(l).replace(/json$/, ext), { force: true });
  return out;
}

const pct = (x: number) => (100 * x).toFixed(1);
const total = Math.round((performance.now() - t00) / 1000);
const lines = [
  `Multi30k test2016 caption-to-caption retrieval (n = ${eng.texts.length} per language; each caption retrieves its translation among all ${eng.texts.length}).`,
  `Teacher USE-lite encodes English; students distilled through src/distill/pipeline.ts on a seeded sample of ${maxPairs} Multi30k train pairs (multi30k:LANG, seed ${DISTILL_DEFAULTS.seed}), ${steps} gradient steps of batch ${DISTILL_DEFAULTS.batch} after the closed-form lexical initialisation (init row: 0 steps). Test2016 never used for training or choices.`,
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), shared with other jobs; ${started.toISOString().slice(0, 10)}. Total wall time ${total} s${jobs > 1 ? ` (languages in ${jobs} processes at once)` : ''}. Command: npm run bench:multi30k-proxy${process.argv.slice(2).length ? ' -- ' + process.argv.slice(2).join(' ') : ''}`,
  '',
  '| lang | method | X→en R@1 | R@5 | R@10 | en→X R@1 | R@5 | R@10 | steps | train time | wall time |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map((r) => `| ${r.lang} | ${r.method} | ${pct(r.x2en[1]!)} | ${pct(r.x2en[5]!)} | ${pct(r.x2en[10]!)} | ${pct(r.en2x[1]!)} | ${pct(r.en2x[5]!)} | ${pct(r.en2x[10]!)} | ${r.steps} | ${r.trainSeconds !== undefined ? `${Math.round(r.trainSeconds)}s` : '-'} | ${Math.round(r.seconds)}s |`),
  '',
  'R@k in %. Train time: gradient training (and the initialisation when not cached); wall time: the whole row (bitext, teacher outputs — cached across rows —, initialisation, training, evaluation).',
];
const md = lines.join('\n') + '\n';
process.stdout.write('\n' + md);
mkdirSync('results', { recursive: true });
const tag = args.tag ? `-${args.tag}` : '';
atomicWriteFile(join('results', `multi30k-proxy${tag}.md`), md);
atomicWriteFile(
  join('results', `multi30k-proxy${tag}.json`),
  JSON.stringify({ date: started.toISOString(), machine: `${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'})`, eval: 'multi30k test2016', n: eng.texts.length, maxPairs, steps, batch: DISTILL_DEFAULTS.batch, totalSeconds: total, rows }, null, 2) + '\n',
);
