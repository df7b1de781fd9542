/**
 * Disk cache of teacher outputs for a list of English sentences. Teacher outputs never change during
 * distillation, and re-running a distillation (other objective, other seed, the demo) on the same bitext
 * should not pay for the teacher again.
 *
 * Key: SHA-256 of (teacher name and weight fingerprint when it has one, whether token states are stored, the sentences). Location:
 * `$OPTICAL_CACHE/teacher/<key>.safetensors` (default `~/.cache/optical`). Layout:
 *   embeddings [N, H];  pooled [N, H];  tokens [T, H] (all sentences' token states concatenated);
 *   offsets [N + 1] (I32).
 * An entry with token states also serves requests without them.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SentenceEncoder } from '../models/types.ts';
import { cacheDir, touchCacheEntry } from '../util/cache.ts';
import { readSafetensors, writeSafetensors } from '../models/safetensors.ts';
import { teacherTargets, type TeacherTargets } from './trainer.ts';

export { cacheDir };

/** Teacher outputs for `eng`, from the cache when present (else computed and stored). */
export function cachedTeacherTargets(teacher: SentenceEncoder, eng: string[], tokens: boolean, onProgress?: (d: number, n: number) => void): TeacherTargets {
  const key = (withTokens: boolean) => {
    const id = teacher.meta.fingerprint ? `${teacher.meta.name}@${teacher.meta.fingerprint}` : teacher.meta.name;
    const h = createHash('sha256').update(`${id}\u0000v2\u0000${withTokens}\u0000`);
    for (const s of eng) h.update(s).update('\u0000');
    return join(cacheDir(), 'teacher', `${h.digest('hex').slice(0, 32)}.safetensors`);
  };
  const H = teacher.dim;
  for (const file of tokens ? [key(true)] : [key(false), key(true)]) {
    if (!existsSync(file)) continue;
    try {
      const { tensors } = readSafetensors(file);
      touchCacheEntry(file);
      const embeddings = tensors['embeddings']!.data as Float32Array;
      const pooled = tensors['pooled']!.data as Float32Array;
      if (!tokens) return { embeddings, pooled, dim: H };
      const all = tensors['tokens']!.data as Float32Array;
      const off = tensors['offsets']!.data as Int32Array;
      const toks = Array.from({ length: eng.length }, (_, i) => all.subarray(off[i]! * H, off[i + 1]! * H));
      return { embeddings, pooled, tokens: toks, dim: H };
    } catch {
      // unreadable cache entry: recompute and overwrite
    }
  }
  const file = key(tokens);
  const t = teacherTargets(teacher, eng, tokens, onProgress);
  const tensors: Parameters<typeof writeSafetensors>[1] = {
    embeddings: { dtype: 'F32', shape: [eng.length, H], data: t.embeddings },
    pooled: { dtype: 'F32', shape: [eng.length, H], data: t.pooled },
  };
  if (tokens && t.tokens) {
    const offsets = new Int32Array(eng.length + 1);
    t.tokens.forEach((x, i) => (offsets[i + 1] = offsets[i]! + x.length / H));
    const all = new Float32Array(offsets[eng.length]! * H);
    t.tokens.forEach((x, i) => all.set(x, offsets[i]! * H));
    tensors['tokens'] = { dtype: 'F32', shape: [offsets[eng.length]!, H], data: all };
    tensors['offsets'] = { dtype: 'I32', shape: [eng.length + 1], data: offsets };
  }
  try {
    mkdirSync(join(cacheDir(), 'teacher'), { recursive: true });
    writeSafetensors(file, tensors);
  } catch {
    // a read-only cache is not an error: the targets are in memory
  }
  return t;
}
