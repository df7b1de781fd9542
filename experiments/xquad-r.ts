/**
 * `npm run exp:xquad-r` — XQuAD-R (LAReQA; Roy et al. 2020) question → answer-sentence retrieval across
 * languages, with students distilled from ≤ 1k pairs. Writes `results/xquad-r.md` and `results/xquad-r.json`.
 *
 * For each language X (default hi, th, el, tr, vi):
 *   en→X   English questions (1,190) against the answer sentences of X's paragraphs (852–1,276 candidates);
 *          the relevant sentence is the one holding the answer's start in X's `sentence_breaks`
 *   X→en   X questions against the English sentences
 * Methods (all through src/retrieval, exact flat store, top 100 per query):
 *   teacher          USE-lite encodes both sides (zero-shot)
 *   teacher+maxsim   the same with late interaction (MaxSim over token states, the 100 dense candidates re-ranked)
 *   bm25             words of the question against words of the sentences (k1 1.2, b 0.75; no translation)
 *   student init     a student for X from SIB-200 X train (701 pairs), closed-form lexical initialisation only
 *   student mse      the same after `--steps` steps of `mse` (default 22 = one epoch at batch 32)
 *   student …+maxsim late interaction with the student's token states on the X side
 * The student encodes the X side (questions or sentences), the teacher the English side.
 * Measures: MAP and R@1 over all 1,190 questions (trec_eval -c: a question without results scores 0), and
 * an exact McNemar test on R@1 of each student against the teacher on the same questions.
 * XQuAD-R is never used to train or choose anything: the students' settings are the defaults of
 * `optical distill` with the step budget above.
 *
 * Flags: --langs hi,th (subset), --steps N, --vocab teacher|new, --work DIR (students; default
 *        $OPTICAL_CACHE/xquad-r), --data-dir DIR, --tag NAME (results/xquad-r-NAME.*), --no-maxsim.
 */
import { parseArgs } from 'node:util';
import { join } from 'node:path';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { distill, DISTILL_DEFAULTS } from '../src/distill/pipeline.ts';
import { cacheDir } from '../src/distill/teacher-cache.ts';
import { loadStudent } from '../src/models/student.ts';
import { loadUseLite } from '../src/models/use-lite.ts';
import type { KonaEncoder } from '../src/models/encoder.ts';
import { evaluateRun, mcnemarExact } from '../src/eval/index.ts';
import type { Qrels, Run } from '../src/eval/trec-format.ts';
import { resolveDataDir } from '../src/data/index.ts';
import { SearchIndex } from '../src/retrieval/search-index.ts';
import { Bm25Index } from '../src/retrieval/bm25.ts';
import type { SearchHit } from '../src/retrieval/store.ts';
import { atomicWriteFile } from '../src/util/fs.ts';

const { values: args } = parseArgs({
  options: {
    langs: { type: 'string', default: 'hi,th,el,tr,vi' },
    steps: { type: 'string', default: '22' },
    vocab: { type: 'string', default: 'teacher' },
    work: { type: 'string', default: join(cacheDir(), 'xquad-r') },
    'data-dir': { type: 'string' },
    tag: { type: 'string' },
    'no-maxsim': { type: 'boolean', default: false },
  },
});

/** XQuAD-R language → SIB-200 code. */
const SIB: Record<string, string> = { hi: 'hin_Deva', th: 'tha_Thai', el: 'ell_Grek', tr: 'tur_Latn', vi: 'vie_Latn', de: 'deu_Latn', ru: 'rus_Cyrl', es: 'spa_Latn', ar: 'arb_Arab', zh: 'zho_Hans' };
const K = 100;
const CANDIDATES = 100;
const STEPS = Number(args.steps);
const vocab = args.vocab as 'teacher' | 'new';
if (vocab !== 'teacher' && vocab !== 'new') throw new Error('--vocab must be teacher or new');
const langs = args.langs!.split(',').map((s) => s.trim());
for (const l of langs) if (!SIB[l]) throw new Error(`no SIB-200 code known for "${l}" (known: ${Object.keys(SIB).join(', ')})`);
const dataDir = resolveDataDir(args['data-dir']);
const started = new Date();
const t0 = Date.now();
const log = (msg: string) => process.stderr.write(`[${((Date.now() - t0) / 1000).toFixed(0)}s] ${msg}\n`);

// ---------------------------------------------------------------------------------------------
// data

interface Side {
  lang: string;
  /** candidate sentences */
  docs: { id: string; text: string }[];
  /** question id → text */
  questions: Map<string, string>;
  /** question id → id of the sentence holding its answer */
  answer: Map<string, string>;
}

interface SquadJson {
  data: { paragraphs: { sentences: string[]; sentence_breaks: [number, number][]; qas: { id: string; question: string; answers: { answer_start: number }[] }[] }[] }[];
}

