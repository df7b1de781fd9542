/**
 * `optical search`: one query (`--query`, a table or `--json`), or a query file written as a TREC run
 * (`--queries FILE --run OUT`, scored by `optical eval trec`). The query model defaults to the model that
 * encoded the index; any model of the same teacher space may be given (e.g. the teacher for English
 * queries against documents encoded by a student).
 *
 * `--json` contract: `{query, model, results: [{id, score, lang?, text?}]}`, best first.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { readQueries } from '../retrieval/collection.ts';
import { SearchIndex } from '../retrieval/search-index.ts';
import { loadModel, isTeacherSpec, peekModel } from '../retrieval/model-spec.ts';
import { writeRun } from '../retrieval/trec-run.ts';
import { progressBar } from './progress.ts';
import { clipQueryEncoder, CLIP_SPEC } from '../retrieval/images.ts';

function parseK(s: string | undefined, dflt: number): number {
  if (s === undefined) return dflt;
  const k = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(k) || k < 1) throw new InputError(`-k must be a positive integer, got "${s}"`);
  return k;
}

export function searchCommand(program: Command): void {
  program
    .command('search')
    .description('search an index with one query (--query) or a query file written as a TREC run (--queries, --run)')
    .requiredOption('--index <dir>', 'the index folder (made by `optical index`)')
    .option('--query <text>', 'one query')
    .option('--queries <file>', 'queries: TSV qid<TAB>text, or JSON lines {"id", "text"} (may be .gz)')
    .option('--run <file>', 'with --queries: write a TREC run here (qid Q0 docid rank score tag; tag = model name)')
    .option('--model <dir|teacher>', 'encodes the queries (default: the model that encoded the index)')
    .option('--teacher <model>', 'the same as --model, for English queries')
    .option('--student <dir>', 'the same as --model, for foreign-language queries')
    .option('--clip <dir>', 'image indexes: CLIP\'s text tower encodes the (English) queries (the same as --model clip:DIR)')
    .option('-k, --k <n>', 'results per query (default 10 for --query, 100 for --queries)')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (o) => {
      const picked = [o.model, o.teacher, o.student, o.clip === undefined ? undefined : `${CLIP_SPEC}${o.clip}`].filter((v) => v !== undefined);
      if (picked.length > 1) throw new InputError('give at most one of --model, --teacher, --student, --clip');
      o.model = picked[0];
      if ((o.query === undefined) === (o.queries === undefined)) throw new InputError('give either --query TEXT or --queries FILE --run OUT');
      if (o.queries !== undefined && o.run === undefined) throw new InputError('--queries needs --run OUT (the TREC run file to write)');
      if (o.query !== undefined && o.run !== undefined) throw new InputError('--run needs --queries FILE (use --json to get one query\'s results)');
      if (o.query !== undefined && o.query.trim() === '') throw new InputError('--query is empty');
      const k = parseK(o.k, o.query !== undefined ? 10 : 100);
      const queries = o.queries !== undefined ? readQueries(o.queries) : undefined;
      const index = await SearchIndex.open(o.index);
      try {
        const m = index.manifest!;
        const spec: string = o.model ?? m.model.path;
        const clipSpec = spec.startsWith(CLIP_SPEC);
        if (o.model === undefined && !isTeacherSpec(spec) && !existsSync(clipSpec ? spec.slice(CLIP_SPEC.length) : spec)) {
          throw new InputError(`the index was encoded by ${m.model.name} from ${spec}, which no longer exists: pass --model`, o.index);
        }
        const peek = clipSpec ? undefined : peekModel(spec);
        if (peek) index.checkModel({ meta: peek }, 'query');
        // CLIP's text tower runs asynchronously: the queries are encoded here, served to the index by lookup
        const model = clipSpec ? await clipQueryEncoder(spec, o.query !== undefined ? [o.query] : queries!.map((q) => q.text)) : await loadModel(spec);
        const name = model.meta.name;
        if (o.query !== undefined) {
          const [hits] = await index.searchTexts([o.query], model, k);
          const results = hits!.map((h) => {
            const r: { id: string; score: number; lang?: string; text?: string } = { id: h.id, score: h.score };
            if (h.lang !== undefined) r.lang = h.lang;
            if (h.text !== undefined) r.text = h.text;
            return r;
          });
          if (o.json) {
            process.stdout.write(JSON.stringify({ query: o.query, model: name, results }) + '\n');
          } else {
            const idw = Math.max(2, ...results.map((r) => r.id.length));
            let text = `${'rank'.padStart(4)}  ${'score'.padEnd(7)} ${'id'.padEnd(idw)}  lang  text\n`;
            results.forEach((r, i) => {
              const snippet = (r.text ?? '').replace(/\s+/g, ' ');
              text += `${String(i + 1).padStart(4)}  ${r.score.toFixed(4).padEnd(7)} ${r.id.padEnd(idw)}  ${(r.lang ?? '-').padEnd(4)}  ${snippet.length > 80 ? snippet.slice(0, 79) + '…' : snippet}\n`;
            });
            process.stdout.write(text);
          }
          return;
        }
        const qs = queries!;
        const bar = progressBar('encoding queries', qs.length, !o.quiet);
        let all;
        try {
          all = await index.searchTexts(qs.map((q) => q.text), model, k, { onProgress: (d) => bar.update(d) });
        } finally {
          bar.stop();
        }
        writeRun(o.run, qs.map((q, i) => ({ qid: q.id, hits: all[i]! })), name);
        const out = { run: o.run, queries: qs.length, k, model: name, index: o.index };
        if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
        else process.stdout.write(`wrote ${o.run}: ${qs.length} queries, up to ${k} documents each (tag ${name})\n`);
      } finally {
        await index.close();
      }
    });
}
