/**
 * `optical index`: a persistent search index of a collection. `--method dense` (default) encodes documents
 * with the teacher or a student into a vector store (src/retrieval/search-index.ts; `--late` also keeps token
 * vectors for MaxSim); `--method bm25` builds a BM25 index of their words (src/retrieval/bm25.ts). Adds to
 * INDEX when it exists; duplicate ids are rejected. `--translate` indexes a dictionary translation of each
 * document (the stored text stays the original).
 */
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readCollection, parseFormat, COLLECTION_FORMATS } from '../retrieval/collection.ts';
import { SearchIndex } from '../retrieval/search-index.ts';
import { Bm25Index, BM25_DEFAULTS, BM25_FORMAT } from '../retrieval/bm25.ts';
import { indexFormat } from '../retrieval/open-index.ts';
import { isStoreKind, STORE_KINDS } from '../retrieval/store.ts';
import { loadModel, modelSpecPath, peekModel } from '../retrieval/model-spec.ts';
import { progressBar } from './progress.ts';
import { bm25From, bm25Options, translationOptions, translatorFrom } from './retrieval-options.ts';
import { indexImages } from '../retrieval/images.ts';

export const METHODS = ['dense', 'bm25'] as const;

export function indexCommand(program: Command): void {
  const cmd = program
    .command('index')
    .description('build a search index of a collection (created if missing, otherwise added to; duplicate ids are rejected)')
    .option('--docs <file>', 'the collection (may be .gz)')
    .option('--images <dir>', 'instead of --docs: a folder of images (jpg, png, webp, …), encoded by CLIP\'s vision tower (--clip)')
    .option('--clip <dir>', 'with --images: the CLIP folder (transformers.js layout: onnx/vision_model.onnx, preprocessor_config.json, …)')
    .requiredOption('--out <dir>', 'the index folder')
    .option('--method <method>', `retrieval method of a new index: ${METHODS.join(', ')} (dense: vectors of --model; bm25: words)`, 'dense')
    .option('--model <dir|teacher>', 'dense: encodes the documents (the teacher, or a student for foreign-language documents; a student folder, a Hugging Face folder or name)')
    .option('--teacher <model>', 'the same as --model, for English documents')
    .option('--student <dir>', 'the same as --model, for foreign-language documents')
    .option('--format <format>', `collection format: auto, ${COLLECTION_FORMATS.join(', ')} (auto: JSON lines → jsonl, or beir when records have "_id"; otherwise tsv)`, 'auto')
    .option('--store <kind>', `dense: vector store of a new index: ${STORE_KINDS.join(', ')} (default lancedb)`)
    .option('--late', 'dense, new index: also keep every document\'s token vectors, for `optical search --maxsim` (late interaction)')
    .option('--lang <code>', 'language of documents without a "lang" field')
    .option('--ann', 'lancedb store: (re)build an approximate IVF-HNSW index after adding (for large collections; search is exact without it)')
    .option('--batch-size <n>', 'sentences per encoder batch', '64')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output');
  bm25Options(cmd, `bm25, new index: the default of searches, ${BM25_DEFAULTS.k1} / ${BM25_DEFAULTS.b} unless given`);
  translationOptions(cmd, 'documents');
  cmd.action(async (o) => {
    if (o.images !== undefined) return imagesAction(o);
    if (o.docs === undefined) throw new InputError('give --docs FILE (or --images DIR --clip DIR)');
    const picked = [o.model, o.teacher, o.student].filter((v) => v !== undefined);
    if (picked.length > 1) throw new InputError('give at most one of --model, --teacher, --student');
    o.model = picked[0];
    if (!(METHODS as readonly string[]).includes(o.method)) throw new InputError(`unknown method "${o.method}" (valid: ${METHODS.join(', ')})`);
    const existing = indexFormat(o.out);
    const method = existing === BM25_FORMAT ? 'bm25' : existing !== undefined ? 'dense' : o.method;
    if (existing !== undefined && cmd.getOptionValueSource('method') === 'cli' && o.method !== method) throw new InputError(`the index is a ${method} index, not ${o.method}`, o.out);
    const format = parseFormat(o.format);
    const params = bm25From(o);
    if (method === 'bm25') {
      for (const f of ['model', 'store', 'late', 'ann'] as const) if (o[f] !== undefined) throw new InputError(`--${f} is for dense indexes; --method bm25 indexes words`);
      if (existing !== undefined && Object.keys(params).length > 0) throw new InputError('--k1 / --b are set when a BM25 index is created; pass them to `optical search` to override', o.out);
    } else {
      if (o.model === undefined) throw new InputError('--model is required for --method dense (or use --method bm25)');
      if (Object.keys(params).length > 0) throw new InputError('--k1 / --b are for --method bm25');
      if (o.store !== undefined && !isStoreKind(o.store)) throw new InputError(`unknown store "${o.store}" (valid: ${STORE_KINDS.join(', ')})`);
    }
    const batchSize = Number(o.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`--batch-size must be a positive integer, got "${o.batchSize}"`);
    const tr = translatorFrom(o);
    const collection = readCollection(o.docs, format, { lang: o.lang });
    const docs = tr ? collection.docs.map((d) => ({ ...d, input: tr.translate(d.input) })) : collection.docs;
    if (method === 'bm25') {
      const ix = Bm25Index.openOrCreate(o.out, params);
      const added = ix.add(docs, { file: o.docs, translation: tr?.name });
      const m = ix.manifest!;
      const out = { index: o.out, method: 'bm25', added: added.added, count: added.count, format: collection.format, bm25: m.bm25, translation: tr?.name ?? null, languages: m.languages };
      if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
      else process.stdout.write(`added ${out.added} documents (${out.format}) to ${o.out}: ${out.count} in all, BM25 (k1 ${m.bm25.k1}, b ${m.bm25.b})${tr ? `, translated with ${tr.name}` : ''}\n`);
      return;
    }
    const index = await SearchIndex.openOrCreate(o.out, o.store, { late: o.late === true });
    try {
      if (o.ann && index.storeKind !== 'lancedb') throw new InputError(`--ann builds a LanceDB index; this index uses store "${index.storeKind}" (use --store hnsw for an HNSW graph)`, o.out);
      const peek = peekModel(o.model);
      if (peek) index.checkModel({ meta: peek }, 'document');
      const model = await loadModel(o.model);
      const bar = progressBar('encoding', docs.length, !o.quiet);
      let added: { added: number; count: number };
      try {
        added = await index.add(docs, model, {
          modelPath: modelSpecPath(o.model),
          file: o.docs,
          batchSize,
          onProgress: (done) => bar.update(done),
        });
      } finally {
        bar.stop();
      }
      if (o.ann) await index.buildAnnIndex();
      const m = index.manifest!;
      const out = { index: o.out, added: added.added, count: added.count, format: collection.format, store: m.store, model: model.meta.name, space: m.space, languages: m.languages };
      if (o.json) process.stdout.write(JSON.stringify(tr || index.late ? { ...out, late: index.late, translation: tr?.name ?? null } : out) + '\n');
      else process.stdout.write(`added ${out.added} documents (${out.format}) to ${o.out}: ${out.count} in all, store ${out.store}${index.late ? ' + token vectors' : ''}, encoded by ${out.model} (teacher ${m.space.teacher}, dim ${m.space.dim})${tr ? `, translated with ${tr.name}` : ''}\n`);
    } finally {
      await index.close();
    }
  });
}

