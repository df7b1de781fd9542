/**
 * Dev: does adding the FreeDict word-by-word translation help a distilled Swahili student?
 * A foreign sentence x is encoded as e(x) = normalize( ŝ(x) + w · t̂(dict(x)) ), with ŝ the student's and
 * t̂ the teacher's L2-normalised sentence vectors and dict(x) the word-by-word English translation
 * (`freedict:swh-eng`, first translation of each word). w = 0 is the student alone, w = ∞ the dictionary
 * baseline alone. Evaluated on SIB-200 swh dev only (204 pairs, not in any training bitext); never Tatoeba.
 *
 *   npx tsx experiments/swh-dict-fusion.ts STUDENT_DIR...      (record: results/dev/swh-dict-fusion.txt)
 */
import { loadUseLite } from '../src/models/use-lite.ts';
import { loadStudent } from '../src/models/student.ts';
import { loadSib200, resolveDataDir, readDictd, resolveDictionary, translateText } from '../src/data/index.ts';
import { evaluateBitextMining, l2NormalizeRows } from '../src/eval/mining.ts';

const H = 512;
const dataDir = resolveDataDir();
const dev = loadSib200(dataDir, 'swh_Latn', 'dev');
const teacher = await loadUseLite();
const lex = readDictd(resolveDictionary('freedict:swh-eng', dataDir));
const devEng = teacher.encode(dev.eng).embeddings; // [n, H]
const dictVec = l2NormalizeRows(teacher.encode(dev.src.map((t) => translateText(t, lex))).embeddings, H);
const pct = (x: number) => (100 * x).toFixed(1);
const report = (label: string, e: Float32Array) => {
  const m = evaluateBitextMining(e, devEng, H);
  console.log(`${label.padEnd(40)} SIB dev swh→en ${pct(m.src2tgt)}  en→swh ${pct(m.tgt2src)}`);
};
console.log(`SIB-200 swh dev, n = ${dev.src.length}`);
report('dictionary + teacher (w = ∞)', dictVec);
for (const dir of process.argv.slice(2)) {
  const s = await loadStudent(dir);
  const sv = l2NormalizeRows(s.encode(dev.src).embeddings, H);
  for (const w of [0, 0.25, 0.5, 1]) {
    const e = new Float32Array(sv.length);
    for (let i = 0; i < e.length; i++) e[i] = sv[i]! + w * dictVec[i]!;
    report(`${dir} w = ${w}`, l2NormalizeRows(e, H));
  }
  s.dispose();
}
