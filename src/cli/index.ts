/**
 * `optical index`: encode a collection with the teacher or a student into a persistent search index
 * (src/retrieval). Adds to INDEX when it exists; duplicate ids are rejected.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readCollection, parseFormat, COLLECTION_FORMATS } from '../retrieval/collection.ts';
import { SearchIndex } from '../retrieval/search-index.ts';
import { isStoreKind, STORE_KINDS } from '../retrieval/store.ts';
import { loadModel, modelSpecPath, peekModel } from '../retrieval/model-spec.ts';
import { progressBar } from './progress.ts';
import { indexImages } from '../retrieval/images.ts';

export function indexCommand(program: Command): void {
  program
    .command('index')
    .description('encode documents into a search index (created if missing, otherwise added to; duplicate ids are rejected)')
    .option('--model <dir|teacher>', 'encodes the documents: the teacher, or a student for foreign-language documents (a student folder, a Hugging Face folder or name)')
    .option('--teacher <model>', 'the same as --model, for English documents')
    .option('--student <dir>', 'the same as --model, for foreign-language documents')
    .option('--docs <file>', 'the collection (may be .gz)')
    .option('--images <dir>', 'instead of --docs: a folder of images (jpg, png, webp, …), encoded by CLIP\'s vision tower (--clip)')
    .option('--clip <dir>', 'with --images: the CLIP folder (transformers.js layout: onnx/vision_model.onnx, preprocessor_config.json, …)')
    .requiredOption('--out <dir>', 'the index folder')
    .option('--format <format>', `collection format: auto, ${COLLECTION_FORMATS.join(', ')} (auto: JSON lines → jsonl, or beir when records have "_id"; otherwise tsv)`, 'auto')
    .option('--store <kind>', `vector store of a new index: ${STORE_KINDS.join(', ')} (default lancedb)`)
    .option('--lang <code>', 'language of documents without a "lang" field')
    .option('--ann', 'lancedb store: (re)build an approximate IVF-HNSW index after adding (for large collections; search is exact without it)')
    .option('--batch-size <n>', 'sentences per encoder batch', '64')
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action(async (o) => {
      if (o.images !== undefined) return imagesAction(o);
      if (o.docs === undefined) throw new InputError('give --docs FILE (or --images DIR --clip DIR)');
      const picked = [o.model, o.teacher, o.student].filter((v) => v !== undefined);
      if (picked.length !== 1) throw new InputError('give exactly one of --model, --teacher, --student');
      o.model = picked[0];
      const batchSize = Number(o.batchSize);
      if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`--batch-size must be a positive integer, got "${o.batchSize}"`);
      const format = parseFormat(o.format);
      if (o.store !== undefined && !isStoreKind(o.store)) throw new InputError(`unknown store "${o.store}" (valid: ${STORE_KINDS.join(', ')})`);
      const collection = readCollection(o.docs, format, { lang: o.lang });
      const index = await SearchIndex.openOrCreate(o.out, o.store);
      try {
        if (o.ann && index.storeKind !== 'lancedb') throw new InputError(`--ann builds a LanceDB index; this index uses store "${index.storeKind}" (use --store hnsw for an HNSW graph)`, o.out);
        const peek = peekModel(o.model);
        if (peek) index.checkModel({ meta: peek }, 'document');
        const model = await loadModel(o.model);
        const bar = progressBar('encoding', collection.docs.length, !o.quiet);
        let added: { added: number; count: number };
        try {
          added = await index.add(collection.docs, model, {
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
        if (o.json) process.stdout.write(JSON.stringify(out) + '\n');
        else process.stdout.write(`added ${out.added} documents (${out.format}) to ${o.out}: ${out.count} in all, store ${out.store}, encoded by ${out.model} (teacher ${m.space.teacher}, dim ${m.space.dim})\n`);
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
