/**
 * Bring-your-own-model through the CLI: `optical distill --teacher DIR --student init:DIR` on a tiny bitext
 * and tiny Hugging Face models made here, then eval / index / search with them; clear errors for a bad teacher
 * folder and a named model that is not cached offline (continuing a student: src/distill/hf-train.test.ts).
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TOY_ENG_20, toyLanguage } from '../../test/toy-bitext.ts';
import { makeTinyModel } from '../models/hf/testing.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
let dir: string;
let env: NodeJS.ProcessEnv;
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env });
const noStack = (s: string) => expect(s).not.toMatch(/\n\s+at /);

describe('optical with Hugging Face teacher and student folders', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'optical-cli-hf-'));
    env = { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data', OPTICAL_CACHE: join(dir, 'cache'), HF_HUB_OFFLINE: '1' };
    writeFileSync(join(dir, 'xx.txt'), TOY_ENG_20.map(toyLanguage).join('\n') + '\n');
    writeFileSync(join(dir, 'en.txt'), TOY_ENG_20.join('\n') + '\n');
    makeTinyModel(join(dir, 'teacher'), { modelType: 'roberta', tokenizer: 'bpe', seed: 1, pooling: 'mean' });
    makeTinyModel(join(dir, 'mbert'), { modelType: 'xlm-roberta', tokenizer: 'bpe', seed: 2 });
  });

  it('distill --teacher DIR --student init:DIR completes; eval, index and search use the folders', () => {
    const bitext = `lines:${join(dir, 'xx.txt')}:${join(dir, 'en.txt')}`;
    const d = run('distill', '--teacher', join(dir, 'teacher'), '--student', `init:${join(dir, 'mbert')}`, '--lang', 'xx', '--bitext', bitext, '--objective', 'ot+mse', '--out', join(dir, 'student'), '--steps', '4', '--batch', '8', '--lr', '1e-3', '--json');
    expect(d.status, d.stderr).toBe(0);
    expect(JSON.parse(d.stdout)).toMatchObject({ objective: 'ot+mse', pairs: 20, steps: 4 });
    expect(Number.isFinite(JSON.parse(d.stdout).loss)).toBe(true);
    expect(d.stderr).toMatch(/student: new, from the weights in .*mbert \(teacher .*teacher\)/);
    const cfg = JSON.parse(readFileSync(join(dir, 'student', 'config.json'), 'utf8'));
    expect(cfg).toMatchObject({ model_type: 'xlm-roberta', optical: { name: 'optical-xx-ot+mse', teacher: join(dir, 'teacher'), pooling: 'mean', training: { steps: 4 } } });
    expect(readFileSync(join(dir, 'student', 'tokenizer.json')).equals(readFileSync(join(dir, 'mbert', 'tokenizer.json')))).toBe(true);
    expect(readFileSync(join(dir, 'student', 'train.jsonl'), 'utf8').trim().split('\n')).toHaveLength(4);

    // eval mining: the English side is encoded by the teacher recorded in the student's folder
    const m = run('eval', 'mining', '--student', join(dir, 'student'), '--src', join(dir, 'xx.txt'), '--tgt', join(dir, 'en.txt'), '--json');
    expect(m.status, m.stderr).toBe(0);
    const r = JSON.parse(m.stdout);
    expect(r.n).toBe(20);
    expect(r.src2tgt).toBeGreaterThanOrEqual(0);
    // index English documents with the teacher, search them with a foreign query through the student
    const docs = TOY_ENG_20.map((s, i) => `d${i}\t${s}`).join('\n') + '\n';
    writeFileSync(join(dir, 'docs.tsv'), docs);
    const ix = join(dir, 'ix');
    const a = run('index', '--teacher', join(dir, 'teacher'), '--docs', join(dir, 'docs.tsv'), '--out', ix, '--store', 'flat', '--json', '--quiet');
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ added: 20, count: 20 });
    const s = run('search', '--index', ix, '--student', join(dir, 'student'), '--query', toyLanguage('the dog runs fast'), '--json', '-k', '3');
    expect(s.status, s.stderr).toBe(0);
    const hits = JSON.parse(s.stdout);
    expect(hits.model).toBe('optical-xx-ot+mse');
    expect(hits.results).toHaveLength(3);

  });

  it('bad folders and uncached names: one-line errors naming the file or the folder to provide', () => {
    const bad = join(dir, 'bad');
    makeTinyModel(bad, { modelType: 'xlm-roberta', tokenizer: 'bpe' });
    const cfg = JSON.parse(readFileSync(join(bad, 'config.json'), 'utf8'));
    cfg.model_type = 'gpt2';
    writeFileSync(join(bad, 'config.json'), JSON.stringify(cfg));
    const bitext = `lines:${join(dir, 'xx.txt')}:${join(dir, 'en.txt')}`;
    const a = run('distill', '--teacher', bad, '--lang', 'xx', '--bitext', bitext, '--objective', 'mse', '--out', join(dir, 'x'));
    expect(a.status).toBe(2);
    expect(a.stderr).toMatch(/bad\/config\.json: field "model_type": unsupported "gpt2"/);
    noStack(a.stderr);
    const b = run('distill', '--teacher', 'someone/not-cached', '--lang', 'xx', '--bitext', bitext, '--objective', 'mse', '--out', join(dir, 'x'));
    expect(b.status).toBe(2);
    expect(b.stderr).toMatch(/cannot be fetched \(offline: HF_HUB_OFFLINE=1\)/);
    expect(b.stderr).toContain(join(dir, 'cache', 'hf', 'someone--not-cached'));
    noStack(b.stderr);
  });
});
