/**
 * Writing search results as a TREC run (`qid Q0 docid rank score tag`, the format src/eval/trec-format.ts
 * reads). Ranks start at 1 in result order; scores are printed in full double precision so that no two
 * distinct scores tie in the file; the tag is the query model's name with whitespace replaced by "_".
 */
import { InputError } from '../errors.ts';
import { atomicWriteFile } from '../util/fs.ts';
import type { SearchHit } from './store.ts';

export interface QueryResults {
  qid: string;
  hits: readonly Pick<SearchHit, 'id' | 'score'>[];
}

/** A TREC run tag made from a model name (no whitespace; "run" when empty). */
export function runTag(name: string): string {
  return name.trim().replace(/\s+/g, '_') || 'run';
}

/** The run's text; ids with whitespace cannot be written (`InputError` naming the id). */
export function formatRun(results: readonly QueryResults[], tag: string): string {
  const t = runTag(tag);
  let out = '';
  for (const { qid, hits } of results) {
    if (/\s/.test(qid) || qid === '') throw new InputError(`query id ${JSON.stringify(qid)} is empty or contains whitespace: it cannot be written to a TREC run`);
    hits.forEach((h, r) => {
      if (/\s/.test(h.id)) throw new InputError(`document id ${JSON.stringify(h.id)} contains whitespace: it cannot be written to a TREC run`);
      out += `${qid} Q0 ${h.id} ${r + 1} ${String(h.score)} ${t}\n`;
    });
  }
  return out;
}

/** Write a run file atomically (temp file + rename). */
export function writeRun(path: string, results: readonly QueryResults[], tag: string): void {
  atomicWriteFile(path, formatRun(results, tag));
}
