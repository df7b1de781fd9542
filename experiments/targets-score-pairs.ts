/**
 * Cosine against CSLS on the same student and the same Tatoeba sentences (exact McNemar on R@1), from the cells
 * of `optical experiment run experiments/targets.json --out results/targets` (their per-query ranks; nothing is
 * re-encoded).
 *
 *   npx tsx experiments/targets-score-pairs.ts [results/targets]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { mcnemarExact } from '../src/eval/significance.ts';

const out = process.argv[2] ?? 'results/targets';
const cfg = JSON.parse(readFileSync('experiments/targets.json', 'utf8')) as { methods: { name: string }[]; languages: { code: string }[] };
console.log('| method | lang | direction | cosine R@1 | CSLS R@1 | CSLS-only correct | cosine-only correct | exact McNemar p |');
console.log('|---|---|---|---:|---:|---:|---:|---:|');
for (const { name } of cfg.methods) {
  for (const { code } of cfg.languages) {
    const cell = JSON.parse(readFileSync(join(out, 'cells', name, `${code}.json`), 'utf8')) as { sets: Record<string, { ranks: Record<string, number[]> }> };
    for (const d of ['x2en', 'en2x']) {
      const csls = cell.sets['tatoeba-csls']!.ranks[d]!.map((r) => r === 1);
      const cos = cell.sets['tatoeba']!.ranks[d]!.map((r) => r === 1);
      const t = mcnemarExact(csls, cos);
      const pct = (v: boolean[]) => ((100 * v.filter(Boolean).length) / v.length).toFixed(1);
      const dir = d === 'x2en' ? `${code}→en` : `en→${code}`;
      console.log(`| ${name} | ${code} | ${dir} | ${pct(cos)} | ${pct(csls)} | ${t.b} | ${t.c} | ${t.p < 0.001 ? t.p.toExponential(1) : t.p.toFixed(3)} |`);
    }
  }
}
