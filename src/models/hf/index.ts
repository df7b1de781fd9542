/**
 * Hugging Face BERT-family encoders (BERT, MiniLM, RoBERTa / XLM-R, DistilBERT; CLS, mean or ColBERT
 * pooling) as optical teachers and students. See model.ts for the saved layout, bert.ts for the forward.
 */
export { parseBertConfig, MODEL_TYPES, type BertConfig, type ModelType } from './config.ts';
export { HfEncoder, type HfSource, type OpticalBlock } from './model.ts';
export { loadHfModel, isHfFolder } from './load.ts';
export { HfTokenizer } from './tokenizer.ts';
export { POOLINGS, type Pooling } from './pooling.ts';
export { resolveHubModel, isHubName, hubCacheDir } from './hub.ts';
