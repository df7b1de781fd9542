/**
 * Model specs as the CLI takes them (`teacher`, `use-lite`, or a student folder): the path recorded in an
 * index, a cheap look at a student's recorded teacher (config.json only, before loading its weights), and
 * loading.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { InputError } from '../errors.ts';
import { loadEncoder } from '../models/student.ts';
import { USE_LITE } from '../models/use-lite.ts';
import type { KonaEncoder } from '../models/encoder.ts';

export const isTeacherSpec = (spec: string) => spec === 'teacher' || spec === USE_LITE;

/** What an index records to load the model again: "teacher", or the student folder's absolute path. */
export function modelSpecPath(spec: string): string {
  return isTeacherSpec(spec) ? 'teacher' : resolve(spec);
}

/**
 * A model's name and teacher from its spec without loading weights (a student's config.json), or
 * undefined when the folder has no readable config (loading will then report the problem).
 */
export function peekModel(spec: string): { name: string; teacher?: string } | undefined {
  if (isTeacherSpec(spec)) return { name: USE_LITE };
  const file = join(spec, 'config.json');
  if (!existsSync(file)) return undefined;
  try {
    const c = JSON.parse(readFileSync(file, 'utf8'));
    return typeof c?.name === 'string' && typeof c?.teacher === 'string' ? { name: c.name, teacher: c.teacher } : undefined;
  } catch {
    return undefined;
  }
}

/** Load the encoder for a spec; a missing folder is an `InputError`. */
export async function loadModel(spec: string): Promise<KonaEncoder> {
  if (!isTeacherSpec(spec) && !existsSync(spec)) throw new InputError('no such model folder', spec);
  return loadEncoder(spec);
}
