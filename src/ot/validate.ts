/**
 * Input checking and conversion to the solvers' working form.
 *
 * Every public solver funnels its inputs through here, so the errors are the same everywhere:
 * an {@link ArgumentError} naming the function, the argument, the offending index and value.
 *
 * Working form ({@link Compact}): float64 copies restricted to the rows/columns with positive mass
 * (`n ≤ N`, `m ≤ M`), `C` `[n, m]` row-major. Zero-mass rows/columns (and batch padding) never
 * enter a solver, so they get exactly zero mass in the plan by construction.
 */
import { ArgumentError } from '../errors.ts';
import { DEFAULTS, type Mat, type SolverOptions, type Vec } from './types.ts';

/** Relative mass mismatch between `a` and `b` tolerated (float32 rounding); b is then rescaled to sum(a). */
export const MASS_RTOL = 1e-5;

export interface Compact {
  /** Output (full) sizes N, M. */
  N: number;
  M: number;
  /** Active sizes n ≤ N, m ≤ M. */
  n: number;
  m: number;
  /** Active index → full index. */
  rowIdx: Int32Array;
  colIdx: Int32Array;
  /** `[n]`, `[m]` active masses; Σb rescaled to Σa. */
  a: Float64Array;
  b: Float64Array;
  /** `[n, m]` active costs (may be a view of the caller's array: never written). */
  C: Float64Array;
  /** Σa */
  mass: number;
}

export interface Resolved {
  epsilon: number;
  maxIter: number;
  tol: number;
}

/** Check and fill in the shared options. */
export function resolveOptions(fn: string, opts: SolverOptions | undefined, needEpsilon = true): Resolved {
  const epsilon = opts?.epsilon ?? DEFAULTS.epsilon;
  const maxIter = opts?.maxIter ?? DEFAULTS.maxIter;
  const tol = opts?.tol ?? DEFAULTS.tol;
  if (needEpsilon && !(Number.isFinite(epsilon) && epsilon > 0 && 1 / epsilon < Infinity)) {
    throw new ArgumentError(`${fn}: epsilon must be a finite number > 0 (and 1/epsilon finite), got ${epsilon}`);
  }
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) {
    throw new ArgumentError(`${fn}: maxIter must be an integer ≥ 1, got ${maxIter}`);
  }
  if (!(Number.isFinite(tol) && tol >= 0)) {
    throw new ArgumentError(`${fn}: tol must be a finite number ≥ 0, got ${tol}`);
  }
  return { epsilon, maxIter, tol };
}

function isVecLike(x: unknown): x is Vec {
  return x instanceof Float64Array || x instanceof Float32Array || Array.isArray(x);
}

/** Check a marginal: finite, ≥ 0, positive total. Returns its sum. */
export function checkMarginal(fn: string, name: string, x: unknown, len?: number): number {
  if (!isVecLike(x)) {
    throw new ArgumentError(`${fn}: ${name} must be a Float32Array, Float64Array or number[]`);
  }
  if (len !== undefined && x.length !== len) {
    throw new ArgumentError(`${fn}: ${name} has length ${x.length}, expected ${len}`);
  }
  if (x.length === 0) throw new ArgumentError(`${fn}: ${name} is empty`);
  let s = 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new ArgumentError(`${fn}: ${name}[${i}] = ${v}; marginals must be finite and ≥ 0`);
    }
    s += v;
  }
  if (!(s > 0)) throw new ArgumentError(`${fn}: ${name} has total mass 0`);
  return s;
}

/** Throw unless Σa and Σb agree within {@link MASS_RTOL} (balanced problems). */
export function checkMass(fn: string, sa: number, sb: number): void {
  if (Math.abs(sa - sb) > MASS_RTOL * Math.max(sa, sb)) {
    throw new ArgumentError(
      `${fn}: marginals have unequal mass (sum(a) = ${sa}, sum(b) = ${sb}); balanced OT needs equal mass — normalise them or use sinkhornUnbalanced`,
    );
  }
}

