/**
 * Dev: the student's vocabulary — the teacher's SentencePiece pieces (the default) against a new unigram
 * vocabulary trained on the Swahili side (`--vocab new`) — for accuracy and for speed. Swahili cuts into
 * 57.3 teacher pieces per sentence on average but 25.6 pieces of an 8k vocabulary trained on it (the README
 * bitext), and a training step's cost grows with the pieces.
 *
 * Each arm runs `optical distill` with its defaults on the 90 % of the development split, changing only
 * `--vocab`, and is scored on the held-out 10 % and SIB-200 swh dev (experiments/swh-arms.ts). Never Tatoeba.
 *
 *   npx tsx experiments/swh-vocab.ts [--arms teacher,new] [--work DIR]
 * Appends one line per arm to results/dev/swh-vocab.txt.
 */
import { parseArgs } from 'node:util';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runDevArms } from './swh-arms.ts';

const { values: a } = parseArgs({
  options: {
    arms: { type: 'string', default: 'teacher,new' },
    work: { type: 'string', default: join(tmpdir(), 'optical-swh-vocab') },
  },
});
const arms = a.arms!.split(',').map((v) => ({ name: v, flags: ['--vocab', v] }));
runDevArms(arms, join('results', 'dev', 'swh-vocab.txt'), a.work!);
