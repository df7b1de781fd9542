/**
 * Baagøe's Alea generator exactly as `seedrandom.alea` (v3) implements it, which is what tfjs's seeded
 * `tf.randomUniform(shape, 0, 1, 'float32', seed)` draws from (the seed as a string, one `next()` per value,
 * stored as float32). Reimplemented here so that the ONNX Runtime training step can draw its dropout masks
 * without a round trip through tensors, and still draw the very numbers the tfjs step draws (tested equal).
 *
 *   Mash(data): n ← 0xefc8249d; per char code c: n += c; h = 0.02519603282416938·n; n = ⌊h⌋₃₂; h −= n; h ·= n;
 *               n = ⌊h⌋₃₂; h −= n; n += h·2³²;  returns (n mod 2³²)·2⁻³²
 *   state: c = 1; s_k = Mash(' ') − Mash(seed) (+1 if negative), k = 0, 1, 2
 *   next():  t = 2091639·s0 + c·2⁻³²;  s0 ← s1;  s1 ← s2;  c ← ⌊t⌋;  s2 ← t − c;  returns s2
 */

/** n float32 draws of tfjs's `randomUniform(…, 0, 1, 'float32', seed)` (seed as tfjs stringifies it). */
export function aleaUniform(seed: number | string, n: number): Float32Array {
  return aleaFill(seed, new Float32Array(n), (u) => u);
}

/**
 * Fill `out` with map(u) for successive draws u (as float32: `Math.fround(u)`), e.g. dropout multipliers
 * straight from the draws without an intermediate array.
 */
export function aleaFill(seed: number | string, out: Float32Array, map: (u: number) => number): Float32Array {
  let m = 0xefc8249d;
  const mash = (data: string): number => {
    for (let i = 0; i < data.length; i++) {
      m += data.charCodeAt(i);
      let h = 0.02519603282416938 * m;
      m = h >>> 0;
      h -= m;
      h *= m;
      m = h >>> 0;
      h -= m;
      m += h * 0x100000000;
    }
    return (m >>> 0) * 2.3283064365386963e-10;
  };
  let s0 = mash(' '), s1 = mash(' '), s2 = mash(' ');
  const key = String(seed);
  s0 -= mash(key);
  if (s0 < 0) s0 += 1;
  s1 -= mash(key);
  if (s1 < 0) s1 += 1;
  s2 -= mash(key);
  if (s2 < 0) s2 += 1;
  let c = 1;
  for (let i = 0; i < out.length; i++) {
    const t = 2091639 * s0 + c * 2.3283064365386963e-10;
    s0 = s1;
    s1 = s2;
    c = t | 0;
    s2 = t - c;
    out[i] = map(Math.fround(s2));
  }
  return out;
}
