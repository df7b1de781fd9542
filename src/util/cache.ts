/**
 * The local cache folder: `$OPTICAL_CACHE`, default `~/.cache/optical`, and what is in it.
 *
 * Layout (one entry per line; the writers are named):
 *   teacher/<key>.safetensors   teacher outputs for one list of English sentences (distill/teacher-cache.ts)
 *   init/<key>/                 a closed-form initialised student (distill/pipeline.ts `initialisedStudent`)
 *   hf/<org>--<name>/           a Hugging Face model fetched by name (models/hf/hub.ts)
 *   anything else at the top    e.g. xquad-r/ (experiments/xquad-r.ts): one entry per top-level item, kind "other"
 * Leftovers of an interrupted write (`*.tmp-<pid>-<hex>`, `*.partial-<pid>-<hex>`) are entries too, marked
 * `incomplete`. Nothing here is ever needed: every entry is recomputed (or fetched) when missing.
 *
 * "Last used" is the newest modification time in the entry. Readers call {@link touchCacheEntry} on a hit,
 * so an entry's time is when it was last read or written, and `optical cache clear --unused-days N`
 * removes what no run has read for N days.
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readSync, rmSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheDir(): string {
  return process.env.OPTICAL_CACHE ?? join(homedir(), '.cache', 'optical');
}

export const CACHE_KINDS = ['teacher', 'init', 'hf', 'other'] as const;
export type CacheKind = (typeof CACHE_KINDS)[number];

export interface CacheEntry {
  kind: CacheKind;
  /** path relative to the cache folder, e.g. `teacher/1f…e2.safetensors` */
  name: string;
  path: string;
  /** bytes on disk (files' sizes, summed over a folder) */
  bytes: number;
  /** the newest modification time in the entry (see the file header) */
  lastUsed: Date;
  /** an interrupted write's leftover */
  incomplete: boolean;
  /** what it holds, when that can be read cheaply (e.g. "teacher outputs: 8600 sentences × 512, token states of 269285 tokens") */
  description: string;
}

/** Mark a cache entry as used now (its modification time); a read-only cache is not an error. */
export function touchCacheEntry(path: string): void {
  try {
    const now = new Date();
    utimesSync(path, now, now);
  } catch {
    // read-only or vanished: the entry still served this run
  }
}

/** Bytes and newest modification time under `path` (a file or a folder; symbolic links are not followed). */
function sizeAndTime(path: string): { bytes: number; mtime: number } {
  const st = lstatSync(path);
  let bytes = st.isFile() ? st.size : 0;
  let mtime = st.mtimeMs;
  if (st.isDirectory()) {
    for (const child of readdirSync(path)) {
      const s = sizeAndTime(join(path, child));
      bytes += s.bytes;
      mtime = Math.max(mtime, s.mtime);
    }
  }
  return { bytes, mtime };
}

const INCOMPLETE = /\.(tmp|partial)-\d+-[0-9a-f]+$/;

/** The JSON header of a `.safetensors` file (8-byte little-endian length, then JSON), without the data. */
function safetensorsHeader(path: string): Record<string, { shape?: number[] }> {
  const fd = openSync(path, 'r');
  try {
    const len = Buffer.alloc(8);
    if (readSync(fd, len, 0, 8, 0) !== 8) throw new Error('short file');
    const n = Number(len.readBigUInt64LE(0));
    if (n > 1e8) throw new Error('header too large');
    const buf = Buffer.alloc(n);
    if (readSync(fd, buf, 0, n, 8) !== n) throw new Error('short header');
    return JSON.parse(buf.toString('utf8')) as Record<string, { shape?: number[] }>;
  } finally {
    closeSync(fd);
  }
}

function describe(kind: CacheKind, path: string, incomplete: boolean): string {
  if (incomplete) return 'left by an interrupted write';
  try {
    if (kind === 'teacher') {
      const h = safetensorsHeader(path);
      const [n, dim] = h['embeddings']?.shape ?? [];
      if (n === undefined || dim === undefined) throw new Error('no embeddings');
      return `teacher outputs: ${n} sentences × ${dim}${h['tokens'] ? `, token states of ${h['tokens'].shape?.[0]} tokens` : ''}`;
    }
    if (kind === 'init' || kind === 'hf') {
      const cfg = JSON.parse(readFileSync(join(path, 'config.json'), 'utf8')) as Record<string, unknown>;
      const name = (cfg['name'] as string | undefined) ?? (cfg['_name_or_path'] as string | undefined) ?? (cfg['model_type'] as string | undefined);
      return kind === 'init' ? `initialised student${name ? ` ${name}` : ''}` : `Hugging Face model${name ? ` (${name})` : ''}`;
    }
  } catch {
    return 'unreadable (it will be recomputed when needed)';
  }
  return '';
}

/** Every entry of the cache folder `root` (default {@link cacheDir}); none when it does not exist. */
export function listCache(root = cacheDir()): CacheEntry[] {
  if (!existsSync(root)) return [];
  const out: CacheEntry[] = [];
  const add = (kind: CacheKind, name: string) => {
    const path = join(root, name);
    const { bytes, mtime } = sizeAndTime(path);
    const incomplete = INCOMPLETE.test(name);
    out.push({ kind, name, path, bytes, lastUsed: new Date(mtime), incomplete, description: describe(kind, path, incomplete) });
  };
  for (const top of readdirSync(root).sort()) {
    const kind = (CACHE_KINDS as readonly string[]).includes(top) && top !== 'other' ? (top as CacheKind) : undefined;
    if (kind && lstatSync(join(root, top)).isDirectory()) {
      for (const child of readdirSync(join(root, top)).sort()) add(kind, `${top}/${child}`);
    } else {
      add('other', top);
    }
  }
  return out;
}

/** Remove `entries` (files or folders) from the disk; returns the bytes freed. */
export function removeCacheEntries(entries: readonly CacheEntry[]): number {
  let freed = 0;
  for (const e of entries) {
    rmSync(e.path, { recursive: true, force: true });
    freed += e.bytes;
  }
  return freed;
}
