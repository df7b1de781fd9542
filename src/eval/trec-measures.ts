/**
 * Retrieval measures named by strings, in the style of ir_measures: `Name[(rel=N)][@k]`.
 *
 *   name       cutoff    rel=N   trec_eval equivalent           ir_measures name
 *   MAP        optional  yes     map, map_cut.k                 AP, AP@k
 *   MRR        optional  yes     recip_rank (no cutoff there)   RR, RR@k
 *   nDCG       optional  no      ndcg, ndcg_cut.k               nDCG, nDCG@k
 *   P          required  yes     P.k                            P@k
 *   R          required  yes     recall.k                       R@k
 *   judged     required  no      (none)                         Judged@k
 *   num_rel    none      yes     num_rel                        NumRel
 *   num_ret    none      yes     num_ret, num_rel_ret (rel=N)   NumRet, NumRet(rel=N)
 *
 * Relevance threshold: a document is relevant when its qrels grade is >= rel; the default is
 * rel=1, trec_eval's default `-l 1`. `P(rel=2)@10` is P@10 evaluated as `trec_eval -l 2`.
 * nDCG takes no threshold: trec_eval's ndcg and ndcg_cut use every positive grade as the gain
 * and ignore `-l`. For num_ret, rel=N counts retrieved documents with grade >= N (trec_eval's
 * num_rel_ret); without it, every retrieved document.
 *
 * Names match case-insensitively, with aliases: AP → MAP, RR / recip_rank → MRR, Recall → R,
 * NumRel → num_rel, NumRet → num_ret, and trec_eval's cutoff spellings `P_10`, `P.10`,
 * `recall_100`, `ndcg_cut_10`, `map_cut_10`. `formatMeasure` gives the canonical string
 * (defaults omitted, e.g. `P(rel=1)@10` prints as `P@10`), which parses back to an equal measure.
 */
import { ArgumentError } from '../errors.ts';

export type MeasureName = 'MAP' | 'MRR' | 'nDCG' | 'P' | 'R' | 'judged' | 'num_rel' | 'num_ret';

export interface Measure {
  readonly name: MeasureName;
  /** Rank cutoff k >= 1: only the top k documents count. */
  readonly cutoff?: number;
  /** Minimum grade that counts as relevant. Omitted means 1 (and, for num_ret, "every retrieved document"). */
  readonly rel?: number;
}

interface Spec {
  cutoff: 'required' | 'optional' | 'none';
  rel: boolean;
}

const SPECS: Record<MeasureName, Spec> = {
  MAP: { cutoff: 'optional', rel: true },
  MRR: { cutoff: 'optional', rel: true },
  nDCG: { cutoff: 'optional', rel: false },
  P: { cutoff: 'required', rel: true },
  R: { cutoff: 'required', rel: true },
  judged: { cutoff: 'required', rel: false },
  num_rel: { cutoff: 'none', rel: true },
  num_ret: { cutoff: 'none', rel: true },
};

/** Lower-cased accepted names → canonical name. */
const ALIASES: Record<string, MeasureName> = {
  map: 'MAP', ap: 'MAP',
  mrr: 'MRR', rr: 'MRR', recip_rank: 'MRR',
  ndcg: 'nDCG',
  p: 'P',
  r: 'R', recall: 'R',
  judged: 'judged',
  num_rel: 'num_rel', numrel: 'num_rel',
  num_ret: 'num_ret', numret: 'num_ret',
}; // prettier-ignore

/** trec_eval's `name.k` / `name_k` cutoff spellings. */
const TREC_CUT: Record<string, MeasureName> = { p: 'P', recall: 'R', ndcg_cut: 'nDCG', map_cut: 'MAP' };

const GRAMMAR = 'Name[(rel=N)][@k], e.g. nDCG@10, MRR@10, P(rel=2)@10';
const VALID = 'MAP[@k], MRR[@k], nDCG[@k], P@k, R@k, judged@k, num_rel, num_ret (aliases: AP, RR, recip_rank, Recall, NumRel, NumRet, P_k, recall_k, ndcg_cut_k, map_cut_k)';

