/**
 * Distilling CLIP's text tower (a tiny CLIP ONNX model made by the test) into a tiny Hugging Face student with
 * a projection added to CLIP's width: the text-embedding distance to the teacher falls under `mse`, `ot+mse`
 * and `contrastive`, `ot` lowers its own loss, seeded runs agree, and the student records its CLIP teacher.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { writeTinyClip } from '../../test/onnx-clip.ts';
import { makeTinyModel } from '../models/hf/testing.ts';
import { ClipModel } from '../models/clip/index.ts';
import { DISTILL_DEFAULTS } from './pipeline.ts';
import { distillClip, type ClipDistillConfig } from './clip.ts';
import type { SentenceEncoder } from '../models/types.ts';

const SRC = TOY_ENG_16.map(toyLanguage);
let root: string;
let teacher: Float32Array; // [16, D] normalised CLIP text embeddings of the English side

const cfg = (objective: string, steps: number, out: string): ClipDistillConfig => ({
  ...DISTILL_DEFAULTS, lang: 'xx', clip: join(root, 'clip'), student: `init:${join(root, 'student-init')}`,
  bitext: [`lines:${join(root, 'xx.txt')}:${join(root, 'en.txt')}`], dataDir: root, objective, steps, batch: 4,
  lr: 3e-3, tableLr: 1e-2, dropout: 0, seed: 5, out: join(root, out), checkpointEvery: 1000,
});
/** mean ‖ŝ − t̂‖² over the 16 pairs */
const distance = (s: SentenceEncoder) => {
  const e = s.encode(SRC).embeddings;
  let d = 0;
  for (let i = 0; i < e.length; i++) d += (e[i]! - teacher[i]!) ** 2;
  return d / SRC.length;
};

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'optical-clip-distill-'));
  writeFileSync(join(root, 'xx.txt'), SRC.join('\n') + '\n');
  writeFileSync(join(root, 'en.txt'), TOY_ENG_16.join('\n') + '\n');
  writeTinyClip(join(root, 'clip'), { seed: 3 });
  makeTinyModel(join(root, 'student-init'), { modelType: 'xlm-roberta', tokenizer: 'bpe', seed: 2 });
  const clip = await ClipModel.load(join(root, 'clip'));
  teacher = (await clip.encodeText(TOY_ENG_16)).embeddings;
  await clip.release();
});

describe('CLIP text-tower distillation', () => {
  it('mse: the distance to CLIP\'s text embeddings falls; seeded runs agree; the student records its teacher', async () => {
    const before = await distillClip(cfg('mse', 0, 'mse0'));
    expect(before.student.dim).toBe(24); // hidden 32 → a projection to D = 24 was added
    const d0 = distance(before.student);
    const a = await distillClip(cfg('mse', 20, 'mse-a'));
    const d1 = distance(a.student);
    expect(d1).toBeLessThan(0.5 * d0);
    const b = await distillClip(cfg('mse', 20, 'mse-b'));
    expect(Array.from(b.student.encode(SRC).embeddings)).toEqual(Array.from(a.student.encode(SRC).embeddings));
    const saved = JSON.parse(readFileSync(join(root, 'mse-a', 'config.json'), 'utf8'));
    expect(saved.optical.teacher).toBe('clip:optical-test/tiny-clip');
    expect(saved.optical.pooling).toBe('colbert');
  });

  it('ot lowers its loss; ot+mse and contrastive lower the distance', async () => {
    const d0 = distance((await distillClip(cfg('mse', 0, 'init0'))).student);
    const losses: number[] = [];
    await distillClip(cfg('ot', 20, 'ot'), { onStep: (s) => losses.push(s.loss) });
    const mean = (x: number[]) => x.reduce((a, b) => a + b, 0) / x.length;
    expect(mean(losses.slice(-4))).toBeLessThan(0.8 * mean(losses.slice(0, 4)));
    expect(distance((await distillClip(cfg('ot+mse', 20, 'otmse'))).student)).toBeLessThan(0.6 * d0);
    expect(distance((await distillClip(cfg('contrastive', 20, 'con'))).student)).toBeLessThan(d0);
  });

  it('default student: a Kona student from USE-lite when CLIP projects to 512', async () => {
    writeTinyClip(join(root, 'clip512'), { seed: 6, projection: 512 });
    const losses: number[] = [];
    const r = await distillClip({ ...cfg('ot+mse', 2, 'kona'), clip: join(root, 'clip512'), student: undefined }, { onStep: (s) => losses.push(s.loss) });
    expect(r.student.dim).toBe(512);
    expect(r.student.meta.teacher).toBe('clip:optical-test/tiny-clip');
    expect(losses).toHaveLength(2);
    expect(losses.every(Number.isFinite)).toBe(true);
    r.student.dispose();
  });

  it('refuses a continuing student of another teacher, and the default student when D ≠ 512', async () => {
    await expect(distillClip({ ...cfg('mse', 1, 'x'), student: undefined })).rejects.toThrow(/projection width is 24.*--student init:DIR/);
    writeTinyClip(join(root, 'clip2'), { seed: 4 });
    const other = JSON.parse(readFileSync(join(root, 'clip2', 'config.json'), 'utf8'));
    writeFileSync(join(root, 'clip2', 'config.json'), JSON.stringify({ ...other, _name_or_path: 'another/clip' }));
    await expect(distillClip({ ...cfg('mse', 1, 'y'), clip: join(root, 'clip2'), student: join(root, 'mse-a') })).rejects.toThrow(/distilled from clip:optical-test\/tiny-clip, not from clip:another\/clip/);
  });
});
