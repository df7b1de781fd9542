/**
 * Model specs as the CLI takes them (`teacher`, `use-lite`, a student folder, a Hugging Face folder or name): the path recorded in an
 * index, a cheap look at a student's recorded teacher (config.json only, before loading its weights), and
 * loading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { loadEncoder } from '../models/student.ts';
import { USE_LITE } from '../models/use-lite.ts';
import { hubCacheDir, isHubName } from '../models/hf/hub.ts';
import type { SentenceEncoder } from '../models/types.ts';

export const isTeacherSpec = (spec: string) => spec === 'teacher' || spec === USE_LITE;

/** A Hugging Face model name (`org/name`) that is not a local folder. */
const isHubSpec = (spec: string) => isHubName(spec) && !existsSync(spec);

/** What an index records to load the model again: "teacher", a Hugging Face name, or the folder's absolute path. */
export function modelSpecPath(spec: string): string {
  return isTeacherSpec(spec) ? 'teacher' : isHubSpec(spec) ? spec : resolve(spec);
}

/**
 * A model's name and teacher from its spec without loading weights (a student's config.json), or
 * undefined when the folder has no readable config (loading will then report the problem).
 */
export function peekModel(spec: string): { name: string; teacher?: string } | undefined {
  if (isTeacherSpec(spec)) return { name: USE_LITE };
  const file = join(isHubSpec(spec) ? hubCacheDir(spec) : spec, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    // a Hugging Face folder: optical's block when optical saved it, else the model is its own teacher
    if (typeof c?.model_type === 'string') {
      const o = c.optical;
      if (typeof o?.name === 'string') return typeof o.teacher === 'string' ? { name: o.name, teacher: o.teacher } : { name: o.name };
      return { name: isHubSpec(spec) ? spec : resolve(spec) };
    }
    return typeof c?.name === 'string' && typeof c?.teacher === 'string' ? { name: c.name, teacher: c.teacher } : undefined;
  } catch {
    return undefined;
  }
}

/** Load the encoder for a spec; a missing folder is an `InputError`. */
export async function loadModel(spec: string): Promise<SentenceEncoder> {
  if (!isTeacherSpec(spec) && !existsSync(spec) && !isHubName(spec)) throw new InputError('no such model folder', spec);
  return loadEncoder(spec);
}
