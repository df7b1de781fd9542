/** `optical experiment run CONFIG`: the method × language matrix, resumable, with tables and charts. */
import type { Command } from 'commander';
import { cpus } from 'node:os';
import { loadExperiment, runExperiment } from '../eval/experiment.ts';
import { writeReport } from '../report/index.ts';
import { installStopHandlers, releaseStopHandlers, Stopped } from '../util/stop.ts';

const list = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : v.split(',').map((x) => x.trim()).filter(Boolean));

export function experimentCommand(program: Command): void {
  const exp = program.command('experiment').description('experiments over methods × languages');
  exp
    .command('run <config>')
    .description('fit every (method, language) cell of CONFIG (skipping finished ones), evaluate, and write JSON, markdown tables and charts')
    .option('--out <dir>', 'output folder (cells/, work/, <name>.json, <name>.md, charts/)', 'results')
    .option('--report <file>', 'also write the markdown report to FILE (chart links relative to it), e.g. results/scaling.md')
    .option('--data-dir <dir>', 'corpus folder (default $OPTICAL_DATA or ../shared/data)')
    .option('--report-only', 'fit nothing: write the report of the cells finished so far (e.g. while a long run is stopped)')
    .option('--methods <names>', 'fit only the cells of these methods (comma-separated); the report still shows every finished cell')
    .option('--languages <codes>', 'fit only the cells of these languages (comma-separated)')
    .option('--quiet', 'no progress output')
    .action(async (config: string, o) => {
      const loaded = loadExperiment(config);
      const log = (m: string) => o.quiet || process.stderr.write(`${m}\n`);
      installStopHandlers();
      const r = await runExperiment(loaded, { out: o.out, dataDir: o.dataDir, log, fit: !o.reportOnly, only: { methods: list(o.methods), languages: list(o.languages) }, onFitted: releaseStopHandlers }).catch((e: unknown) => {
        throw e instanceof Stopped ? new Stopped(`${e.message}; run the same command again to continue (finished cells are kept, an interrupted distillation resumes from its checkpoint)`) : e;
      });
      const cpu = cpus();
      const meta = {
        command: `optical experiment run ${process.argv.slice(process.argv.indexOf('run') + 1).join(' ')}`,
        machine: `${cpu.length} cores (${cpu[0]?.model.trim() ?? 'unknown CPU'})`,
        date: new Date().toISOString().slice(0, 10),
      };
      const { files } = await writeReport(r, o.out, meta, { reportFile: o.report });
      const written = [...files.map((f) => `${o.out}/${f}`), ...(o.report ? [o.report] : [])];
      process.stdout.write(`${r.ran.length} cells run, ${r.skipped.length} reused${r.missing ? `, ${r.missing.length} not run (--report-only, --methods, --languages)` : ''}; ${Math.round(r.wallSeconds)}s; wrote ${written.join(', ')}\n`);
    });
}
