/**
 * `npm run bench:multi30k-clip -- --clip DIR --images DIR` — zero-shot cross-lingual text→image retrieval on
 * Multi30k test2016 with real CLIP weights (not runnable on the development machines: no weights there).
 *
 *   --clip DIR     CLIP in the transformers.js layout (e.g. Xenova/clip-vit-base-patch32: onnx/text_model.onnx,
 *                  onnx/vision_model.onnx, tokenizer.json, tokenizer_config.json, config.json,
 *                  preprocessor_config.json)
 *   --images DIR   the Flickr30k images (flickr30k-images/, file names as in multi30k test_2016_flickr.txt)
 *
 * Rows: CLIP zero-shot (CLIP's English text tower on the English captions — the reference — and on the X
 * captions), then one student per language × method, distilled through `distillClip` on a seeded sample of
 * Multi30k train (`multi30k:LANG`; test2016 never used for training). Metrics: text→image and image→text
 * R@1/5/10 and mean recall (src/eval/image-retrieval.ts); 1,000 captions, 1,000 images.
 *
 * Flags: --langs de,fr,cs  --methods mse,ot,contrastive,ot+mse  --student init:DIR (default: a Kona student
 *        from USE-lite; CLIP ViT-B/32 and B/16 have D = 512)  --max-pairs N  --steps N | --epochs N
 *        --out DIR (students)  --data-dir DIR  --tag NAME (results/multi30k-clip-NAME.*)
 */
import { parseArgs } from 'node:util';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir, cpus } from 'node:os';
import { ClipModel } from '../src/models/clip/index.ts';
import { distillClip } from '../src/distill/clip.ts';
import { DISTILL_DEFAULTS } from '../src/distill/pipeline.ts';
import { evaluateImageRetrieval, goldFromImageNames, type ImageRetrievalResult } from '../src/eval/index.ts';
import { loadMulti30kCaptions, resolveDataDir } from '../src/data/index.ts';
import { atomicWriteFile } from '../src/util/fs.ts';
import { InputError } from '../src/errors.ts';

const { values: args } = parseArgs({
  options: {
    clip: { type: 'string' },
    images: { type: 'string' },
    langs: { type: 'string', default: 'de,fr,cs' },
    methods: { type: 'string', default: 'mse,ot,contrastive,ot+mse' },
    student: { type: 'string' },
    'max-pairs': { type: 'string' },
    steps: { type: 'string' },
    epochs: { type: 'string' },
    out: { type: 'string', default: join(tmpdir(), 'optical-bench-multi30k-clip') },
    'data-dir': { type: 'string' },
    tag: { type: 'string' },
  },
});
if (!args.clip || !args.images) throw new InputError('usage: npm run bench:multi30k-clip -- --clip CLIP_DIR --images FLICKR30K_IMAGES_DIR [--langs de,fr,cs] [--methods mse,ot]');
const started = new Date();
const t00 = performance.now();
const dataDir = resolveDataDir(args['data-dir']);
const eng = loadMulti30kCaptions(dataDir, 'en', 'test2016');
const { images, gold } = goldFromImageNames(eng.images);
const missing = images.find((f) => !existsSync(join(args.images!, f)));
if (missing) throw new InputError(`image ${missing} of test_2016_flickr.txt is not in the image folder`, args.images);

const clip = await ClipModel.load(args.clip);
console.error(`encoding ${images.length} images with ${clip.name}`);
const imageEmb = (await clip.encodeImages(images.map((f) => join(args.images!, f)))).embeddings;
const D = clip.dim;
interface Row { lang: string; method: string; r: ImageRetrievalResult; steps?: number; seconds: number }
const rows: Row[] = [];
const evalTexts = (texts: Float32Array) => evaluateImageRetrieval(texts, imageEmb, gold, D);
let t0 = performance.now();
rows.push({ lang: 'en', method: 'CLIP zero-shot', r: evalTexts((await clip.encodeText(eng.texts)).embeddings), seconds: (performance.now() - t0) / 1000 });
const langs = args.langs.split(',');
for (const lang of langs) {
  t0 = performance.now();
  const caps = loadMulti30kCaptions(dataDir, lang, 'test2016');
  if (caps.images.join() !== eng.images.join()) throw new InputError(`test2016 ${lang} image list differs from the English one`, dataDir);
  rows.push({ lang, method: 'CLIP zero-shot', r: evalTexts((await clip.encodeText(caps.texts)).embeddings), seconds: (performance.now() - t0) / 1000 });
}
await clip.release();
for (const lang of langs) {
  const caps = loadMulti30kCaptions(dataDir, lang, 'test2016');
  for (const method of args.methods.split(',')) {
    t0 = performance.now();
    const r = await distillClip({
      ...DISTILL_DEFAULTS, lang, clip: args.clip, student: args.student, bitext: [`multi30k:${lang}`], dataDir, objective: method,
      maxPairs: args['max-pairs'] ? Number(args['max-pairs']) : undefined, steps: args.steps ? Number(args.steps) : undefined,
      epochs: args.epochs ? Number(args.epochs) : DISTILL_DEFAULTS.epochs, out: join(args.out, `${lang}-${method}`),
    }, { log: (m) => console.error(`[${lang} ${method}] ${m}`) });
    const ev = evalTexts(r.student.encode(caps.texts).embeddings);
    r.student.dispose();
    rows.push({ lang, method, r: ev, steps: r.steps, seconds: (performance.now() - t0) / 1000 });
    console.error(`[${lang} ${method}] t2i R@1 ${(100 * ev.recall.textToImage[1]!).toFixed(1)}%  mR ${(100 * ev.meanRecall).toFixed(1)}%`);
  }
}

const pct = (x: number) => (100 * x).toFixed(1);
const cmd = `npm run bench:multi30k-clip -- ${process.argv.slice(2).join(' ')}`;
const md = [
  `Multi30k test2016 text↔image retrieval (${eng.texts.length} captions, ${images.length} images), CLIP ${clip.name}; students distilled on Multi30k train (multi30k:LANG).`,
  `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}); ${started.toISOString().slice(0, 10)}; total ${Math.round((performance.now() - t00) / 1000)} s. Command: ${cmd}`,
  '',
  '| lang | method | t2i R@1 | R@5 | R@10 | i2t R@1 | R@5 | R@10 | mR | steps | wall time |',
  '|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ...rows.map(({ lang, method, r, steps, seconds }) => `| ${lang} | ${method} | ${pct(r.recall.textToImage[1]!)} | ${pct(r.recall.textToImage[5]!)} | ${pct(r.recall.textToImage[10]!)} | ${pct(r.recall.imageToText[1]!)} | ${pct(r.recall.imageToText[5]!)} | ${pct(r.recall.imageToText[10]!)} | ${pct(r.meanRecall)} | ${steps ?? '-'} | ${Math.round(seconds)}s |`),
].join('\n') + '\n';
process.stdout.write('\n' + md);
mkdirSync('results', { recursive: true });
const tag = args.tag ? `-${args.tag}` : '';
atomicWriteFile(join('results', `multi30k-clip${tag}.md`), md);
atomicWriteFile(join('results', `multi30k-clip${tag}.json`), JSON.stringify({ date: started.toISOString(), clip: clip.name, command: cmd, rows: rows.map(({ r, ...x }) => ({ ...x, aggregate: r.aggregate })) }, null, 2) + '\n');
