/**
 * Strict readers for TREC relevance judgements (qrels) and runs.
 *
 *   qrels: `qid iter docid rel`               4 whitespace-separated fields; `iter` is ignored;
 *                                             `rel` an integer (negative, 0 or positive)
 *   run:   `qid Q0 docid rank score tag`      6 fields; `Q0` and `tag` are ignored; `rank` must
 *                                             be an integer but is otherwise ignored (documents are
 *                                             ranked by score, see trec.ts); `score` a finite
 *                                             decimal number
 *
 * Blank (or whitespace-only) lines are skipped. Anything else that does not fit — a wrong field
 * count, a non-integer rel or rank, a score that is not a finite number, the same (qid, docid)
 * twice — is an `InputError` naming the file and the 1-based line. trec_eval itself is laxer
 * (get_qrels.c reads rel with atol, get_trec_results.c reads the score with atof and ignores
 * fields after the tag, and both only reject duplicates later, in form_res_rels.c); being strict
 * here turns a silently wrong evaluation into an error message.
 *
 * Order is kept: a query's documents appear in file order, queries in order of first appearance.
 */
import { InputError } from '../errors.ts';
import { readTextFile, splitLines } from '../util/fs.ts';

/** Relevance judgements: qid → docid → rel (an integer; rel < 0 means judged "not in the pool"). */
export type Qrels = Map<string, Map<string, number>>;
/** A run: qid → docid → score. */
export type Run = Map<string, Map<string, number>>;

const INTEGER = /^[+-]?\d+$/;
/** Decimal numbers only: no `inf`, `nan`, hex or empty strings (all of which `Number()` accepts or maps to 0). */
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Non-blank `lines` as [fields, 1-based line number], each checked to have `want` fields. */
function* records(lines: readonly string[], file: string, want: number, format: string): Generator<[string[], number]> {
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === '') continue;
    const fields = trimmed.split(/\s+/);
    if (fields.length !== want) {
      throw new InputError(`expected ${want} fields (${format}), found ${fields.length}`, file, i + 1);
    }
    yield [fields, i + 1];
  }
}

/**
 * Insert `docid → value` for `qid`; a second line for the same pair is an error naming both
 * lines. (The first line is looked up only then, so no per-line bookkeeping is kept.)
 */
function addUnique(into: Map<string, Map<string, number>>, lines: readonly string[], qid: string, docid: string, value: number, file: string, line: number): void {
  let docs = into.get(qid);
  if (!docs) into.set(qid, (docs = new Map()));
  if (docs.has(docid)) {
    let first = 0;
    while (first < line - 1) {
      const f = lines[first++]!.trim().split(/\s+/);
      if (f[0] === qid && f[2] === docid) break;
    }
    throw new InputError(`duplicate entry for query "${qid}", document "${docid}" (first on line ${first})`, file, line);
  }
  docs.set(docid, value);
}

/** Parse qrels text (`qid iter docid rel` per line). `file` names the source in error messages. */
export function parseQrels(text: string, file: string): Qrels {
  const qrels: Qrels = new Map();
  const lines = splitLines(text);
  for (const [f, line] of records(lines, file, 4, 'qid iter docid rel')) {
    const rel = f[3]!;
    if (!INTEGER.test(rel) || !Number.isSafeInteger(Number(rel))) {
      throw new InputError(`relevance "${rel}" is not an integer`, file, line);
    }
    addUnique(qrels, lines, f[0]!, f[2]!, Number(rel), file, line);
  }
  return qrels;
}

/** Parse a TREC run (`qid Q0 docid rank score tag` per line). `file` names the source in error messages. */
export function parseRun(text: string, file: string): Run {
  const run: Run = new Map();
  const lines = splitLines(text);
  for (const [f, line] of records(lines, file, 6, 'qid Q0 docid rank score tag')) {
    const [qid, , docid, rank, score] = f as [string, string, string, string, string];
    if (!INTEGER.test(rank)) throw new InputError(`rank "${rank}" is not an integer`, file, line);
    const s = Number(score);
    if (!DECIMAL.test(score) || !Number.isFinite(s)) throw new InputError(`score "${score}" is not a finite number`, file, line);
    addUnique(run, lines, qid, docid, s, file, line);
  }
  return run;
}

/** Read and parse a qrels file (`.gz` allowed, strict UTF-8). */
export function readQrels(path: string): Qrels {
  return parseQrels(readTextFile(path), path);
}

/** Read and parse a run file (`.gz` allowed, strict UTF-8). */
export function readRun(path: string): Run {
  return parseRun(readTextFile(path), path);
}
