/**
 * Seeded problem generators shared by the tests and the benchmark (not exported from index.ts).
 * Shapes: points `[N, D]`, costs `[N, M]`, batches `[B, N, M]`.
 */

/** mulberry32: a small seeded PRNG returning floats in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal draws (Box–Muller). */
export function gaussian(r: () => number): () => number {
  return () => {
    const u = 1 - r();
    const v = r();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

/** `[N, D]` random unit vectors. */
export function unitVectors(r: () => number, N: number, D: number): Float64Array {
  const g = gaussian(r);
  const X = new Float64Array(N * D);
  for (let i = 0; i < N; i++) {
    let s = 0;
    for (let d = 0; d < D; d++) {
      const v = g();
      X[i * D + d] = v;
      s += v * v;
    }
    const inv = 1 / Math.sqrt(s);
    for (let d = 0; d < D; d++) X[i * D + d] = (X[i * D + d] as number) * inv;
  }
  return X;
}

/** Cosine cost `1 − <x_i, y_j>` `[N, M]` of unit vectors, clamped to [0, 2]. */
export function cosineCost(X: Float64Array, Y: Float64Array, N: number, M: number, D: number, out = new Float64Array(N * M), off = 0): Float64Array {
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += (X[i * D + d] as number) * (Y[j * D + d] as number);
      out[off + i * M + j] = Math.min(2, Math.max(0, 1 - s));
    }
  }
  return out;
}

/** A random cosine-cost problem `[N, M]` from `D`-dimensional unit vectors. */
export function cosineProblem(seed: number, N: number, M: number, D = 8): Float64Array {
  const r = rng(seed);
  return cosineCost(unitVectors(r, N, D), unitVectors(r, M, D), N, M, D);
}

/** Random positive weights summing to `mass`. */
export function simplex(r: () => number, n: number, mass = 1): Float64Array {
  const x = new Float64Array(n);
  let s = 0;
  for (let i = 0; i < n; i++) {
    const v = 0.2 + r();
    x[i] = v;
    s += v;
  }
  for (let i = 0; i < n; i++) x[i] = ((x[i] as number) / s) * mass;
  return x;
}

/** Uniform weights `1/n`. */
export function uniform(n: number): Float64Array {
  return new Float64Array(n).fill(1 / n);
}

/** Row sums `[N]` and column sums `[M]` of a plan `[N, M]`. */
export function marginals(P: ArrayLike<number>, N: number, M: number): { r: Float64Array; c: Float64Array } {
  const r = new Float64Array(N);
  const c = new Float64Array(M);
  for (let i = 0; i < N; i++) {
    for (let j = 0; j < M; j++) {
      const p = P[i * M + j] as number;
      r[i] = (r[i] as number) + p;
      c[j] = (c[j] as number) + p;
    }
  }
  return { r, c };
}

/** L1 distance of two vectors. */
export function l1(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs((x[i] as number) - (y[i] as number));
  return s;
}

/** Max absolute difference. */
export function maxAbsDiff(x: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s = Math.max(s, Math.abs((x[i] as number) - (y[i] as number)));
  return s;
}

/** True when every entry is finite. */
export function allFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i] as number)) return false;
  return true;
}