/** Flatten a cost given as nested rows, checking shape `[N, M]`. */
export function flattenCost(fn: string, C: Mat, N: number, M: number): Float32Array | Float64Array | readonly number[] {
  if (C instanceof Float64Array || C instanceof Float32Array) {
    if (C.length !== N * M) {
      throw new ArgumentError(`${fn}: cost has ${C.length} entries, expected N·M = ${N}·${M} = ${N * M} (N = a.length, M = b.length)`);
    }
    return C;
  }
  if (!Array.isArray(C)) throw new ArgumentError(`${fn}: cost must be a typed array, number[] or number[][]`);
  if (C.length > 0 && Array.isArray(C[0])) {
    const rowsArr = C as readonly (readonly number[])[];
    if (rowsArr.length !== N) throw new ArgumentError(`${fn}: cost has ${rowsArr.length} rows, expected N = a.length = ${N}`);
    const out = new Float64Array(N * M);
    for (let i = 0; i < N; i++) {
      const r = rowsArr[i];
      if (!Array.isArray(r) || r.length !== M) {
        throw new ArgumentError(`${fn}: cost row ${i} has ${Array.isArray(r) ? r.length : 'no'} entries, expected M = b.length = ${M}`);
      }
      for (let j = 0; j < M; j++) out[i * M + j] = r[j] as number;
    }
    return out;
  }
  if (C.length !== N * M) {
    throw new ArgumentError(`${fn}: cost has ${C.length} entries, expected N·M = ${N}·${M} = ${N * M} (N = a.length, M = b.length)`);
  }
  return C as readonly number[];
}

function costError(fn: string, i: number, j: number, v: unknown, batch?: number): ArgumentError {
  const where = batch === undefined ? `cost[${i}, ${j}]` : `cost[${batch}, ${i}, ${j}]`;
  return new ArgumentError(`${fn}: ${where} = ${v}; costs must be finite and ≥ 0`);
}

/**
 * Build the working form of one problem.
 * @param C flat `[N, M]` costs (or a batch buffer with `offset`/`stride`).
 * @param a,b full-length marginals (already checked) or null for uniform over the first n/m entries.
 */
