/**
 * `optical search`: one query (`--query`, a table or `--json`), or a query file written as a TREC run
 * (`--queries FILE --run OUT`, scored by `optical eval trec`), on an index of either method:
 * - dense: the query model defaults to the model that encoded the index; any model of the same teacher
 *   space may be given (e.g. the teacher for English queries against documents encoded by a student).
 *   `--maxsim` re-ranks the store's `--candidates` by late interaction (indexes built with `--late`).
 * - bm25: words only (no `--model`); `--k1` / `--b` override the index's defaults.
 * `--translate DICT` translates the queries word by word first (the dictionary-translation baseline).
 *
 * `--json` contract: `{query, model, results: [{id, score, lang?, text?}]}`, best first (`model` is the
 * run tag: the model's name, or "bm25"; "+maxsim" and "+DICT" are appended when used).
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { readQueries } from '../retrieval/collection.ts';
import { openAnyIndex } from '../retrieval/open-index.ts';
import { loadModel, isTeacherSpec, peekModel } from '../retrieval/model-spec.ts';
import { writeRun } from '../retrieval/trec-run.ts';
import type { SearchHit } from '../retrieval/store.ts';
import { progressBar } from './progress.ts';
import { bm25From, bm25Options, translationOptions, translatorFrom } from './retrieval-options.ts';
import { clipQueryEncoder, CLIP_SPEC } from '../retrieval/images.ts';

function parseCount(flag: string, s: string | undefined, dflt: number, min = 1): number {
  if (s === undefined) return dflt;
  const k = Number(s);
  if (!/^\d+$/.test(s) || !Number.isSafeInteger(k) || k < min) throw new InputError(`${flag} must be a ${min === 0 ? 'non-negative' : 'positive'} integer, got "${s}"`);
  return k;
}

export function searchCommand(program: Command): void {
  const cmd = program
    .command('search')
    .description('search an index with one query (--query) or a query file written as a TREC run (--queries, --run)')
    .requiredOption('--index <dir>', 'the index folder (made by `optical index`)')
    .option('--query <text>', 'one query')
    .option('--queries <file>', 'queries: TSV qid<TAB>text, or JSON lines {"id", "text"} (may be .gz)')
    .option('--run <file>', 'with --queries: write a TREC run here (qid Q0 docid rank score tag; tag = model name)')
    .option('--model <dir|teacher>', 'dense index: encodes the queries (default: the model that encoded the index)')
    .option('--teacher <model>', 'the same as --model, for English queries')
    .option('--student <dir>', 'the same as --model, for foreign-language queries')
    .option('--maxsim', 'dense index built with --late: score by late interaction (ColBERT MaxSim over token vectors)')
    .option('--candidates <n>', 'with --maxsim: documents from the vector store to re-rank (0 = all, exact)', '100')
    .option('--clip <dir>', 'image indexes: CLIP\'s text tower encodes the (English) queries (the same as --model clip:DIR)')
    .option('-k, --k <n>', 'results per query (default 10 for --query, 100 for --queries)')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output');
  bm25Options(cmd, 'bm25 index: default the values recorded in the index');
  translationOptions(cmd, 'the queries');
  cmd.action(async (o) => {
    const picked = [o.model, o.teacher, o.student, o.clip === undefined ? undefined : `${CLIP_SPEC}${o.clip}`].filter((v) => v !== undefined);
    if (picked.length > 1) throw new InputError('give at most one of --model, --teacher, --student, --clip');
    o.model = picked[0];
    if ((o.query === undefined) === (o.queries === undefined)) throw new InputError('give either --query TEXT or --queries FILE --run OUT');
    if (o.queries !== undefined && o.run === undefined) throw new InputError('--queries needs --run OUT (the TREC run file to write)');
    if (o.query !== undefined && o.run !== undefined) throw new InputError('--run needs --queries FILE (use --json to get one query\'s results)');
    if (o.query !== undefined && o.query.trim() === '') throw new InputError('--query is empty');
    const k = parseCount('-k', o.k, o.query !== undefined ? 10 : 100);
    const candidates = parseCount('--candidates', o.candidates, 100, 0);
    const params = bm25From(o);
    const queries = o.queries !== undefined ? readQueries(o.queries) : [{ id: 'q', text: o.query as string }];
    const tr = translatorFrom(o);
    const texts = queries.map((q) => (tr ? tr.translate(q.text) : q.text));
    const opened = await openAnyIndex(o.index);
    let name: string;
    let all: SearchHit[][];
    if (opened.method === 'bm25') {
      for (const f of ['model', 'maxsim'] as const) if (o[f] !== undefined) throw new InputError(`--${f} is for dense indexes; this is a BM25 index`, o.index);
      name = 'bm25';
      all = opened.index.searchTexts(texts, k, params);
    } else {
      const index = opened.index;
      try {
        if (Object.keys(params).length > 0) throw new InputError('--k1 / --b are for BM25 indexes; this is a dense index', o.index);
        const m = index.manifest!;
        const spec: string = o.model ?? m.model.path;
        const clipSpec = spec.startsWith(CLIP_SPEC);
        if (o.model === undefined && !isTeacherSpec(spec) && !existsSync(clipSpec ? spec.slice(CLIP_SPEC.length) : spec)) {
          throw new InputError(`the index was encoded by ${m.model.name} from ${spec}, which no longer exists: pass --model`, o.index);
        }
        const peek = clipSpec ? undefined : peekModel(spec);
        if (peek) index.checkModel({ meta: peek }, 'query');
        if (o.maxsim && !index.late) throw new InputError('--maxsim needs token vectors: this index was built without --late', o.index);
        if (clipSpec && o.maxsim) throw new InputError('--maxsim is for text indexes built with --late, not CLIP image indexes', o.index);
        // CLIP's text tower runs asynchronously: the queries are encoded here, served to the index by lookup
        const model = clipSpec ? await clipQueryEncoder(spec, texts) : await loadModel(spec);
        name = model.meta.name + (o.maxsim ? '+maxsim' : '');
        const bar = progressBar('encoding queries', texts.length, !o.quiet && o.queries !== undefined);
        try {
          all = await index.searchTexts(texts, model, k, { onProgress: (d) => bar.update(d), maxsim: o.maxsim ? { candidates } : undefined });
        } finally {
          bar.stop();
        }
      } finally {
        await index.close();
      }
    }
    if (tr) name += `+${tr.name}`;
    if (o.query !== undefined) {
      printHits(o.query, name, all[0]!, o.json === true);
      return;
    }
    writeRun(o.run, queries.map((q, i) => ({ qid: q.id, hits: all[i]! })), name);
    const out = { run: o.run, queries: queries.length, k, model: name, index: o.index };
    if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
    else process.stdout.write(`wrote ${o.run}: ${queries.length} queries, up to ${k} documents each (tag ${name})\n`);
  });
}

function printHits(query: string, model: string, hits: readonly SearchHit[], json: boolean): void {
  const results = hits.map((h) => {
    const r: { id: string; score: number; lang?: string; text?: string } = { id: h.id, score: h.score };
    if (h.lang !== undefined) r.lang = h.lang;
    if (h.text !== undefined) r.text = h.text;
    return r;
  });
  if (json) {
    process.stdout.write(JSON.stringify({ query, model, results }) + '\n');
    return;
  }
  const idw = Math.max(2, ...results.map((r) => r.id.length));
  let text = `${'rank'.padStart(4)}  ${'score'.padEnd(7)} ${'id'.padEnd(idw)}  lang  text\n`;
  results.forEach((r, i) => {
    const snippet = (r.text ?? '').replace(/\s+/g, ' ');
    text += `${String(i + 1).padStart(4)}  ${r.score.toFixed(4).padEnd(7)} ${r.id.padEnd(idw)}  ${(r.lang ?? '-').padEnd(4)}  ${snippet.length > 80 ? snippet.slice(0, 79) + '…' : snippet}\n`;
  });
  process.stdout.write(text);
}
