/**
 * `optical serve` flags and the CLI's exit-code convention (0 ok, 2 the user's mistake, 1 internal),
 * with one-line messages and no stack traces. The running server is tested in src/web/.
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data' } });
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at |WasmBackendModule/);

describe('optical serve (CLI)', () => {
  it('--help lists the flags', () => {
    const r = run('serve', '--help');
    expect(r.status).toBe(0);
    for (const flag of ['--index', '--model', '--port', '--results', '--host', '--max-pending', '--json']) expect(r.stdout).toContain(flag);
  });

  it('missing index, model or results folder, and bad flags: exit 2 with one line', () => {
    const cases: [string[], RegExp][] = [
      [['serve', '--index', '/nonexistent-index'], /optical: \/nonexistent-index: no such index/],
      [['serve', '--model', '/nonexistent-student'], /optical: \/nonexistent-student: no such model folder/],
      [['serve', '--port', 'http'], /--port must be an integer from 0 to 65535, got "http"/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(message);
      noStack(r.stderr);
    }
  });
});

describe('exit codes of every command', () => {
  it('usage errors (unknown command or flag, missing required flag) exit 2', () => {
    for (const args of [['bogus'], ['eval', 'mining', '--src', 'x']]) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(/error: /);
    }
  });

  it('a system error on a path the user gave exits 2 with the system message, not a stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-'));
    const file = join(dir, 'docs.tsv');
    writeFileSync(file, 'd1\thello\n');
    // the index folder's parent is a regular file: mkdir fails after encoding
    const r = run('index', '--model', 'teacher', '--docs', file, '--out', join(file, 'idx'), '--store', 'flat', '--quiet');
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^optical: (ENOTDIR|EEXIST): .*docs\.tsv/);
    noStack(r.stderr);
  });
});
