/**
 * Image search end to end on a tiny CLIP ONNX model and PNGs written by the test: `indexImages` (vision tower
 * → flat store), text queries by CLIP's text tower and by a student distilled from it; the index's ranking and
 * R@k agree with brute-force cosine evaluation; models of another space are refused; the CLI
 * (`optical index --images`, `optical search --clip`) as a user runs it, with one-line errors.
 */
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { writeTinyClip } from '../../test/onnx-clip.ts';
import { ClipModel } from '../models/clip/index.ts';
import { evaluateImageRetrieval } from '../eval/image-retrieval.ts';
import { SearchIndex } from './search-index.ts';
import { indexImages, clipQueryEncoder, listImages } from './images.ts';

const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'optical.js');
const run = (...args: string[]) => spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
const COLOURS: [string, number[]][] = [['red', [230, 20, 20]], ['green', [20, 200, 40]], ['blue', [30, 40, 220]], ['yellow', [240, 230, 30]], ['black', [5, 5, 5]], ['white', [250, 250, 250]]];
const CAPTIONS = COLOURS.map(([c]) => `a ${c} square`);
let root: string;
let clip: ClipModel;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'optical-images-'));
  writeTinyClip(join(root, 'clip'), { seed: 1 });
  mkdirSync(join(root, 'img', 'sub'), { recursive: true });
  for (const [i, [name, rgb]] of COLOURS.entries()) {
    const buf = Buffer.alloc(40 * 36 * 3);
    for (let p = 0; p < 40 * 36; p++) buf.set(rgb.map((v) => (v + ((p * 7 + i * 13) % 23)) % 256), p * 3);
    await sharp(buf, { raw: { width: 40, height: 36, channels: 3 } }).png().toFile(join(root, 'img', i < 4 ? '' : 'sub', `${name}.png`));
  }
  writeFileSync(join(root, 'img', 'notes.txt'), 'not an image');
  clip = await ClipModel.load(join(root, 'clip'));
});

describe('image index and text→image search', () => {
  it('lists images recursively (sorted), indexes them, and ranks as brute force does; R@k agree', async () => {
    const files = listImages(join(root, 'img'));
    expect(files).toEqual(['blue.png', 'green.png', 'red.png', join('sub', 'black.png'), join('sub', 'white.png'), 'yellow.png'].sort());
    const r = await indexImages({ clip: join(root, 'clip'), images: join(root, 'img'), out: join(root, 'ix'), store: 'flat' });
    expect(r).toMatchObject({ added: 6, count: 6, space: { teacher: 'clip:optical-test/tiny-clip', dim: 24 } });

    const index = await SearchIndex.open(join(root, 'ix'));
    const hits = await index.searchTexts(CAPTIONS, await clipQueryEncoder(join(root, 'clip'), CAPTIONS), 6);
    await index.close();
    const texts = (await clip.encodeText(CAPTIONS)).embeddings;
    const images = (await clip.encodeImages(files.map((f) => join(root, 'img', f)))).embeddings;
    const gold = CAPTIONS.map((_, i) => files.findIndex((f) => f.endsWith(`${COLOURS[i]![0]}.png`)));
    const ev = evaluateImageRetrieval(texts, images, gold, 24, [1, 5, 10]);
    CAPTIONS.forEach((_, q) => {
      // rank of the gold image in the index's results = the evaluator's rank
      const pos = hits[q]!.findIndex((h) => h.id === files[gold[q]!]);
      expect(pos + 1).toBe(ev.rank.textToImage[q]);
      // scores are cosines of the two towers' outputs
      const i = files.indexOf(hits[q]![0]!.id);
      let cos = 0;
      for (let d = 0; d < 24; d++) cos += texts[q * 24 + d]! * images[i * 24 + d]!;
      expect(hits[q]![0]!.score).toBeCloseTo(cos, 5);
    });
    expect(ev.recall.textToImage[10]).toBe(1); // 6 images: every gold image is within the top 10
  });

  it('refuses a query model of another space and a folder without images', async () => {
    const index = await SearchIndex.open(join(root, 'ix'));
    expect(() => index.checkModel({ meta: { name: 'use-lite' }, dim: 512 })).toThrow(/does not map into the space of this index/);
    await index.close();
    mkdirSync(join(root, 'empty'));
    expect(() => listImages(join(root, 'empty'))).toThrow(/empty: no images/);
  });

  it('CLI: optical index --images --clip; optical search --clip --json; errors are one line', () => {
    const a = run('index', '--images', join(root, 'img'), '--clip', join(root, 'clip'), '--out', join(root, 'cli-ix'), '--store', 'flat', '--json', '--quiet');
    expect(a.status, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout)).toMatchObject({ added: 6, count: 6, space: { teacher: 'clip:optical-test/tiny-clip', dim: 24 } });
    const s = run('search', '--index', join(root, 'cli-ix'), '--clip', join(root, 'clip'), '--query', 'a red square', '-k', '3', '--json');
    expect(s.status, s.stderr).toBe(0);
    const out = JSON.parse(s.stdout);
    expect(out.model).toBe('clip-text:optical-test/tiny-clip');
    expect(out.results).toHaveLength(3);
    const e = run('index', '--images', join(root, 'img'), '--out', join(root, 'x'));
    expect(e.status).toBe(2);
    expect(e.stderr.trim()).toBe('optical: --images needs --clip DIR (the CLIP model whose vision tower encodes the images)');
  });
});
