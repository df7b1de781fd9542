/**
 * Loaders for the bitext corpora in the data folder (see `/work/shared/README.md` for the layout
 * and `DATA_SOURCES_HELP` in `datadir.ts` for where to get them). Every loader also accepts the
 * same formats from any path: plain or gzipped UTF-8, `\n` or `\r\n`.
 *
 * Malformed input is an `InputError` naming the file and, where there is one, the line.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { InputError } from '../errors.ts';
import { readLines } from '../util/fs.ts';
import { emptyStats, isBlank, type Bitext } from './bitext.ts';

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function listDir(p: string): string[] {
  try {
    return readdirSync(p).sort();
  } catch {
    return [];
  }
}

/** A few names from `all`, nearest first by shared prefix, for "did you mean" messages. */
function suggest(name: string, all: readonly string[], max = 8): string {
  const lower = name.toLowerCase();
  const score = (s: string): number => {
    const t = s.toLowerCase();
    let k = 0;
    while (k < t.length && k < lower.length && t[k] === lower[k]) k++;
    return k + (t.includes(lower) ? 100 : 0);
  };
  const ranked = [...all].sort((a, b) => score(b) - score(a) || a.localeCompare(b));
  const shown = ranked.slice(0, max).join(', ');
  return all.length > max ? `${shown}, ... (${all.length} in all)` : shown;
}

// ---------------------------------------------------------------------------------------------
// Line-aligned files

/**
 * Line-aligned bitext: line i of `srcFile` translates line i of `engFile` (plain or `.gz`).
 * Different line counts or an empty file are errors. Pairs where either side is blank are
 * dropped and counted in `stats.droppedEmpty`. `ids` are 1-based line numbers.
 */
export function loadLinePairs(srcFile: string, engFile: string, source = `lines:${srcFile}:${engFile}`): Bitext {
  const { src: s, eng: e } = readAlignedLines(srcFile, engFile);
  const out: Bitext = { src: [], eng: [], ids: [], source, stats: emptyStats() };
  for (let i = 0; i < s.length; i++) {
    if (isBlank(s[i]!) || isBlank(e[i]!)) {
      out.stats!.droppedEmpty++;
      continue;
    }
    out.src.push(s[i]!);
    out.eng.push(e[i]!);
    out.ids.push(String(i + 1));
  }
  out.stats!.pairs = out.src.length;
  return out;
}

/** Both files' lines, checked to be non-empty and equally long; nothing dropped. */
function readAlignedLines(srcFile: string, engFile: string): { src: string[]; eng: string[] } {
  const src = readLines(srcFile);
  const eng = readLines(engFile);
  if (src.length === 0) throw new InputError('empty file (expected one sentence per line)', srcFile);
  if (eng.length === 0) throw new InputError('empty file (expected one sentence per line)', engFile);
  if (src.length !== eng.length) {
    throw new InputError(
      `line-aligned files differ in length: ${srcFile} has ${src.length} lines but ${engFile} has ${eng.length}`,
    );
  }
  return { src, eng };
}

// ---------------------------------------------------------------------------------------------
// Bible (verse-keyed TSV)

/** Read a `verse_id<TAB>text` file into an ordered map; bad rows and repeated ids are errors. */
export function readVerseTsv(path: string): Map<string, string> {
  const lines = readLines(path);
  if (lines.length === 0) throw new InputError('empty file (expected verse_id<TAB>text lines)', path);
  const verses = new Map<string, string>();
  const firstLine = new Map<string, number>();
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue; // tolerate blank separator lines
    const fields = line.split('\t');
    if (fields.length !== 2) {
      throw new InputError(`expected 2 tab-separated fields (verse_id, text), found ${fields.length}`, path, i + 1);
    }
    const [id, text] = fields as [string, string];
    if (id.length === 0) throw new InputError('empty verse_id', path, i + 1);
    const prev = firstLine.get(id);
    if (prev !== undefined) throw new InputError(`verse_id ${id} repeated (first on line ${prev})`, path, i + 1);
    firstLine.set(id, i + 1);
    verses.set(id, text);
  }
  return verses;
}

const BIBLE_SUFFIXES = ['-NT', '-PART', ''];
const VERSES_EXT = ['.verses.tsv.gz', '.verses.tsv'];

