/**
 * A tiny WebAssembly SIMD kernel for the kernel-domain Sinkhorn row pass, assembled in code (no
 * toolchain, no binary file), plus a JS reference implementation with the same contract.
 *
 * Row pass over rows `[r0, r1)` of `K` `[n, m]` (float64, row-major):
 *
 *     for i in [r0, r1):  k_i = Σ_j K_ij v_j;   err += |u_i k_i − a_i|;   t_i = a_i / k_i;
 *                         if t_i < ∞:  s_j += K_ij t_i  (all j)
 *     return err
 *
 * i.e. one pass over K computes the error of the current plan `diag(u) K diag(v)`, the next
 * scaling `u' = a / (K v)` (into t) and `s = Kᵀ u'` (accumulated; the caller zeroes s), so every
 * kernel entry is read from memory once per Sinkhorn iteration. The wasm version uses f64x2 with
 * four accumulators; it needs SIMD (Node ≥ 16.4). Memory is a shared `WebAssembly.Memory` so a
 * worker thread can run the same function on other rows (see `parallel.ts`).
 */

/** JS reference of the row pass (also the fallback when wasm SIMD is unavailable). */
export function rowPassJS(
  K: Float64Array,
  v: Float64Array,
  u: Float64Array,
  a: Float64Array,
  t: Float64Array,
  s: Float64Array,
  r0: number,
  r1: number,
  m: number,
): number {
  let err = 0;
  for (let i = r0; i < r1; i++) {
    const o = i * m;
    let acc0 = 0;
    let acc1 = 0;
    let j = 0;
    for (; j + 1 < m; j += 2) {
      acc0 += (K[o + j] as number) * (v[j] as number);
      acc1 += (K[o + j + 1] as number) * (v[j + 1] as number);
    }
    if (j < m) acc0 += (K[o + j] as number) * (v[j] as number);
    const acc = acc0 + acc1;
    const ai = a[i] as number;
    err += Math.abs((u[i] as number) * acc - ai);
    const ti = ai / acc;
    t[i] = ti;
    if (ti < Infinity) for (let l = 0; l < m; l++) s[l] = (s[l] as number) + (K[o + l] as number) * ti;
  }
  return err;
}

// ---------------------------------------------------------------------------------------------
// Assembler (the encoding primitives are exported for other hand-assembled kernels, e.g. distill/ridge.ts)

export function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}
export function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}
export function str(s: string): number[] {
  const b = [...new TextEncoder().encode(s)];
  return [...uleb(b.length), ...b];
}
export function vec(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}
export function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

export const I32 = 0x7f;
const F64 = 0x7c;
export const V128 = 0x7b;
const EMPTY = 0x40;