/** `optical index --images DIR --clip CLIP --out INDEX` (src/retrieval/images.ts). */
async function imagesAction(o: { images: string; clip?: string; docs?: string; model?: string; teacher?: string; student?: string; out: string; store?: string; batchSize: string; json?: boolean; quiet?: boolean }): Promise<void> {
  if (o.clip === undefined) throw new InputError('--images needs --clip DIR (the CLIP model whose vision tower encodes the images)');
  if (o.docs !== undefined || o.model !== undefined || o.teacher !== undefined || o.student !== undefined) throw new InputError('--images takes --clip, not --docs / --model / --teacher / --student');
  const batchSize = Number(o.batchSize);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`--batch-size must be a positive integer, got "${o.batchSize}"`);
  let bar: ReturnType<typeof progressBar> | undefined;
  const r = await indexImages({
    clip: o.clip, images: o.images, out: o.out, store: o.store, batchSize: Math.min(batchSize, 16),
    onProgress: (done, total) => {
      bar ??= progressBar('encoding images', total, !o.quiet);
      bar.update(done);
      if (done === total) bar.stop();
    },
  });
  const out = { index: o.out, added: r.added, count: r.count, model: r.model, space: r.space };
  if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
  else process.stdout.write(`added ${r.added} images to ${o.out}: ${r.count} in all, encoded by ${r.model} (space ${r.space.teacher}, dim ${r.space.dim})\n`);
}
