/**
 * Ranked-retrieval evaluation with trec_eval's conventions (trec_eval 9.x, usnistgov/trec_eval).
 * Each convention below was checked against the named trec_eval source file.
 *
 * Ranking (form_res_rels.c, comp_sim_docno; get_trec_results.c): a query's retrieved documents
 * are sorted by score descending; equal scores are ordered by docid DESCENDING in byte order
 * (strcmp(p2, p1)), so among tied documents "d9" ranks above "d10" above "d1". The run's rank
 * column is ignored.
 *
 * Grades (form_res_rels.c): a retrieved document's grade is its qrels value when that is >= 0;
 * a document absent from the qrels (-1) or with a negative qrels value (-2) is never relevant
 * and has gain 0. Notation for one query, ranks i = 1..n (n documents retrieved):
 *   g_i      grade of the document at rank i            t    relevance threshold (rel=t, default 1)
 *   rel_i    1 if g_i >= t, else 0                      R_t  #qrels entries with grade >= t
 *   k        cutoff; without one, k = n                 G    positive qrels grades, descending
 *
 *   MAP@k    (1 / R_t) Σ_{i<=k, rel_i} (Σ_{j<=i} rel_j) / i,  0 if R_t = 0        m_map.c, m_map_cut.c
 *   MRR@k    1 / min{i <= k : rel_i = 1},  0 if there is none                    m_recip_rank.c
 *   P@k      (Σ_{i<=min(k,n)} rel_i) / k   (missing ranks count as non-relevant)  m_P.c
 *   R@k      (Σ_{i<=min(k,n)} rel_i) / R_t,  0 if R_t = 0                        m_recall.c
 *   nDCG@k   DCG@k / IDCG@k,  0 if IDCG@k = 0                                     m_ndcg.c, m_ndcg_cut.c
 *            DCG@k  = Σ_{i<=min(k,n)} max(g_i, 0) / log2(i + 1)
 *            IDCG@k = Σ_{j<=min(k,|G|)} G_j / log2(j + 1)   (from the qrels, not the run; without
 *            a cutoff over all of G, even past n). Gain = grade; rel=t does not apply.
 *   judged@k (#{i <= min(k,n) : document is in the qrels, any grade}) / min(k, n),  0 if n = 0
 *            (ir_measures' Judged, not a trec_eval measure; ranked here in trec_eval's order,
 *            while ir_measures' judged provider breaks ties by docid ascending)
 *   num_rel  R_t;  num_ret  n, or with rel=t the number of retrieved docs with g_i >= t
 *                                                                               m_num_rel.c, m_num_ret.c
 *
 * Which queries count (trec_eval.c: help text and main loop, incl. the -c "bogus ranking" for a
 * missing query added after usnistgov/trec_eval issue #18; meas_avg.c te_calc_avg_meas_s;
 * CHANGELOG, 4/5/06 entry):
 * - a query in the run but not in the qrels is ignored;
 * - a query in the qrels with no relevant document (only grades < t) is NOT skipped: it is
 *   evaluated and scores 0 on MAP, MRR, P, R, nDCG (trec_eval's CHANGELOG notes that only very
 *   old versions skipped such queries);
 * - a query in the qrels but missing from the run is skipped by default; with `complete: true`
 *   (trec_eval -c) it is evaluated as an empty ranking (0 on every measure except num_rel) and
 *   counted in the mean, so the mean runs over every qrels query;
 * - the summary is the mean over the counted queries, except num_rel and num_ret, which trec_eval
 *   sums (te_calc_avg_meas_empty).
 * With no query to count, trec_eval exits with "No queries with both results and relevance
 * info"; `evaluateRun` throws an `ArgumentError`.
 */
import { ArgumentError } from '../errors.ts';
import type { Qrels, Run } from './trec-format.ts';
import { formatMeasure, isSummed, parseMeasure, type Measure } from './trec-measures.ts';

/** Grade of a retrieved document absent from the qrels (trec_eval's RELVALUE_NONPOOL). */
const NOT_IN_QRELS = -1;
/** Grade of a retrieved document whose qrels value is negative (trec_eval's RELVALUE_UNJUDGED). */
const NEGATIVE_IN_QRELS = -2;

/**
 * Compare strings by their UTF-8 bytes, as C's strcmp does. JavaScript's `<` compares UTF-16
 * code units, which differs only for surrogates (code points >= U+10000) against U+E000..U+FFFF.
 */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      const key = (c: number) => (c >= 0xd800 && c <= 0xdfff ? c + 0x2000 : c >= 0xe000 ? c - 0x800 : c);
      return key(x) - key(y);
    }
  }
  return a.length - b.length;
}

/** A query's docids in trec_eval's rank order: score descending, ties by docid descending (bytes). */
export function rankDocuments(scores: ReadonlyMap<string, number>): string[] {
  return [...scores.entries()]
    .sort((a, b) => (a[1] > b[1] ? -1 : a[1] < b[1] ? 1 : compareUtf8(b[0], a[0])))
    .map(([doc]) => doc);
}

