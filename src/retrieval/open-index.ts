/**
 * Opening an index folder of either kind: a dense index (search-index.ts, `format: "optical-index"`) or a
 * BM25 index (bm25.ts, `format: "optical-bm25-index"`), told apart by the `format` of index.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../errors.ts';
import { Bm25Index, BM25_FORMAT } from './bm25.ts';
import { INDEX_FORMAT, SearchIndex } from './search-index.ts';

export type AnyIndex = { method: 'dense'; index: SearchIndex } | { method: 'bm25'; index: Bm25Index };

/** The `format` field of `dir`/index.json, or undefined when there is no index there. */
export function indexFormat(dir: string): string | undefined {
  const file = join(dir, 'index.json');
  if (!existsSync(file)) return undefined;
  try {
    const f = JSON.parse(readFileSync(file, 'utf8'))?.format;
    return typeof f === 'string' ? f : '';
  } catch (e) {
    throw new InputError(`invalid JSON: ${(e as Error).message}`, file);
  }
}

/** Open the index in `dir`, whichever kind it is. */
export async function openAnyIndex(dir: string): Promise<AnyIndex> {
  const f = indexFormat(dir);
  if (f === BM25_FORMAT) return { method: 'bm25', index: Bm25Index.open(dir) };
  if (f === undefined || f === INDEX_FORMAT) return { method: 'dense', index: await SearchIndex.open(dir) };
  throw new InputError(`not an optical index (field "format" is ${JSON.stringify(f)}, expected "${INDEX_FORMAT}" or "${BM25_FORMAT}")`, join(dir, 'index.json'));
}
