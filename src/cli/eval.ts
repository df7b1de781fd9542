/** `optical eval mining`: bitext-mining accuracy (Tatoeba protocol) in both directions. */
import type { Command } from 'commander';
import { loadEncoder } from '../models/student.ts';
import { mineWithEncoders } from '../eval/encoders.ts';
import { readLines } from '../util/fs.ts';
import { InputError } from '../errors.ts';

export function evalMiningCommand(evalCmd: Command): void {
  evalCmd
    .command('mining')
    .description('bitext mining: each source sentence is correct when its nearest target (cosine) is its translation')
    .requiredOption('--model <dir|teacher>', 'encodes the --src (foreign) side')
    .requiredOption('--src <file>', 'foreign sentences, one per line (may be .gz)')
    .requiredOption('--tgt <file>', 'English translations, line-aligned (may be .gz)')
    .option('--tgt-model <dir|teacher>', 'encodes the --tgt side (default: the teacher the model was distilled from)')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const src = readLines(o.src);
      const tgt = readLines(o.tgt);
      if (src.length !== tgt.length) throw new InputError(`${o.src} has ${src.length} lines but ${o.tgt} has ${tgt.length}: the files must be line-aligned`);
      if (src.length === 0) throw new InputError('empty file', o.src);
      const model = await loadEncoder(o.model);
      const tgtModel = o.tgtModel ? await loadEncoder(o.tgtModel) : undefined;
      const r = await mineWithEncoders(model, src, tgt, tgtModel);
      const out = {
        model: o.model,
        n: r.n,
        src2tgt: r.src2tgt,
        tgt2src: r.tgt2src,
        recall: r.recall,
        mrr: r.mrr,
      };
      if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
      else {
        const pct = (x: number) => (100 * x).toFixed(1).padStart(6);
        process.stdout.write(`n = ${r.n}\n`);
        process.stdout.write(`direction   acc(R@1)   R@5    R@10    MRR\n`);
        for (const dir of ['src2tgt', 'tgt2src'] as const) {
          process.stdout.write(`${dir.padEnd(9)} ${pct(r[dir])}  ${pct(r.recall[dir][5]!)} ${pct(r.recall[dir][10]!)} ${pct(r.mrr[dir])}\n`);
        }
      }
    });
}
