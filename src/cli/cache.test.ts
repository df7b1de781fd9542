import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '../models/safetensors.ts';
import { listCache, touchCacheEntry } from '../util/cache.ts';
import { formatBytes } from './cache.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (cache: string, ...args: string[]) => spawnSync(process.execPath, [BIN, 'cache', ...args], { encoding: 'utf8', env: { ...process.env, OPTICAL_CACHE: cache } });
const DAY = 86_400_000;

/** A cache folder with one entry of each kind (ages in days) and an interrupted write. */
function makeCache(): string {
  const root = mkdtempSync(join(tmpdir(), 'optical-cache-'));
  const age = (p: string, days: number) => utimesSync(p, new Date(Date.now() - days * DAY), new Date(Date.now() - days * DAY));
  mkdirSync(join(root, 'teacher'));
  const t = join(root, 'teacher', 'aa11.safetensors');
  writeSafetensors(t, {
    embeddings: { dtype: 'F32', shape: [3, 4], data: new Float32Array(12) },
    pooled: { dtype: 'F32', shape: [3, 4], data: new Float32Array(12) },
    tokens: { dtype: 'F32', shape: [7, 4], data: new Float32Array(28) },
    offsets: { dtype: 'I32', shape: [4], data: Int32Array.from([0, 2, 5, 7]) },
  });
  age(t, 40);
  writeFileSync(join(root, 'teacher', 'bb22.safetensors.tmp-123-abcdef'), 'half');
  writeFileSync(join(root, 'teacher', 'dd44.safetensors'), Buffer.from([2, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7d]));
  const init = join(root, 'init', 'cc33');
  mkdirSync(init, { recursive: true });
  writeFileSync(join(init, 'config.json'), JSON.stringify({ name: 'optical-swh-ot' }));
  writeFileSync(join(init, 'model.safetensors'), Buffer.alloc(2000));
  for (const f of ['config.json', 'model.safetensors']) age(join(init, f), 2);
  age(init, 2);
  mkdirSync(join(root, 'hf', 'org--tiny'), { recursive: true });
  writeFileSync(join(root, 'hf', 'org--tiny', 'config.json'), JSON.stringify({ model_type: 'bert' }));
  mkdirSync(join(root, 'xquad-r'));
  writeFileSync(join(root, 'xquad-r', 'x.bin'), Buffer.alloc(500));
  return root;
}

describe('cache listing (util/cache.ts)', () => {
  it('lists one entry per item with kind, size, last use and what it holds', () => {
    const root = makeCache();
    const entries = listCache(root);
    expect(entries.map((e) => [e.kind, e.name, e.incomplete])).toEqual([
      ['hf', 'hf/org--tiny', false],
      ['init', 'init/cc33', false],
      ['teacher', 'teacher/aa11.safetensors', false],
      ['teacher', 'teacher/bb22.safetensors.tmp-123-abcdef', true],
      ['teacher', 'teacher/dd44.safetensors', false],
      ['other', 'xquad-r', false],
    ]);
    const by = Object.fromEntries(entries.map((e) => [e.name, e]));
    expect(by['teacher/aa11.safetensors']!.description).toBe('teacher outputs: 3 sentences × 4, token states of 7 tokens');
    expect(by['init/cc33']!.description).toBe('initialised student optical-swh-ot');
    expect(by['hf/org--tiny']!.description).toBe('Hugging Face model (bert)');
    expect(by['teacher/dd44.safetensors']!.description).toBe('unreadable (it will be recomputed when needed)');
    expect(by['init/cc33']!.bytes).toBe(2000 + JSON.stringify({ name: 'optical-swh-ot' }).length);
    expect(by['xquad-r']!.bytes).toBe(500);
    const days = (e: { lastUsed: Date }) => (Date.now() - e.lastUsed.getTime()) / DAY;
    expect(days(by['teacher/aa11.safetensors']!)).toBeCloseTo(40, 1);
    expect(days(by['init/cc33']!)).toBeCloseTo(2, 1);
    // a hit marks the entry as used now
    touchCacheEntry(by['teacher/aa11.safetensors']!.path);
    expect(days(listCache(root).find((e) => e.name === 'teacher/aa11.safetensors')!)).toBeLessThan(0.01);
    expect(listCache(join(root, 'nope'))).toEqual([]);
  });

  it('formats sizes as du --si does', () => {
    expect([0, 999, 1500, 12_345_678, 9.6e9].map(formatBytes)).toEqual(['0 B', '999 B', '1.5 kB', '12 MB', '9.6 GB']);
  });
});

describe('optical cache (CLI)', () => {
  it('list --json reports every entry and the total', () => {
    const root = makeCache();
    const r = run(root, 'list', '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.root).toBe(root);
    expect(out.entries).toHaveLength(6);
    expect(out.bytes).toBe(out.entries.reduce((s: number, e: { bytes: number }) => s + e.bytes, 0));
    expect(Number.isNaN(Date.parse(out.entries[0].lastUsed))).toBe(false);
    const text = run(root, 'list');
    expect(text.stdout).toMatch(/6 entries/);
    expect(text.stdout).toMatch(/initialised student optical-swh-ot/);
  });

  it('clear removes only what the filters select; --dry-run removes nothing', () => {
    const root = makeCache();
    const dry = JSON.parse(run(root, 'clear', '--unused-days', '30', '--dry-run', '--json').stdout);
    expect(dry.dryRun).toBe(true);
    expect(dry.removed.map((e: { name: string }) => e.name)).toEqual(['teacher/aa11.safetensors']);
    expect(existsSync(join(root, 'teacher', 'aa11.safetensors'))).toBe(true);

    const inc = JSON.parse(run(root, 'clear', '--incomplete', '--json').stdout);
    expect(inc.removed.map((e: { name: string }) => e.name)).toEqual(['teacher/bb22.safetensors.tmp-123-abcdef']);
    const old = JSON.parse(run(root, 'clear', '--kind', 'teacher,init', '--unused-days', '1', '--json').stdout);
    expect(old.removed.map((e: { name: string }) => e.name)).toEqual(['init/cc33', 'teacher/aa11.safetensors']);
    expect(existsSync(join(root, 'init', 'cc33'))).toBe(false);
    expect(existsSync(join(root, 'hf', 'org--tiny'))).toBe(true);
    const all = run(root, 'clear', '--all');
    expect(all.status, all.stderr).toBe(0);
    expect(all.stdout).toMatch(/removed 3 entries/);
    expect(listCache(root)).toEqual([]); // the kind folders themselves stay, empty
  });

  it('refuses a clear without a filter, an unknown kind and a bad day count, in one line', () => {
    const root = makeCache();
    for (const [args, msg] of [
      [[], /say what to remove/],
      [['--kind', 'teacher,models'], /unknown kind "models" \(valid: teacher, init, hf, other\)/],
      [['--unused-days', '-3'], /--unused-days must be a number of days ≥ 0, got "-3"/],
    ] as const) {
      const r = run(root, 'clear', ...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(msg);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(listCache(root)).toHaveLength(6);
  });
});