/** Grades of the ranked documents (see the file header), rank 1 first. */
function rankedGrades(judgements: ReadonlyMap<string, number>, scores: ReadonlyMap<string, number> | undefined): number[] {
  if (!scores) return [];
  return rankDocuments(scores).map((doc) => {
    const g = judgements.get(doc);
    return g === undefined ? NOT_IN_QRELS : g < 0 ? NEGATIVE_IN_QRELS : g;
  });
}

/** One measure on one query. `ideal` holds the query's positive qrels grades, descending. */
function measureValue(m: Measure, grades: readonly number[], ideal: readonly number[]): number {
  const t = m.rel ?? 1;
  const n = grades.length;
  const k = Math.min(m.cutoff ?? n, n);
  let numRel = 0; // R_t
  for (const g of ideal) if (g >= t) numRel++;
  let hits = 0;
  switch (m.name) {
    case 'MAP': {
      let sum = 0;
      for (let i = 0; i < k; i++) if (grades[i]! >= t) sum += ++hits / (i + 1);
      return numRel === 0 ? 0 : sum / numRel;
    }
    case 'MRR':
      for (let i = 0; i < k; i++) if (grades[i]! >= t) return 1 / (i + 1);
      return 0;
    case 'P':
    case 'R':
      for (let i = 0; i < k; i++) if (grades[i]! >= t) hits++;
      if (m.name === 'P') return hits / m.cutoff!;
      return numRel === 0 ? 0 : hits / numRel;
    case 'nDCG': {
      let dcg = 0;
      for (let i = 0; i < k; i++) if (grades[i]! > 0) dcg += grades[i]! / Math.log2(i + 2);
      let idcg = 0;
      const kIdeal = Math.min(m.cutoff ?? ideal.length, ideal.length);
      for (let j = 0; j < kIdeal; j++) idcg += ideal[j]! / Math.log2(j + 2);
      return idcg > 0 ? dcg / idcg : 0;
    }
    case 'judged':
      for (let i = 0; i < k; i++) if (grades[i] !== NOT_IN_QRELS) hits++;
      return k === 0 ? 0 : hits / k;
    case 'num_rel':
      return numRel;
    case 'num_ret':
      if (m.rel === undefined) return n;
      for (const g of grades) if (g >= t) hits++;
      return hits;
  }
}

export interface TrecEvalOptions {
  /**
   * trec_eval `-c`: count every query of the qrels; one missing from the run is an empty ranking
   * (scores 0). Default false: only queries in both the run and the qrels count.
   */
  complete?: boolean;
}

export interface TrecEvalResult {
  /** Canonical measure names (`formatMeasure`), in the order given; the keys of every record below. */
  measures: string[];
  /** Per-query values, queries in trec_eval's order (qid by byte order). */
  perQuery: Map<string, Record<string, number>>;
  /** Mean over the counted queries (a sum for num_rel and num_ret, like trec_eval's "all" line). */
  mean: Record<string, number>;
  /** Number of counted queries: the denominator of the mean. */
  queries: number;
}

/**
 * Evaluate `run` against `qrels` on `measures` (Measure objects or strings such as "nDCG@10"),
 * with trec_eval's conventions (file header).
 *
 * @example
 * const r = evaluateRun(readQrels('qrels.txt'), readRun('run.txt'), ['MAP', 'nDCG@10']);
 * r.mean['nDCG@10']; r.perQuery.get('301')?.MAP;
 */
export function evaluateRun(qrels: Qrels, run: Run, measures: readonly (Measure | string)[], opts: TrecEvalOptions = {}): TrecEvalResult {
  const parsed = measures.map((m) => (typeof m === 'string' ? parseMeasure(m) : m));
  const names = parsed.map(formatMeasure);
  if (parsed.length === 0) throw new ArgumentError('no measures to evaluate');
  const qids = [...qrels.keys()].filter((q) => opts.complete || run.has(q)).sort(compareUtf8);
  if (qids.length === 0) {
    throw new ArgumentError(`no query has both results and relevance judgements (run: ${run.size} queries, qrels: ${qrels.size})`);
  }
  const perQuery = new Map<string, Record<string, number>>();
  const total = new Array<number>(parsed.length).fill(0);
  for (const qid of qids) {
    const judgements = qrels.get(qid)!;
    const grades = rankedGrades(judgements, run.get(qid));
    const ideal = [...judgements.values()].filter((g) => g > 0).sort((a, b) => b - a);
    const row: Record<string, number> = {};
    parsed.forEach((m, j) => {
      const v = measureValue(m, grades, ideal);
      row[names[j]!] = v;
      total[j] += v;
    });
    perQuery.set(qid, row);
  }
  const mean: Record<string, number> = {};
  parsed.forEach((m, j) => (mean[names[j]!] = isSummed(m) ? total[j]! : total[j]! / qids.length));
  return { measures: names, perQuery, mean, queries: qids.length };
}
