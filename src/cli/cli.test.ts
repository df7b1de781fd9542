import { TOY_ENG_20, toyLanguage } from '../../test/toy-bitext.ts';
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data' } });

describe('optical CLI', () => {
  it('--help works on every command', () => {
    for (const cmd of [[], ['distill'], ['eval', 'mining'], ['demo'], ['experiment', 'run'], ['cache', 'list'], ['cache', 'clear']]) {
      const r = run(...cmd, '--help');
      expect(r.status, cmd.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage: optical/);
    }
  });

  it('eval mining --json prints n, src2tgt, tgt2src (gzipped input accepted); --score csls --k; bad --score and --k are one-line errors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-'));
    const eng = ['How old are you?', 'The cat sleeps.', 'I love music.', 'Where is the station?'];
    writeFileSync(join(dir, 'src.txt.gz'), gzipSync(eng.join('\n') + '\n'));
    writeFileSync(join(dir, 'tgt.txt'), eng.join('\n') + '\n');
    const r = run('eval', 'mining', '--model', 'teacher', '--src', join(dir, 'src.txt.gz'), '--tgt', join(dir, 'tgt.txt'), '--json');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.n).toBe(4);
    // the teacher retrieves identical English sentences perfectly
    expect(out.src2tgt).toBe(1);
    expect(out.tgt2src).toBe(1);
    expect(out.score).toBe('cosine');
    const c = run('eval', 'mining', '--model', 'teacher', '--src', join(dir, 'src.txt.gz'), '--tgt', join(dir, 'tgt.txt'), '--score', 'csls', '--k', '2', '--json');
    expect(c.status, c.stderr).toBe(0);
    expect(JSON.parse(c.stdout)).toMatchObject({ score: 'csls', k: 2, n: 4, src2tgt: 1, tgt2src: 1 });
    for (const [flags, msg] of [[['--score', 'hub'], /--score must be one of cosine, csls, margin, got "hub"/], [['--score', 'csls', '--k', '9'], /--k 9 is more than the 4 sentence pairs/], [['--k', '0.5'], /--k must be a positive integer/]] as const) {
      const bad = run('eval', 'mining', '--model', 'teacher', '--src', join(dir, 'src.txt.gz'), '--tgt', join(dir, 'tgt.txt'), ...flags);
      expect(bad.status).toBe(2);
      expect(bad.stderr).toMatch(msg);
      expect(bad.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('bad input gives a one-line error naming the file, exit code 2, no stack trace', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-'));
    writeFileSync(join(dir, 'a.txt'), 'one\ntwo\n');
    writeFileSync(join(dir, 'b.txt'), 'one\n');
    const r = run('eval', 'mining', '--model', 'teacher', '--src', join(dir, 'a.txt'), '--tgt', join(dir, 'b.txt'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/a\.txt has 2 lines but .*b\.txt has 1/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = run('eval', 'mining', '--model', 'teacher', '--src', join(dir, 'nope.txt'), '--tgt', join(dir, 'b.txt'));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nope\.txt/);
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });

  it('distill rejects unknown bitext schemes and missing data with clear messages', () => {
    const r = run('distill', '--lang', 'xx', '--bitext', 'nope:foo', '--objective', 'mse', '--out', join(tmpdir(), 'x'));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/optical: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const bad = run('distill', '--lang', 'xx', '--bitext', 'bible:Swahili', '--objective', 'kl', '--out', join(tmpdir(), 'x'));
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/unknown objective "kl" \(valid: mse, ot/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('distill → eval mining end to end on a tiny bitext made here; the closed-form init is cached across runs', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-'));
    const eng = TOY_ENG_20;
    const toy = toyLanguage;
    writeFileSync(join(dir, 'xx.txt'), eng.map(toy).join('\n') + '\n');
    writeFileSync(join(dir, 'en.txt'), eng.join('\n') + '\n');
    const env = { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data', OPTICAL_CACHE: join(dir, 'cache') };
    const distill = (out: string, objective: string, ...extra: string[]) =>
      spawnSync(process.execPath, [BIN, 'distill', '--lang', 'xx', '--bitext', `lines:${join(dir, 'xx.txt')}:${join(dir, 'en.txt')}`, '--objective', objective, '--out', join(dir, out), '--steps', '3', '--batch', '8', '--json', ...extra], { encoding: 'utf8', env });
    const training = (out: string) => JSON.parse(readFileSync(join(dir, out, 'config.json'), 'utf8')).training;
    const a = distill('a', 'mse');
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ objective: 'mse', pairs: 20, steps: 3 });
    expect(a.stderr).toMatch(/closed-form initialisation \(ridge/);
    expect(a.stderr).toMatch(/closed-form refit after training/);
    expect(training('a').refit.lambda).toBeGreaterThan(0);
    expect(training('a').sentence).toBeUndefined();
    // the linear head (default weight 1, λ 0.5), saved with the student; --linear-mix 0 fits none
    expect(a.stderr).toMatch(/linear head: fitted in/);
    expect(training('a').linear).toMatchObject({ lambda: 0.5, weight: 1 });
    expect(readFileSync(join(dir, 'a', 'model.safetensors')).subarray(0, 20000).toString('latin1')).toContain('"linear.mix"');
    const n = distill('n', 'mse', '--linear-mix', '0');
    expect(n.status, n.stderr).toBe(0);
    expect(training('n').linear).toBeUndefined();
    const neg = distill('neg', 'mse', '--linear-mix', '-1');
    expect(neg.status).toBe(2);
    expect(neg.stderr).toMatch(/--linear-mix expects a number ≥ 0, got "-1"/);
    // --sentence-skip: the same run plus the closed-form sentence skip, saved with the student
    const s = distill('s', 'mse', '--sentence-skip');
    expect(s.status, s.stderr).toBe(0);
    expect(s.stderr).toMatch(/sentence skip: fitted with λ = /);
    expect(training('s').sentence.lambda).toBeGreaterThan(0);
    const saved = readFileSync(join(dir, 's', 'model.safetensors'));
    expect(saved.subarray(0, 20000).toString('latin1')).toContain('"sentence.weight"');
    // --no-refit keeps the trained table; a later --resume (as after a run stopped during its refit) refits
    // the finished student without training again
    const c = distill('c', 'mse', '--no-refit');
    expect(c.status, c.stderr).toBe(0);
    expect(training('c').refit).toBeUndefined();
    const log = readFileSync(join(dir, 'c', 'train.jsonl'), 'utf8');
    const c2 = distill('c', 'mse', '--resume');
    expect(c2.status, c2.stderr).toBe(0);
    expect(c2.stderr).toMatch(/training already finished/);
    // the summary gives the loss of the last logged step (it was NaN, printed null)
    const lastLoss = (JSON.parse(log.trimEnd().split('\n').at(-1)!) as { loss: number }).loss;
    expect(JSON.parse(c2.stdout)).toMatchObject({ steps: 3, loss: lastLoss });
    expect(readFileSync(join(dir, 'c', 'train.jsonl'), 'utf8')).toBe(log);
    expect(training('c')).toMatchObject({ steps: 3, refit: { lambda: training('a').refit.lambda } });
    // the same configuration refitted at the end of one run or on resume gives the same student
    expect(readFileSync(join(dir, 'c', 'model.safetensors')).equals(readFileSync(join(dir, 'a', 'model.safetensors')))).toBe(true);
    const b = distill('b', 'ot');
    expect(b.status, b.stderr).toBe(0);
    expect(b.stderr).toMatch(/initialisation loaded from the cache/);
    const m = spawnSync(process.execPath, [BIN, 'eval', 'mining', '--model', join(dir, 'b'), '--src', join(dir, 'xx.txt'), '--tgt', join(dir, 'en.txt'), '--json'], { encoding: 'utf8', env });
    expect(m.status, m.stderr).toBe(0);
    const r = JSON.parse(m.stdout);
    expect(r.n).toBe(20);
    // trained on these very pairs: far above chance (1/20)
    expect(r.src2tgt).toBeGreaterThan(0.5);
  });

  it('distill: Ctrl-C stops after the current step with a checkpoint (exit 130, says how to continue); --resume finishes', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-stop-'));
    writeFileSync(join(dir, 'xx.txt'), TOY_ENG_20.map(toyLanguage).join('\n') + '\n');
    writeFileSync(join(dir, 'en.txt'), TOY_ENG_20.join('\n') + '\n');
    const env = { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data', OPTICAL_CACHE: join(dir, 'cache') };
    const args = [BIN, 'distill', '--lang', 'xx', '--bitext', `lines:${join(dir, 'xx.txt')}:${join(dir, 'en.txt')}`, '--objective', 'ot', '--out', join(dir, 's'), '--steps', '100', '--batch', '4', '--json', '--quiet'];
    const child = spawn(process.execPath, args, { env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const log = join(dir, 's', 'train.jsonl');
    const lines = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).length : 0);
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    while (lines() < 2) await new Promise((r) => setTimeout(r, 100));
    child.kill('SIGINT');
    expect(await exited, stderr).toBe(130);
    const m = /optical: training stopped at step (\d+) of 100; checkpoint written to .*checkpoint; run the same command with --resume to continue/.exec(stderr);
    expect(m, stderr).not.toBeNull();
    const at = Number(m![1]);
    expect(at).toBeLessThan(100);
    expect(JSON.parse(readFileSync(join(dir, 's', 'checkpoint', 'state.json'), 'utf8')).step).toBe(at);
    const r = spawnSync(process.execPath, [...args, '--resume'], { encoding: 'utf8', env });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ steps: 100 });
    expect(existsSync(join(dir, 's', 'checkpoint'))).toBe(false);
  }, 240_000);

  it('distill: Ctrl-C before training (loading, teacher outputs, closed-form initialisation) ends the run at once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-stop0-'));
    writeFileSync(join(dir, 'xx.txt'), TOY_ENG_20.map(toyLanguage).join('\n') + '\n');
    writeFileSync(join(dir, 'en.txt'), TOY_ENG_20.join('\n') + '\n');
    const env = { ...process.env, OPTICAL_DATA: '/nonexistent-optical-data', OPTICAL_CACHE: join(dir, 'cache') };
    const child = spawn(process.execPath, [BIN, 'distill', '--lang', 'xx', '--bitext', `lines:${join(dir, 'xx.txt')}:${join(dir, 'en.txt')}`, '--objective', 'ot', '--out', join(dir, 's'), '--steps', '100', '--batch', '4'], { env });
    let stderr = '';
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    await new Promise<void>((resolve) =>
      child.stderr.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/^bitext: /m.test(stderr)) resolve();
      }),
    );
    child.kill('SIGINT');
    // no handler outside training: the default action, not a deferred stop after the synchronous phase
    expect(await exited, stderr).toEqual({ code: null, signal: 'SIGINT' });
    expect(existsSync(join(dir, 's', 'train.jsonl'))).toBe(false);
  }, 120_000);

  it('experiment run: a bad config is a one-line error naming the file and the field, exit code 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'optical-cli-exp-'));
    const f = join(dir, 'c.json');
    writeFileSync(f, JSON.stringify({ name: 'c', languages: [{ code: 'x', group: 'low', bitext: ['lines:a:b'], eval: { dev: 'lines:c:d' } }], methods: [{ name: 'o', kind: 'distill', objective: 'ot', options: { stpes: 3 } }] }));
    const r = run('experiment', 'run', f, '--out', join(dir, 'out'));
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe(`optical: ${f}: $.methods[0].options.stpes: unknown option for kind distill (valid: epochs, steps, batch, lr, tableLr, lexicalLr, dropout, vocab, vocabSize, lexical, inputNgrams, init, temperature, learnTemperature, objectiveLr, checkpointEvery, student, ot, width, depth, augment, sentenceSkip, linearMix, linearLambda)`);
  });

  it('distill: bad --ot-marginals and --ot-tau are refused before any work', () => {
    const r = run('distill', '--lang', 'x', '--bitext', 'lines:a:b', '--objective', 'ot', '--out', '/tmp/never', '--ot-marginals', 'tf');
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--ot-marginals must be one of uniform, idf, norm');
    const t = run('distill', '--lang', 'x', '--bitext', 'lines:a:b', '--objective', 'ot', '--out', '/tmp/never', '--ot-tau', '0');
    expect(t.stderr).toContain('--ot-tau must be > 0');
  });

  it('distill: bad --width, --depth and --augment are refused before any work', () => {
    const base = ['distill', '--lang', 'x', '--bitext', 'lines:a:b', '--objective', 'ot', '--out', '/tmp/never'];
    const w = run(...base, '--width', '130');
    expect(w.status).toBe(2);
    expect(w.stderr.trim()).toBe('optical: student width must be a positive multiple of the 4 attention heads, got 130');
    expect(run(...base, '--depth', '0').stderr.trim()).toBe('optical: student depth must be an integer ≥ 1, got 0');
    expect(run(...base, '--augment', '1.5').stderr.trim()).toBe('optical: --augment must be a noise rate in (0, 1], got 1.5');
    expect(run(...base, '--width', '128', '--student', 'init:/tmp/x').stderr.trim()).toBe('optical: --width and --depth apply only to students created from the USE-lite teacher (no --teacher, --student or --clip)');
  });
});
