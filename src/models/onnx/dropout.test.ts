/**
 * The Alea generator draws exactly tfjs's seeded uniform numbers, and the ONNX Runtime step's dropout
 * multipliers equal the tfjs formula ⌊U + keep⌋ / keep bit for bit (many seeds, rates and sizes).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { tf, initEngine } from '../engine.ts';
import { aleaUniform } from '../../util/alea.ts';
import { dropoutMultipliers } from './train-step.ts';

describe('aleaUniform and dropout multipliers', () => {
  beforeAll(() => initEngine());

  it('equals tf.randomUniform(…, 0, 1, float32, seed) exactly', () => {
    for (const seed of [0, 1, 7, 12345, 2 ** 31 - 1, 987654321]) {
      const ours = aleaUniform(seed, 5000);
      const theirs = tf.tidy(() => tf.randomUniform([5000], 0, 1, 'float32', seed).dataSync() as Float32Array);
      expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer)), `seed ${seed}`).toBe(true);
    }
  });

  it('dropout multipliers equal tfjs floor(U + keep) / keep bit for bit', () => {
    for (const rate of [0.1, 0.3, 0.37, 0.5, 0.9]) {
      for (const seed of [3, 41, 1000003]) {
        const shape = [4, 7, 513];
        const ours = dropoutMultipliers(shape, rate, seed);
        const theirs = tf.tidy(() => tf.div(tf.floor(tf.add(tf.randomUniform(shape, 0, 1, 'float32', seed), 1 - rate)), 1 - rate).dataSync() as Float32Array);
        expect(Buffer.from(ours.buffer).equals(Buffer.from(theirs.buffer)), `rate ${rate} seed ${seed}`).toBe(true);
        // and they are dropout: a share ≈ rate of zeros
        const zeros = ours.reduce((n, v) => n + (v === 0 ? 1 : 0), 0) / ours.length;
        expect(Math.abs(zeros - rate)).toBeLessThan(0.02);
      }
    }
  });
});