/** Instruction helpers (each returns its bytes). */
const op = {
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  tee: (i: number) => [0x22, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  f64: (x: number) => [0x44, ...new Uint8Array(new Float64Array([x]).buffer)],
  block: [0x02, EMPTY],
  loop: [0x03, EMPTY],
  if_: [0x04, EMPTY],
  end: [0x0b],
  br: (l: number) => [0x0c, ...uleb(l)],
  brIf: (l: number) => [0x0d, ...uleb(l)],
  f64load: (off = 0) => [0x2b, 3, ...uleb(off)],
  f64store: (off = 0) => [0x39, 3, ...uleb(off)],
  i32geS: [0x4e],
  i32ltS: [0x48],
  f64lt: [0x63],
  i32add: [0x6a],
  i32sub: [0x6b],
  select: [0x1b],
  i32mul: [0x6c],
  i32and: [0x71],
  i32shl: [0x74],
  f64abs: [0x99],
  f64add: [0xa0],
  f64sub: [0xa1],
  f64mul: [0xa2],
  f64div: [0xa3],
  f64max: [0xa5],
  vload: (off = 0) => [0xfd, 0x00, 3, ...uleb(off)],
  vstore: (off = 0) => [0xfd, 0x0b, 3, ...uleb(off)],
  vzero: [0xfd, 0x0c, ...new Array<number>(16).fill(0)],
  splat: [0xfd, 0x14],
  lane: (k: number) => [0xfd, 0x21, k],
  vadd: [0xfd, 0xf0, 0x01],
  vsub: [0xfd, 0xf1, 0x01],
  vmul: [0xfd, 0xf2, 0x01],
  /** f64x2.pmin/pmax (pseudo-min/max: one minpd/maxpd; inputs here are never NaN) */
  vmin: [0xfd, 0xf6, 0x01],
  vmax: [0xfd, 0xf7, 0x01],
  vge: [0xfd, 0x4c],
  vand: [0xfd, 0x4e],
  vnearest: [0xfd, 0x94, 0x01],
  i64x2shl: [0xfd, 0xcb, 0x01],
  vconst2: (x: number) => [0xfd, 0x0c, ...new Uint8Array(new Float64Array([x, x]).buffer)],
};

/** `local = local + (i32) c` */
const inc = (l: number, c: number) => [...op.get(l), ...op.i32(c), ...op.i32add, ...op.set(l)];

/** `while (J < limit) { body }` */
const loopJ = (J: number, limit: number, body: number[]) => [
  ...op.block, ...op.loop,
  ...op.get(J), ...op.get(limit), ...op.i32geS, ...op.brIf(1),
  ...body,
  ...op.br(0), ...op.end, ...op.end,
];


/**
 * Body of `rowpass(K, v, u, a, t, s, r0, r1, m) -> f64` (pointers are byte offsets).
 * Rows are processed `R` at a time (loads of v and of s shared by the R rows, two f64x2
 * accumulators per row), then the remaining rows one by one.
 */
function rowPassBody(R = 4): number[] {
  // params
  const K = 0, V = 1, U = 2, A = 3, T = 4, S = 5, R0 = 6, R1 = 7, M = 8;
  // i32 locals
  let nx = 9;
  const I = nx++, J = nx++, Q = nx++, M4 = nx++, M2 = nx++, R1E = nx++;
  const ROW = Array.from({ length: R }, () => nx++);
  const P = Array.from({ length: R }, () => nx++);
  const nI32 = nx - 9;
  // f64 locals
  const f0 = nx;
  const ERR = nx++, AI = nx++;
  const ACC = Array.from({ length: R }, () => nx++);
  const UI = Array.from({ length: R }, () => nx++);
  const nF64 = nx - f0;
  // v128 locals
  const v0 = nx;
  const VV = nx++, VV2 = nx++;
  const C0 = Array.from({ length: R }, () => nx++);
  const C1 = Array.from({ length: R }, () => nx++);
  const W = Array.from({ length: R }, () => nx++);
  const nV = nx - v0;
  const locals = vec([
    [...uleb(nI32), I32],
    [...uleb(nF64), F64],
    [...uleb(nV), V128],
  ]);
  const rows = Array.from({ length: R }, (_, r) => r);
  const addr = (base: number, idx: number) => [...op.get(base), ...op.get(idx), ...op.i32(3), ...op.i32shl, ...op.i32add];
  const fma = (acc: number, pk: number, off: number, vv: number) => [...op.get(acc), ...op.get(pk), ...op.vload(off), ...op.get(vv), ...op.vmul, ...op.vadd, ...op.set(acc)];
  const hsum = (c0: number, c1: number) => [...op.get(c0), ...op.get(c1), ...op.vadd, ...op.set(c0), ...op.get(c0), ...op.lane(0), ...op.get(c0), ...op.lane(1), ...op.f64add];
  /** row `I`: err += |u_i acc − a_i|; ui = a_i / acc; t_i = ui; w = splat(ui finite ? ui : 0); i++ */
  const finishRow = (acc: number, ui: number, w: number) => [
    ...addr(A, I), ...op.f64load(), ...op.set(AI),
    ...op.get(ERR), ...addr(U, I), ...op.f64load(), ...op.get(acc), ...op.f64mul, ...op.get(AI), ...op.f64sub, ...op.f64abs, ...op.f64add, ...op.set(ERR),
    ...op.get(AI), ...op.get(acc), ...op.f64div, ...op.set(ui),
    ...addr(T, I), ...op.get(ui), ...op.f64store(),
    ...op.get(ui), ...op.f64(0), ...op.get(ui), ...op.f64(Infinity), ...op.f64lt, ...op.select, ...op.splat, ...op.set(w),
    ...inc(I, 1),
  ];
  /** One block of `rs` rows (rows[0..rs) of the local arrays) starting at row I. */
  const block = (rs: number[]) => [
    ...op.get(K), ...op.get(I), ...op.get(M), ...op.i32mul, ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.set(ROW[0] as number),
    ...rs.slice(1).flatMap((r) => [...op.get(ROW[r - 1] as number), ...op.get(M), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.set(ROW[r] as number)]),
    ...rs.flatMap((r) => [...op.vzero, ...op.set(C0[r] as number), ...op.vzero, ...op.set(C1[r] as number), ...op.get(ROW[r] as number), ...op.set(P[r] as number)]),
    ...op.get(V), ...op.set(Q), ...op.i32(0), ...op.set(J),
    // dot products, 4 columns at a time
    ...loopJ(J, M4, [
      ...op.get(Q), ...op.vload(0), ...op.set(VV), ...op.get(Q), ...op.vload(16), ...op.set(VV2),
      ...rs.flatMap((r) => [...fma(C0[r] as number, P[r] as number, 0, VV), ...fma(C1[r] as number, P[r] as number, 16, VV2)]),
      ...rs.flatMap((r) => inc(P[r] as number, 32)), ...inc(Q, 32), ...inc(J, 4),
    ]),
    ...loopJ(J, M2, [
      ...op.get(Q), ...op.vload(0), ...op.set(VV),
      ...rs.flatMap((r) => fma(C0[r] as number, P[r] as number, 0, VV)),
      ...rs.flatMap((r) => inc(P[r] as number, 16)), ...inc(Q, 16), ...inc(J, 2),
    ]),
    ...rs.flatMap((r) => [...hsum(C0[r] as number, C1[r] as number), ...op.set(ACC[r] as number)]),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...rs.flatMap((r) => [...op.get(ACC[r] as number), ...op.get(P[r] as number), ...op.f64load(), ...op.get(Q), ...op.f64load(), ...op.f64mul, ...op.f64add, ...op.set(ACC[r] as number)]),
    ...op.end,
    ...rs.flatMap((r) => finishRow(ACC[r] as number, UI[r] as number, W[r] as number)),
    // s += Σ_r w_r K_r
    ...rs.flatMap((r) => [...op.get(ROW[r] as number), ...op.set(P[r] as number)]),
    ...op.get(S), ...op.set(Q), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M4, [
      ...[0, 16].flatMap((off) => [
        ...op.get(Q), ...op.get(Q), ...op.vload(off),
        ...rs.flatMap((r) => [...op.get(P[r] as number), ...op.vload(off), ...op.get(W[r] as number), ...op.vmul, ...op.vadd]),
        ...op.vstore(off),
      ]),
      ...rs.flatMap((r) => inc(P[r] as number, 32)), ...inc(Q, 32), ...inc(J, 4),
    ]),
    ...loopJ(J, M2, [
      ...op.get(Q), ...op.get(Q), ...op.vload(0),
      ...rs.flatMap((r) => [...op.get(P[r] as number), ...op.vload(0), ...op.get(W[r] as number), ...op.vmul, ...op.vadd]),
      ...op.vstore(0),
      ...rs.flatMap((r) => inc(P[r] as number, 16)), ...inc(Q, 16), ...inc(J, 2),
    ]),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(Q), ...op.get(Q), ...op.f64load(),
    ...rs.flatMap((r) => [...op.get(P[r] as number), ...op.f64load(), ...op.get(W[r] as number), ...op.lane(0), ...op.f64mul, ...op.f64add]),
    ...op.f64store(),
    ...op.end,
  ];
  const code = [
    ...op.f64(0), ...op.set(ERR),
    ...op.get(M), ...op.i32(-4), ...op.i32and, ...op.set(M4),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(R0), ...op.set(I),
    // R1E = r0 + ((r1 − r0) & −R): end of the full blocks
    ...op.get(R1), ...op.get(R0), ...op.i32sub, ...op.i32(-R), ...op.i32and, ...op.get(R0), ...op.i32add, ...op.set(R1E),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(R1E), ...op.i32geS, ...op.brIf(1),
    ...block(rows),
    ...op.br(0), ...op.end, ...op.end,
    // remaining rows, one at a time
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(R1), ...op.i32geS, ...op.brIf(1),
    ...block([0]),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(ERR),
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** Taylor coefficients 1/k! of exp on |r| ≤ ln2/2, k = 0..13 (truncation error < 1e-17 relative). */
const EXP_COEF = Array.from({ length: 14 }, (_, k) => {
  let f = 1;
  for (let q = 2; q <= k; q++) f *= q;
  return 1 / f;
});

/**
 * Instructions computing exp of the f64x2 in local `X`, leaving the result on the stack.
 * exp(x) = 2^k · p(r), k = nearest(x / ln2), r = x − k ln2 (Cody–Waite split), p the degree-13
 * Taylor polynomial; 2^k is built in the exponent bits (k + 1023 + 1.5·2^52 trick, i64 shift);
 * x is clamped to [−745, 709] and results for x < −708 are flushed to 0 (no subnormals).
 */
function vexpInstr(X: number, T: number, Pl: number, K0: number): number[] {
  return [...vexpMulti([X], [T], [Pl], K0), ...op.get(X)];
}

/**
 * exp of several f64x2 locals at once, in place (`xs[q] ← exp(xs[q])`, scratch `ts[q]`, `ps[q]`);
 * each step is emitted for all vectors before the next, so the Horner chains (latency-bound)
 * overlap.
 */
function vexpMulti(xs: number[], ts: number[], ps: number[], K0: number): number[] {
  const c = (k: number) => op.get(K0 + k);
  const each = (f: (x: number, t: number, p: number) => number[]) => xs.flatMap((x, q) => f(x, ts[q] as number, ps[q] as number));
  const out: number[] = [
    // x = min(max(x, −745), 709);  t = nearest(x · log2 e)
    ...each((x) => [...op.get(x), ...c(0), ...op.vmax, ...c(1), ...op.vmin, ...op.set(x)]),
    ...each((x, t) => [...op.get(x), ...c(2), ...op.vmul, ...op.vnearest, ...op.set(t)]),
    // r = (x − t·ln2hi) − t·ln2lo  (in x)
    ...each((x, t) => [...op.get(x), ...op.get(t), ...c(3), ...op.vmul, ...op.vsub, ...op.get(t), ...c(4), ...op.vmul, ...op.vsub, ...op.set(x)]),
    // scale bits 2^k with the flush mask folded in: t ← (bits(t + 1023 + 1.5·2^52) << 52) & (t ≥ −1021)
    ...each((_x, t) => [...op.get(t), ...c(5), ...op.vadd, ...op.i32(52), ...op.i64x2shl, ...op.get(t), ...c(6), ...op.vge, ...op.vand, ...op.set(t)]),
    // Horner p = c13; p = p·r + c_k
    ...each((_x, _t, p) => [...c(7), ...op.set(p)]),
  ];
  for (let k = 1; k <= 13; k++) out.push(...each((x, _t, p) => [...op.get(p), ...op.get(x), ...op.vmul, ...c(7 + k), ...op.vadd, ...op.set(p)]));
  out.push(...each((x, t, p) => [...op.get(p), ...op.get(t), ...op.vmul, ...op.set(x)]));
  return out;
}

/** Number of v128 locals holding the exp constants. */
const VEXP_NCONST = 21;

/** Instructions initialising the exp constant locals K0 … K0+20. */
function vexpConsts(K0: number): number[] {
  const vals = [-745, 709, Math.LOG2E, 0.6931471803691238, 1.9082149292705877e-10, 1023 + 6755399441055744, -1021];
  for (let k = 13; k >= 0; k--) vals.push(EXP_COEF[k] as number);
  return vals.flatMap((x, k) => [...op.vconst2(x), ...op.set(K0 + k)]);
}

/** Body of `vexp(p, len)`: in place, `x[k] = exp(x[k])` for k < len (p: byte offset of x). */
function vexpBody(): number[] {
  const P = 0, LEN = 1;
  const J = 2, L2 = 3, L8 = 4;
  const X = 5, T = 9, PL = 13, K0 = 17; // 4 vectors each
  const locals = vec([
    [...uleb(3), I32],
    [...uleb(12 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const code = [
    ...vexpConsts(K0),
    ...op.get(LEN), ...op.i32(-2), ...op.i32and, ...op.set(L2),
    ...op.get(LEN), ...op.i32(-8), ...op.i32and, ...op.set(L8),
    ...op.i32(0), ...op.set(J),
    ...op.block, ...op.loop,
    ...op.get(J), ...op.get(L8), ...op.i32geS, ...op.brIf(1),
    ...xs.flatMap((x, q) => [...op.get(P), ...op.vload(16 * q), ...op.set(x)]),
    ...vexpMulti(xs, ts, ps, K0),
    ...xs.flatMap((x, q) => [...op.get(P), ...op.get(x), ...op.vstore(16 * q)]),
    ...inc(P, 64), ...inc(J, 8),
    ...op.br(0), ...op.end, ...op.end,
    ...op.block, ...op.loop,
    ...op.get(J), ...op.get(L2), ...op.i32geS, ...op.brIf(1),
    ...op.get(P), ...op.vload(), ...op.set(X),
    ...op.get(P), ...vexpInstr(X, T, PL, K0), ...op.vstore(),
    ...inc(P, 16), ...inc(J, 2),
    ...op.br(0), ...op.end, ...op.end,
    // odd tail: one scalar through the vector path
    ...op.get(J), ...op.get(LEN), ...op.i32ltS, ...op.if_,
    ...op.get(P), ...op.f64load(), ...op.splat, ...op.set(X),
    ...op.get(P), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64store(),
    ...op.end,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `lserows(C, g, out, r0, r1, m, ie)`: for rows i in [r0, r1) of C `[n, m]`,
 * `mx = max_j (g_j − C_ij)`, `out[2i] = mx`, `out[2i+1] = Σ_j exp((g_j − C_ij − mx)·ie)` (≥ 1).
 */
function lseRowsBody(): number[] {
  const C = 0, G = 1, OUT = 2, R0 = 3, R1 = 4, M = 5, IE = 6;
  const I = 7, J = 8, P = 9, Q = 10, M2 = 11, ROW = 12, M8 = 13;
  const MX = 14, SUM = 15;
  const VM = 16, VIE = 17, ACC = 18, X = 19, T = 23, PL = 27, K0 = 31;
  const locals = vec([
    [...uleb(7), I32],
    [...uleb(2), F64],
    [...uleb(15 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const code = [
    ...vexpConsts(K0),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(M), ...op.i32(-8), ...op.i32and, ...op.set(M8),
    ...op.get(IE), ...op.splat, ...op.set(VIE),
    ...op.get(R0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(R1), ...op.i32geS, ...op.brIf(1),
    ...op.get(C), ...op.get(I), ...op.get(M), ...op.i32mul, ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.set(ROW),
    // pass 1: max
    ...op.vconst2(-Infinity), ...op.set(ACC),
    ...op.get(ROW), ...op.set(P), ...op.get(G), ...op.set(Q), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M2, [
      ...op.get(ACC), ...op.get(Q), ...op.vload(), ...op.get(P), ...op.vload(), ...op.vsub, ...op.vmax, ...op.set(ACC),
      ...inc(P, 16), ...inc(Q, 16), ...inc(J, 2),
    ]),
    ...op.get(ACC), ...op.lane(0), ...op.get(ACC), ...op.lane(1), ...op.f64max, ...op.set(MX),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(MX), ...op.get(Q), ...op.f64load(), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.f64max, ...op.set(MX),
    ...op.end,
    // pass 2: Σ exp((g − C − mx)·ie), 8 at a time, then pairs, then the odd one
    ...op.get(MX), ...op.splat, ...op.set(VM),
    ...op.vzero, ...op.set(ACC),
    ...op.get(ROW), ...op.set(P), ...op.get(G), ...op.set(Q), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M8, [
      ...xs.flatMap((x, q) => [...op.get(Q), ...op.vload(16 * q), ...op.get(P), ...op.vload(16 * q), ...op.vsub, ...op.get(VM), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(x)]),
      ...vexpMulti(xs, ts, ps, K0),
      ...op.get(ACC), ...op.get(X), ...op.get(X + 1), ...op.vadd, ...op.get(X + 2), ...op.get(X + 3), ...op.vadd, ...op.vadd, ...op.vadd, ...op.set(ACC),
      ...inc(P, 64), ...inc(Q, 64), ...inc(J, 8),
    ]),
    ...loopJ(J, M2, [
      ...op.get(Q), ...op.vload(), ...op.get(P), ...op.vload(), ...op.vsub, ...op.get(VM), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(X),
      ...op.get(ACC), ...vexpInstr(X, T, PL, K0), ...op.vadd, ...op.set(ACC),
      ...inc(P, 16), ...inc(Q, 16), ...inc(J, 2),
    ]),
    ...op.get(ACC), ...op.lane(0), ...op.get(ACC), ...op.lane(1), ...op.f64add, ...op.set(SUM),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(Q), ...op.f64load(), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.get(MX), ...op.f64sub, ...op.get(IE), ...op.f64mul, ...op.splat, ...op.set(X),
    ...op.get(SUM), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64add, ...op.set(SUM),
    ...op.end,
    // out[2i] = mx, out[2i+1] = sum
    ...op.get(OUT), ...op.get(I), ...op.i32(4), ...op.i32shl, ...op.i32add, ...op.get(MX), ...op.f64store(0),
    ...op.get(OUT), ...op.get(I), ...op.i32(4), ...op.i32shl, ...op.i32add, ...op.get(SUM), ...op.f64store(8),
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `lsecols(C, f, cmax, csum, n, m, ie)`: column log-sum-exp pieces of C `[n, m]`,
 * streaming row-major: `cmax_j = max_i (f_i − C_ij)`, `csum_j = Σ_i exp((f_i − C_ij − cmax_j)·ie)`.
 * Overwrites cmax and csum.
 */
function lseColsBody(): number[] {
  const C = 0, F = 1, CMAX = 2, CSUM = 3, N = 4, M = 5, IE = 6;
  const I = 7, J = 8, P = 9, Q = 10, M2 = 11, R = 12, M8 = 13;
  const FI = 14;
  const VF = 15, VIE = 16, X = 17, T = 21, PL = 25, K0 = 29;
  const locals = vec([
    [...uleb(7), I32],
    [...uleb(1), F64],
    [...uleb(14 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const rows = (body: number[]) => [
    ...op.i32(0), ...op.set(I), ...op.get(C), ...op.set(P),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(N), ...op.i32geS, ...op.brIf(1),
    ...op.get(F), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64load(), ...op.set(FI),
    ...op.get(FI), ...op.splat, ...op.set(VF),
    ...body,
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
  ];
  const code = [
    ...vexpConsts(K0),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(M), ...op.i32(-8), ...op.i32and, ...op.set(M8),
    ...op.get(IE), ...op.splat, ...op.set(VIE),
    // init cmax = −∞, csum = 0
    ...op.i32(0), ...op.set(J),
    ...loopJ(J, M, [
      ...op.get(CMAX), ...op.get(J), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64(-Infinity), ...op.f64store(),
      ...op.get(CSUM), ...op.get(J), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64(0), ...op.f64store(),
      ...inc(J, 1),
    ]),
    // pass 1: column max (P walks C row by row)
    ...rows([
      ...op.get(CMAX), ...op.set(Q), ...op.i32(0), ...op.set(J),
      ...loopJ(J, M2, [
        ...op.get(Q), ...op.get(Q), ...op.vload(), ...op.get(VF), ...op.get(P), ...op.vload(), ...op.vsub, ...op.vmax, ...op.vstore(),
        ...inc(P, 16), ...inc(Q, 16), ...inc(J, 2),
      ]),
      ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
      ...op.get(Q), ...op.get(Q), ...op.f64load(), ...op.get(FI), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.f64max, ...op.f64store(),
      ...inc(P, 8),
      ...op.end,
    ]),
    // pass 2: column sums of exp, 8 columns at a time, then pairs, then the odd one
    ...rows([
      ...op.get(CMAX), ...op.set(Q), ...op.get(CSUM), ...op.set(R), ...op.i32(0), ...op.set(J),
      ...loopJ(J, M8, [
        ...xs.flatMap((x, q) => [...op.get(VF), ...op.get(P), ...op.vload(16 * q), ...op.vsub, ...op.get(Q), ...op.vload(16 * q), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(x)]),
        ...vexpMulti(xs, ts, ps, K0),
        ...xs.flatMap((x, q) => [...op.get(R), ...op.get(R), ...op.vload(16 * q), ...op.get(x), ...op.vadd, ...op.vstore(16 * q)]),
        ...inc(P, 64), ...inc(Q, 64), ...inc(R, 64), ...inc(J, 8),
      ]),
      ...loopJ(J, M2, [
        ...op.get(VF), ...op.get(P), ...op.vload(), ...op.vsub, ...op.get(Q), ...op.vload(), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(X),
        ...op.get(R), ...op.get(R), ...op.vload(), ...vexpInstr(X, T, PL, K0), ...op.vadd, ...op.vstore(),
        ...inc(P, 16), ...inc(Q, 16), ...inc(R, 16), ...inc(J, 2),
      ]),
      ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
      ...op.get(FI), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.get(Q), ...op.f64load(), ...op.f64sub, ...op.get(IE), ...op.f64mul, ...op.splat, ...op.set(X),
      ...op.get(R), ...op.get(R), ...op.f64load(), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64add, ...op.f64store(),
      ...inc(P, 8),
      ...op.end,
    ]),
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `fillk(K, C, al, be, n, m, ie)`: `K_ij = exp((al_i + be_j − C_ij)·ie)` for C `[n, m]`.
 */
function fillKBody(): number[] {
  const K = 0, C = 1, AL = 2, BE = 3, N = 4, M = 5, IE = 6;
  const I = 7, J = 8, P = 9, Q = 10, R = 11, M2 = 12, M8 = 13;
  const VA = 14, VIE = 15, X = 16, T = 20, PL = 24, K0 = 28;
  const locals = vec([
    [...uleb(7), I32],
    [...uleb(14 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const arg = (x: number, off: number) => [...op.get(VA), ...op.get(Q), ...op.vload(off), ...op.vadd, ...op.get(P), ...op.vload(off), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(x)];
  const code = [
    ...vexpConsts(K0),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(M), ...op.i32(-8), ...op.i32and, ...op.set(M8),
    ...op.get(IE), ...op.splat, ...op.set(VIE),
    ...op.get(C), ...op.set(P), ...op.get(K), ...op.set(R), ...op.i32(0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(N), ...op.i32geS, ...op.brIf(1),
    ...op.get(AL), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64load(), ...op.splat, ...op.set(VA),
    ...op.get(BE), ...op.set(Q), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M8, [
      ...xs.flatMap((x, q) => arg(x, 16 * q)),
      ...vexpMulti(xs, ts, ps, K0),
      ...xs.flatMap((x, q) => [...op.get(R), ...op.get(x), ...op.vstore(16 * q)]),
      ...inc(P, 64), ...inc(Q, 64), ...inc(R, 64), ...inc(J, 8),
    ]),
    ...loopJ(J, M2, [
      ...arg(X, 0),
      ...op.get(R), ...vexpInstr(X, T, PL, K0), ...op.vstore(),
      ...inc(P, 16), ...inc(Q, 16), ...inc(R, 16), ...inc(J, 2),
    ]),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(VA), ...op.get(Q), ...op.f64load(), ...op.splat, ...op.vadd, ...op.get(P), ...op.f64load(), ...op.splat, ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(X),
    ...op.get(R), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64store(),
    ...inc(P, 8), ...inc(R, 8),
    ...op.end,
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `scalerows(K, u, v, C, rs, cs, n, m) -> f64`: in place `K_ij ← u_i K_ij v_j` (the plan),
 * `rs_i = Σ_j P_ij`, `cs_j = Σ_i P_ij` (cs zeroed first), returns `Σ_ij P_ij C_ij`.
 */
function scaleRowsBody(): number[] {
  const K = 0, U = 1, V = 2, C = 3, RS = 4, CS = 5, N = 6, M = 7;
  const I = 8, J = 9, P = 10, Q = 11, R = 12, S = 13, M2 = 14;
  const SUM = 15, VT = 16;
  const VU = 17, RACC = 18, VAL = 19, X = 20;
  const locals = vec([
    [...uleb(7), I32],
    [...uleb(2), F64],
    [...uleb(4), V128],
  ]);
  const code = [
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.i32(0), ...op.set(J),
    ...loopJ(J, M, [...op.get(CS), ...op.get(J), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64(0), ...op.f64store(), ...inc(J, 1)]),
    ...op.vzero, ...op.set(VAL), ...op.f64(0), ...op.set(VT),
    ...op.get(K), ...op.set(P), ...op.get(C), ...op.set(R), ...op.i32(0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(N), ...op.i32geS, ...op.brIf(1),
    ...op.get(U), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64load(), ...op.splat, ...op.set(VU),
    ...op.vzero, ...op.set(RACC),
    ...op.get(V), ...op.set(Q), ...op.get(CS), ...op.set(S), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M2, [
      ...op.get(VU), ...op.get(P), ...op.vload(), ...op.vmul, ...op.get(Q), ...op.vload(), ...op.vmul, ...op.set(X),
      ...op.get(P), ...op.get(X), ...op.vstore(),
      ...op.get(RACC), ...op.get(X), ...op.vadd, ...op.set(RACC),
      ...op.get(S), ...op.get(S), ...op.vload(), ...op.get(X), ...op.vadd, ...op.vstore(),
      ...op.get(VAL), ...op.get(X), ...op.get(R), ...op.vload(), ...op.vmul, ...op.vadd, ...op.set(VAL),
      ...inc(P, 16), ...inc(Q, 16), ...inc(R, 16), ...inc(S, 16), ...inc(J, 2),
    ]),
    ...op.get(RACC), ...op.lane(0), ...op.get(RACC), ...op.lane(1), ...op.f64add, ...op.set(SUM),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(VU), ...op.get(P), ...op.f64load(), ...op.splat, ...op.vmul, ...op.get(Q), ...op.f64load(), ...op.splat, ...op.vmul, ...op.set(X),
    ...op.get(P), ...op.get(X), ...op.lane(0), ...op.f64store(),
    ...op.get(SUM), ...op.get(X), ...op.lane(0), ...op.f64add, ...op.set(SUM),
    ...op.get(S), ...op.get(S), ...op.f64load(), ...op.get(X), ...op.lane(0), ...op.f64add, ...op.f64store(),
    ...op.get(VT), ...op.get(X), ...op.lane(0), ...op.get(R), ...op.f64load(), ...op.f64mul, ...op.f64add, ...op.set(VT),
    ...op.end,
    ...op.get(RS), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.get(SUM), ...op.f64store(),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...inc(P, 8), ...inc(R, 8),
    ...op.end,
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
    ...op.get(VAL), ...op.lane(0), ...op.get(VAL), ...op.lane(1), ...op.f64add, ...op.get(VT), ...op.f64add,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `lserowsS(C, g, sh, out, r0, r1, m, ie)`: one pass, given shifts:
 * `out_i = Σ_j exp((g_j − C_ij − sh_i)·ie)` for rows i in [r0, r1). The caller checks the result
 * (0 or ∞ means the shift was bad; then it uses `lserows`).
 */
function lseRowsShiftBody(): number[] {
  const C = 0, G = 1, SH = 2, OUT = 3, R0 = 4, R1 = 5, M = 6, IE = 7;
  const I = 8, J = 9, P = 10, Q = 11, M2 = 12, M8 = 13;
  const SUM = 14, MX = 15;
  const VM = 16, VIE = 17, ACC = 18, X = 19, T = 23, PL = 27, K0 = 31;
  const locals = vec([
    [...uleb(6), I32],
    [...uleb(2), F64],
    [...uleb(15 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const code = [
    ...vexpConsts(K0),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(M), ...op.i32(-8), ...op.i32and, ...op.set(M8),
    ...op.get(IE), ...op.splat, ...op.set(VIE),
    ...op.get(C), ...op.get(R0), ...op.get(M), ...op.i32mul, ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.set(P),
    ...op.get(R0), ...op.set(I),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(R1), ...op.i32geS, ...op.brIf(1),
    ...op.get(SH), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64load(), ...op.set(MX),
    ...op.get(MX), ...op.splat, ...op.set(VM),
    ...op.vzero, ...op.set(ACC),
    ...op.get(G), ...op.set(Q), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M8, [
      ...xs.flatMap((x, q) => [...op.get(Q), ...op.vload(16 * q), ...op.get(P), ...op.vload(16 * q), ...op.vsub, ...op.get(VM), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(x)]),
      ...vexpMulti(xs, ts, ps, K0),
      ...op.get(ACC), ...op.get(X), ...op.get(X + 1), ...op.vadd, ...op.get(X + 2), ...op.get(X + 3), ...op.vadd, ...op.vadd, ...op.vadd, ...op.set(ACC),
      ...inc(P, 64), ...inc(Q, 64), ...inc(J, 8),
    ]),
    ...loopJ(J, M2, [
      ...op.get(Q), ...op.vload(), ...op.get(P), ...op.vload(), ...op.vsub, ...op.get(VM), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(X),
      ...op.get(ACC), ...vexpInstr(X, T, PL, K0), ...op.vadd, ...op.set(ACC),
      ...inc(P, 16), ...inc(Q, 16), ...inc(J, 2),
    ]),
    ...op.get(ACC), ...op.lane(0), ...op.get(ACC), ...op.lane(1), ...op.f64add, ...op.set(SUM),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(Q), ...op.f64load(), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.get(MX), ...op.f64sub, ...op.get(IE), ...op.f64mul, ...op.splat, ...op.set(X),
    ...op.get(SUM), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64add, ...op.set(SUM),
    ...inc(P, 8),
    ...op.end,
    ...op.get(OUT), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.get(SUM), ...op.f64store(),
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/**
 * Body of `lsecolsS(C, f, sh, csum, n, m, ie)`: one streaming pass, given column shifts:
 * `csum_j = Σ_i exp((f_i − C_ij − sh_j)·ie)` (overwrites csum).
 */
function lseColsShiftBody(): number[] {
  const C = 0, F = 1, SH = 2, CSUM = 3, N = 4, M = 5, IE = 6;
  const I = 7, J = 8, P = 9, Q = 10, M2 = 11, R = 12, M8 = 13;
  const FI = 14;
  const VF = 15, VIE = 16, X = 17, T = 21, PL = 25, K0 = 29;
  const locals = vec([
    [...uleb(7), I32],
    [...uleb(1), F64],
    [...uleb(14 + VEXP_NCONST), V128],
  ]);
  const xs = [X, X + 1, X + 2, X + 3];
  const ts = [T, T + 1, T + 2, T + 3];
  const ps = [PL, PL + 1, PL + 2, PL + 3];
  const code = [
    ...vexpConsts(K0),
    ...op.get(M), ...op.i32(-2), ...op.i32and, ...op.set(M2),
    ...op.get(M), ...op.i32(-8), ...op.i32and, ...op.set(M8),
    ...op.get(IE), ...op.splat, ...op.set(VIE),
    ...op.i32(0), ...op.set(J),
    ...loopJ(J, M, [...op.get(CSUM), ...op.get(J), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64(0), ...op.f64store(), ...inc(J, 1)]),
    ...op.i32(0), ...op.set(I), ...op.get(C), ...op.set(P),
    ...op.block, ...op.loop,
    ...op.get(I), ...op.get(N), ...op.i32geS, ...op.brIf(1),
    ...op.get(F), ...op.get(I), ...op.i32(3), ...op.i32shl, ...op.i32add, ...op.f64load(), ...op.set(FI),
    ...op.get(FI), ...op.splat, ...op.set(VF),
    ...op.get(SH), ...op.set(Q), ...op.get(CSUM), ...op.set(R), ...op.i32(0), ...op.set(J),
    ...loopJ(J, M8, [
      ...xs.flatMap((x, q) => [...op.get(VF), ...op.get(P), ...op.vload(16 * q), ...op.vsub, ...op.get(Q), ...op.vload(16 * q), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(x)]),
      ...vexpMulti(xs, ts, ps, K0),
      ...xs.flatMap((x, q) => [...op.get(R), ...op.get(R), ...op.vload(16 * q), ...op.get(x), ...op.vadd, ...op.vstore(16 * q)]),
      ...inc(P, 64), ...inc(Q, 64), ...inc(R, 64), ...inc(J, 8),
    ]),
    ...loopJ(J, M2, [
      ...op.get(VF), ...op.get(P), ...op.vload(), ...op.vsub, ...op.get(Q), ...op.vload(), ...op.vsub, ...op.get(VIE), ...op.vmul, ...op.set(X),
      ...op.get(R), ...op.get(R), ...op.vload(), ...vexpInstr(X, T, PL, K0), ...op.vadd, ...op.vstore(),
      ...inc(P, 16), ...inc(Q, 16), ...inc(R, 16), ...inc(J, 2),
    ]),
    ...op.get(J), ...op.get(M), ...op.i32ltS, ...op.if_,
    ...op.get(FI), ...op.get(P), ...op.f64load(), ...op.f64sub, ...op.get(Q), ...op.f64load(), ...op.f64sub, ...op.get(IE), ...op.f64mul, ...op.splat, ...op.set(X),
    ...op.get(R), ...op.get(R), ...op.f64load(), ...vexpInstr(X, T, PL, K0), ...op.lane(0), ...op.f64add, ...op.f64store(),
    ...inc(P, 8),
    ...op.end,
    ...inc(I, 1),
    ...op.br(0), ...op.end, ...op.end,
    ...op.end,
  ];
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** Maximum pages of the shared memory (64 KiB each): 1 GiB. */
export const MAX_PAGES = 16384;

/** Assemble the module: imports `env.memory` (shared), exports `rowpass`, `vexp`, `lserows`, `lsecols`, `fillk`, `scalerows`, `lserowsS`, `lsecolsS`. */
export function assembleKernelModule(rowBlock = 4): Uint8Array {
  const type = vec([
    [0x60, ...vec(new Array(9).fill([I32])), ...vec([[F64]])],
    [0x60, ...vec([[I32], [I32]]), ...vec([])],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [F64]]), ...vec([])],
    [0x60, ...vec(new Array(8).fill([I32])), ...vec([[F64]])],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32], [F64]]), ...vec([])],
  ]);
  const imp = vec([[...str('env'), ...str('memory'), 0x02, 0x03, ...uleb(1), ...uleb(MAX_PAGES)]]);
  const func = vec([uleb(0), uleb(1), uleb(2), uleb(2), uleb(2), uleb(3), uleb(4), uleb(2)]);
  const exp = vec([
    [...str('rowpass'), 0x00, ...uleb(0)],
    [...str('vexp'), 0x00, ...uleb(1)],
    [...str('lserows'), 0x00, ...uleb(2)],
    [...str('lsecols'), 0x00, ...uleb(3)],
    [...str('fillk'), 0x00, ...uleb(4)],
    [...str('scalerows'), 0x00, ...uleb(5)],
    [...str('lserowsS'), 0x00, ...uleb(6)],
    [...str('lsecolsS'), 0x00, ...uleb(7)],
  ]);
  const code = vec([rowPassBody(rowBlock), vexpBody(), lseRowsBody(), lseColsBody(), fillKBody(), scaleRowsBody(), lseRowsShiftBody(), lseColsShiftBody()]);
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, type),
    ...section(2, imp),
    ...section(3, func),
    ...section(7, exp),
    ...section(10, code),
  ]);
}

/** Minimal typings of the WebAssembly JS API (the project's lib settings do not include them). */
export interface WasmModule {
  readonly __brand?: 'WebAssembly.Module';
}
export interface WasmMemory {
  readonly buffer: ArrayBufferLike;
}
interface WasmApi {
  validate(bytes: Uint8Array): boolean;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

export type RowPassFn = (K: number, v: number, u: number, a: number, t: number, s: number, r0: number, r1: number, m: number) => number;
export type VexpFn = (p: number, len: number) => void;
/** `lserows(C, g, out, r0, r1, m, ie)` / `lsecols(C, f, cmax, csum, n, m, ie)`, see the module. */
export type LseFn = (C: number, x: number, o1: number, o2: number, n: number, m: number, ie: number) => void;
/** `lserowsS(C, g, sh, out, r0, r1, m, ie)` */
export type LseShiftFn = (C: number, g: number, sh: number, out: number, r0: number, r1: number, m: number, ie: number) => void;
/** `fillk(K, C, al, be, n, m, ie)` */
export type FillFn = (K: number, C: number, al: number, be: number, n: number, m: number, ie: number) => void;
/** `scalerows(K, u, v, C, rs, cs, n, m) -> <P, C>` */
export type ScaleFn = (K: number, u: number, v: number, C: number, rs: number, cs: number, n: number, m: number) => number;

let compiled: WasmModule | null | undefined;

/**
 * The compiled module, or null when wasm SIMD / shared memory is unavailable or disabled by the
 * environment variable `OPTICAL_OT_WASM=0`.
 */
export function kernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    if (typeof process !== 'undefined' && process.env?.OPTICAL_OT_WASM === '0') return compiled;
    const bytes = assembleKernelModule();
    if (WA !== undefined && WA.validate(bytes)) compiled = new WA.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A shared wasm memory with an instance of the kernel module bound to it. */
export class WasmArena {
  readonly memory: WasmMemory;
  readonly rowpass: RowPassFn;
  readonly vexp: VexpFn;
  readonly lserows: LseFn;
  readonly lsecols: LseFn;
  readonly fillk: FillFn;
  readonly scalerows: ScaleFn;
  readonly lserowsS: LseShiftFn;
  readonly lsecolsS: LseFn;
  constructor(module: WasmModule, bytes: number) {
    if (WA === undefined) throw new Error('WebAssembly is not available');
    const pages = Math.max(1, Math.ceil(bytes / 65536));
    this.memory = new WA.Memory({ initial: pages, maximum: MAX_PAGES, shared: true });
    const inst = new WA.Instance(module, { env: { memory: this.memory } });
    this.rowpass = inst.exports.rowpass as RowPassFn;
    this.vexp = inst.exports.vexp as VexpFn;
    this.lserows = inst.exports.lserows as LseFn;
    this.lsecols = inst.exports.lsecols as LseFn;
    this.fillk = inst.exports.fillk as FillFn;
    this.scalerows = inst.exports.scalerows as ScaleFn;
    this.lserowsS = inst.exports.lserowsS as LseShiftFn;
    this.lsecolsS = inst.exports.lsecolsS as LseFn;
  }
  get bytes(): number {
    return this.memory.buffer.byteLength;
  }
}
