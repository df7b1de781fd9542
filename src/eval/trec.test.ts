import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { mulberry32 } from '../util/random.ts';
import { parseQrels, parseRun } from './trec-format.ts';
import { compareUtf8, evaluateRun, rankDocuments } from './trec.ts';

const log2 = Math.log2;

// q1: graded (d1 = 2, d2 = d4 = 1), d3 judged non-relevant, d5 negative ("in the pool, unjudged").
// q2: judged, but no relevant document.   q3: judged, missing from the run.   q4: run only.
const QRELS = parseQrels(
  `q1 0 d1 2
q1 0 d2 1
q1 0 d3 0
q1 0 d4 1
q1 0 d5 -1
q2 0 e1 0
q2 0 e2 0
q3 0 f1 1
`,
  'qrels',
);
// The rank column deliberately disagrees with the scores; it is ignored.
// q1 by score: d3 (0.9); then d1, d2, x9 tie at 0.5 and go by docid DESCENDING: x9, d2, d1;
// then d5 (0.1), d4 (0.05). So ranks 1..6 hold d3, x9, d2, d1, d5, d4 with grades
//   0, (not in qrels), 1, 2, (negative), 1.     Relevant (rel >= 1) at ranks 3, 4, 6; R = 3.
// Ideal grades from the qrels: G = [2, 1, 1].
const RUN = parseRun(
  `q1 Q0 d1 1 0.5 t
q1 Q0 d4 2 0.05 t
q1 Q0 d2 3 0.5 t
q1 Q0 d3 4 0.9 t
q1 Q0 x9 5 0.5 t
q1 Q0 d5 6 0.1 t
q2 Q0 zz 1 2 t
q2 Q0 e1 2 3 t
q4 Q0 d1 1 1 t
`,
  'run',
);

const ALL = ['MAP', 'MAP@4', 'MAP(rel=2)', 'MRR', 'MRR@2', 'MRR(rel=2)', 'P@5', 'P@10', 'P(rel=2)@5', 'R@5', 'R@100', 'R(rel=2)@3',
  'nDCG', 'nDCG@5', 'nDCG@2', 'judged@2', 'judged@5', 'judged@10', 'num_rel', 'num_rel(rel=2)', 'num_ret', 'num_ret(rel=1)']; // prettier-ignore

// Hand-computed values for q1 (ranks of relevant documents: 3, 4, 6; d1 (grade 2) at rank 4).
const Q1: Record<string, number> = {
  MAP: (1 / 3 + 2 / 4 + 3 / 6) / 3, // = 4/9
  'MAP@4': (1 / 3 + 2 / 4) / 3, // rank 6 is past the cutoff; still divided by R = 3
  'MAP(rel=2)': 1 / 4 / 1, // only d1 is relevant at rel >= 2, at rank 4
  MRR: 1 / 3,
  'MRR@2': 0,
  'MRR(rel=2)': 1 / 4,
  'P@5': 2 / 5,
  'P@10': 3 / 10, // only 6 retrieved: the missing ranks count as non-relevant
  'P(rel=2)@5': 1 / 5,
  'R@5': 2 / 3,
  'R@100': 3 / 3,
  'R(rel=2)@3': 0,
  // DCG: gain = grade at ranks 3 (1), 4 (2), 6 (1); rank 5 has a negative qrels grade → gain 0.
  nDCG: (1 / log2(4) + 2 / log2(5) + 1 / log2(7)) / (2 / log2(2) + 1 / log2(3) + 1 / log2(4)),
  'nDCG@5': (1 / log2(4) + 2 / log2(5)) / (2 / log2(2) + 1 / log2(3) + 1 / log2(4)),
  'nDCG@2': 0,
  'judged@2': 1 / 2, // d3 judged, x9 not
  'judged@5': 4 / 5, // d3, d2, d1, d5 (a negative grade is still a qrels entry)
  'judged@10': 5 / 6, // cutoff past the 6 retrieved: divided by 6, as ir_measures does
  num_rel: 3,
  'num_rel(rel=2)': 1,
  num_ret: 6,
  'num_ret(rel=1)': 3,
};
// q2 has no relevant document: 0 everywhere, except judged (e1 judged, zz not) and the counts.
const Q2: Record<string, number> = Object.fromEntries(ALL.map((m) => [m, 0]));
Object.assign(Q2, { 'judged@2': 1 / 2, 'judged@5': 1 / 2, 'judged@10': 1 / 2, num_ret: 2 });
// q3 under `complete`: an empty ranking. Only num_rel is non-zero.
const Q3: Record<string, number> = Object.fromEntries(ALL.map((m) => [m, 0]));
Object.assign(Q3, { num_rel: 1 });

