/**
 * bench/search: the HNSW store (src/retrieval/hnsw.ts, hnswlib-node) at collection scale.
 *
 *   npm run bench:search                 human-readable report
 *   npm run bench:search -- --json       one JSON object: p50_ms, p99_ms, recall_at_10, build_s, n, …
 *   options: --n N (vectors, default 1000000), --base B (real sentences, default 30000), --queries Q (timed
 *            queries, default 1000), --recall-queries R (of those, checked against exact search, default 100),
 *            --noise S (per-coordinate noise std, default 0.02), --m, --ef-construction (HNSW parameters,
 *            defaults 16 / 100), --ef-search E1,E2,… (default 64,128,256: every value is measured on the
 *            same graph), --seed, --data-dir
 * The top-level figures are those of the smallest efSearch that reaches recall@10 ≥ 0.95 (the largest
 * when none does); `sweep` lists every efSearch.
 *
 * Data (N × 512, real encodings replicated with noise): B distinct English sentences (World English Bible
 * New Testament verses, then Multi30k train captions) encoded by the teacher (USE-lite; cached in
 * $OPTICAL_CACHE/teacher); vector i = b_(i mod B) + S·g_i with g_i standard normal (seeded), so every sentence
 * has ≈ N/B noisy copies at cosine ≈ 1/√(1 + 512 S²) (0.91 at S = 0.02) from it. Queries: the teacher's
 * encodings of Q other real sentences (Multi30k val and test 2016 captions), never in the collection.
 *
 * Measured: build_s = HnswStore.add of all N documents (graph insertion, one thread, plus writing the graph
 * and the docs file); query latency = one HnswStore.search(q, 10) each, timed alone after 20 warm-up
 * queries; recall@10 = |HNSW top 10 ∩ exact top 10| / 10 averaged over the first R queries, exact = brute
 * force over the same float32 vectors (cosine, as the store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadUseLite } from '../../src/models/use-lite.ts';
import { cachedTeacherTargets } from '../../src/distill/teacher-cache.ts';
import { resolveDataDir } from '../../src/data/datadir.ts';
import { readLines } from '../../src/util/fs.ts';
import { mulberry32 } from '../../src/util/random.ts';
import { HnswStore } from '../../src/retrieval/hnsw.ts';
import { benchArgs } from '../args.ts';

const { json, str: argVal } = benchArgs();
const int = (name: string, dflt: number): number => {
  const v = Number(argVal(name, String(dflt)));
  if (!Number.isSafeInteger(v) || v < 1) throw new Error(`${name} must be a positive integer`);
  return v;
};
const N = int('--n', 1_000_000);
const B = int('--base', 30_000);
const Q = int('--queries', 1000);
const R = Math.min(int('--recall-queries', 100), Q);
const NOISE = Number(argVal('--noise', '0.02'));
const M = int('--m', 16);
const EF_C = int('--ef-construction', 100);
const EF_LIST = argVal('--ef-search', '64,128,256').split(',').map((x) => Number(x));
if (EF_LIST.some((e) => !Number.isSafeInteger(e) || e < 1)) throw new Error('--ef-search must be positive integers separated by commas');
const SEED = int('--seed', 2026);
const K = 10;
const log = (...x: unknown[]): void => {
  if (!json) console.error(...x);
};
const t0 = Date.now();

// ---- real sentences
const dataDir = resolveDataDir(argVal('--data-dir', '') || undefined);
const web = readLines(join(dataDir, 'bible', 'english-web', 'WEB-NT.verses.tsv')).map((l) => l.slice(l.indexOf('\t') + 1).trim());
const captions = readLines(join(dataDir, 'multi30k', 'train.en.gz')).map((l) => l.trim());
const base = [...new Set([...web, ...captions].filter((s) => s !== ''))].slice(0, B);
if (base.length < B) throw new Error(`only ${base.length} distinct sentences available, --base ${B}`);
const baseSet = new Set(base);
const querySentences = [...new Set([...readLines(join(dataDir, 'multi30k', 'val.en.gz')), ...readLines(join(dataDir, 'multi30k', 'test_2016_flickr.en.gz'))].map((l) => l.trim()))]
  .filter((s) => s !== '' && !baseSet.has(s))
  .slice(0, Q);
if (querySentences.length < Q) throw new Error(`only ${querySentences.length} query sentences available, --queries ${Q}`);

const teacher = await loadUseLite();
log(`encoding ${B} + ${Q} sentences with the teacher (cached after the first run)…`);
const baseVecs = cachedTeacherTargets(teacher, base, false).embeddings;
const queryVecs = cachedTeacherTargets(teacher, querySentences, false).embeddings;
const D = teacher.dim;
const encodeS = (Date.now() - t0) / 1000;

// ---- the collection: noisy copies, L2-normalised (the store normalises too; exact search needs the same)
const rnd = mulberry32(SEED);
const gauss = (): number => {
  const u = 1 - rnd();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
};
const vectors = new Float32Array(N * D);
for (let i = 0; i < N; i++) {
  const b = (i % B) * D;
  const o = i * D;
  let s = 0;
  for (let j = 0; j < D; j++) {
    const x = baseVecs[b + j]! + NOISE * gauss();
    vectors[o + j] = x;
    s += x * x;
  }
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < D; j++) vectors[o + j]! *= inv;
}
const ids = Array.from({ length: N }, (_, i) => ({ id: String(i) }));
log(`collection: ${N} × ${D} from ${B} sentences (noise ${NOISE}), ${((Date.now() - t0) / 1000).toFixed(0)} s so far`);

// ---- build
const dir = mkdtempSync(join(tmpdir(), 'optical-bench-search-'));
try {
  const store = await HnswStore.open(dir, { m: M, efConstruction: EF_C, efSearch: EF_LIST[0]! });
  const tb = process.hrtime.bigint();
  await store.add(ids, vectors);
  const buildS = Number(process.hrtime.bigint() - tb) / 1e9;
  log(`build: ${buildS.toFixed(1)} s (M ${M}, efConstruction ${EF_C})`);

  // ---- exact top 10 of the first R queries (brute force, R queries per pass over the vectors)
  const query = (i: number) => queryVecs.subarray(i * D, (i + 1) * D);
  const te = Date.now();
  const qn = new Float32Array(R * D);
  for (let r = 0; r < R; r++) {
    const q = query(r);
    let s = 0;
    for (let j = 0; j < D; j++) s += q[j]! * q[j]!;
    for (let j = 0; j < D; j++) qn[r * D + j] = q[j]! / Math.sqrt(s);
  }
  const best: { i: number; s: number }[][] = Array.from({ length: R }, () => []);
  const floor = new Float64Array(R).fill(-Infinity);
  for (let i = 0; i < N; i++) {
    const o = i * D;
    for (let r = 0; r < R; r++) {
      let s = 0;
      const qo = r * D;
      for (let j = 0; j < D; j++) s += qn[qo + j]! * vectors[o + j]!;
      if (s <= floor[r]! && best[r]!.length === K) continue;
      const list = best[r]!;
      list.push({ i, s });
      list.sort((a, b) => b.s - a.s || a.i - b.i);
      if (list.length > K) list.pop();
      if (list.length === K) floor[r] = list[K - 1]!.s;
    }
  }
  const exactSets = best.map((l) => new Set(l.map((x) => String(x.i))));
  const exactS = (Date.now() - te) / 1000;

  // ---- latency and recall for each efSearch, on the same graph
  const sweep: { ef_search: number; p50_ms: number; p99_ms: number; mean_ms: number; recall_at_10: number }[] = [];
  for (const ef of EF_LIST) {
    store.setEfSearch(ef);
    for (let i = 0; i < Math.min(20, Q); i++) await store.search(query(i), K);
    const times: number[] = [];
    let hit = 0;
    for (let i = 0; i < Q; i++) {
      const ts = process.hrtime.bigint();
      const hits = await store.search(query(i), K);
      times.push(Number(process.hrtime.bigint() - ts) / 1e6);
      if (i < R) hit += hits.filter((h) => exactSets[i]!.has(h.id)).length;
    }
    const sorted = [...times].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
    sweep.push({ ef_search: ef, p50_ms: +pct(50).toFixed(3), p99_ms: +pct(99).toFixed(3), mean_ms: +(times.reduce((a, b) => a + b, 0) / Q).toFixed(3), recall_at_10: +(hit / (R * K)).toFixed(4) });
    log(`efSearch ${ef}: p50 ${sweep.at(-1)!.p50_ms} ms, p99 ${sweep.at(-1)!.p99_ms} ms, recall@10 ${sweep.at(-1)!.recall_at_10}`);
  }
  const chosen = sweep.find((x) => x.recall_at_10 >= 0.95) ?? sweep.at(-1)!;

  const out = {
    p50_ms: chosen.p50_ms,
    p99_ms: chosen.p99_ms,
    recall_at_10: chosen.recall_at_10,
    build_s: +buildS.toFixed(1),
    n: N,
    dim: D,
    base_sentences: B,
    noise: NOISE,
    queries: Q,
    recall_queries: R,
    m: M,
    ef_construction: EF_C,
    ef_search: chosen.ef_search,
    mean_ms: chosen.mean_ms,
    sweep,
    encode_s: +encodeS.toFixed(1),
    exact_s: +exactS.toFixed(1),
    total_s: +((Date.now() - t0) / 1000).toFixed(1),
    rss_gb: +(process.memoryUsage().rss / 2 ** 30).toFixed(2),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB`,
    node: process.version,
    date: new Date().toISOString().slice(0, 10),
  };
  await store.close();
  if (json) process.stdout.write(JSON.stringify(out) + '\n');
  else {
    console.log(`HNSW (hnswlib-node), ${N} × ${D}, M ${M}, efConstruction ${EF_C}, efSearch ${out.ef_search} (of ${EF_LIST.join(', ')})`);
    console.log(`build ${out.build_s} s; query p50 ${out.p50_ms} ms, p99 ${out.p99_ms} ms (${Q} queries, k ${K}); recall@10 ${out.recall_at_10} (${R} queries vs exact)`);
    console.log(`target p50 ≤ 10 ms at recall@10 ≥ 0.95: ${out.p50_ms <= 10 && out.recall_at_10 >= 0.95 ? 'met' : 'NOT met'}; total ${out.total_s} s, rss ${out.rss_gb} GiB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
