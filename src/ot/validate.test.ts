import { describe, expect, it } from 'vitest';
import { ArgumentError } from '../errors.ts';
import { sinkhorn, sinkhornBatched, sinkhornLog, sinkhornLogBatched, type BatchedProblem } from './index.ts';

const a2 = [0.5, 0.5];
const C22 = [0, 1, 1, 0];

function expectArgError(f: () => unknown, re: RegExp): void {
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ArgumentError);
  expect((err as Error).message).toMatch(re);
}

describe('invalid inputs give clear ArgumentErrors', () => {
  it('negative or non-finite costs', () => {
    expectArgError(() => sinkhornLog(a2, a2, [0, -1, 1, 0]), /cost\[0, 1\] = -1.*finite and ≥ 0/);
    expectArgError(() => sinkhornLog(a2, a2, [0, 1, NaN, 0]), /cost\[1, 0\] = NaN/);
    expectArgError(() => sinkhornLog(a2, a2, new Float32Array([0, 1, 1, Infinity])), /cost\[1, 1\] = Infinity/);
    // a bad cost on a zero-mass row is still reported
    expectArgError(() => sinkhornLog([1, 0], a2, [0, 1, -2, 0]), /cost\[1, 0\] = -2/);
  });

  it('marginals of unequal mass, negative or non-finite marginals', () => {
    expectArgError(() => sinkhornLog([0.5, 0.5], [1, 1], C22), /unequal mass.*sum\(a\) = 1.*sum\(b\) = 2/);
    expectArgError(() => sinkhornLog([1.5, -0.5], a2, C22), /a\[1\] = -0.5/);
    expectArgError(() => sinkhornLog(a2, [NaN, 1], C22), /b\[0\] = NaN/);
    expectArgError(() => sinkhornLog([0, 0], a2, C22), /a has total mass 0/);
    expectArgError(() => sinkhornLog([], a2, C22), /a is empty/);
  });

  it('shape mismatch', () => {
    expectArgError(() => sinkhornLog(a2, a2, [0, 1, 1]), /cost has 3 entries, expected N·M = 2·2 = 4/);
    expectArgError(() => sinkhornLog(a2, a2, [[0, 1], [1]]), /cost row 1 has 1 entries, expected M = b.length = 2/);
    expectArgError(() => sinkhornLog(a2, a2, [[0, 1]]), /cost has 1 rows, expected N = a.length = 2/);
    expectArgError(() => sinkhornLog(a2, a2, C22, { warmStart: { f: [0], g: [0, 0] } }), /warmStart.f must have length N = 2/);
  });

  it('bad options and unknown methods', () => {
    expectArgError(() => sinkhornLog(a2, a2, C22, { epsilon: 0 }), /epsilon must be a finite number > 0/);
    expectArgError(() => sinkhornLog(a2, a2, C22, { maxIter: 0 }), /maxIter must be an integer ≥ 1/);
    expectArgError(() => sinkhornLog(a2, a2, C22, { tol: -1 }), /tol must be a finite number ≥ 0/);
    expectArgError(() => sinkhorn(a2, a2, C22, { method: 'greenkhorn' as any }), /unknown method 'greenkhorn'; valid methods: 'auto', 'log', 'stabilized', 'epsilonScaling'/);
    expectArgError(() => sinkhornBatched({ cost: new Float64Array(4), batch: 1, rows: 2, cols: 2 }, { method: 'nope' as any }), /unknown method 'nope'/);
  });

  it('batched shape and content errors', () => {
    const ok: BatchedProblem = { cost: new Float64Array(2 * 2 * 3), batch: 2, rows: 2, cols: 3 };
    expectArgError(() => sinkhornLogBatched({ ...ok, cost: new Float64Array(11) }), /cost has 11 entries, expected batch·rows·cols = 2·2·3 = 12/);
    expectArgError(() => sinkhornLogBatched({ ...ok, rows: 0 }), /rows must be an integer ≥ 1/);
    expectArgError(() => sinkhornLogBatched({ ...ok, rowLengths: new Int32Array([1]) }), /rowLengths has length 1, expected batch = 2/);
    expectArgError(() => sinkhornLogBatched({ ...ok, colLengths: new Int32Array([1, 4]) }), /colLengths\[1\] = 4, must be in \[1, 3\]/);
    expectArgError(() => sinkhornLogBatched({ ...ok, a: new Float64Array(3) }), /a has length 3, expected 4/);
    const bad = new Float64Array(12);
    bad[1 * 6 + 1 * 3 + 2] = -1;
    expectArgError(() => sinkhornLogBatched({ ...ok, cost: bad }), /cost\[1, 1, 2\] = -1/);
    // padding is not read: junk there is fine
    const padded = new Float64Array(12).fill(NaN);
    for (const k of [0, 1]) padded[k * 6] = 0.5;
    const r = sinkhornLogBatched({ ...ok, cost: padded, rowLengths: new Int32Array([1, 1]), colLengths: new Int32Array([1, 1]) });
    expect(Array.from(r.converged)).toEqual([1, 1]);
    const unequal = { ...ok, a: new Float64Array([0.5, 0.5, 0.5, 0.5]), b: new Float64Array([1, 1, 1, 1 / 3, 1 / 3, 1 / 3]) };
    expectArgError(() => sinkhornLogBatched(unequal), /\(problem 0\).*unequal mass/);
  });
});