function expectClose(got: Record<string, number>, want: Record<string, number>, label: string): void {
  expect(Object.keys(got), label).toEqual(Object.keys(want));
  for (const k of Object.keys(want)) expect(got[k], `${label} ${k}`).toBeCloseTo(want[k]!, 12);
}

describe('rankDocuments / compareUtf8: trec_eval order', () => {
  it('sorts by score descending, ties by docid descending in byte order', () => {
    expect(rankDocuments(new Map([['d1', 1], ['d10', 1], ['d9', 1], ['a', 2], ['z', 0]]))).toEqual(['a', 'd9', 'd10', 'd1', 'z']); // prettier-ignore
    expect(rankDocuments(RUN.get('q1')!)).toEqual(['d3', 'x9', 'd2', 'd1', 'd5', 'd4']);
  });

  it('compares like strcmp on UTF-8 bytes, also where UTF-16 order differs', () => {
    expect(Math.sign(compareUtf8('\uFFFD', '\u{1F600}'))).toBe(-1); // UTF-16 `<` says the opposite
    const rnd = mulberry32(7);
    const pool = ['a', 'b', 'é', '\uE000', '\uFFFD', '\u{1F600}', '\u{10000}', '0'];
    const word = () => Array.from({ length: 1 + Math.floor(rnd() * 3) }, () => pool[Math.floor(rnd() * pool.length)]).join('');
    for (let i = 0; i < 500; i++) {
      const [a, b] = [word(), word()];
      expect(Math.sign(compareUtf8(a, b)), `${a} vs ${b}`).toBe(Math.sign(Buffer.compare(Buffer.from(a), Buffer.from(b))));
    }
  });
});

