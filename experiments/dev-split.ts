/**
 * The development split shared by the Swahili dev scripts (swh-init, swh-head, swh-tune, swh-refit): the
 * training bitext's indices shuffled with seed 0; the first 1/`denominator` is held out, the rest is fitted.
 * Same arguments → same split, so records of different scripts compare.
 */
import { mulberry32, shuffleInPlace } from '../src/util/random.ts';

export function devSplit(n: number, denominator: number): { held: number[]; fit: number[] } {
  const order = shuffleInPlace([...Array(n).keys()], mulberry32(0));
  const nHeld = Math.round(order.length / denominator);
  return { held: order.slice(0, nHeld), fit: order.slice(nHeld) };
}

/** Rows `idx` of a row-major [N, dim] matrix, [idx.length, dim]. */
export function selectRows(A: Float32Array, dim: number, idx: readonly number[]): Float32Array {
  const out = new Float32Array(idx.length * dim);
  idx.forEach((r, i) => out.set(A.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}
