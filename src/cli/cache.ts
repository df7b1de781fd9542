/**
 * `optical cache list` and `optical cache clear`: what the local cache (`$OPTICAL_CACHE`, default
 * `~/.cache/optical`; src/util/cache.ts) holds, and removing entries from it. Every entry is recomputed or
 * fetched again when a later run needs it, so clearing loses time, never results.
 *
 *   optical cache list [--json]
 *   optical cache clear (--all | --kind teacher,init,hf,other | --unused-days N | --incomplete) [--dry-run] [--json]
 * The filters of `clear` combine with "and". `--json` prints one object: `list` → {root, bytes, entries:
 * [{kind, name, path, bytes, lastUsed, incomplete, description}]}; `clear` → {root, dryRun, bytes, removed: [...]}.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { CACHE_KINDS, cacheDir, listCache, removeCacheEntries, type CacheEntry, type CacheKind } from '../util/cache.ts';

/** 1536 → "1.5 kB" (powers of 1000, as du -h --si) */
export function formatBytes(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let u = 0;
  let x = n;
  while (x >= 1000 && u < units.length - 1) {
    x /= 1000;
    u++;
  }
  return u === 0 ? `${n} B` : `${x.toFixed(x < 10 ? 1 : 0)} ${units[u]}`;
}

const asJson = (e: CacheEntry) => ({ ...e, lastUsed: e.lastUsed.toISOString() });

function table(entries: readonly CacheEntry[]): string {
  const rows = entries.map((e) => [e.kind, formatBytes(e.bytes), e.lastUsed.toISOString().slice(0, 16).replace('T', ' '), e.name, e.description]);
  const head = ['kind', 'size', 'last used (UTC)', 'entry', 'holds'];
  const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 1 ? c.padStart(w[i]!) : i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ');
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

function parseKinds(spec: string): CacheKind[] {
  const kinds = spec.split(',').map((k) => k.trim());
  for (const k of kinds) {
    if (!(CACHE_KINDS as readonly string[]).includes(k)) throw new InputError(`--kind: unknown kind "${k}" (valid: ${CACHE_KINDS.join(', ')})`);
  }
  return kinds as CacheKind[];
}

export function cacheCommand(program: Command): void {
  const cmd = program.command('cache').description(`what the local cache holds (${'$'}OPTICAL_CACHE, default ~/.cache/optical), and clearing it`);
  cmd
    .command('list')
    .description('every cache entry: kind, size, when a run last used it, what it holds')
    .option('--json', 'print one JSON object')
    .action((o) => {
      const root = cacheDir();
      const entries = listCache(root);
      const bytes = entries.reduce((s, e) => s + e.bytes, 0);
      if (o.json) {
        process.stdout.write(JSON.stringify({ root, bytes, entries: entries.map(asJson) }) + '\n');
        return;
      }
      process.stdout.write(`${root}: ${entries.length} entries, ${formatBytes(bytes)}\n`);
      if (entries.length) process.stdout.write(table(entries));
    });
  cmd
    .command('clear')
    .description('remove cache entries (they are recomputed when needed); the filters combine with "and"')
    .option('--all', 'every entry')
    .option('--kind <kinds>', `only these kinds, comma-separated: ${CACHE_KINDS.join(', ')}`)
    .option('--unused-days <n>', 'only entries no run has used for at least N days')
    .option('--incomplete', 'only leftovers of interrupted writes')
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print one JSON object')
    .action((o) => {
      if (!o.all && o.kind === undefined && o.unusedDays === undefined && !o.incomplete) {
        throw new InputError('say what to remove: --all, --kind K, --unused-days N or --incomplete (see optical cache clear --help)');
      }
      const kinds = o.kind === undefined ? undefined : parseKinds(o.kind);
      let before = Infinity;
      if (o.unusedDays !== undefined) {
        const days = Number(o.unusedDays);
        if (!/^\d+(\.\d+)?$/.test(o.unusedDays) || !Number.isFinite(days)) throw new InputError(`--unused-days must be a number of days ≥ 0, got "${o.unusedDays}"`);
        before = Date.now() - days * 86_400_000;
      }
      const root = cacheDir();
      const chosen = listCache(root).filter((e) => (!kinds || kinds.includes(e.kind)) && e.lastUsed.getTime() <= before && (!o.incomplete || e.incomplete));
      const bytes = o.dryRun ? chosen.reduce((s, e) => s + e.bytes, 0) : removeCacheEntries(chosen);
      if (o.json) {
        process.stdout.write(JSON.stringify({ root, dryRun: Boolean(o.dryRun), bytes, removed: chosen.map(asJson) }) + '\n');
        return;
      }
      if (chosen.length) process.stdout.write(table(chosen));
      process.stdout.write(`${o.dryRun ? 'would remove' : 'removed'} ${chosen.length} entries, ${formatBytes(bytes)} (${root})\n`);
    });
}