/** Bible names available in `<dataDir>/bible/tsv`, as accepted by `loadBible` (e.g. `Swahili`, `Armenian`). */
export function listBibles(dataDir: string): string[] {
  const names = new Set<string>();
  for (const f of listDir(join(dataDir, 'bible', 'tsv'))) {
    const ext = VERSES_EXT.find((e) => f.endsWith(e));
    if (!ext) continue;
    const stem = f.slice(0, -ext.length);
    names.add(stem.replace(/-(NT|PART)$/, ''));
  }
  return [...names].sort();
}

/** The verse file for a Bible name (`Swahili` → `bible/tsv/Swahili-NT.verses.tsv.gz`), or the path itself. */
export function bibleFile(dataDir: string, nameOrPath: string): string {
  if (nameOrPath.includes('/') || VERSES_EXT.some((e) => nameOrPath.endsWith(e))) {
    if (!isFile(nameOrPath)) throw new InputError('no such Bible verse file', nameOrPath);
    return nameOrPath;
  }
  const dir = join(dataDir, 'bible', 'tsv');
  for (const suffix of BIBLE_SUFFIXES) {
    for (const ext of VERSES_EXT) {
      const p = join(dir, `${nameOrPath}${suffix}${ext}`);
      if (isFile(p)) return p;
    }
  }
  const have = listBibles(dataDir);
  throw new InputError(
    `no Bible named ${JSON.stringify(nameOrPath)} in ${dir} (looked for ${nameOrPath}-NT.verses.tsv.gz and ${nameOrPath}-PART.verses.tsv.gz)` +
      (have.length ? `; available: ${suggest(nameOrPath, have, 12)}` : '; the folder is missing or empty'),
  );
}

/** The English pivot: `<dataDir>/bible/english-web/WEB-NT.verses.tsv` (or `.gz`). */
export function englishBibleFile(dataDir: string): string {
  const base = join(dataDir, 'bible', 'english-web', 'WEB-NT.verses.tsv');
  for (const p of [base, `${base}.gz`]) if (isFile(p)) return p;
  throw new InputError('English pivot Bible not found (World English Bible, verse_id<TAB>text)', base);
}

/**
 * Verse-aligned Bible bitext: `<name>` (e.g. `Swahili`, or a path to a `verse_id<TAB>text` file)
 * joined on verse_id with the World English Bible. Verses empty on either side are skipped
 * (`stats.droppedEmpty`), verses on one side only are counted (`stats.srcOnly` / `engOnly`).
 * Pairs follow the source file's verse order; `ids` are verse ids (`b.MAT.1.1`), see `bibleBook`.
 */
export function loadBible(dataDir: string, name: string): Bitext {
  const srcPath = bibleFile(dataDir, name);
  const src = readVerseTsv(srcPath);
  const eng = readVerseTsv(englishBibleFile(dataDir));
  const out: Bitext = { src: [], eng: [], ids: [], source: `bible:${name}`, stats: emptyStats() };
  const st = out.stats!;
  for (const [id, s] of src) {
    const e = eng.get(id);
    if (e === undefined) {
      st.srcOnly++;
      continue;
    }
    if (isBlank(s) || isBlank(e)) {
      st.droppedEmpty++;
      continue;
    }
    out.src.push(s);
    out.eng.push(e);
    out.ids.push(id);
  }
  for (const id of eng.keys()) if (!src.has(id)) st.engOnly++;
  st.pairs = out.src.length;
  if (st.pairs === 0) throw new InputError('no verse ids shared with the English Bible (are the ids b.BOOK.CH.VERSE?)', srcPath);
  return out;
}

// ---------------------------------------------------------------------------------------------
// SIB-200 (index_id-keyed TSV with topic labels)

export const SIB200_SPLITS = ['train', 'dev', 'test'] as const;
export type Sib200Split = (typeof SIB200_SPLITS)[number];

export interface Sib200Row {
  id: string;
  category: string;
  text: string;
}

/** Undo CSV-style quoting as written by pandas: `"a ""b"" c"` → `a "b" c`; other fields verbatim. */
function unquoteTsvField(field: string, path: string, line: number): string {
  if (!field.startsWith('"')) return field;
  if (field.length < 2 || !field.endsWith('"')) {
    throw new InputError('quoted field does not end with a quote (multi-line fields are not supported)', path, line);
  }
  return field.slice(1, -1).replaceAll('""', '"');
}