function readSide(lang: string): Side {
  const file = join(dataDir, 'xquad-r', `${lang}.json`);
  const d = JSON.parse(readFileSync(file, 'utf8')) as SquadJson;
  const side: Side = { lang, docs: [], questions: new Map(), answer: new Map() };
  let p = 0;
  for (const art of d.data) {
    for (const para of art.paragraphs) {
      para.sentences.forEach((text, s) => side.docs.push({ id: `${lang}-p${p}-s${s}`, text: text.replace(/^\uFEFF/, '') }));
      for (const qa of para.qas) {
        const a = qa.answers[0]!.answer_start;
        const s = para.sentence_breaks.findIndex(([b, e]) => b <= a && a <= e);
        if (s < 0) throw new Error(`${file}: question ${qa.id}: answer start ${a} is in no sentence`);
        side.questions.set(qa.id, qa.question);
        side.answer.set(qa.id, `${lang}-p${p}-s${s}`);
      }
      p++;
    }
  }
  return side;
}

// ---------------------------------------------------------------------------------------------
// retrieval

interface Outcome {
  MAP: number;
  R1: number;
  /** per question (sorted ids): rank-1 hit */
  top1: boolean[];
}

function evaluate(qids: string[], results: SearchHit[][], target: Side): Outcome {
  const qrels: Qrels = new Map(qids.map((q) => [q, new Map([[target.answer.get(q)!, 1]])]));
  const run: Run = new Map(qids.map((q, i) => [q, new Map(results[i]!.map((h) => [h.id, h.score]))]));
  const r = evaluateRun(qrels, run, ['MAP', 'R@1'], { complete: true });
  const sorted = [...qids].sort();
  return { MAP: r.mean['MAP']!, R1: r.mean['R@1']!, top1: sorted.map((q) => r.perQuery.get(q)!['R@1'] === 1) };
}