describe('evaluateRun: hand-computed values', () => {
  it('per query: ties, graded relevance, thresholds, a query with no relevant document', () => {
    const r = evaluateRun(QRELS, RUN, ALL);
    expect(r.measures).toEqual(ALL);
    expect([...r.perQuery.keys()]).toEqual(['q1', 'q2']); // q3 (not in the run) and q4 (not in the qrels) do not count
    expectClose(r.perQuery.get('q1')!, Q1, 'q1');
    expectClose(r.perQuery.get('q2')!, Q2, 'q2');
  });

  it('mean over queries in both run and qrels, counting the query without relevant documents; counts summed', () => {
    const r = evaluateRun(QRELS, RUN, ALL);
    expect(r.queries).toBe(2);
    expect(r.mean.MAP).toBeCloseTo((4 / 9 + 0) / 2, 12);
    expect(r.mean['judged@10']).toBeCloseTo((5 / 6 + 1 / 2) / 2, 12);
    expect(r.mean.num_rel).toBe(3);
    expect(r.mean.num_ret).toBe(8);
  });

  it('complete (trec_eval -c): a qrels query missing from the run scores 0 and counts in the mean', () => {
    const r = evaluateRun(QRELS, RUN, ALL, { complete: true });
    expect([...r.perQuery.keys()]).toEqual(['q1', 'q2', 'q3']);
    expectClose(r.perQuery.get('q3')!, Q3, 'q3');
    expect(r.queries).toBe(3);
    for (const m of ALL.filter((m) => !m.startsWith('num_'))) expect(r.mean[m], m).toBeCloseTo((Q1[m]! + Q2[m]!) / 3, 12);
    expect(r.mean.num_rel).toBe(4);
    expect(r.mean.num_ret).toBe(8);
  });

  it('nDCG without a cutoff keeps summing the ideal past the retrieved documents', () => {
    // One document retrieved, grade 1; qrels hold grades 3 and 1.
    const qrels = parseQrels('1 0 a 1\n1 0 b 3\n', 'q');
    const r = evaluateRun(qrels, parseRun('1 Q0 a 1 1 t\n', 'r'), ['nDCG', 'nDCG@1']);
    expect(r.mean.nDCG).toBeCloseTo(1 / (3 + 1 / log2(3)), 12);
    expect(r.mean['nDCG@1']).toBeCloseTo(1 / 3, 12);
  });

  it('orders queries by qid bytes, like trec_eval, and accepts Measure objects', () => {
    const qrels = parseQrels('9 0 a 1\n10 0 a 1\n', 'q');
    const r = evaluateRun(qrels, parseRun('9 Q0 a 1 1 t\n10 Q0 b 1 1 t\n', 'r'), [{ name: 'P', cutoff: 1 }]);
    expect([...r.perQuery.entries()]).toEqual([['10', { 'P@1': 0 }], ['9', { 'P@1': 1 }]]); // prettier-ignore
  });

  it('throws ArgumentError when no query has both results and judgements', () => {
    expect(() => evaluateRun(QRELS, parseRun('zz Q0 a 1 1 t\n', 'r'), ['MAP'])).toThrow(ArgumentError);
    expect(() => evaluateRun(QRELS, RUN, [])).toThrow(/no measures/);
  });
});

describe('evaluateRun: invariants on seeded random data', () => {
  it('a run ranking the judged documents by grade scores 1 on MAP, MRR, nDCG and R@|qrels|; values lie in [0, 1]', () => {
    const rnd = mulberry32(42);
    let qrelsText = '';
    let idealText = '';
    let randomText = '';
    for (let q = 0; q < 20; q++) {
      const n = 1 + Math.floor(rnd() * 15);
      for (let d = 0; d < n; d++) {
        const grade = q % 5 === 0 && d === 0 ? 3 : Math.floor(rnd() * 4); // grades 0..3
        qrelsText += `q${q} 0 doc${d} ${grade}\n`;
        idealText += `q${q} Q0 doc${d} 0 ${grade} ideal\n`;
        randomText += `q${q} Q0 doc${d} 0 ${Math.floor(rnd() * 3)} rand\n`; // many ties
      }
      randomText += `q${q} Q0 unjudged${q} 0 ${rnd()} rand\n`;
    }
    const qrels = parseQrels(qrelsText, 'q');
    const measures = ['MAP', 'MRR', 'nDCG', 'nDCG@3', 'P@5', 'R@1000', 'judged@5'];
    const ideal = evaluateRun(qrels, parseRun(idealText, 'ideal'), measures);
    for (const [qid, row] of ideal.perQuery) {
      const hasRel = [...qrels.get(qid)!.values()].some((g) => g >= 1);
      for (const m of ['MAP', 'MRR', 'nDCG', 'nDCG@3', 'R@1000']) expect(row[m], `${qid} ${m}`).toBeCloseTo(hasRel ? 1 : 0, 12);
      expect(row['judged@5']).toBe(1);
    }
    const random = evaluateRun(qrels, parseRun(randomText, 'random'), measures);
    for (const row of random.perQuery.values()) for (const v of Object.values(row)) expect(v >= 0 && v <= 1 + 1e-12).toBe(true);
    // The ideal ordering is never beaten on nDCG.
    for (const [qid, row] of random.perQuery) expect(row.nDCG!).toBeLessThanOrEqual(ideal.perQuery.get(qid)!.nDCG! + 1e-12);
  });
});
