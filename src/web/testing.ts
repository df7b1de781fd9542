/**
 * A real, small setup for the web tests: a Swahili student distilled here on the hand-written bitext of
 * test/swahili-bitext.ts (closed-form lexical fit + a few `ot` steps, ~10 s), a flat index of English
 * documents encoded by the teacher (the bitext's English side plus 20 unrelated sentences), and a results
 * folder with a Markdown table, an SVG chart and a text file — next to a file outside it that must never
 * be served.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { distill, DISTILL_DEFAULTS } from '../distill/pipeline.ts';
import { loadUseLite } from '../models/use-lite.ts';
import { SearchIndex } from '../retrieval/search-index.ts';
import { DOCS } from '../retrieval/testing.ts';
import { SWAHILI_ENGLISH } from '../../test/swahili-bitext.ts';

export interface WebFixture {
  root: string;
  index: string;
  student?: string;
  results: string;
  /** a file beside the results folder (path traversal target) */
  secret: string;
}

export const SECRET = 'never-serve-this-3f9c';

/** A results folder with a report, a chart and a text file, and a secret file beside it. */
export function writeResults(root: string): { results: string; secret: string } {
  const results = join(root, 'results');
  mkdirSync(join(results, 'dev'), { recursive: true });
  writeFileSync(
    join(results, 'swh.md'),
    [
      '# Swahili results',
      '',
      'Tatoeba swh↔eng mining, **test fixture** <script>alert(1)</script>.',
      '',
      '| method | swh→eng | eng→swh |',
      '|---|---:|---:|',
      '| teacher zero-shot | 6.2% | 6.4% |',
      '| ot | 41.3% | 42.6% |',
      '',
      '![accuracy chart](chart.svg)',
      '',
      '- see [the notes](dev/notes.txt)',
      '- and [outside](../secret.txt)',
    ].join('\n'),
  );
  writeFileSync(join(results, 'chart.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect x="5" y="20" width="30" height="40" fill="#888"/><rect x="50" y="5" width="30" height="55" fill="#1d4ed8"/></svg>');
  writeFileSync(join(results, 'dev', 'notes.txt'), 'development notes\n');
  writeFileSync(join(results, 'run.json'), JSON.stringify({ n: 390, acc: 0.413 }));
  mkdirSync(join(results, 'work', 'ot', 'swh'), { recursive: true });
  writeFileSync(join(results, 'work', 'ot', 'swh', 'train.jsonl'), '{"step":1}\n'); // a runner's working folder: not a report
  const secret = join(root, 'secret.txt');
  writeFileSync(secret, SECRET + '\n');
  return { results, secret };
}

/** Build the fixture under `root`; `student: false` skips the distillation (teacher-only tests). */
export async function buildWebFixture(root: string, opts: { student?: boolean } = {}): Promise<WebFixture> {
  const teacher = await loadUseLite();
  const index = join(root, 'index');
  const ix = await SearchIndex.openOrCreate(index, 'flat');
  try {
    const eng = [...SWAHILI_ENGLISH.map((p) => p[1]), ...DOCS];
    await ix.add(eng.map((text, i) => ({ id: `en-${String(i).padStart(2, '0')}`, text, lang: 'en' })), teacher, { modelPath: 'teacher' });
  } finally {
    await ix.close();
  }
  let student: string | undefined;
  if (opts.student !== false) {
    const swh = join(root, 'swh.txt');
    const en = join(root, 'en.txt');
    writeFileSync(swh, SWAHILI_ENGLISH.map((p) => p[0]).join('\n') + '\n');
    writeFileSync(en, SWAHILI_ENGLISH.map((p) => p[1]).join('\n') + '\n');
    student = join(root, 'student');
    const prev = process.env.OPTICAL_CACHE;
    process.env.OPTICAL_CACHE = join(root, 'cache');
    try {
      await distill({ ...DISTILL_DEFAULTS, lang: 'swh', bitext: [`lines:${swh}:${en}`], objective: 'ot', out: student, steps: 4, batch: 8 });
    } finally {
      if (prev === undefined) delete process.env.OPTICAL_CACHE;
      else process.env.OPTICAL_CACHE = prev;
    }
  }
  return { root, index, student, ...writeResults(root) };
}
