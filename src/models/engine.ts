/**
 * The engine boundary: the ONLY module in optical that imports the tensor library.
 *
 * Backend: `@tensorflow/tfjs-core` on `@tensorflow/tfjs-backend-wasm` (SIMD; single-threaded in Node).
 * Everything else in `src/models` imports `tf` from here, so swapping the engine is a one-file change.
 *
 * Known gaps of tfjs-wasm handled here:
 * - gradients need the ops' gradient registrations: loaded from the `@tensorflow/tfjs` Node bundle below;
 * - `matMul` with transpose flags is 10–25× slower than transposing explicitly, and its own gradient uses
 *   the flags: use {@link matmul}, whose custom gradient transposes explicitly;
 * - there is no `UnsortedSegmentSum` kernel, so `gather` has no gradient: use {@link embeddingLookup},
 *   whose gradient is a scatter-add on typed arrays.
 */
import * as tf from '@tensorflow/tfjs-core';
// Types of the chained tensor methods (`x.reshape(…)`); the Node bundle registers them at run time.
import type {} from '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops.js';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as tfconv from '@tensorflow/tfjs-converter';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

// Gradient registrations: tfjs-core's Node bundle ships none, and its ESM `register_all_gradients` cannot be
// loaded by Node (extensionless directory imports). The union package's Node bundle registers them all
// into the shared kernel registry; we load it for that side effect only (its backends stay unused).
createRequire(import.meta.url)('@tensorflow/tfjs');

export { tf, tfconv };
export type Tensor = tf.Tensor;

let ready: Promise<void> | undefined;

/** Initialise the wasm backend once (idempotent). Every model entry point awaits this. */
export function initEngine(): Promise<void> {
  ready ??= (async () => {
    const req = createRequire(import.meta.url);
    const wasmDir = join(dirname(req.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + '/';
    setWasmPaths(wasmDir);
    // Silence tfjs' "hi there" console banner on backend registration.
    tf.env().set('PROD', true);
    if (!(await tf.setBackend('wasm'))) throw new Error('could not initialise the tfjs wasm backend');
    await tf.ready();
  })();
  return ready;
}

/**
 * x @ w for x [..., K] and w [K, N] → [..., N], with a gradient that never uses the slow transpose flags:
 *   dx = dy @ wᵀ,  dw = xᵀ @ dy   (transposes materialised explicitly).
 */
export const matmul = tf.customGrad(((x: tf.Tensor, w: tf.Tensor, save: tf.GradSaveFunc) => {
  const K = x.shape[x.shape.length - 1]!;
  const x2 = x.reshape([-1, K]) as tf.Tensor2D;
  const y = tf.matMul(x2, w as tf.Tensor2D);
  save([x2, w]);
  return {
    value: y.reshape([...x.shape.slice(0, -1), w.shape[1]!]),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [xs, ws] = saved as [tf.Tensor2D, tf.Tensor2D];
      const dy2 = dy.reshape([-1, ws.shape[1]]) as tf.Tensor2D;
      const dx = tf.matMul(dy2, tf.transpose(ws)).reshape(x.shape);
      const dw = tf.matMul(tf.transpose(xs), dy2);
      return [dx, dw];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor, w: tf.Tensor) => tf.Tensor;

/**
 * Batched a @ b for a [G, M, K], b [G, K, N] → [G, M, N] with explicit-transpose gradients:
 *   da = dy @ bᵀ, db = aᵀ @ dy.
 */
export const bmm = tf.customGrad(((a: tf.Tensor, b: tf.Tensor, save: tf.GradSaveFunc) => {
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [as, bs] = saved as [tf.Tensor3D, tf.Tensor3D];
      const da = tf.matMul(dy as tf.Tensor3D, tf.transpose(bs, [0, 2, 1]));
      const db = tf.matMul(tf.transpose(as, [0, 2, 1]), dy as tf.Tensor3D);
      return [da, db];
    },
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;

/**
 * Embedding lookup table [V, D], ids int32 [...] (all in [0, V)) → [..., D].
 * Gradient w.r.t. the table: dTable[v] = Σ_{i: ids[i]=v} dy[i]  (scatter-add on typed arrays, since
 * tfjs-wasm has no UnsortedSegmentSum). The ids get no gradient.
 */
export function embeddingLookup(table: tf.Tensor, ids: tf.Tensor): tf.Tensor {
  const idsFlat = ids.reshape([-1]);
  const idArr = idsFlat.dataSync() as Int32Array;
  const [V, D] = table.shape as [number, number];
  const f = tf.customGrad(((t: tf.Tensor) => ({
    value: tf.gather(t, idsFlat),
    gradFunc: (dy: tf.Tensor) => {
      const g = new Float32Array(V * D);
      const d = dy.dataSync() as Float32Array;
      for (let i = 0; i < idArr.length; i++) {
        const o = idArr[i]! * D;
        const s = i * D;
        for (let j = 0; j < D; j++) g[o + j]! += d[s + j]!;
      }
      return tf.tensor2d(g, [V, D]);
    },
  })) as unknown as Parameters<typeof tf.customGrad>[0]) as (t: tf.Tensor) => tf.Tensor;
  return f(table).reshape([...ids.shape, D]);
}

/**
 * The values of the tensor `fn` computes, as a float32 array; every intermediate is freed. Use it instead of
 * `tf.tidy(() => t.dataSync())`: tidy walks whatever its callback returns, so returning a typed array costs a
 * walk over every element (measured: 14 % of a training step's time on dropout masks).
 */
export function tidyValues(fn: () => tf.Tensor): Float32Array {
  const t = tf.tidy(fn);
  try {
    return t.dataSync() as Float32Array;
  } finally {
    t.dispose();
  }
}
