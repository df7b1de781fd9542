/** The local cache folder: `$OPTICAL_CACHE`, default `~/.cache/optical` (teacher outputs, initialisations, fetched models). */
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  return process.env.OPTICAL_CACHE ?? join(homedir(), '.cache', 'optical');
}
