/**
 * Image-caption corpora: Multi30k task 1 (Flickr30k images, captions in en/de/fr/cs), Flickr30k's own
 * caption file (`results_20130124.token`) and Flickr30k-Entities `Sentences/*.txt`.
 *
 * A {@link Captions} set is line i = caption `texts[i]` of image `images[i]` (a file name such as
 * `1000092795.jpg`); several captions may share an image. Multi30k ships line-aligned gzipped caption files
 * per language and an image list per split (`<split>.txt`), so caption i of every language describes the
 * same image. Malformed input is an `InputError` naming the file and line.
 *
 * Splits: `train`, `val` (training / development), `test2016`, `test2017`, `mscoco2017`, `test2018`
 * (evaluation only: {@link loadMulti30kBitext} refuses them).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.ts';
import { readLines } from '../util/fs.ts';
import { emptyStats, isBlank, type Bitext } from './bitext.ts';

export const MULTI30K_LANGS = ['en', 'de', 'fr', 'cs'] as const;

/** Split name → file stem in the Multi30k `data/task1/raw` and `image_splits` folders. */
export const MULTI30K_SPLITS: Record<string, string> = {
  train: 'train',
  val: 'val',
  test2016: 'test_2016_flickr',
  test2017: 'test_2017_flickr',
  mscoco2017: 'test_2017_mscoco',
  test2018: 'test_2018_flickr',
};
/** Splits that may be used as training bitext. */
export const MULTI30K_TRAIN_SPLITS = ['train', 'val'] as const;

/** Captions `texts[i]` of images `images[i]` (file names), in file order. */
export interface Captions {
  texts: string[];
  images: string[];
  source: string;
}

/** The Multi30k folder of a data folder, with the spec format for errors. */
function multi30kDir(dataDir: string): string {
  const dir = join(dataDir, 'multi30k');
  if (!existsSync(dir)) throw new InputError(`no Multi30k folder ${dir} (get data/task1/raw/*.gz and data/task1/image_splits/*.txt from github.com/multi30k/dataset)`);
  return dir;
}

function stemOf(split: string): string {
  const stem = MULTI30K_SPLITS[split] ?? Object.values(MULTI30K_SPLITS).find((s) => s === split);
  if (!stem) throw new InputError(`unknown Multi30k split ${JSON.stringify(split)}; valid: ${Object.keys(MULTI30K_SPLITS).join(', ')}`);
  return stem;
}

function captionFile(dir: string, stem: string, lang: string): string {
  const cands = [join(dir, `${stem}.${lang}.gz`), join(dir, `${stem}.${lang}`)];
  const f = cands.find((c) => existsSync(c));
  if (!f) {
    const have = readdirSync(dir).filter((x) => x.startsWith(`${stem}.`)).join(', ');
    throw new InputError(`no Multi30k ${lang} captions for ${stem} (expected ${basename(cands[0]!)}; present: ${have || 'none'})`, dir);
  }
  return f;
}

/**
 * Line-aligned caption file + image list (one image file name per line, e.g. Multi30k `image_splits`).
 * Different line counts, an empty file or a blank image name are errors; captions are kept as they are.
 */
export function readCaptionFiles(textFile: string, imageListFile: string, source = textFile): Captions {
  const texts = readLines(textFile);
  const images = readLines(imageListFile);
  if (texts.length === 0) throw new InputError('empty caption file', textFile);
  if (texts.length !== images.length) {
    throw new InputError(`caption file has ${texts.length} lines but the image list ${imageListFile} has ${images.length}; they must be line-aligned`, textFile);
  }
  images.forEach((im, i) => {
    if (isBlank(im)) throw new InputError('blank image name', imageListFile, i + 1);
    images[i] = im.trim();
  });
  return { texts, images, source };
}

/** Multi30k captions of one language and split, with their Flickr30k image names. */
export function loadMulti30kCaptions(dataDir: string, lang: string, split: string): Captions {
  const dir = multi30kDir(dataDir);
  const stem = stemOf(split);
  const list = join(dir, `${stem}.txt`);
  if (!existsSync(list)) throw new InputError(`no Multi30k image list for ${split} (expected ${basename(list)})`, dir);
  return readCaptionFiles(captionFile(dir, stem, lang), list, `multi30k:${lang}:${split}`);
}

/**
 * Multi30k bitext `lang`–English (`multi30k:LANG[:train|val]`); ids are `<line>:<image>`. Test splits are
 * evaluation sets and refused. Pairs with a blank side are dropped (counted in `stats.droppedEmpty`).
 */