const SIB_HEADER = 'index_id\tcategory\ttext';

/** Read a SIB-200 split file: header `index_id<TAB>category<TAB>text`, then one row per sentence. */
export function readSib200Tsv(path: string): Sib200Row[] {
  const lines = readLines(path);
  if (lines.length === 0) throw new InputError(`empty file (expected the header ${JSON.stringify(SIB_HEADER)})`, path);
  if (lines[0] !== SIB_HEADER) {
    throw new InputError(`expected the header ${JSON.stringify(SIB_HEADER)}, found ${JSON.stringify(lines[0]!.slice(0, 80))}`, path, 1);
  }
  const rows: Sib200Row[] = [];
  const seen = new Map<string, number>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) continue;
    const fields = line.split('\t');
    if (fields.length !== 3) {
      throw new InputError(`expected 3 tab-separated fields (index_id, category, text), found ${fields.length}`, path, i + 1);
    }
    const id = fields[0]!;
    if (id.length === 0) throw new InputError('empty index_id', path, i + 1);
    const prev = seen.get(id);
    if (prev !== undefined) throw new InputError(`index_id ${id} repeated (first on line ${prev})`, path, i + 1);
    seen.set(id, i + 1);
    rows.push({ id, category: unquoteTsvField(fields[1]!, path, i + 1), text: unquoteTsvField(fields[2]!, path, i + 1) });
  }
  return rows;
}

/** SIB-200 language codes (folder names such as `swh_Latn`) in `<dataDir>/sib-200`. */
export function listSib200Languages(dataDir: string): string[] {
  const dir = join(dataDir, 'sib-200');
  return listDir(dir).filter((f) => isFile(join(dir, f, 'train.tsv')) || isFile(join(dir, f, 'test.tsv')));
}

export interface Sib200Bitext extends Bitext {
  /** Topic label of each pair (`science/technology`, `travel`, ...), aligned with `src`. */
  categories: string[];
}

/**
 * SIB-200 bitext: `sib-200/<lang>/<split>.tsv` joined on index_id with `sib-200/eng_Latn/<split>.tsv`,
 * in the source file's order, with each pair's topic label. `ids` are the index_ids.
 */
export function loadSib200(dataDir: string, lang: string, split: Sib200Split | string = 'train'): Sib200Bitext {
  if (!(SIB200_SPLITS as readonly string[]).includes(split)) {
    throw new InputError(`unknown SIB-200 split ${JSON.stringify(split)}; valid: ${SIB200_SPLITS.join(', ')}`);
  }
  const srcPath = join(dataDir, 'sib-200', lang, `${split}.tsv`);
  const engPath = join(dataDir, 'sib-200', 'eng_Latn', `${split}.tsv`);
  if (!isFile(srcPath)) {
    const have = listSib200Languages(dataDir);
    throw new InputError(
      `no SIB-200 ${split} file for ${JSON.stringify(lang)} (codes look like swh_Latn)` +
        (have.length ? `; available: ${suggest(lang, have)}` : `; ${join(dataDir, 'sib-200')} is missing or empty`),
      srcPath,
    );
  }
  const src = readSib200Tsv(srcPath);
  const engRows = readSib200Tsv(engPath);
  const eng = new Map(engRows.map((r) => [r.id, r] as const));
  const out: Sib200Bitext = { src: [], eng: [], ids: [], categories: [], source: `sib:${lang}:${split}`, stats: emptyStats() };
  const st = out.stats!;
  const srcIds = new Set<string>();
  for (const r of src) {
    srcIds.add(r.id);
    const e = eng.get(r.id);
    if (e === undefined) {
      st.srcOnly++;
      continue;
    }
    if (e.category !== r.category) {
      throw new InputError(`index_id ${r.id} is ${JSON.stringify(r.category)} here but ${JSON.stringify(e.category)} in ${engPath}`, srcPath);
    }
    if (isBlank(r.text) || isBlank(e.text)) {
      st.droppedEmpty++;
      continue;
    }
    out.src.push(r.text);
    out.eng.push(e.text);
    out.ids.push(r.id);
    out.categories.push(r.category);
  }
  for (const r of engRows) if (!srcIds.has(r.id)) st.engOnly++;
  st.pairs = out.src.length;
  return out;
}