export function compact(
  fn: string,
  C: Float32Array | Float64Array | readonly number[],
  N: number,
  M: number,
  a: Vec | null,
  b: Vec | null,
  opt: { offset?: number; stride?: number; n?: number; m?: number; aOff?: number; bOff?: number; batch?: number; balanced?: boolean } = {},
): Compact {
  const offset = opt.offset ?? 0;
  const stride = opt.stride ?? M;
  const nValid = opt.n ?? N;
  const mValid = opt.m ?? M;
  const aOff = opt.aOff ?? 0;
  const bOff = opt.bOff ?? 0;
  let n = 0;
  let m = 0;
  const rowIdx = new Int32Array(nValid);
  const colIdx = new Int32Array(mValid);
  for (let i = 0; i < nValid; i++) if (a === null || (a[aOff + i] as number) > 0) rowIdx[n++] = i;
  for (let j = 0; j < mValid; j++) if (b === null || (b[bOff + j] as number) > 0) colIdx[m++] = j;
  const where = opt.batch === undefined ? '' : ` (problem ${opt.batch})`;
  if (n === 0) throw new ArgumentError(`${fn}: a has total mass 0${where}`);
  if (m === 0) throw new ArgumentError(`${fn}: b has total mass 0${where}`);
  const av = new Float64Array(n);
  const bv = new Float64Array(m);
  let sa = 0;
  let sb = 0;
  for (let k = 0; k < n; k++) {
    const v = a === null ? 1 / nValid : (a[aOff + (rowIdx[k] as number)] as number);
    if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`${fn}: a[${rowIdx[k]}] = ${v}${where}; marginals must be finite and ≥ 0`);
    av[k] = v;
    sa += v;
  }
  for (let k = 0; k < m; k++) {
    const v = b === null ? 1 / mValid : (b[bOff + (colIdx[k] as number)] as number);
    if (!Number.isFinite(v) || v < 0) throw new ArgumentError(`${fn}: b[${colIdx[k]}] = ${v}${where}; marginals must be finite and ≥ 0`);
    bv[k] = v;
    sb += v;
  }
  if (opt.balanced !== false) {
    checkMass(fn + where, sa, sb);
    if (sa !== sb) {
      const r = sa / sb;
      for (let k = 0; k < m; k++) bv[k] = (bv[k] as number) * r;
    }
  }
  if (n === nValid && m === mValid && (C instanceof Float64Array || C instanceof Float32Array)) {
    // fast path (no zero-mass rows/columns): a view (float64, contiguous) or a block copy, then
    // one monomorphic check loop. Solvers never write to Compact.C.
    let Cc: Float64Array;
    if (C instanceof Float64Array && stride === m) Cc = C.subarray(offset, offset + n * m);
    else {
      Cc = new Float64Array(n * m);
      if (stride === m) Cc.set(C.subarray(offset, offset + n * m));
      else for (let i = 0; i < n; i++) Cc.set(C.subarray(offset + i * stride, offset + i * stride + m), i * m);
    }
    let ok = true;
    for (let k = 0; k < Cc.length; k++) {
      const v = Cc[k] as number;
      if (!(v >= 0 && v < Infinity)) {
        ok = false;
        break;
      }
    }
    if (!ok) {
      for (let k = 0; k < Cc.length; k++) {
        const v = Cc[k] as number;
        if (!(v >= 0 && v < Infinity)) throw costError(fn, Math.floor(k / m), k % m, C[offset + Math.floor(k / m) * stride + (k % m)], opt.batch);
      }
    }
    return { N, M, n, m, rowIdx, colIdx, a: av, b: bv, C: Cc, mass: sa };
  }
  const Cc = new Float64Array(n * m);
  // Check every valid cost entry (also those on zero-mass rows: a bad input is a bad input).
  for (let i = 0; i < nValid; i++) {
    const row = offset + i * stride;
    for (let j = 0; j < mValid; j++) {
      const v = C[row + j] as number;
      if (!(v >= 0 && v < Infinity)) throw costError(fn, i, j, v, opt.batch);
    }
  }
  for (let k = 0; k < n; k++) {
    const row = offset + (rowIdx[k] as number) * stride;
    const o = k * m;
    if (m === mValid) {
      for (let j = 0; j < m; j++) Cc[o + j] = C[row + j] as number;
    } else {
      for (let l = 0; l < m; l++) Cc[o + l] = C[row + (colIdx[l] as number)] as number;
    }
  }
  return { N, M, n, m, rowIdx, colIdx, a: av, b: bv, C: Cc, mass: sa };
}

/** Check and compact a single problem `(a [N], b [M], C [N, M])`. */
export function prepareSingle(fn: string, a: Vec, b: Vec, C: Mat, balanced = true): Compact {
  const sa = checkMarginal(fn, 'a', a);
  const sb = checkMarginal(fn, 'b', b);
  if (balanced) checkMass(fn, sa, sb);
  const N = a.length;
  const M = b.length;
  const flat = flattenCost(fn, C, N, M);
  return compact(fn, flat, N, M, a, b, { balanced });
}

/** Check a warm start against the full sizes and return compacted copies. */
export function compactWarmStart(fn: string, P: Compact, ws: { f: Vec; g: Vec } | undefined): { f: Float64Array; g: Float64Array } {
  const f = new Float64Array(P.n);
  const g = new Float64Array(P.m);
  if (ws === undefined) return { f, g };
  if (!isVecLike(ws.f) || ws.f.length !== P.N) throw new ArgumentError(`${fn}: warmStart.f must have length N = ${P.N}`);
  if (!isVecLike(ws.g) || ws.g.length !== P.M) throw new ArgumentError(`${fn}: warmStart.g must have length M = ${P.M}`);
  for (let k = 0; k < P.n; k++) {
    const v = ws.f[P.rowIdx[k] as number] as number;
    if (!Number.isFinite(v)) throw new ArgumentError(`${fn}: warmStart.f[${P.rowIdx[k]}] = ${v} is not finite`);
    f[k] = v;
  }
  for (let k = 0; k < P.m; k++) {
    const v = ws.g[P.colIdx[k] as number] as number;
    if (!Number.isFinite(v)) throw new ArgumentError(`${fn}: warmStart.g[${P.colIdx[k]}] = ${v} is not finite`);
    g[k] = v;
  }
  return { f, g };
}
