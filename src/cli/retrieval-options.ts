/**
 * Flags shared by `optical index` and `optical search`: dictionary translation (`--translate`) and BM25's
 * k1 / b, parsed and checked once.
 */
import type { Command } from 'commander';
import { InputError } from '../errors.ts';
import { readDictd, resolveDictionary, translateText, type Lexicon } from '../data/dictd.ts';

export function translationOptions(cmd: Command, what: string): Command {
  return cmd
    .option('--translate <dict>', `translate ${what} word by word with a dictd dictionary first (FreeDict): NAME.index path, or freedict:PAIR (e.g. freedict:swh-eng) in the data folder`)
    .option('--translations <n>', 'with --translate: translations kept per word (first senses first)', '1')
    .option('--data-dir <dir>', 'corpus folder for freedict:PAIR (default $OPTICAL_DATA or ../shared/data)');
}

export function bm25Options(cmd: Command, when: string): Command {
  return cmd.option('--k1 <x>', `BM25 k1 ≥ 0 (${when})`).option('--b <x>', `BM25 b in [0, 1] (${when})`);
}

/** A translator from the flags, or undefined without --translate. */
export function translatorFrom(o: { translate?: string; translations?: string; dataDir?: string }): { name: string; translate: (s: string) => string } | undefined {
  if (o.translate === undefined) return undefined;
  const max = Number(o.translations ?? '1');
  if (!/^\d+$/.test(o.translations ?? '1') || max < 1) throw new InputError(`--translations must be a positive integer, got "${o.translations}"`);
  const lex: Lexicon = readDictd(resolveDictionary(o.translate, o.dataDir));
  return { name: lex.name, translate: (s) => translateText(s, lex, { max }) };
}

/** `--k1` / `--b` as numbers (only those given). */
export function bm25From(o: { k1?: string; b?: string }): { k1?: number; b?: number } {
  const out: { k1?: number; b?: number } = {};
  for (const key of ['k1', 'b'] as const) {
    const s = o[key];
    if (s === undefined) continue;
    const x = Number(s);
    if (s.trim() === '' || !Number.isFinite(x) || x < 0 || (key === 'b' && x > 1)) throw new InputError(`--${key} must be ${key === 'b' ? 'a number in [0, 1]' : 'a number ≥ 0'}, got "${s}"`);
    out[key] = x;
  }
  return out;
}