export function loadMulti30kBitext(dataDir: string, lang: string, split = 'train'): Bitext {
  if (!(MULTI30K_LANGS as readonly string[]).includes(lang) || lang === 'en') {
    throw new InputError(`Multi30k bitext language must be one of de, fr, cs (paired with en), got ${JSON.stringify(lang)}`);
  }
  stemOf(split);
  if (!(MULTI30K_TRAIN_SPLITS as readonly string[]).includes(split)) {
    throw new InputError(`Multi30k ${split} is an evaluation set and cannot be used as bitext; use ${MULTI30K_TRAIN_SPLITS.join(' or ')}`);
  }
  const src = loadMulti30kCaptions(dataDir, lang, split);
  const eng = loadMulti30kCaptions(dataDir, 'en', split);
  if (src.texts.length !== eng.texts.length) {
    throw new InputError(`Multi30k ${split}: ${lang} has ${src.texts.length} captions but en has ${eng.texts.length}`, dataDir);
  }
  const out: Bitext = { src: [], eng: [], ids: [], source: `multi30k:${lang}${split === 'train' ? '' : `:${split}`}`, stats: emptyStats() };
  for (let i = 0; i < src.texts.length; i++) {
    if (isBlank(src.texts[i]!) || isBlank(eng.texts[i]!)) {
      out.stats!.droppedEmpty++;
      continue;
    }
    out.src.push(src.texts[i]!);
    out.eng.push(eng.texts[i]!);
    out.ids.push(`${i + 1}:${src.images[i]}`);
  }
  out.stats!.pairs = out.src.length;
  return out;
}

/**
 * Flickr30k's caption file (`results_20130124.token`, `results.token`): lines `IMAGE.jpg#K<TAB>caption`.
 * A line without the tab or the `#K` suffix is an error naming the line.
 */
export function readFlickr30kTokens(file: string): Captions {
  const lines = readLines(file);
  const out: Captions = { texts: [], images: [], source: file };
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const tab = line.indexOf('\t');
    const m = tab < 0 ? null : /^(.+)#(\d+)$/.exec(line.slice(0, tab));
    if (!m) throw new InputError('expected IMAGE#K<TAB>caption', file, i + 1);
    out.images.push(m[1]!);
    out.texts.push(line.slice(tab + 1));
  });
  if (out.texts.length === 0) throw new InputError('no captions', file);
  return out;
}

/**
 * One Flickr30k-Entities annotated sentence as plain text: `[/EN#18/people A man] in [/EN#19/clothing
 * an orange hat]` → `A man in an orange hat`. Unbalanced brackets are an error (thrown by the caller with
 * the file and line).
 */
export function stripEntityAnnotations(line: string): string {
  let out = '';
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '[' && line[i + 1] === '/') {
      const sp = line.indexOf(' ', i);
      if (sp < 0) throw new Error(`phrase tag at column ${i + 1} has no text`);
      i = sp; // skip "[/EN#id/type "
      depth++;
    } else if (c === ']' && depth > 0) {
      depth--;
    } else {
      out += c;
    }
  }
  if (depth !== 0) throw new Error(`${depth} unclosed phrase bracket(s)`);
  return out.replace(/\s+/g, ' ').trim();
}

/**
 * Flickr30k-Entities `Sentences/` folder: one `IMAGEID.txt` per image, one annotated caption per line;
 * captions come out with the phrase annotations stripped, image `IMAGEID.jpg`. `ids` restricts to those
 * image ids (e.g. a split's `test.txt`), in that order; a missing file is then an error.
 */
export function readFlickr30kEntitiesSentences(dir: string, ids?: readonly string[]): Captions {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new InputError('not a directory (expected Flickr30k-Entities Sentences/)', dir);
  const names = ids ? ids.map((id) => `${id.replace(/\.jpg$/, '')}.txt`) : readdirSync(dir).filter((f) => f.endsWith('.txt')).sort();
  const out: Captions = { texts: [], images: [], source: dir };
  for (const name of names) {
    const file = join(dir, name);
    if (!existsSync(file)) throw new InputError('no sentence file for this image id', file);
    readLines(file).forEach((line, i) => {
      if (line.trim() === '') return;
      let text: string;
      try {
        text = stripEntityAnnotations(line);
      } catch (e) {
        throw new InputError((e as Error).message, file, i + 1);
      }
      out.texts.push(text);
      out.images.push(name.replace(/\.txt$/, '.jpg'));
    });
  }
  if (out.texts.length === 0) throw new InputError('no sentences', dir);
  return out;
}
