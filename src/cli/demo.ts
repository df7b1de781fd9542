/**
 * `optical demo`: a short real distillation on the default teacher and bitext, then a results table on
 * Tatoeba swh (evaluation only; never trained on): teacher zero-shot vs `mse` vs `ot`.
 */
import type { Command } from 'commander';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { distill, DISTILL_DEFAULTS } from '../distill/pipeline.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { mineWithEncoders } from '../eval/encoders.ts';
import { loadTatoebaEval, resolveDataDir } from '../data/index.ts';
import { progressBar } from './progress.ts';
import { int } from './distill.ts';

/** Swahili–English bitext of the demo and the benchmark: Bible NT + MAFAND-MT en-swa dev + SIB-200 swh train. */
export const DEMO_BITEXT = ['bible:Swahili', 'mafand:en-swa', 'sib:swh_Latn:train'];

export function demoCommand(program: Command): void {
  program
    .command('demo')
    .description('short real distillation (Swahili–English bitext) and a Tatoeba swh results table: teacher vs mse vs ot')
    .option('--steps <n>', 'training steps per objective', int('steps'), 30)
    .option('--bitext <spec>', 'bitext spec (repeatable)', (v: string, prev: string[]) => [...(prev === DEMO_BITEXT ? [] : prev), v], DEMO_BITEXT)
    .option('--max-pairs <n>', 'train on a seeded random sample of this many pairs (0 = all)', int('max-pairs'), 3000)
    .option('--out <dir>', 'where the demo students are written', join(tmpdir(), 'optical-demo'))
    .option('--data-dir <dir>', 'corpus folder (default $OPTICAL_DATA or ../shared/data)')
    .option('--json', 'print the table as JSON')
    .option('--quiet', 'no progress output')
    .action(async (o) => {
      const dataDir = resolveDataDir(o.dataDir);
      const tato = loadTatoebaEval(dataDir, 'swh');
      const teacher = await loadUseLite();
      const rows: { method: string; swh2eng: number; eng2swh: number; seconds: number }[] = [];
      const zs = await mineWithEncoders(teacher, tato.src, tato.eng);
      rows.push({ method: 'teacher zero-shot', swh2eng: zs.src2tgt, eng2swh: zs.tgt2src, seconds: 0 });
      // 'init': the student after its closed-form lexical initialisation, before any gradient step
      for (const [objective, steps] of [['mse', 0], ['mse', o.steps], ['ot', o.steps]] as const) {
        const t0 = performance.now();
        let bar: ReturnType<typeof progressBar> | undefined;
        const r = await distill(
          { ...DISTILL_DEFAULTS, lang: 'swh', bitext: o.bitext, maxPairs: o.maxPairs || undefined, objective, out: join(o.out, steps ? objective : 'init'), steps, dataDir },
          {
            log: (m) => !o.quiet && process.stderr.write(`[${objective}] ${m}\n`),
            onStep: (s) => {
              bar ??= progressBar(`[${objective}] train`, s.totalSteps, !o.json && !o.quiet);
              bar.update(s.step, `loss ${s.loss.toFixed(4)}`);
              if (s.step === s.totalSteps) bar.stop();
            },
          },
        );
        const m = await mineWithEncoders(r.student, tato.src, tato.eng, teacher);
        rows.push({ method: steps ? `${objective} (${steps} steps)` : 'closed-form init (0 steps)', swh2eng: m.src2tgt, eng2swh: m.tgt2src, seconds: Math.round((performance.now() - t0) / 1000) });
      }
      if (o.json) {
        process.stdout.write(JSON.stringify({ eval: `tatoeba swh (n=${tato.src.length})`, bitext: o.bitext, maxPairs: o.maxPairs, rows }) + '\n');
        return;
      }
      const pct = (x: number) => `${(100 * x).toFixed(1)}%`.padStart(8);
      const data = `${o.bitext.join(' + ')}${o.maxPairs ? ` (a seeded sample of ${o.maxPairs} pairs)` : ''}`;
      process.stdout.write(`\nTatoeba swh↔eng bitext mining (n = ${tato.src.length}), students distilled on ${data}\n\n`);
      const w = Math.max(6, ...rows.map((r) => r.method.length));
      process.stdout.write(`| ${'method'.padEnd(w)} |  swh→eng |  eng→swh | time |\n|${'-'.repeat(w + 2)}|---------:|---------:|-----:|\n`);
      for (const r of rows) process.stdout.write(`| ${r.method.padEnd(w)} | ${pct(r.swh2eng)} | ${pct(r.eng2swh)} | ${String(r.seconds).padStart(3)}s |\n`);
      process.stdout.write(`\nstudents saved under ${o.out}\n`);
    });
}
