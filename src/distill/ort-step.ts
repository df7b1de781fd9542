/**
 * Loss and gradients of a training batch of a Kona student with the transformer's matrix products on ONNX
 * Runtime (src/models/onnx/train-step.ts): the explicit forward gives the student's outputs as arrays, the
 * objective's own code (`objective.loss`, differentiated by tfjs on these small tensors) gives ∂L/∂tokens,
 * ∂L/∂embedding (and its own parameters' gradients), and the explicit backward carries them to the weights,
 * the input embeddings and ψ. Same result as the tfjs step (grads.ts `partGradients`) to float32 rounding.
 *
 * In the trainer (trainer.ts), the onnx engine keeps the weights as arrays, updates them with `ArrayAdam`
 * (AdamW in one loop per tensor, same update as `DenseAdam`) and copies them back into the student's
 * variables after each step; checkpoints hold the same tensors as with tfjs.
 *
 * Engine choice: `TrainOptions.engine`, else `OPTICAL_TRAIN_ENGINE` = auto (default) | onnx | tfjs. auto is onnx for
 * a Kona student when ONNX Runtime loads (BENCHMARKS.md "Training step": 0.93× PyTorch's step time against tfjs's
 * 2.35×, idle machine), else tfjs (other students, or no usable runtime).
 *
 * Legend: B batch, L padded student tokens, E input width, H hidden width.
 */
import { tf, type Tensor } from '../models/engine.ts';
import type { KonaParams } from '../models/kona.ts';
import type { KonaTrainStep, MaskSource, StepBatch } from '../models/onnx/train-step.ts';
import { InputError } from '../errors.ts';
import type { Objective, TeacherBatch } from './objectives.ts';
import type { PartResult } from './grads.ts';

export type TrainEngine = 'tfjs' | 'onnx';

/** The training engine asked for by `OPTICAL_TRAIN_ENGINE` (auto | onnx | tfjs; unset or empty = auto). */
export function trainEngineFromEnv(): TrainEngine | 'auto' {
  const v = process.env['OPTICAL_TRAIN_ENGINE'];
  if (v === undefined || v === '' || v === 'auto') return 'auto';
  if (v === 'onnx' || v === 'tfjs') return v;
  throw new InputError(`OPTICAL_TRAIN_ENGINE must be auto, onnx or tfjs, got ${JSON.stringify(v)}`);
}

/** Copies of the current values of the student's parameters as arrays. */
export function paramArrays(params: KonaParams): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  for (const [k, t] of Object.entries(params)) out[k] = (t.dataSync() as Float32Array).slice();
  return out;
}

export interface OrtStepResult extends PartResult {
  /** gradients of the objective's own parameters, by name */
  objectiveGrads: Record<string, Tensor>;
}

/**
 * Loss and gradients of a whole batch (see the file header). `trainable` names the parameters that get
 * gradients (the fixed timing signal excluded); `target` is built inside a tidy scope and freed here;
 * `dSkip` is returned only when `skipTrains`. The caller disposes `objectiveGrads`.
 */
export function ortGradients(
  step: KonaTrainStep,
  params: Record<string, Float32Array>,
  trainable: readonly string[],
  objective: Objective,
  batch: StepBatch & { skipTrains: boolean; lengths: Int32Array; dropout: number; seed: number; masks?: MaskSource },
  target: () => TeacherBatch,
  studentWeights?: Float32Array,
  objParams: Record<string, tf.Variable> = {},
): OrtStepResult {
  const { B, L } = batch;
  const H = step.O; // the output width
  const fwd = step.forward(params, batch, { dropout: batch.dropout, seed: batch.seed, masks: batch.masks });
  const tokT = tf.tensor3d(fwd.tokens, [B, L, H]);
  const embT = tf.tensor2d(fwd.embedding, [B, H]);
  const tokVar = tf.variable(tokT, true); // shares tokT's buffer: dispose both
  const embVar = tf.variable(embT, true);
  let parts: Record<string, number> = {};
  const { value, grads } = tf.tidy(() => {
    const t = target();
    const out = { tokens: tokVar as Tensor, mask: tf.tensor2d(fwd.mask, [B, L]), pooled: tf.tensor2d(fwd.pooled, [B, H]), embedding: embVar as Tensor };
    return tf.variableGrads(() => {
      const r = objective.loss(out, t, batch.lengths, studentWeights);
      parts = r.parts;
      return r.loss as tf.Scalar;
    }, [tokVar, embVar, ...Object.values(objParams)]);
  });
  const dTokens = grads[tokVar.name]?.dataSync() as Float32Array | undefined;
  const dEmb = grads[embVar.name]?.dataSync() as Float32Array | undefined;
  const back = step.backward(fwd, dTokens, dEmb);
  const objectiveGrads: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(objParams)) if (grads[v.name]) objectiveGrads[k] = grads[v.name]!;
  const res: OrtStepResult = { loss: value.dataSync()[0]!, parts, grads: {}, dEmbeds: back.dEmbeds, objectiveGrads };
  for (const k of trainable) if (back.grads[k]) res.grads[k] = back.grads[k]!;
  if (batch.skipTrains) res.dSkip = back.dSkip;
  value.dispose();
  grads[tokVar.name]?.dispose();
  grads[embVar.name]?.dispose();
  [tokVar, embVar, tokT, embT].forEach((x) => x.dispose());
  return res;
}