/** Measures whose aggregate over queries is a sum, as in trec_eval's summary line. */
export function isSummed(m: Measure): boolean {
  return m.name === 'num_rel' || m.name === 'num_ret';
}

/** Canonical string: `Name[(rel=N)][@k]`, defaults omitted. */
export function formatMeasure(m: Measure): string {
  return `${m.name}${m.rel !== undefined ? `(rel=${m.rel})` : ''}${m.cutoff !== undefined ? `@${m.cutoff}` : ''}`;
}

function positiveInt(text: string, what: string, measure: string): number {
  const v = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(v) || v < 1) {
    throw new ArgumentError(`measure "${measure}": ${what} must be a positive integer, got "${text}"`);
  }
  return v;
}

/** Parse one measure string. Throws `ArgumentError` stating the grammar or listing the valid names. */
export function parseMeasure(text: string): Measure {
  const s = text.trim();
  const cut = /^([A-Za-z_]+)[._](\d+)$/.exec(s);
  if (cut && TREC_CUT[cut[1]!.toLowerCase()]) {
    return parseMeasure(`${TREC_CUT[cut[1]!.toLowerCase()]}@${cut[2]}`);
  }
  const m = /^([A-Za-z_]+)(?:\(([^()]*)\))?(?:@(\S+))?$/.exec(s);
  if (!m) throw new ArgumentError(`measure "${s}" does not parse: expected ${GRAMMAR}`);
  const name = ALIASES[m[1]!.toLowerCase()];
  if (!name) throw new ArgumentError(`unknown measure "${s}" (valid: ${VALID})`);
  const spec = SPECS[name];
  let rel: number | undefined;
  if (m[2] !== undefined) {
    for (const param of m[2].split(',')) {
      const kv = /^\s*(\w+)\s*=\s*(\S*)\s*$/.exec(param);
      if (!kv) throw new ArgumentError(`measure "${s}" does not parse: expected ${GRAMMAR}`);
      if (kv[1] !== 'rel') throw new ArgumentError(`measure "${s}": unknown parameter "${kv[1]}" (the only parameter is rel)`);
      if (!spec.rel) {
        const why = name === 'nDCG' ? ' (trec_eval uses every positive grade as the gain)' : '';
        throw new ArgumentError(`measure "${s}": ${name} takes no rel parameter${why}`);
      }
      rel = positiveInt(kv[2]!, 'rel', s);
    }
  }
  let cutoff: number | undefined;
  if (m[3] !== undefined) {
    if (spec.cutoff === 'none') throw new ArgumentError(`measure "${s}": ${name} takes no @cutoff`);
    cutoff = positiveInt(m[3], 'the cutoff', s);
  } else if (spec.cutoff === 'required') {
    throw new ArgumentError(`measure "${s}": ${name} needs a cutoff, e.g. ${name}@10`);
  }
  // rel=1 is the default threshold, except for num_ret where "no rel" means "count everything".
  if (rel === 1 && name !== 'num_ret') rel = undefined;
  return Object.freeze({ name, ...(cutoff !== undefined && { cutoff }), ...(rel !== undefined && { rel }) });
}

/** Parse a comma-separated list (`"MAP,nDCG@10,P(rel=2)@10"`); duplicates (same canonical form) are dropped. */
export function parseMeasures(list: string): Measure[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i <= list.length; i++) {
    const c = list[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if ((c === ',' && depth === 0) || c === undefined) {
      if (list.slice(start, i).trim() !== '') parts.push(list.slice(start, i));
      start = i + 1;
    }
  }
  if (parts.length === 0) throw new ArgumentError(`no measures given (valid: ${VALID})`);
  const seen = new Map<string, Measure>();
  for (const p of parts) {
    const m = parseMeasure(p);
    const key = formatMeasure(m);
    if (!seen.has(key)) seen.set(key, m);
  }
  return [...seen.values()];
}
