import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { formatMeasure, parseMeasure, parseMeasures } from './trec-measures.ts';

describe('parseMeasure', () => {
  it('maps names, aliases and trec_eval spellings to canonical measures (input → canonical)', () => {
    const cases: [string, string][] = [
      ['MAP', 'MAP'], ['map', 'MAP'], ['AP', 'MAP'], ['AP@100', 'MAP@100'], ['map_cut_100', 'MAP@100'],
      ['MRR', 'MRR'], ['RR', 'MRR'], ['recip_rank', 'MRR'], ['MRR@10', 'MRR@10'], ['RR@10', 'MRR@10'],
      ['nDCG', 'nDCG'], ['NDCG@10', 'nDCG@10'], ['ndcg_cut_10', 'nDCG@10'], ['ndcg_cut.10', 'nDCG@10'],
      ['P@10', 'P@10'], ['P_10', 'P@10'], ['P.5', 'P@5'], ['P(rel=2)@10', 'P(rel=2)@10'], ['P(rel=1)@10', 'P@10'],
      ['R@100', 'R@100'], ['Recall@100', 'R@100'], ['recall_100', 'R@100'], ['R( rel = 3 )@1000', 'R(rel=3)@1000'],
      ['judged@10', 'judged@10'], ['Judged@10', 'judged@10'],
      ['num_rel', 'num_rel'], ['NumRel', 'num_rel'], ['num_rel(rel=2)', 'num_rel(rel=2)'],
      ['num_ret', 'num_ret'], ['NumRet(rel=1)', 'num_ret(rel=1)'], ['  MAP(rel=2)  ', 'MAP(rel=2)'],
    ]; // prettier-ignore
    for (const [input, canonical] of cases) expect(formatMeasure(parseMeasure(input)), input).toBe(canonical);
  });

  it('canonical strings parse back to equal measures', () => {
    for (const s of ['MAP', 'MAP@5', 'MRR(rel=2)@10', 'nDCG@10', 'P(rel=2)@10', 'R@100', 'judged@10', 'num_ret(rel=1)', 'num_ret']) {
      const m = parseMeasure(s);
      expect(parseMeasure(formatMeasure(m))).toEqual(m);
    }
    expect(parseMeasure('P(rel=2)@10')).toEqual({ name: 'P', cutoff: 10, rel: 2 });
    expect(parseMeasure('MAP')).toEqual({ name: 'MAP' });
  });

  it('rejects unknown names listing the valid ones, and states the grammar for malformed strings', () => {
    const err = (s: string) => {
      try {
        parseMeasure(s);
      } catch (e) {
        expect(e).toBeInstanceOf(ArgumentError);
        return (e as Error).message;
      }
      throw new Error(`"${s}" parsed`);
    };
    expect(err('ERR@10')).toMatch(/^unknown measure "ERR@10" \(valid: MAP\[@k\], MRR\[@k\], nDCG\[@k\], P@k, R@k, judged@k, num_rel, num_ret/);
    expect(err('P@')).toMatch(/does not parse: expected Name\[\(rel=N\)\]\[@k\]/);
    expect(err('P(rel=2')).toMatch(/does not parse/);
    expect(err('P')).toBe('measure "P": P needs a cutoff, e.g. P@10');
    expect(err('judged')).toMatch(/judged needs a cutoff/);
    expect(err('P@0')).toBe('measure "P@0": the cutoff must be a positive integer, got "0"');
    expect(err('P@1.5')).toMatch(/cutoff must be a positive integer/);
    expect(err('P(rel=0)@10')).toBe('measure "P(rel=0)@10": rel must be a positive integer, got "0"');
    expect(err('nDCG(rel=2)@10')).toMatch(/nDCG takes no rel parameter \(trec_eval uses every positive grade/);
    expect(err('judged(rel=1)@10')).toMatch(/judged takes no rel parameter/);
    expect(err('P(gain=2)@10')).toMatch(/unknown parameter "gain"/);
    expect(err('num_rel@10')).toBe('measure "num_rel@10": num_rel takes no @cutoff');
  });
});

describe('parseMeasures', () => {
  it('splits on commas outside parentheses and drops duplicates', () => {
    expect(parseMeasures('MAP, nDCG@10,P(rel=2)@10,AP,ndcg_cut_10').map(formatMeasure)).toEqual(['MAP', 'nDCG@10', 'P(rel=2)@10']);
    expect(() => parseMeasures(' , ')).toThrow(/no measures given/);
    expect(() => parseMeasures('MAP,foo')).toThrow(/unknown measure "foo"/);
  });
});
