/**
 * Files under a configured root, and nothing else. A request path is decoded once and must be a relative
 * path of plain segments (no `..`, `.`, empty, hidden, backslash or NUL segments); the resolved file, after
 * following symlinks, must still lie inside the root's real path, be a regular file and have an allowed
 * extension. Anything else is a 400 or 404 with a message, never a read outside the root.
 */
import { realpathSync, statSync, type Stats } from 'node:fs';
import { extname, join, sep } from 'node:path';
import { HttpError } from './http.ts';

/** Content types of the files the app serves, by extension. */
export const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.csv': 'text/plain; charset=utf-8',
  '.tsv': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/** Split and check a relative request path (already URL-decoded); throws 400 on anything but plain segments. */
export function checkRelativePath(rel: string): string[] {
  if (rel.length === 0 || rel.length > 512) throw new HttpError(400, 'bad path');
  if (/[\\\0]/.test(rel) || rel.startsWith('/')) throw new HttpError(400, 'bad path');
  const parts = rel.split('/');
  for (const p of parts) if (p === '' || p === '.' || p === '..' || p.startsWith('.')) throw new HttpError(400, 'bad path');
  return parts;
}

/** Decode a URL path component; malformed percent-encoding is a 400. */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'bad path encoding');
  }
}

/**
 * The real path and stats of `rel` inside `root` (a real path itself), when it is a regular file with one
 * of `extensions`; 404 otherwise.
 */
export function resolveInside(root: string, rel: string, extensions: readonly string[]): { file: string; stat: Stats; ext: string } {
  const parts = checkRelativePath(rel);
  const ext = extname(rel).toLowerCase();
  if (!extensions.includes(ext)) throw new HttpError(404, `not found: ${rel}`);
  let file: string;
  try {
    file = realpathSync(join(root, ...parts));
  } catch {
    throw new HttpError(404, `not found: ${rel}`);
  }
  if (!file.startsWith(root + sep)) throw new HttpError(404, `not found: ${rel}`);
  const stat = statSync(file);
  if (!stat.isFile()) throw new HttpError(404, `not found: ${rel}`);
  return { file, stat, ext };
}
