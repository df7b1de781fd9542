/** `optical distill`: train a student for a language from bitext. */
import type { Command } from 'commander';
import { distill, DISTILL_DEFAULTS, type DistillConfig, type DistillHooks } from '../distill/pipeline.ts';
import { distillClip } from '../distill/clip.ts';
import { OBJECTIVES, OT_MARGINALS } from '../distill/objectives.ts';
import { progressBar } from './progress.ts';
import { InputError } from '../errors.ts';
import { installStopHandlers, releaseStopHandlers, Stopped } from '../util/stop.ts';
import { sizedConfig } from '../models/student.ts';
import { USE_LITE_CONFIG } from '../models/kona.ts';

const collect = (v: string, prev: string[]) => [...prev, v];
/** A commander parser for a non-negative integer flag `--name` (an `InputError` otherwise). */
export const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InputError(`--${name} expects a non-negative integer, got "${v}"`);
  return n;
};
/** A commander parser for a number flag `--name`, optionally bounded below: `min` (with `strict`, > min). */
const num = (name: string, min?: number, strict = false) => (v: string) => {
  const n = Number(v);
  const ok = Number.isFinite(n) && (min === undefined || (strict ? n > min : n >= min));
  if (!ok) throw new InputError(`--${name} expects a number${min === undefined ? '' : ` ${strict ? '>' : '≥'} ${min}`}, got "${v}"`);
  return n;
};