/** Dense (and MaxSim) results of `queryModel` queries against `docModel`-encoded documents. */
async function dense(docs: Side, docModel: KonaEncoder, queries: string[], queryModel: KonaEncoder, maxsim: boolean): Promise<{ dense: SearchHit[][]; maxsim?: SearchHit[][] }> {
  const dir = mkdtempSync(join(tmpdir(), 'optical-xquad-'));
  try {
    const ix = await SearchIndex.openOrCreate(join(dir, 'ix'), 'flat', { late: maxsim });
    await ix.add(docs.docs, docModel);
    const d = await ix.searchTexts(queries, queryModel, K);
    const m = maxsim ? await ix.searchTexts(queries, queryModel, K, { maxsim: { candidates: CANDIDATES } }) : undefined;
    await ix.close();
    return { dense: d, maxsim: m };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function bm25(docs: Side, queries: string[]): SearchHit[][] {
  const dir = mkdtempSync(join(tmpdir(), 'optical-xquad-'));
  try {
    const ix = Bm25Index.openOrCreate(join(dir, 'ix'));
    ix.add(docs.docs);
    return ix.searchTexts(queries, K);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// students

async function student(lang: string, steps: number): Promise<{ model: KonaEncoder; seconds: number; reused: boolean }> {
  const out = join(args.work!, `${lang}-${vocab}-mse-${steps}`);
  if (existsSync(join(out, 'model.safetensors')) && existsSync(join(out, 'config.json'))) {
    return { model: await loadStudent(out), seconds: NaN, reused: true };
  }
  const ts = Date.now();
  const r = await distill({ ...DISTILL_DEFAULTS, lang, bitext: [`sib:${SIB[lang]}:train`], objective: 'mse', out, steps, vocab, dataDir }, { log: (m) => log(`  ${lang}: ${m}`) });
  return { model: r.student, seconds: (Date.now() - ts) / 1000, reused: false };
}

// ---------------------------------------------------------------------------------------------

interface Row {
  method: string;
  enX: Outcome;
  Xen: Outcome;
}

const teacher = await loadUseLite();
const en = readSide('en');
const enQids = [...en.questions.keys()];
const report: Record<string, unknown>[] = [];
let md = '';

for (const lang of langs) {
  const x = readSide(lang);
  const qids = enQids.filter((q) => x.questions.has(q));
  if (qids.length !== enQids.length) throw new Error(`${lang}: ${enQids.length - qids.length} English questions missing`);
  const enQ = qids.map((q) => en.questions.get(q)!);
  const xQ = qids.map((q) => x.questions.get(q)!);
  const rows: Row[] = [];
  const maxsim = !args['no-maxsim'];
  log(`${lang}: ${x.docs.length} ${lang} sentences, ${en.docs.length} en sentences, ${qids.length} questions`);

  const tEnX = await dense(x, teacher, enQ, teacher, maxsim);
  const tXen = await dense(en, teacher, xQ, teacher, maxsim);
  rows.push({ method: 'teacher zero-shot', enX: evaluate(qids, tEnX.dense, x), Xen: evaluate(qids, tXen.dense, en) });
  if (maxsim) rows.push({ method: 'teacher + MaxSim', enX: evaluate(qids, tEnX.maxsim!, x), Xen: evaluate(qids, tXen.maxsim!, en) });
  rows.push({ method: 'BM25', enX: evaluate(qids, bm25(x, enQ), x), Xen: evaluate(qids, bm25(en, xQ), en) });
  log(`${lang}: teacher and BM25 done`);

  const times: Record<string, number | null> = {};
  for (const [name, steps] of [['student init', 0], [`student mse (${STEPS} steps)`, STEPS]] as const) {
    const s = await student(lang, steps);
    times[name] = s.reused ? null : +s.seconds.toFixed(0);
    log(`${lang}: ${name} ${s.reused ? 'reused' : `distilled in ${s.seconds.toFixed(0)} s`}`);
    const sEnX = await dense(x, s.model, enQ, teacher, maxsim);
    const sXen = await dense(en, teacher, xQ, s.model, maxsim);
    rows.push({ method: name, enX: evaluate(qids, sEnX.dense, x), Xen: evaluate(qids, sXen.dense, en) });
    if (maxsim) rows.push({ method: `${name} + MaxSim`, enX: evaluate(qids, sEnX.maxsim!, x), Xen: evaluate(qids, sXen.maxsim!, en) });
    s.model.dispose();
  }

  const pct = (v: number) => (100 * v).toFixed(1);
  const base = rows[0]!;
  const tests = rows
    .filter((r) => r.method.startsWith('student') || r.method === 'BM25' || r.method.includes('MaxSim'))
    .map((r) => {
      const a = mcnemarExact(r.enX.top1, base.enX.top1);
      const b = mcnemarExact(r.Xen.top1, base.Xen.top1);
      return `- ${r.method} vs teacher, R@1: en→${lang} p = ${a.p.toFixed(3)} (${a.b} vs ${a.c} questions right only by one), ${lang}→en p = ${b.p.toFixed(3)} (${b.b} vs ${b.c}).`;
    });
  md += `\n### ${lang} (SIB-200 ${SIB[lang]} train, 701 pairs; ${x.docs.length} ${lang} / ${en.docs.length} en candidate sentences; ${qids.length} questions)\n\n`;
  md += `| method | en→${lang} MAP | en→${lang} R@1 | ${lang}→en MAP | ${lang}→en R@1 |\n|---|---:|---:|---:|---:|\n`;
  for (const r of rows) md += `| ${r.method} | ${pct(r.enX.MAP)} | ${pct(r.enX.R1)} | ${pct(r.Xen.MAP)} | ${pct(r.Xen.R1)} |\n`;
  md += `\n${tests.join('\n')}\n`;
  md += `- distillation wall time (s): ${Object.entries(times).map(([k, v]) => `${k} ${v ?? 'reused'}`).join(', ')}\n`;
  report.push({ lang, sib: SIB[lang], candidates: { [lang]: x.docs.length, en: en.docs.length }, questions: qids.length, times, rows: rows.map((r) => ({ method: r.method, [`en→${lang}`]: { MAP: r.enX.MAP, R1: r.enX.R1 }, [`${lang}→en`]: { MAP: r.Xen.MAP, R1: r.Xen.R1 } })) });
  log(`${lang}: done`);
}

const wall = (Date.now() - t0) / 1000;
const machine = `${cpus().length} cores (${cpus()[0]?.model ?? '?'})`;
const header =
  `# XQuAD-R: cross-lingual question → answer-sentence retrieval\n\n` +
  `Machine: ${machine}, ${started.toISOString().slice(0, 10)}. Command: npm run exp:xquad-r${process.argv.length > 2 ? ' -- ' + process.argv.slice(2).join(' ') : ''}. Wall time ${wall.toFixed(0)} s.\n\n` +
  `MAP and R@1 in % over all questions (top ${K}, exact flat store; MaxSim re-ranks the ${CANDIDATES} dense candidates). ` +
  `Students: \`optical distill --lang X --bitext sib:X:train --objective mse --vocab ${vocab}\` with 0 steps (closed-form init) and ${STEPS} steps; ` +
  `the student encodes the ${'X'} side, the teacher (USE-lite) the English side. BM25 uses no translation. ` +
  `XQuAD-R is used for nothing but this evaluation.\n`;
const name = args.tag ? `xquad-r-${args.tag}` : 'xquad-r';
atomicWriteFile(join('results', `${name}.md`), header + md);
atomicWriteFile(join('results', `${name}.json`), JSON.stringify({ date: started.toISOString(), machine, command: `npm run exp:xquad-r ${process.argv.slice(2).join(' ')}`.trim(), k: K, candidates: CANDIDATES, steps: STEPS, vocab, wall_s: +wall.toFixed(0), languages: report }, null, 2) + '\n');
process.stdout.write(header + md);
