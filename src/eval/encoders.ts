/**
 * Mining with encoders: the foreign side is encoded by the model under test, the English side by the teacher
 * that model was distilled from (recorded in its folder) unless another target model is given.
 */
import type { SentenceEncoder } from '../models/types.ts';
import { loadEncoder } from '../models/student.ts';
import { evaluateBitextMining, type MiningOptions, type MiningResult } from './mining.ts';

/** `model` encodes `src`; `tgtModel` (default: the model's teacher, or the model itself if it is a teacher) encodes `tgt`. */
export async function mineWithEncoders(model: SentenceEncoder, src: string[], tgt: string[], tgtModel?: SentenceEncoder, opts: MiningOptions = {}): Promise<MiningResult> {
  const target = tgtModel ?? (model.meta.teacher ? await loadEncoder(model.meta.teacher) : model);
  const s = model.encode(src).embeddings;
  const t = target.encode(tgt).embeddings;
  return evaluateBitextMining(s, t, model.dim, opts);
}
