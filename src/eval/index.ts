/** Evaluation: bitext mining (Tatoeba/LASER style), paired significance tests, and TREC-style ranked retrieval. */
export { evaluateBitextMining, l2NormalizeRows, type MiningOptions, type MiningPerQuery, type MiningResult } from './mining.ts';
export { binomialTwoSidedHalf, mcnemarExact, type McNemarResult } from './significance.ts';
export { parseQrels, parseRun, readQrels, readRun, type Qrels, type Run } from './trec-format.ts';
export { formatMeasure, parseMeasure, parseMeasures, type Measure, type MeasureName } from './trec-measures.ts';
export { compareUtf8, evaluateRun, rankDocuments, type TrecEvalOptions, type TrecEvalResult } from './trec.ts';
export { evaluateImageRetrieval, goldFromImageNames, type ImageRetrievalResult } from './image-retrieval.ts';
