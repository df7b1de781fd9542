/**
 * optical — library entry point. The CLI (`src/cli`) is a thin layer over these functions; everything it
 * does can be done from code:
 *
 *   import { distill, loadEncoder, evaluateBitextMining } from 'optical';
 *   const { student } = await distill({ ...DISTILL_DEFAULTS, lang: 'swh', bitext: ['bible:Swahili'], objective: 'ot', out: 'students/swh' });
 *
 * Optimal-transport solvers on typed arrays are also exported on their own: `optical/ot`.
 */
export * from './data/index.ts';
export { loadUseLite, USE_LITE } from './models/use-lite.ts';
export { createStudent, saveStudent, loadStudent, loadEncoder, loadTrainable, type VocabKind, type StudentOptions } from './models/student.ts';
export type { SentenceEncoder, TrainableEncoder, EncoderOutput } from './models/types.ts';
export { loadHfModel, HfEncoder } from './models/hf/index.ts';
export { distill, DISTILL_DEFAULTS, type DistillConfig, type DistillResult } from './distill/pipeline.ts';
export { makeObjective, OBJECTIVES, type Objective, type OtOptions } from './distill/objectives.ts';
export { train, TRAIN_DEFAULTS } from './distill/trainer.ts';
export { initLexicalSkip } from './distill/lexical-init.ts';
export { fitLinearBaseline, LinearBaseline } from './distill/linear-baseline.ts';
export * from './eval/index.ts';
export * from './retrieval/index.ts';