// ---------------------------------------------------------------------------------------------
// MAFAND-MT (line-aligned, one folder per pair)

/** MAFAND-MT pairs in `<dataDir>/mafand-mt` (folder names, e.g. `en-swa`, `fr-wol`; upstream spells one `en_luo`). */
export function listMafandPairs(dataDir: string): string[] {
  return listDir(join(dataDir, 'mafand-mt')).filter((f) => /^[a-z]+[-_][a-z]+$/.test(f));
}

/**
 * MAFAND-MT bitext for `pair` = `<pivot>-<lang>` (e.g. `en-swa` → `mafand-mt/en-swa/dev.swa` with
 * `dev.en`). `src` is the African language; `eng` is the pivot, which is French for the `fr-*` pairs.
 * Only the dev split ships in the shared data folder; `split` selects another one if present.
 */
export function loadMafand(dataDir: string, pair: string, split = 'dev'): Bitext {
  const m = /^([a-z]+)[-_]([a-z]+)$/.exec(pair);
  if (!m) throw new InputError(`MAFAND-MT pair must look like en-swa or fr-wol, got ${JSON.stringify(pair)}`);
  const [, pivot, lang] = m as unknown as [string, string, string];
  const root = join(dataDir, 'mafand-mt');
  const dir = [`${pivot}-${lang}`, `${pivot}_${lang}`].map((d) => join(root, d)).find((d) => existsSync(d));
  if (!dir) {
    const have = listMafandPairs(dataDir);
    throw new InputError(
      `no MAFAND-MT pair ${JSON.stringify(pair)} in ${root}` + (have.length ? `; available: ${have.join(', ')}` : ''),
    );
  }
  const srcFile = join(dir, `${split}.${lang}`);
  const engFile = join(dir, `${split}.${pivot}`);
  for (const f of [srcFile, engFile]) {
    if (!isFile(f)) {
      const splits = [...new Set(listDir(dir).map((x) => x.split('.')[0]!))].join(', ');
      throw new InputError(`missing MAFAND-MT file (splits present: ${splits || 'none'})`, f);
    }
  }
  return loadLinePairs(srcFile, engFile, `mafand:${pair}${split === 'dev' ? '' : `:${split}`}`);
}

// ---------------------------------------------------------------------------------------------
// Tatoeba (evaluation only)

/**
 * A line-aligned evaluation set: `src[i]` translates `eng[i]`. Unlike `Bitext`, nothing is
 * dropped or reordered, so results stay comparable with published numbers.
 */
export interface EvalPairs {
  src: string[];
  eng: string[];
  lang: string;
  source: string;
}

/** Tatoeba language codes (ISO 639-3, e.g. `swh`, `kab`) with test sets in `<dataDir>/tatoeba`. */
export function listTatoebaLanguages(dataDir: string): string[] {
  const langs: string[] = [];
  for (const f of listDir(join(dataDir, 'tatoeba'))) {
    const m = /^tatoeba\.([a-z]+)-eng\.eng$/.exec(f);
    if (m) langs.push(m[1]!);
  }
  return langs;
}

/**
 * The Tatoeba similarity-search test set for `lang3` (`tatoeba/tatoeba.<lang3>-eng.{<lang3>,eng}`,
 * LASER v1). EVALUATION ONLY: never train on it. All lines are kept (even blank ones), so the
 * set matches the one behind published LASER/LaBSE numbers.
 */
export function loadTatoebaEval(dataDir: string, lang3: string): EvalPairs {
  const dir = join(dataDir, 'tatoeba');
  const srcFile = join(dir, `tatoeba.${lang3}-eng.${lang3}`);
  const engFile = join(dir, `tatoeba.${lang3}-eng.eng`);
  if (!isFile(srcFile) || !isFile(engFile)) {
    const have = listTatoebaLanguages(dataDir);
    throw new InputError(
      `no Tatoeba test set for ${JSON.stringify(lang3)} (expected ${basename(srcFile)} and ${basename(engFile)} in ${dir})` +
        (have.length ? `; available: ${suggest(lang3, have)}` : ''),
    );
  }
  const { src, eng } = readAlignedLines(srcFile, engFile);
  return { src, eng, lang: lang3, source: `tatoeba:${lang3}` };
}
