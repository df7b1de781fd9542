/** Evaluation: bitext mining (Tatoeba/LASER style) and paired significance tests. */
export { evaluateBitextMining, l2NormalizeRows, type MiningOptions, type MiningPerQuery, type MiningResult } from './mining.ts';
export { binomialTwoSidedHalf, mcnemarExact, type McNemarResult } from './significance.ts';
