import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, 'eval', 'trec', ...args], { encoding: 'utf8', env: { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data' } });

// q1: b and a tie at score 1 → b ranks above a (docid descending); c (non-relevant) ranks first.
// Ranked grades: c 0, b 1, a 2 → MAP = (1/2 + 2/3) / 2 = 7/12, MRR@10 = 1/2, P@10 = 2/10, R@100 = 1.
// q2 has no relevant document (scores 0 but counts); q3 is missing from the run; q9 has no qrels.
const QRELS = '1 0 a 2\n1 0 b 1\n1 0 c 0\n2 0 x 0\n3 0 z 1\n';
const RUN = '1 Q0 a 1 1.0 t\n1 Q0 c 2 2.0 t\n1 Q0 b 3 1.0 t\n2 Q0 x 1 5 t\n9 Q0 x 1 5 t\n';

function files(qrels = QRELS, runText = RUN): { q: string; r: string } {
  const dir = mkdtempSync(join(tmpdir(), 'optical-trec-cli-'));
  writeFileSync(join(dir, 'qrels.txt'), qrels);
  writeFileSync(join(dir, 'run.txt.gz'), gzipSync(runText));
  return { q: join(dir, 'qrels.txt'), r: join(dir, 'run.txt.gz') };
}

describe('optical eval trec', () => {
  it('prints trec_eval-style lines for the default measures (gzipped run accepted)', () => {
    const { q, r } = files();
    const out = run('--qrels', q, '--run', r);
    expect(out.status, out.stderr).toBe(0);
    const lines = out.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split('\t')[0]!.trim())).toEqual(['MAP', 'MRR@10', 'nDCG@10', 'P@10', 'R@100', 'judged@10']);
    expect(lines[0]).toBe(`${'MAP'.padEnd(22)}\tall\t${(7 / 12 / 2).toFixed(4)}`);
    expect(lines[3]).toBe(`${'P@10'.padEnd(22)}\tall\t0.1000`);
  });

  it('--json --per-query --complete, custom measures with a threshold', () => {
    const { q, r } = files();
    const out = run('--qrels', q, '--run', r, '--measures', 'MAP,P(rel=2)@10,num_rel', '--json', '--per-query');
    expect(out.status, out.stderr).toBe(0);
    const j = JSON.parse(out.stdout);
    expect(j.queries).toBe(2);
    expect(j.measures.MAP).toBeCloseTo(7 / 24, 12);
    expect(j.measures['P(rel=2)@10']).toBeCloseTo(0.05, 12);
    expect(j.measures.num_rel).toBe(2);
    expect(Object.keys(j.perQuery)).toEqual(['1', '2']);
    expect(j.perQuery['1'].MAP).toBeCloseTo(7 / 12, 12);
    const complete = JSON.parse(run('--qrels', q, '--run', r, '--measures', 'MAP', '--json', '--complete').stdout);
    expect(complete.queries).toBe(3);
    expect(complete.measures.MAP).toBeCloseTo(7 / 36, 12);
    const text = run('--qrels', q, '--run', r, '--measures', 'num_ret', '--per-query').stdout;
    expect(text).toBe(`${'num_ret'.padEnd(22)}\t1\t3\n${'num_ret'.padEnd(22)}\t2\t1\n${'num_ret'.padEnd(22)}\tall\t4\n`);
  });

  it('bad input: one-line errors with file and line, exit code 2, no stack trace', () => {
    const check = (args: string[], pattern: RegExp) => {
      const out = run(...args);
      expect(out.status, out.stderr).toBe(2);
      expect(out.stderr).toMatch(pattern);
      expect(out.stderr.trimEnd().split('\n')).toHaveLength(1);
    };
    const bad = files('1 0 a 2\n1 0 b\n');
    check(['--qrels', bad.q, '--run', bad.r], /^optical: .*qrels\.txt:2: expected 4 fields \(qid iter docid rel\), found 3/);
    const dup = files(QRELS, '1 Q0 a 1 1 t\n1 Q0 a 2 0.5 t\n');
    check(['--qrels', dup.q, '--run', dup.r], /run\.txt\.gz:2: duplicate entry for query "1", document "a" \(first on line 1\)/);
    const ok = files();
    check(['--qrels', ok.q, '--run', ok.r, '--measures', 'MAP,ERR@20'], /^optical: unknown measure "ERR@20" \(valid: MAP/);
    const disjoint = files(QRELS, '7 Q0 a 1 1 t\n');
    check(['--qrels', disjoint.q, '--run', disjoint.r], /run\.txt\.gz: none of its 1 queries has judgements in .*qrels\.txt/);
  });
});