export function distillCommand(program: Command): void {
  const d = DISTILL_DEFAULTS;
  program
    .command('distill')
    .description('distil a student encoder for a language from bitext (foreign ↔ English) and the English teacher')
    .requiredOption('--lang <code>', 'target language code (e.g. swh)')
    .requiredOption('--bitext <spec>', 'bitext: bible:NAME | mafand:en-XX | sib:LANG_Script[:split] | multi30k:LANG[:train|val] | lines:SRC:ENG (repeatable)', collect, [])
    .requiredOption('--objective <name>', `objective: ${OBJECTIVES.join(' | ')}`)
    .requiredOption('--out <dir>', 'output folder for the student (config.json, model.safetensors, tokenizer.json)')
    .option('--teacher <model>', 'the teacher: use-lite (default) | a Hugging Face folder (config.json, model.safetensors, tokenizer.json) | a Hugging Face name org/name (from the cache ~/.cache/optical or $OPTICAL_CACHE, fetched when online)')
    .option('--clip <dir>', 'distil CLIP\'s text tower instead: a CLIP folder in the transformers.js layout (onnx/text_model.onnx, tokenizer.json, config.json); --vocab, --lexical, --init do not apply')
    .option('--student <model>', 'init:DIR = a new student from the weights in DIR (e.g. a multilingual encoder) | DIR = continue a student distilled from the same teacher (default: created from the teacher)')
    .option('--max-pairs <n>', 'train on a seeded random subset of this many pairs', int('max-pairs'))
    .option('--epochs <n>', 'passes over the bitext', int('epochs'), d.epochs)
    .option('--steps <n>', 'total optimisation steps (overrides --epochs)', int('steps'))
    .option('--batch <n>', 'pairs per batch', int('batch'), d.batch)
    .option('--seed <n>', 'random seed', int('seed'), d.seed)
    .option('--vocab <kind>', 'teacher: reuse the teacher SentencePiece vocabulary | new: train a unigram vocabulary on the bitext', d.vocab)
    .option('--vocab-size <n>', 'size of a new vocabulary', int('vocab-size'), d.vocabSize)
    .option('--input-ngrams', 'add hashed n-gram embeddings to the input embeddings', d.inputNgrams)
    .option('--no-lexical', 'disable the lexical skip (TF-IDF word + character n-gram vectors added to token states, ridge-initialised)')
    .option('--init <how>', 'teacher: copy the teacher layers | random', d.init)
    .option('--width <n>', 'student hidden width W (USE-lite students; default the teacher\'s 512; narrower students project to 512): layers from scratch where shapes differ from the teacher\'s', int('width'))
    .option('--depth <n>', 'student layers D (USE-lite students; default the teacher\'s 2; layers beyond the teacher\'s start from scratch)', int('depth'))
    .option('--augment <rate>', 'training-time noise: the foreign side of a seeded half of the pairs gets keyboard typos, diacritics stripping and word drop, each at this rate', num('augment'))
    .option('--lr <x>', 'peak learning rate (transformer layers)', num('lr'), d.lr)
    .option('--table-lr <x>', 'peak learning rate (embedding tables)', num('table-lr'), d.tableLr)
    .option('--lexical-lr <x>', 'peak learning rate (lexical skip table; 0 keeps the closed-form fit)', num('lexical-lr'), d.lexicalLr)
    .option('--dropout <x>', 'dropout rate', num('dropout'), d.dropout)
    .option('--ot-cost <cost>', 'OT ground cost: sqeuclid | cosine', d.ot.cost)
    .option('--ot-epsilon <x>', 'OT entropic regularisation', num('ot-epsilon'), d.ot.epsilon)
    .option('--ot-marginals <kind>', 'OT token masses: uniform | idf (from the training bitext) | norm (token-state norms)', d.ot.marginals)
    .option('--ot-tau <x>', 'unbalanced OT: KL penalty on the marginals (default: balanced OT)', num('ot-tau'))
    .option('--temperature <x>', 'contrastive temperature (the initial one with --learn-temperature)', num('temperature'), d.temperature)
    .option('--learn-temperature', 'learn the contrastive temperature (log τ trained with the student)', d.learnTemperature)
    .option('--objective-lr <x>', "peak learning rate of the objective's own parameters (the learnable temperature)", num('objective-lr'), d.objectiveLr)
    .option('--checkpoint-every <n>', 'steps between checkpoints', int('checkpoint-every'), d.checkpointEvery)
    .option('--no-refit', 'keep the trained lexical skip (default: refit it in closed form after training)')
    .option('--sentence-skip', 'fit a sentence skip in closed form at the end: the embedding residual on the lexical features (default: off)', false)
    .option('--linear-mix <w>', 'weight w of the linear head fitted in closed form at the end (the teacher\'s embedding on the lexical features, no intercept): e = l2norm(e + w·l2norm(head)); 0: none', num('linear-mix', 0), d.linearMix)
    .option('--linear-lambda <x>', 'ridge λ of the linear head', num('linear-lambda', 0, true), d.linearLambda)
    .option('--resume', 'continue from OUT/checkpoint (or finish an interrupted refit)', false)
    .option('--data-dir <dir>', 'corpus folder (default $OPTICAL_DATA or ../shared/data)')
    .option('--json', 'print a JSON summary at the end')
    .option('--quiet', 'no progress output')
    .action(async (o) => {
      if (!['teacher', 'new'].includes(o.vocab)) throw new InputError(`--vocab must be "teacher" or "new", got "${o.vocab}"`);
      if (!(OT_MARGINALS as readonly string[]).includes(o.otMarginals)) throw new InputError(`--ot-marginals must be one of ${OT_MARGINALS.join(', ')}, got "${o.otMarginals}"`);
      if (o.otTau !== undefined && !(o.otTau > 0)) throw new InputError(`--ot-tau must be > 0, got ${o.otTau}`);
      if (!['teacher', 'random'].includes(o.init)) throw new InputError(`--init must be "teacher" or "random", got "${o.init}"`);
      if ((o.width !== undefined || o.depth !== undefined) && (o.teacher !== undefined || o.student !== undefined || o.clip !== undefined)) {
        throw new InputError('--width and --depth apply only to students created from the USE-lite teacher (no --teacher, --student or --clip)');
      }
      if (o.width !== undefined || o.depth !== undefined) sizedConfig(USE_LITE_CONFIG, { width: o.width, depth: o.depth });
      if (o.augment !== undefined && !(o.augment > 0 && o.augment <= 1)) throw new InputError(`--augment must be a noise rate in (0, 1], got ${o.augment}`);
      const cfg: DistillConfig = {
        ...d,
        lang: o.lang,
        teacher: o.teacher,
        student: o.student,
        bitext: o.bitext,
        maxPairs: o.maxPairs || undefined,
        objective: o.objective,
        out: o.out,
        dataDir: o.dataDir,
        epochs: o.epochs,
        steps: o.steps,
        batch: o.batch,
        seed: o.seed,
        vocab: o.vocab,
        vocabSize: o.vocabSize,
        inputNgrams: o.inputNgrams,
        lexical: o.lexical,
        init: o.init,
        lr: o.lr,
        tableLr: o.tableLr,
        lexicalLr: o.lexicalLr,
        dropout: o.dropout,
        ot: { ...d.ot, cost: o.otCost, epsilon: o.otEpsilon, marginals: o.otMarginals, tau: o.otTau ?? Infinity },
        temperature: o.temperature,
        learnTemperature: o.learnTemperature,
        objectiveLr: o.objectiveLr,
        refit: o.refit,
        sentenceSkip: o.sentenceSkip,
        linearMix: o.linearMix,
        linearLambda: o.linearLambda,
        resume: o.resume,
        checkpointEvery: o.checkpointEvery,
        width: o.width,
        depth: o.depth,
        augment: o.augment === undefined ? undefined : { rate: o.augment },
      };
      const show = !o.quiet;
      let teacherBar: ReturnType<typeof progressBar> | undefined;
      let trainBar: ReturnType<typeof progressBar> | undefined;
      const t0 = performance.now();
      if (o.clip !== undefined && o.teacher !== undefined) throw new InputError('give --clip or --teacher, not both');
      const hooks: DistillHooks = {
        log: (m) => show && process.stderr.write(`${m}\n`),
        teacherProgress: (done, total) => {
          teacherBar ??= progressBar('teacher', total, show);
          teacherBar.update(done);
          if (done === total) teacherBar.stop();
        },
        onStep: (s) => {
          trainBar ??= progressBar('train  ', s.totalSteps, show);
          trainBar.update(s.step, `loss ${s.loss.toFixed(4)} lr ${s.lr.toExponential(1)}`);
          if (s.step === s.totalSteps) trainBar.stop();
        },
        // Ctrl-C stops at the next step (with a checkpoint) during training, and ends the other phases at once
        training: (active) => (active ? installStopHandlers() : releaseStopHandlers()),
      };
      const r = await (o.clip !== undefined ? distillClip({ ...cfg, clip: o.clip }, hooks) : distill(cfg, hooks)).catch((e: unknown) => {
        if (!(e instanceof Stopped)) throw e;
        trainBar?.stop();
        throw new Stopped(`${e.message}; run the same command with --resume to continue`);
      });
      const summary = { out: o.out, lang: o.lang, objective: o.objective, pairs: r.bitext.src.length, steps: r.steps, loss: r.lastLoss, seconds: Math.round((performance.now() - t0) / 1000), ...('shape' in r && r.shape ? { student: r.shape } : {}) };
      if (o.json) process.stdout.write(JSON.stringify(summary) + '\n');
      else process.stdout.write(`saved ${o.out} (${summary.pairs} pairs, ${summary.steps} steps, final loss ${Number.isFinite(r.lastLoss) ? r.lastLoss.toFixed(4) : 'not logged'}, ${summary.seconds}s)\n`);
    });
}
