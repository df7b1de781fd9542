import { describe, it, expect } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadUseLite, runUseLiteGraph } from './use-lite.ts';
import { resolveTestData } from '../../test/data.ts';

const dataDir = resolveTestData();
const engFile = dataDir && join(dataDir, 'tatoeba', 'tatoeba.swh-eng.eng');

describe.skipIf(!engFile || !existsSync(engFile))('USE-lite teacher parity with the shipped graph (needs ../shared/data)', () => {
  it('sentence embeddings equal tfjs-converter execution within 1e-4 max-abs on 150 Tatoeba sentences', async () => {
    const sentences = readFileSync(engFile!, 'utf8').split('\n').filter(Boolean).slice(0, 150);
    // add long inputs that exercise the 128-piece clipping
    sentences.push(sentences.slice(0, 40).join(' '));
    const teacher = await loadUseLite();
    const ids = sentences.map((s) => teacher.tokenizer.encode(s));
    expect(ids.some((s) => s.length > 128)).toBe(true);
    const ref = await runUseLiteGraph(ids);
    const ours = teacher.encode(sentences).embeddings;
    expect(ours.length).toBe(ref.length);
    let maxAbs = 0;
    for (let i = 0; i < ref.length; i++) maxAbs = Math.max(maxAbs, Math.abs(ref[i]! - ours[i]!));
    expect(maxAbs).toBeLessThan(1e-4);
  });

  it('exposes token states [len, 512] that are not pooled away', async () => {
    const teacher = await loadUseLite();
    const r = teacher.encode(['How old are you?', 'What is your age?'], { tokens: true });
    const n0 = teacher.tokenizer.encode('How old are you?').length;
    expect(r.tokens![0]!.length).toBe(n0 * 512);
    let cos = 0;
    for (let j = 0; j < 512; j++) cos += r.embeddings[j]! * r.embeddings[512 + j]!;
    expect(cos).toBeGreaterThan(0.7); // measured 0.846 upstream (../shared/models/USE-LITE.md)
  });
});
