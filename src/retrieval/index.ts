/**
 * Cross-lingual retrieval: collections → encoder → persistent index (a VectorStore) → search and TREC runs.
 * See search-index.ts for the index and its guarantees, store.ts for the store interface.
 */
export { SearchIndex, modelSpace, INDEX_FORMAT, type ScoringOptions, type IndexEncoder, type IndexManifest, type ModelRecord, type EmbeddingSpace, type NewDoc, type AddOptions } from './search-index.ts';
export { openStore, STORE_KINDS, isStoreKind, type VectorStore, type StoredDoc, type SearchHit, type StoreInfo, type StoreKind, type OpenStoreOptions } from './store.ts';
export { FlatStore } from './flat.ts';
export { readCollection, parseCollection, readQueries, parseQueries, parseFormat, detectFormat, COLLECTION_FORMATS, type Collection, type CollectionFormat, type Doc, type Query } from './collection.ts';
export { formatRun, writeRun, runTag, type QueryResults } from './trec-run.ts';
export { modelSpecPath, peekModel, loadModel } from './model-spec.ts';
export { bm25Scores } from './bm25-scores.ts';
export { Bm25Index, BM25_DEFAULTS, BM25_FORMAT, validateBm25, type Bm25Params, type Bm25Manifest } from './bm25.ts';
export { TokenVectors, maxSim, normalizeRows } from './late.ts';
export { openAnyIndex, indexFormat, type AnyIndex } from './open-index.ts';
export { indexImages, listImages, clipQueryEncoder, IMAGE_EXTENSIONS, CLIP_SPEC, type IndexImagesOptions } from './images.ts';
