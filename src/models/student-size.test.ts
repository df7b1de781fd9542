/** Student sizes (issue 7): shapes, the per-group initialisation, the projection, ONNX = tfjs, save/load, training from scratch. */
import { describe, it, expect, beforeAll } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TOY_ENG_16, toyLanguage } from '../../test/toy-bitext.ts';
import { loadUseLite } from './use-lite.ts';
import type { KonaEncoder } from './encoder.ts';
import { konaParamShapes } from './kona.ts';
import { createStudent, describeInitPlan, loadStudent, sizedConfig, studentInitPlan } from './student.ts';
import { makeObjective } from '../distill/objectives.ts';
import { train, teacherTargets } from '../distill/trainer.ts';

const SRC = TOY_ENG_16.map(toyLanguage);
let teacher: KonaEncoder;
const make = (width: number, depth: number, seed = 5) => createStudent(teacher, { vocab: 'teacher', ngram: null, width, depth, seed });
const data = (s: KonaEncoder, name: string) => Array.from(s.params[name]!.dataSync());

describe('student sizes', () => {
  beforeAll(async () => {
    teacher = await loadUseLite();
  });

  it('width × depth give the stated shapes; a narrower student projects to the teacher width 512', async () => {
    expect(JSON.stringify(sizedConfig(teacher.cfg, {}))).toBe(JSON.stringify(teacher.cfg));
    for (const [W, D] of [[128, 1], [256, 2], [512, 1], [512, 4]] as const) {
      const s = await make(W, D);
      expect(s.cfg.layers.map((l) => [l.inDim, l.hidden, l.heads, l.ffn])).toEqual(Array.from({ length: D }, (_, l) => [l === 0 ? 256 : W, W, 4, 3 * W]));
      expect(s.dim).toBe(512);
      const shapes = konaParamShapes(s.cfg);
      for (const [k, t] of Object.entries(s.params)) expect(t.shape).toEqual(shapes[k]);
      expect(s.params['proj.weight']?.shape).toEqual(W === 512 ? undefined : [W, 512]);
      expect(s.params['pooler.tanh.weight']!.shape).toEqual([512, 512]);
      expect(s.params[`layers.${D - 1}.ffn.fc2.weight`]!.shape).toEqual([3 * W, W]);
      expect(s.params['layers.0.residual.weight']?.shape).toEqual(W === 256 ? undefined : [256, W]);
      expect(s.encode(['habari']).embeddings).toHaveLength(512);
      s.dispose();
    }
    expect(() => sizedConfig(teacher.cfg, { width: 130 })).toThrow(/multiple of the 4 attention heads/);
    expect(() => sizedConfig(teacher.cfg, { depth: 0 })).toThrow(/depth must be an integer ≥ 1/);
  });

  it('groups are copied from the teacher where every shape matches, else seeded from scratch', async () => {
    const plan = (W: number, D: number) => describeInitPlan(studentInitPlan(teacher, sizedConfig(teacher.cfg, { width: W, depth: D }), 'teacher'));
    expect(plan(512, 2)).toBe('teacher: layers.0, layers.1, pooler');
    expect(plan(512, 4)).toBe('teacher: layers.0, layers.1, pooler; scratch: layers.2, layers.3');
    expect(plan(512, 1)).toBe('teacher: layers.0, pooler');
    expect(plan(128, 1)).toBe('teacher: pooler; scratch: layers.0, proj');
    expect(plan(256, 2)).toBe('teacher: pooler; scratch: layers.0, layers.1, proj');
    expect(describeInitPlan(studentInitPlan(teacher, teacher.cfg, 'random'))).toBe('scratch: layers.0, layers.1, pooler');

    const deep = await make(512, 4);
    expect(data(deep, 'layers.1.attn.qkv.weight')).toEqual(data(teacher, 'layers.1.attn.qkv.weight'));
    expect(data(deep, 'pooler.tanh.weight')).toEqual(data(teacher, 'pooler.tanh.weight'));
    expect(data(deep, 'layers.2.attn.qkv.weight')).not.toEqual(data(deep, 'layers.1.attn.qkv.weight'));
    // seeded: the same seed gives the same scratch weights, another seed others
    const again = await make(512, 4);
    const other = await make(512, 4, 6);
    expect(data(again, 'layers.3.ffn.fc1.weight')).toEqual(data(deep, 'layers.3.ffn.fc1.weight'));
    expect(data(other, 'layers.3.ffn.fc1.weight')).not.toEqual(data(deep, 'layers.3.ffn.fc1.weight'));
    // 256 × 2's layer 0 attention has the teacher's shapes, but its FFN does not: the whole layer starts from scratch
    const mid = await make(256, 2);
    expect(data(mid, 'layers.0.attn.qkv.weight')).not.toEqual(data(teacher, 'layers.0.attn.qkv.weight'));
    [deep, again, other, mid].forEach((s) => s.dispose());
  });

  it('a narrow student: ONNX Runtime equals tfjs, save → load → encode is identical, and it trains from scratch (loss falls)', async () => {
    const s = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC, width: 128, depth: 1, seed: 2 });
    const onnx = s.encode(SRC.slice(0, 6), { engine: 'onnx', tokens: true });
    const tfjs = s.encode(SRC.slice(0, 6), { engine: 'tfjs', tokens: true });
    const maxAbs = (a: Float32Array, b: Float32Array) => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);
    expect(maxAbs(onnx.embeddings, tfjs.embeddings)).toBeLessThan(1e-4);
    expect(onnx.tokens![0]!.length).toBe(512 * s.featurize(SRC[0]!).ids.length);

    const root = mkdtempSync(join(tmpdir(), 'optical-size-'));
    const targets = teacherTargets(teacher, TOY_ENG_16, true);
    const losses: number[] = [];
    await train({
      student: s, src: SRC, targets, objective: makeObjective('ot+mse'), outDir: join(root, 's'),
      steps: 24, batchSize: 4, lr: 2e-3, tableLr: 3e-3, seed: 3, threads: 1, onStep: (x) => losses.push(x.loss),
    });
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // 24 steps of batch 4 = 6 passes over the 16 pairs: the last pass's mean loss is below the first's
    expect(mean(losses.slice(-4))).toBeLessThan(mean(losses.slice(0, 4)));
    const loaded = await loadStudent(join(root, 's'));
    expect(loaded.cfg.outDim).toBe(512);
    expect(Array.from(loaded.encode(SRC.slice(0, 4)).embeddings)).toEqual(Array.from(s.encode(SRC.slice(0, 4)).embeddings));
    loaded.dispose();
    s.dispose();

    // data parallelism reaches the projection: 2 threads equal 1 thread (losses and weights, float32 rounding)
    const twin = async (threads: number) => {
      const st = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC, width: 128, depth: 1, seed: 2 });
      const l: number[] = [];
      await train({ student: st, src: SRC, targets, objective: makeObjective('ot'), outDir: join(root, `t${threads}`), steps: 3, batchSize: 8, lr: 2e-3, seed: 3, threads, engine: 'tfjs', onStep: (x) => l.push(x.loss) });
      const w = Array.from(st.params['proj.weight']!.dataSync());
      st.dispose();
      return { l, w };
    };
    const one = await twin(1);
    const two = await twin(2);
    two.l.forEach((x, i) => expect(x).toBeCloseTo(one.l[i]!, 5));
    expect(maxAbs(Float32Array.from(two.w), Float32Array.from(one.w))).toBeLessThan(1e-5);
    // and the projection trained (it moved from its seeded start)
    const start = await createStudent(teacher, { vocab: 'teacher', ngram: null, lexical: true, texts: SRC, width: 128, depth: 1, seed: 2 });
    expect(maxAbs(Float32Array.from(one.w), Float32Array.from(data(start, 'proj.weight')))).toBeGreaterThan(1e-4);
    start.dispose();
  }, 120_000);
});
