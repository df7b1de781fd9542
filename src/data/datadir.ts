/**
 * Where the corpora live. Resolution order:
 *   1. the `--data-dir` value (if given),
 *   2. `$OPTICAL_DATA` (if set and non-empty),
 *   3. `../shared/data` relative to the current working directory, if it exists,
 *   4. `../shared/data` relative to the package root (`<repo>/../shared/data`), if it exists.
 * An explicit choice (1 or 2) that does not exist is an error rather than a silent fall-through.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../errors.ts';

/** Where to obtain the corpora, for error messages and docs. */
export const DATA_SOURCES_HELP = [
  'The corpora are public; put them in one folder laid out as:',
  '  tatoeba/   Tatoeba similarity-search test sets (LASER): github.com/facebookresearch/LASER, data/tatoeba/v1',
  '  sib-200/   SIB-200 (FLORES-200 with topic labels): github.com/dadelani/sib-200, data/annotated/<lang>/',
  '  bible/     Bible corpus (tsv/<Name>-NT.verses.tsv.gz from github.com/christos-c/bible-corpus)',
  '             plus english-web/WEB-NT.verses.tsv (World English Bible, public domain)',
  '  mafand-mt/ MAFAND-MT news bitext: github.com/masakhane-io/lafand-mt, data/text_files/<pair>/',
  '  multi30k/  Multi30k task 1 captions: github.com/multi30k/dataset, data/task1/raw/*.gz and data/task1/image_splits/*.txt',
  'then pass --data-dir <folder> or set $OPTICAL_DATA=<folder>.',
].join('\n');

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** `<repo>/../shared/data`, computed from this file's location (`<repo>/src/data/datadir.ts`). */
export function packageDefaultDataDir(): string {
  return resolve(fileURLToPath(new URL('../../..', import.meta.url)), 'shared', 'data');
}

/** Resolve the data folder (see the file header for the order); throws `InputError` with help if none. */
export function resolveDataDir(opt?: string): string {
  if (opt !== undefined && opt !== '') {
    const p = resolve(opt);
    if (!isDir(p)) {
      throw new InputError(`--data-dir ${opt}: ${existsSync(p) ? 'not a directory' : 'no such directory'}\n${DATA_SOURCES_HELP}`);
    }
    return p;
  }
  const env = process.env['OPTICAL_DATA'];
  if (env !== undefined && env !== '') {
    const p = resolve(env);
    if (!isDir(p)) {
      throw new InputError(`$OPTICAL_DATA=${env}: ${existsSync(p) ? 'not a directory' : 'no such directory'}\n${DATA_SOURCES_HELP}`);
    }
    return p;
  }
  const tried = [resolve(process.cwd(), '..', 'shared', 'data'), packageDefaultDataDir()];
  for (const p of tried) if (isDir(p)) return p;
  throw new InputError(
    `no data folder found: no --data-dir, $OPTICAL_DATA is unset, and neither ${[...new Set(tried)].join(' nor ')} exists.\n${DATA_SOURCES_HELP}`,
  );
}
