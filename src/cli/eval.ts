/**
 * `optical eval mining`: bitext-mining accuracy (Tatoeba protocol) in both directions.
 * `optical eval trec`: a TREC run scored against qrels with trec_eval's conventions (src/eval/trec.ts).
 */
import type { Command } from 'commander';
import { loadEncoder } from '../models/student.ts';
import { mineWithEncoders } from '../eval/encoders.ts';
import { MINING_SCORES, type MiningScore } from '../eval/mining.ts';
import { readLines } from '../util/fs.ts';
import { InputError } from '../errors.ts';
import { readQrels, readRun } from '../eval/trec-format.ts';
import { parseMeasures } from '../eval/trec-measures.ts';
import { evaluateRun } from '../eval/trec.ts';

export function evalMiningCommand(evalCmd: Command): void {
  evalCmd
    .command('mining')
    .description('bitext mining: each source sentence is correct when its nearest target (cosine, or --score) is its translation')
    .option('--model <dir|teacher>', 'encodes the --src (foreign) side: teacher, a student folder, a Hugging Face folder or name')
    .option('--student <dir>', 'the same as --model')
    .requiredOption('--src <file>', 'foreign sentences, one per line (may be .gz)')
    .requiredOption('--tgt <file>', 'English translations, line-aligned (may be .gz)')
    .option('--tgt-model <dir|teacher>', 'encodes the --tgt side (default: the teacher the model was distilled from)')
    .option('--teacher <model>', 'the same as --tgt-model')
    .option('--score <name>', 'cosine (the Tatoeba protocol), csls or margin (hubness-corrected, as bitext miners use; not comparable with published Tatoeba figures)', 'cosine')
    .option('--k <n>', 'neighbourhood size of csls and margin', '4')
    .option('--json', 'print one JSON object')
    .action(async (o) => {
      const modelSpec = oneOf(o, 'model', 'student', true)!;
      if (!(MINING_SCORES as readonly string[]).includes(o.score)) throw new InputError(`--score must be one of ${MINING_SCORES.join(', ')}, got "${o.score}"`);
      const k = Number(o.k);
      if (!Number.isInteger(k) || k < 1) throw new InputError(`--k must be a positive integer, got "${o.k}"`);
      const tgtSpec = oneOf(o, 'tgtModel', 'teacher', false);
      const src = readLines(o.src);
      const tgt = readLines(o.tgt);
      if (src.length !== tgt.length) throw new InputError(`${o.src} has ${src.length} lines but ${o.tgt} has ${tgt.length}: the files must be line-aligned`);
      if (src.length === 0) throw new InputError('empty file', o.src);
      const model = await loadEncoder(modelSpec);
      const tgtModel = tgtSpec ? await loadEncoder(tgtSpec) : undefined;
      if (o.score !== 'cosine' && k > src.length) throw new InputError(`--k ${k} is more than the ${src.length} sentence pairs`);
      const score = o.score as MiningScore;
      const r = await mineWithEncoders(model, src, tgt, tgtModel, { score, k });
      const out = {
        model: modelSpec,
        score,
        ...(score === 'cosine' ? {} : { k }),
        n: r.n,
        src2tgt: r.src2tgt,
        tgt2src: r.tgt2src,
        recall: r.recall,
        mrr: r.mrr,
      };
      if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
      else {
        const pct = (x: number) => (100 * x).toFixed(1).padStart(6);
        process.stdout.write(`n = ${r.n}, score ${score}${score === 'cosine' ? '' : ` (k = ${k})`}\n`);
        process.stdout.write(`direction   acc(R@1)   R@5    R@10    MRR\n`);
        for (const dir of ['src2tgt', 'tgt2src'] as const) {
          process.stdout.write(`${dir.padEnd(9)} ${pct(r[dir])}  ${pct(r.recall[dir][5]!)} ${pct(r.recall[dir][10]!)} ${pct(r.mrr[dir])}\n`);
        }
      }
    });
}

/** The value of option `a` or its alias `b` (not both); `required` makes a missing one an error. */
export function oneOf(o: Record<string, string | undefined>, a: string, b: string, required: boolean): string | undefined {
  const flag = (k: string) => '--' + k.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
  if (o[a] !== undefined && o[b] !== undefined) throw new InputError(`give ${flag(a)} or ${flag(b)}, not both`);
  const v = o[a] ?? o[b];
  if (v === undefined && required) throw new InputError(`required option ${flag(a)} (or ${flag(b)}) not specified`);
  return v;
}

export const DEFAULT_TREC_MEASURES = 'MAP,MRR@10,nDCG@10,P@10,R@100,judged@10';

export function evalTrecCommand(evalCmd: Command): void {
  evalCmd
    .command('trec')
    .description('score a TREC run against qrels like trec_eval (ties by docid descending, rank column ignored, rel >= 1 relevant unless Name(rel=N))')
    .requiredOption('--qrels <file>', 'relevance judgements: qid iter docid rel (may be .gz)')
    .requiredOption('--run <file>', 'run: qid Q0 docid rank score tag (may be .gz)')
    .option('--measures <list>', 'comma-separated: MAP[@k], MRR[@k], nDCG[@k], P@k, R@k, judged@k, num_rel, num_ret; Name(rel=N)@k sets the threshold', DEFAULT_TREC_MEASURES)
    .option('--per-query', 'also print every query\'s values')
    .option('--complete', 'like trec_eval -c: average over every qrels query, a query missing from the run scoring 0')
    .option('--json', 'print one JSON object')
    .action((o) => {
      const measures = parseMeasures(o.measures);
      const qrels = readQrels(o.qrels);
      const run = readRun(o.run);
      if (qrels.size === 0) throw new InputError('no relevance judgements', o.qrels);
      if (!o.complete && ![...run.keys()].some((q) => qrels.has(q))) {
        throw new InputError(`none of its ${run.size} queries has judgements in ${o.qrels} (use --complete to score every qrels query)`, o.run);
      }
      const r = evaluateRun(qrels, run, measures, { complete: Boolean(o.complete) });
      if (o.json) {
        const out: Record<string, unknown> = { measures: r.mean, queries: r.queries };
        if (o.perQuery) out.perQuery = Object.fromEntries(r.perQuery);
        process.stdout.write(JSON.stringify(out) + '\n');
        return;
      }
      // trec_eval's layout: "%-22s\t%s\t%6.4f", counts as integers; per-query lines first.
      const fmt = (name: string, v: number) => (name.startsWith('num_') ? String(v) : v.toFixed(4));
      const line = (name: string, qid: string, v: number) => `${name.padEnd(22)}\t${qid}\t${fmt(name, v)}\n`;
      let text = '';
      if (o.perQuery) for (const [qid, row] of r.perQuery) for (const name of r.measures) text += line(name, qid, row[name]!);
      for (const name of r.measures) text += line(name, 'all', r.mean[name]!);
      process.stdout.write(text);
    });
}
